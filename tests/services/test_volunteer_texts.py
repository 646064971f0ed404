"""Drivers and befrienders texting in their own words reach a person, not the booking menu.

Issue 13: "sorry my car broke down" from a driver got the residents' "Text LIFT to book a
lift" and, the second time, nothing for staff but "we could not understand".
"""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.services.conversations import handle_inbound
from app.services.sms_templates import segments
from tests.factories import make_volunteer
from tests.fakes import install_fake_sms

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
_sids = itertools.count(1)


def text(phone: str, body: str) -> str | None:
    return handle_inbound(phone, body, f"SMvol{next(_sids):029d}", now=NOW).reply


def staff_alerts() -> list[Alert]:
    return list(db.session.scalars(sa.select(Alert).order_by(Alert.id)))


def test_a_drivers_broken_down_car_reaches_a_coordinator(app: Flask) -> None:
    install_fake_sms(app)
    dev = make_volunteer(first_name="Dev", last_name="Patel")

    reply = text(dev.phone, "sorry my car broke down")

    assert reply is not None
    assert "LIFT" not in reply and "MY LIFTS" not in reply
    assert reply.startswith("Thanks Dev, I have passed your message to a coordinator")
    assert app.config["BUREAU_PHONE"] in reply
    assert segments(reply) <= 2
    [alert] = staff_alerts()
    assert alert.kind == AlertKind.CALL_REQUESTED
    assert alert.volunteer_id == dev.id
    assert "Dev Patel (driver) texted: 'sorry my car broke down'" in alert.detail


def test_every_text_from_a_driver_is_passed_on_not_just_the_second(app: Flask) -> None:
    install_fake_sms(app)
    dev = make_volunteer(first_name="Dev")

    text(dev.phone, "running 10 min late for Mrs Okoro")
    text(dev.phone, "now stuck on the A13")

    # One open alert per person and reason (issue 13): the second text joins the first, newest
    # first, so a coordinator reads both in one place.
    [alert] = staff_alerts()
    assert alert.detail.index("stuck on the A13") < alert.detail.index("running 10 min late")


def test_a_befriender_asking_for_help_gets_befrienders_words(app: Flask) -> None:
    install_fake_sms(app)
    amina = make_volunteer(first_name="Amina", is_driver=False, is_befriender=True, car_seats=0)

    reply = text(amina.phone, "help")

    assert reply is not None
    assert "book a lift" not in reply and "route" not in reply
    assert "befriending" in reply and app.config["BUREAU_PHONE"] in reply
    assert segments(reply) <= 2


def test_a_befrienders_news_is_labelled_befriender_for_staff(app: Flask) -> None:
    install_fake_sms(app)
    amina = make_volunteer(
        first_name="Amina", last_name="Shah", is_driver=False, is_befriender=True, car_seats=0
    )

    text(amina.phone, "Mr Hill was not in today, is he ok?")

    [alert] = staff_alerts()
    assert "Amina Shah (befriender) texted" in alert.detail


def test_a_driver_asking_for_help_is_told_how_to_answer_a_route(app: Flask) -> None:
    install_fake_sms(app)
    dev = make_volunteer(first_name="Dev", is_befriender=True)

    reply = text(dev.phone, "HELP")

    assert reply is not None
    assert "reply 1 to take it or 2" in reply and "befriending" in reply
    assert "Text LIFT" not in reply
    assert segments(reply) <= 2
