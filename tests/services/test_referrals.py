"""Referrals into one record (issue 16): checks, one submission one row, safeguarding, matching."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.errors import InvalidInput
from app.models import Alert
from app.models import AlertKind
from app.models import AuditLog
from app.models import LiftPurpose
from app.models import Message
from app.models import OutreachTier
from app.models import Referral
from app.models import ReferralChannel
from app.models import RiskTier
from app.services import referrals
from app.services.optimizer_mapping import lift_from_row
from app.services.referrals import ReferralInput
from app.services.referrals import submit_referral
from app.services.screening import record_screen
from tests.factories import make_lift
from tests.factories import make_resident

NOW = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.UTC)


def daughter_refers(**overrides: object) -> ReferralInput:
    """Amira refers her father Samuel, who agreed, by phone and text."""
    values: dict[str, object] = dict(
        source="family",
        referrer_name="Amira Mensah",
        referrer_contact="07700 900777",
        referrer_confirms_agreed=True,
        first_name="Samuel",
        last_name="Mensah",
        phone="07700 900123",
        postcode="IG11 7NB",
        address="4 Ripple Road",
        date_of_birth="1972-03-14",
        reason="Since Mum died he hardly leaves the flat.",
        life_events={"bereavement": "2026-10"},
        lives_alone=True,
        consent=True,
        contact_ways=["phone", "text"],
    )
    values.update(overrides)
    return ReferralInput(**values)  # type: ignore[arg-type]


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_referral_gets_an_unguessable_reference_from_an_unambiguous_alphabet(db):
    """8 characters, none of 0 O 1 I L 5 S 2 Z; the tier is worked out and audited."""
    result = submit_referral(daughter_refers(), channel=ReferralChannel.PUBLIC, now=NOW)
    ref = result.referral.reference
    assert result.created and len(ref) == 8
    assert not set(ref) & set("0O1IL5S2Z")
    assert result.referral.tier_words.startswith(("Medium", "High"))
    assert "bereaved 2 months ago" in result.referral.tier_words
    assert "life change at 54 (45-54)" in result.referral.tier_words
    actions = db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.entity_type == "Referral")
    ).all()
    assert actions == ["create"]


def test_the_same_form_sent_twice_stores_one_referral(db):
    """A double click (same form key) stores one referral and shows the same reference."""
    first = submit_referral(
        daughter_refers(), channel=ReferralChannel.PUBLIC, form_key="k1", now=NOW
    )
    again = submit_referral(
        daughter_refers(), channel=ReferralChannel.PUBLIC, form_key="k1", now=NOW
    )
    assert not again.created and again.referral.reference == first.referral.reference
    assert count(db, Referral) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"postcode": "NOT A CODE"}, "postcode"),
        ({"phone": "12345"}, "phone"),
        ({"consent": False}, "consent"),
        ({"referrer_confirms_agreed": False}, "referrer_confirms_agreed"),
        ({"life_events": {"bereavement": "2027-05"}}, "event_bereavement"),
        ({"life_events": {"bereavement": "soon"}}, "event_bereavement"),
        ({"life_events": {"alien_abduction": "2026-01"}}, "life_events"),
        ({"first_name": "Sam\x00"}, "first_name"),
        ({"reason": "x" * 6000}, "reason"),
        ({"contact_ways": []}, "contact_ways"),
        ({"contact_ways": ["text"], "phone": "020 8227 2000"}, "phone"),
        ({"source": "martian"}, "source"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(db, overrides, field):
    """A bad postcode or phone, no consent, a future life event…: the field is named."""
    with pytest.raises(InvalidInput) as caught:
        submit_referral(daughter_refers(**overrides), channel=ReferralChannel.PUBLIC, now=NOW)
    assert caught.value.field == field
    db.session.rollback()
    assert count(db, Referral) == 0
    assert count(db, Message) == 0


def test_at_risk_now_alerts_coordinators_texts_the_duty_phone_and_skips_the_queue(app, db):
    """Safeguarding first: an urgent alert, a text to the duty phone naming no one, tier Urgent."""
    app.config["DUTY_PHONE"] = "07700 900999"
    result = submit_referral(
        daughter_refers(at_risk_now=True), channel=ReferralChannel.STAFF, now=NOW
    )
    assert result.referral.tier == OutreachTier.URGENT
    alert = db.session.scalar(sa.select(Alert))
    assert alert.kind == AlertKind.SAFEGUARDING and result.referral.reference in alert.detail
    duty = db.session.scalar(sa.select(Message).where(Message.phone == "+447700900999"))
    assert duty is not None and "URGENT" in duty.body
    assert "Samuel" not in duty.body and "Mensah" not in duty.body


def test_self_harm_is_urgent_without_a_duty_phone_too(db):
    """No duty phone configured: the alert still goes up; no text is attempted."""
    result = submit_referral(
        daughter_refers(self_harm=True), channel=ReferralChannel.STAFF, now=NOW
    )
    assert result.referral.tier == OutreachTier.URGENT
    assert count(db, Alert) == 1
    assert count(db, Message) == 0


def test_a_self_referrer_with_a_mobile_gets_one_text_a_day(db):
    """Thanks by text to a self-referrer who chose texts; a second referral that day: no text."""
    me = {"source": "self", "referrer_name": "", "referrer_confirms_agreed": False}
    submit_referral(daughter_refers(**me), channel=ReferralChannel.PUBLIC, form_key="a", now=NOW)
    submit_referral(
        daughter_refers(**me, reason="again"),
        channel=ReferralChannel.PUBLIC,
        form_key="b",
        now=NOW + dt.timedelta(hours=2),
    )
    texts = db.session.scalars(sa.select(Message).where(Message.kind == "referral_ack")).all()
    assert len(texts) == 1 and "ref " in texts[0].body
    # The next day they may be thanked again.
    submit_referral(
        daughter_refers(**me, reason="third"),
        channel=ReferralChannel.PUBLIC,
        form_key="c",
        now=NOW + dt.timedelta(days=1),
    )
    assert count(db, Message) == 2


def test_a_family_referral_never_texts_the_person(db):
    """Texts go only to self-referrers: a daughter's referral texts nobody."""
    submit_referral(daughter_refers(), channel=ReferralChannel.PUBLIC, now=NOW)
    assert count(db, Message) == 0


