"""The outreach queue (issue 16): working days, targets per tier, attempts, letter after three."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import InvalidInput
from app.models import ContactOutcome
from app.models import OutreachTier
from app.models import ReferralChannel
from app.models import ReferralStatus
from app.services import outreach
from app.services.outreach import add_working_days
from app.services.outreach import due_on
from app.services.outreach import is_working_day
from app.services.referrals import submit_referral
from tests.services.test_referrals import daughter_refers


def at(day: str, hour: int = 11) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def test_working_days_skip_weekends_and_england_and_wales_bank_holidays():
    """Christmas 2026: Fri 25 and Mon 28 (Boxing Day observed) are not working days."""
    assert not is_working_day(dt.date(2026, 12, 25))
    assert not is_working_day(dt.date(2026, 12, 26))
    assert not is_working_day(dt.date(2026, 12, 28))
    assert is_working_day(dt.date(2026, 12, 29))
    # Thursday 24 + 2 working days = Wednesday 30.
    assert add_working_days(dt.date(2026, 12, 24), 2) == dt.date(2026, 12, 30)
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    assert add_working_days(dt.date(2027, 3, 25), 1) == dt.date(2027, 3, 30)


def test_targets_per_tier_default_and_configured(app):
    """Urgent the same day; High 2, Medium 5, Low 10 working days; the setting overrides."""
    wed = at("2026-12-02")
    assert due_on(OutreachTier.URGENT, wed) == dt.date(2026, 12, 2)
    assert due_on(OutreachTier.HIGH, wed) == dt.date(2026, 12, 4)
    assert due_on(OutreachTier.MEDIUM, wed) == dt.date(2026, 12, 9)
    assert due_on(OutreachTier.LOW, wed) == dt.date(2026, 12, 16)
    # A Saturday referral starts counting on Monday.
    assert due_on(OutreachTier.HIGH, at("2026-12-05")) == dt.date(2026, 12, 8)
    app.config["OUTREACH_TARGET_DAYS"] = {"high": 1}
    assert due_on(OutreachTier.HIGH, wed) == dt.date(2026, 12, 3)


def test_the_queue_is_ordered_by_tier_then_waiting_time_and_flags_overdue(db):
    """Urgent first whatever its age; among equals the longest waiting; overdue highlighted."""
    old_low = submit_referral(
        daughter_refers(reason="old", lives_alone=False, life_events={}),
        channel=ReferralChannel.STAFF,
        now=at("2026-11-02"),
    ).referral
    new_medium = submit_referral(
        daughter_refers(reason="new"), channel=ReferralChannel.STAFF, now=at("2026-12-01")
    ).referral
    urgent = submit_referral(
        daughter_refers(reason="urgent", at_risk_now=True),
        channel=ReferralChannel.STAFF,
        now=at("2026-12-02", 9),
    ).referral
    rows = outreach.outreach_queue(now=at("2026-12-02", 15)).items
    assert [r.referral.id for r in rows] == [urgent.id, new_medium.id, old_low.id]
    assert old_low.tier == OutreachTier.LOW
    flags = {r.referral.id: r.overdue for r in rows}
    assert flags == {urgent.id: False, new_medium.id: False, old_low.id: True}
    assert next(r for r in rows if r.referral.id == old_low.id).waiting_days == 30


def test_three_failed_attempts_offer_a_letter_or_home_visit(db):
    """No answer, wrong number, left a message: the next step is a letter or a visit task."""
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.STAFF).referral
    with pytest.raises(InvalidInput):
        outreach.log_attempt(referral.id, "letter_sent", actor_id=None)
    for outcome in ("no_answer", "wrong_number", "left_message"):
        assert "Call" in outreach.next_step(referral)
        outreach.log_attempt(referral.id, outcome, actor_id=None)
    assert "letter" in outreach.next_step(referral)
    outreach.log_attempt(referral.id, "visit_booked", actor_id=None)
    assert referral.status == ReferralStatus.RECEIVED


def test_status_moves_received_contacted_connected_or_closed_with_a_reason(db):
    """Reaching them marks contacted; connected needs contact first; closing needs a reason."""
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.STAFF).referral
    with pytest.raises(InvalidInput) as caught:
        outreach.set_status(referral.id, "connected", actor_id=None)
    assert caught.value.field == "status"
    outreach.log_attempt(referral.id, ContactOutcome.REACHED.value, actor_id=None)
    assert referral.status == ReferralStatus.CONTACTED and referral.first_contact_at
    with pytest.raises(InvalidInput) as caught:
        outreach.set_status(referral.id, "closed", actor_id=None)
    assert caught.value.field == "reason"
    outreach.set_status(referral.id, "connected", actor_id=None)
    assert referral.status == ReferralStatus.CONNECTED
    assert outreach.open_count() == 0


def test_declining_closes_with_the_reason(db):
    """They said no thank you: closed, with the reason recorded."""
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.STAFF).referral
    outreach.log_attempt(referral.id, "declined", actor_id=None)
    assert referral.status == ReferralStatus.CLOSED and "declined" in referral.closed_reason


def test_a_named_connector_must_be_an_active_coordinator(db):
    """Viewers cannot be connectors."""
    from app.services.auth import create_user

    viewer = create_user("v@bureau.example", "Val", "correct horse battery", "viewer")
    coord = create_user("c@bureau.example", "Cleo", "correct horse battery", "coordinator")
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.STAFF).referral
    with pytest.raises(InvalidInput):
        outreach.assign_connector(referral.id, viewer.id, actor_id=None)
    outreach.assign_connector(referral.id, coord.id, actor_id=None)
    assert referral.connector_id == coord.id


def test_linking_records_consent_and_a_withdrawal_stops_outreach(db):
    """Consent to contact after a referral joins their history; withdrawn, no more calls."""
    from app.models import ConsentHow
    from app.models import ConsentPurpose
    from app.services import consent
    from app.services.referrals import confirm_match
    from tests.factories import make_resident

    father = make_resident(first_name="Samuel", last_name="Mensah", phone="+447700900123")
    referral = submit_referral(daughter_refers(), channel=ReferralChannel.STAFF).referral
    confirm_match(referral.id, father.id, actor_id=None)
    assert consent.allows(father, ConsentPurpose.AFTER_REFERRAL)
    consent.record_consent(father, ConsentPurpose.AFTER_REFERRAL, given=False, how=ConsentHow.PHONE)
    db.session.commit()
    assert outreach.next_step(referral).startswith("Do not contact")
    with pytest.raises(InvalidInput):
        outreach.log_attempt(referral.id, "no_answer", actor_id=None)


def test_the_queue_comes_a_page_at_a_time_with_the_count_of_all(db):
    """Three open referrals, two a page: page 2 holds the third, the total says 3."""
    for n in range(3):
        submit_referral(
            daughter_refers(reason=f"r{n}"), channel=ReferralChannel.STAFF, now=at("2026-12-01")
        )
    second = outreach.outreach_queue(now=at("2026-12-02"), page=2, per_page=2)
    assert second.total == 3 and len(second.items) == 1 and second.first == 3
