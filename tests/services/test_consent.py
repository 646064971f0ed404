"""Consent per person and purpose (issue 14): one function decides, every change is history
with when, how and by whom, STOP and START by text are recorded, and the services that text,
introduce or match on life events ask it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
import sqlalchemy as sa

from app.errors import Conflict
from app.errors import InvalidInput
from app.extensions import db
from app.models import AuditLog
from app.models import ConsentHow
from app.models import ConsentPurpose
from app.models import ConsentRecord
from app.models import MessageStatus
from app.models import Pairing
from app.models import PairingStatus
from app.services import befriending
from app.services import consent
from app.services.auth import create_user
from app.services.befriending_mapping import resident_profile
from app.services.conversations import handle_inbound
from app.services.messaging import queue_text
from app.services.messaging import why_not_text
from tests.factories import add_postcode
from tests.factories import make_resident
from tests.factories import make_volunteer

NOW = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
TEXTS = ConsentPurpose.TEXTS
_sids = itertools.count(900)


def _text(phone: str | None, body: str) -> None:
    handle_inbound(phone or "", body, f"SM{next(_sids):032d}", now=NOW)


def test_withdrawing_texts_on_the_phone_is_history_and_stops_texts(app: Any) -> None:
    """Kim takes Joan's call: texts withdrawn by phone call, when and by whom; none are sent."""
    kim = create_user("kim@bureau.example", "Kim", "correct horse battery", "coordinator")
    joan = make_resident()
    assert consent.allows(joan, TEXTS)
    row = consent.record_consent(
        joan, TEXTS, given=False, how=ConsentHow.PHONE, staff_id=kim.id, now=NOW
    )
    db.session.commit()
    assert row is not None and (row.given, row.how, row.staff_user_id, row.at) == (
        False,
        "phone call",
        kim.id,
        NOW,
    )
    assert consent.why_not(joan, TEXTS) == "They have not agreed to texts."
    assert why_not_text(joan, joan.phone) == "They have not agreed to texts."
    assert queue_text(joan, "hello", kind="test").status == MessageStatus.SUPPRESSED
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "consent"))
    assert audit is not None and audit.changes == {
        "texts": [True, False],
        "how": [None, "phone call"],
    }


def test_recording_the_same_state_again_adds_nothing(app: Any) -> None:
    """Ticking what was already ticked is not a new consent."""
    joan = make_resident()
    assert consent.record_consent(joan, TEXTS, given=True, how=ConsentHow.FORM) is None
    assert db.session.scalars(sa.select(ConsentRecord)).all() == []


def test_stop_and_start_by_text_are_withdrawn_and_given_by_text(app: Any) -> None:
    """STOP: opted out, recorded as withdrawn by text by the resident; START gives it back."""
    joan = make_resident()
    _text(joan.phone, "STOP")
    assert joan.opted_out_at is not None
    assert consent.why_not(joan, TEXTS) == "They have opted out of texts."
    _text(joan.phone, "START")
    assert consent.allows(joan, TEXTS) and joan.opted_out_at is None
    rows = consent.history(joan)
    assert [(r.given, r.how, r.note) for r in rows] == [
        (True, "text", "START"),
        (False, "text", "STOP"),
    ]
    actors = db.session.scalars(sa.select(AuditLog.actor).where(AuditLog.action == "consent"))
    assert set(actors) == {"resident by text"}


def test_stop_from_someone_who_never_agreed_still_marks_them_opted_out(app: Any) -> None:
    """Never agreed, then STOP: opted out is recorded, so a later tick on a form is not enough
    on its own to hide that they asked us to stop."""
    amir = make_resident(sms_consent=False)
    _text(amir.phone, "STOP")
    assert amir.opted_out_at is not None
    assert [r.given for r in consent.history(amir)] == [False]


def test_life_events_are_matched_only_with_consent(app: Any) -> None:
    """Joan's bereavement reaches the matcher only after she agrees; withdrawing hides it."""
    joan = make_resident(life_events=["bereavement"], share_life_events=False)
    day = dt.date(2026, 12, 2)
    assert not resident_profile(joan, day=day).life_events
    consent.record_consent(joan, ConsentPurpose.LIFE_EVENTS, given=True, how=ConsentHow.PAPER)
    assert joan.share_life_events is True
    assert set(resident_profile(joan, day=day).life_events) == {"bereavement"}
    consent.record_consent(joan, ConsentPurpose.LIFE_EVENTS, given=False, how=ConsentHow.PHONE)
    assert not resident_profile(joan, day=day).life_events


