"""The call list (issue 13): everyone a coordinator must phone, why in words, soonest first,
and a tick with a note that records the call and takes the entry off the list."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from app.errors import InvalidInput
from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import LiftStatus
from app.services.auth import create_user
from app.services.calls import call_list
from app.services.calls import record_call
from app.services.messaging import add_alert
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer

TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
TOMORROW = TODAY + dt.timedelta(days=1)
LANDLINE = "+442082270001"


def names() -> list[str]:
    return [e.name for e in call_list(today=TODAY)]


def test_people_we_cannot_text_about_a_booked_lift_are_on_the_list(app: Flask) -> None:
    """A landline, no consent, opted out: each must be phoned, with the reason in words."""
    land = make_resident(first_name="Lena", last_name="Landline", phone=LANDLINE)
    noconsent = make_resident(first_name="Nora", last_name="Noconsent", sms_consent=False)
    opted = make_resident(first_name="Otto", last_name="Optedout", opted_out_at=NOW)
    fine = make_resident(first_name="Tess", last_name="Textable")
    for person in (land, noconsent, opted, fine):
        make_lift(person, day=TOMORROW)
    entries = {e.name: e for e in call_list(today=TODAY)}
    assert set(entries) == {"Lena Landline", "Nora Noconsent", "Otto Optedout"}
    assert "not a mobile" in entries["Lena Landline"].detail
    assert entries["Lena Landline"].phone == LANDLINE
    assert "not agreed to texts" in entries["Nora Noconsent"].detail
    assert "opted out" in entries["Otto Optedout"].detail
    assert entries["Otto Optedout"].reason == "Cannot be texted about their lifts"
    [line] = entries["Lena Landline"].lifts
    assert line.text.startswith("Tue 1 Dec: lift to ")


def test_nobody_without_a_lift_coming_is_listed_for_texts(app: Flask) -> None:
    """A landline with no lift booked (or only a past one) needs no call about lifts."""
    old = make_resident(phone=LANDLINE)
    make_lift(old, day=TODAY - dt.timedelta(days=3))
    assert names() == []


def test_a_lift_we_could_not_give_is_on_the_list_with_why(app: Flask) -> None:
    """An unserved lift: tell the resident, with the planner's reason in words."""
    joan = make_resident(first_name="Joan", last_name="Unserved")
    make_lift(joan, day=TOMORROW, status=LiftStatus.UNSERVED, status_reason="no_driver_available")
    [entry] = call_list(today=TODAY)
    assert entry.reason == "A lift we could not give"
    assert "No driver is free at that time." in entry.lifts[0].text


def test_alerts_are_on_the_list_failed_texts_and_silent_drivers(app: Flask) -> None:
    """A failed text and a driver who has not answered each make an entry with their number."""
    joan = make_resident(first_name="Joan", last_name="Failed")
    dev = make_volunteer(first_name="Dev", last_name="Silent")
    add_alert(AlertKind.TEXT_FAILED, "A text to Joan was not sent.", person=joan, now=NOW)
    add_alert(AlertKind.DRIVER_NO_REPLY, "Dev has not answered.", person=dev, now=NOW)
    db.session.commit()
    entries = {e.name: e for e in call_list(today=TODAY)}
    assert entries["Joan Failed"].reason == "A text to them failed"
    assert entries["Dev Silent"].reason == "Driver has not answered their route"
    assert entries["Dev Silent"].phone == dev.phone and entries["Dev Silent"].volunteer_id == dev.id


def test_soonest_lift_first(app: Flask) -> None:
    """The lift on Tuesday morning comes before Tuesday afternoon, before Thursday."""
    later = make_resident(first_name="Thu", last_name="Later", phone=LANDLINE)
    make_lift(later, day=TODAY + dt.timedelta(days=3))
    pm = make_resident(first_name="Tue", last_name="Afternoon", sms_consent=False)
    make_lift(pm, day=TOMORROW, arrive_by=dt.time(14, 0))
    am = make_resident(first_name="Tue", last_name="Morning", sms_consent=False)
    make_lift(am, day=TOMORROW, arrive_by=dt.time(9, 30))
    assert names() == ["Tue Morning", "Tue Afternoon", "Thu Later"]


def test_ticking_an_alert_closes_it_with_the_note(app: Flask) -> None:
    """Called: the alert is done by this coordinator with the note, and leaves the list."""
    staff = create_user("sam@bureau.example", "Sam", "correct horse battery", "coordinator")
    joan = make_resident(first_name="Joan")
    alert = add_alert(AlertKind.CALL_REQUESTED, "Joan asked for a call.", person=joan, now=NOW)
    db.session.commit()
    [entry] = call_list(today=TODAY)
    assert record_call(entry.key, actor_id=staff.id, note="Booked her lift.", now=NOW) == (
        joan.full_name
    )
    db.session.refresh(alert)
    assert alert.resolved_by_id == staff.id and alert.resolved_note == "Booked her lift."
    assert call_list(today=TODAY) == []


def test_ticking_a_found_entry_records_the_call_and_a_new_lift_shows_again(app: Flask) -> None:
    """No texts: the call is recorded per lift; a lift booked afterwards needs a new call."""
    staff = create_user("sam@bureau.example", "Sam", "correct horse battery", "coordinator")
    lena = make_resident(first_name="Lena", phone=LANDLINE)
    first = make_lift(lena, day=TOMORROW)
    [entry] = call_list(today=TODAY)
    record_call(entry.key, actor_id=staff.id, note="Told her the time.", now=NOW)
    assert call_list(today=TODAY) == []
    done = db.session.scalar(sa.select(Alert).where(Alert.lift_id == first.id))
    assert done is not None and done.kind == AlertKind.NO_TEXTS
    assert done.resolved_by_id == staff.id and done.resolved_note == "Told her the time."
    make_lift(lena, day=TODAY + dt.timedelta(days=4))
    [again] = call_list(today=TODAY)
    assert [line.day for line in again.lifts] == [TODAY + dt.timedelta(days=4)]


@pytest.mark.parametrize("key", ["", "alert:", "alert:x", "nonsense:1", "no_texts"])
def test_a_key_not_on_the_list_is_refused_in_words(app: Flask, key: str) -> None:
    """A forged or stale key is a clear refusal, never a crash."""
    with pytest.raises(InvalidInput, match="not on the list"):
        record_call(key, actor_id=None)


def test_a_note_with_a_nul_byte_is_refused_naming_the_field(app: Flask) -> None:
    """Bad input names the field and stores nothing."""
    joan = make_resident()
    alert = add_alert(AlertKind.CALL_REQUESTED, "call", person=joan, now=NOW)
    db.session.commit()
    with pytest.raises(InvalidInput, match="Note contains a NUL byte"):
        record_call(f"alert:{alert.id}", actor_id=None, note="bad\x00")
    db.session.refresh(alert)
    assert alert.resolved_at is None