def test_likely_matches_are_offered_and_only_staff_confirm(db):
    """Same phone is a likely match; rejecting hides it; confirming links, never merges."""
    father = make_resident(first_name="Samuel", last_name="Mensah", phone="+447700900123")
    other = make_resident(first_name="Samuel", last_name="Mensah", postcode="IG11 7NB")
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.PUBLIC, now=NOW).referral
    assert referral.resident_id is None
    found = {m.id for m in referrals.likely_residents(referral)}
    assert found == {father.id, other.id}
    referrals.reject_match(referral.id, other.id, actor_id=None)
    assert {m.id for m in referrals.likely_residents(referral)} == {father.id}
    referrals.confirm_match(referral.id, father.id, actor_id=None)
    assert referral.resident_id == father.id
    assert count(db, Referral) == 1
    # Their tier now follows the referral, and planning reads it.
    assert father.risk_tier in (RiskTier.MEDIUM, RiskTier.HIGH)


def test_a_new_person_is_only_created_once_matches_are_settled(db):
    """Create a resident from a referral only when no likely match is left."""
    make_resident(first_name="Samuel", last_name="Mensah", phone="+447700900123")
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.PUBLIC, now=NOW).referral
    with pytest.raises(InvalidInput):
        referrals.create_resident_from(referral.id, actor_id=None)


def test_viewing_a_referral_is_audited(db):
    """Every view of a referral is in the audit log."""
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.PUBLIC, now=NOW).referral
    referrals.view_referral(referral.id, actor_id=None)
    actions = db.session.scalars(sa.select(AuditLog.action)).all()
    assert "view" in actions


def test_viewers_see_the_tier_only():
    """Screen answers and life events: coordinators and admins only."""
    assert referrals.sees_special_category("coordinator")
    assert referrals.sees_special_category("admin")
    assert not referrals.sees_special_category("viewer")


def test_the_tier_is_read_when_a_day_is_planned_not_copied_at_booking(db):
    """A lift booked at Low, then a screen says lonely: planning sees the higher priority."""
    father = make_resident(
        risk_tier=RiskTier.LOW, phone="+447700900123", first_name="Samuel", last_name="Mensah"
    )
    lift = make_lift(father, purpose=LiftPurpose.ACTIVITY, priority=10)
    before = lift_from_row(lift).priority
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.PUBLIC, now=NOW).referral
    referrals.confirm_match(referral.id, father.id, actor_id=None)
    record_screen(
        referral,
        {"companionship": 3, "left_out": 3, "isolated": 2},
        5,
        method="phone",
        actor_id=None,
    )
    from app.services.risk import refresh_tier

    refresh_tier(referral)
    db.session.commit()
    assert father.risk_tier == RiskTier.HIGH
    assert lift.priority == 10  # nothing copied into the lift
    assert lift_from_row(lift).priority > before