def test_an_introduction_waits_for_the_residents_agreement(app: Any) -> None:
    """Joan asked for a befriender but then said no to introductions: accepting is refused,
    and the waiting list says why."""
    joan = make_resident(wants_befriender=True, interests=["chess"])
    bea = make_volunteer(
        is_driver=False, is_befriender=True, befriend_capacity=2, interests=["chess"]
    )
    consent.record_consent(joan, ConsentPurpose.BEFRIENDING, given=False, how=ConsentHow.PHONE)
    pairing = Pairing(
        resident_id=joan.id, volunteer_id=bea.id, status=PairingStatus.PROPOSED, score=0.9
    )
    db.session.add(pairing)
    db.session.commit()
    with pytest.raises(Conflict, match="has not agreed to being introduced"):
        befriending.accept_proposal(pairing.id, actor_id=None, now=NOW)
    db.session.rollback()
    db.session.delete(db.session.get(Pairing, pairing.id))
    db.session.commit()
    [entry] = befriending.waiting_list(day=NOW.date())
    assert entry.code == "no_consent" and "not agreed" in entry.reason


def test_asking_for_a_befriender_before_consent_had_a_history_still_counts(app: Any) -> None:
    """A resident who asked for a befriender (and a befriender volunteer) may be introduced."""
    joan = make_resident(wants_befriender=True)
    bea = make_volunteer(is_befriender=True)
    assert consent.allows(joan, ConsentPurpose.BEFRIENDING)
    assert consent.allows(bea, ConsentPurpose.BEFRIENDING)
    assert not consent.allows(make_resident(), ConsentPurpose.BEFRIENDING)


def test_contact_after_referral_is_not_assumed(app: Any) -> None:
    """Nobody is contacted after a referral until their agreement is recorded."""
    joan = make_resident()
    assert consent.why_not(joan, ConsentPurpose.AFTER_REFERRAL) == (
        f"{joan.full_name} has not agreed to being contacted after a referral."
    )
    consent.record_consent(joan, ConsentPurpose.AFTER_REFERRAL, given=True, how=ConsentHow.REFERRAL)
    assert consent.allows(joan, ConsentPurpose.AFTER_REFERRAL)


def test_a_volunteer_has_no_referral_purpose_and_a_bad_how_is_named(app: Any) -> None:
    """Volunteers are not referred; an unknown 'how' is refused naming the field."""
    dev = make_volunteer()
    with pytest.raises(InvalidInput):
        consent.record_consent(dev, ConsentPurpose.AFTER_REFERRAL, given=True, how=ConsentHow.FORM)
    with pytest.raises(InvalidInput) as caught:
        consent.record_choices(dev, {TEXTS: False}, how="carrier pigeon", staff_id=None)
    assert caught.value.field == "consent_how"
    assert consent.allows(dev, TEXTS)


def test_a_referrals_consent_becomes_the_residents_when_staff_link_it(app: Any) -> None:
    """Samuel agreed (his daughter says) to be contacted; created from the referral, his
    history says 'referral' for contact after a referral and for the texts he asked for."""
    from app.models import ReferralChannel
    from app.services import referrals
    from app.services.referrals import submit_referral
    from tests.services.test_referrals import daughter_refers

    add_postcode()
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.PUBLIC, now=NOW).referral
    referrals.create_resident_from(referral.id, actor_id=None)
    samuel = referral.resident
    assert samuel is not None
    assert consent.allows(samuel, ConsentPurpose.AFTER_REFERRAL)
    assert consent.allows(samuel, TEXTS)
    assert {(r.purpose, r.how) for r in consent.history(samuel)} == {
        ("contact_after_referral", "referral"),
        ("texts", "referral"),
    }


def test_consent_history_is_in_the_export_and_its_notes_go_with_erasure(app: Any) -> None:
    """Joan's zip holds her consent history; erasing her keeps the rows (proof of what was
    agreed, for counts) and blanks the free-text notes."""
    import io
    import json
    import zipfile

    from app.services import erasure
    from app.services import subject_access
    from app.services.personal_data import Kind

    joan = make_resident(first_name="Joan", last_name="Consent")
    consent.record_consent(
        joan, TEXTS, given=False, how=ConsentHow.PHONE, note="Joan Consent rang herself"
    )
    db.session.commit()
    made = subject_access.export_person(Kind.RESIDENT, joan.id, actor_id=None)
    files = zipfile.ZipFile(io.BytesIO(made.data))
    rows = json.loads(files.read("consent_records.json"))
    assert [(r["purpose"], r["given"], r["how"]) for r in rows] == [("texts", False, "phone call")]
    erasure.erase_person(Kind.RESIDENT, joan.id, reason="asked to be forgotten", actor_id=None)
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(ConsentRecord)).all()
    assert (row.purpose, row.given) == ("texts", False) and "Joan" not in row.note
