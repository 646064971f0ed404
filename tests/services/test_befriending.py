"""Befriending lifecycle (issue #5): propose → accept or reject → introduce → check in → end."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from app.errors import Conflict
from app.errors import InvalidInput
from app.errors import NotFound
from app.models import Alert
from app.models import AlertKind
from app.models import AuditLog
from app.models import BlockedPair
from app.models import Gender
from app.models import Message
from app.models import MessageStatus
from app.models import Pairing
from app.models import PairingStatus
from app.models import Resident
from app.models import Volunteer
from app.services import befriending
from app.services.befriending_mapping import age_band
from app.services.befriending_mapping import befriender_profile
from app.services.befriending_mapping import resident_profile
from tests.factories import BARKING
from tests.factories import make_resident
from tests.factories import make_volunteer

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 3, 2)
NEAR = (BARKING[0] + 0.005, BARKING[1])  # about 550 m north of the residents


def waiting(**overrides: Any) -> Resident:
    """A resident in Barking who would like a befriender and likes gardening and chess."""
    values: dict[str, Any] = {"wants_befriender": True, "interests": ["gardening", "chess"]}
    values.update(overrides)
    return make_resident(**values)


def befriender(**overrides: Any) -> Volunteer:
    """A befriender 550 m away with one place, a valid DBS check and the same interests."""
    values: dict[str, Any] = {
        "first_name": "Priya",
        "is_driver": False,
        "car_seats": 0,
        "is_befriender": True,
        "befriend_capacity": 1,
        "interests": ["gardening", "chess"],
        "languages": ["english"],
        "lat": NEAR[0],
        "lon": NEAR[1],
    }
    values.update(overrides)
    return make_volunteer(**values)


def propose() -> befriending.ProposalRun:
    return befriending.propose_pairings(actor_id=None, day=DAY, now=NOW)


def pairings(db: Any, **where: Any) -> list[Pairing]:
    stmt = sa.select(Pairing).filter_by(**where).order_by(Pairing.id)
    return list(db.session.scalars(stmt))


def texts(db: Any) -> list[Message]:
    """Texts that go out (the outbox also keeps suppressed rows saying why one did not)."""
    stmt = sa.select(Message).where(Message.status != MessageStatus.SUPPRESSED)
    return list(db.session.scalars(stmt.order_by(Message.id)))


def actions(db: Any) -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))


def accepted(db: Any) -> Pairing:
    """One resident and one befriender, proposed and accepted."""
    resident, volunteer = waiting(), befriender()
    run = propose()
    (pairing_id,) = run.pairing_ids
    pairing = befriending.accept_proposal(pairing_id, actor_id=None, now=NOW)
    assert (pairing.resident_id, pairing.volunteer_id) == (resident.id, volunteer.id)
    return pairing


# --- proposing --------------------------------------------------------------------------------


def test_propose_stores_proposals_with_score_and_reasons(db):
    """A run stores a proposed pairing with its score and human-readable reasons, audited."""
    resident, volunteer = waiting(), befriender()
    run = propose()
    (row,) = pairings(db)
    assert run.proposed == 1 and run.new == 1 and run.waiting == ()
    assert (row.resident_id, row.volunteer_id, row.status) == (
        resident.id,
        volunteer.id,
        PairingStatus.PROPOSED,
    )
    assert 0.3 <= row.score <= 1
    assert any("gardening" in r for r in row.reasons)
    assert "propose" in actions(db)


def test_a_second_run_keeps_the_same_proposal_and_withdraws_stale_ones(db):
    """Re-running keeps an unchanged proposal's row; a proposal no longer wanted is withdrawn."""
    waiting()
    befriender()
    first = propose()
    again = propose()
    assert again.pairing_ids == first.pairing_ids and again.new == 0 and again.unchanged == 1
    resident = db.session.get(Pairing, first.pairing_ids[0]).resident
    resident.wants_befriender = False
    db.session.commit()
    last = propose()
    assert last.withdrawn == 1 and pairings(db) == []
    assert "withdraw" in actions(db)


def test_residents_waiting_get_a_reason(db):
    """A resident who needs Polish, with no Polish speaker nearby, waits with that reason."""
    waiting(languages=["polish"], needs_language="polish")
    befriender()
    run = propose()
    (entry,) = run.waiting
    assert entry.code == "language" and "Polish" in entry.reason
    assert [w.reason for w in befriending.waiting_list(day=DAY)] == [entry.reason]


def test_waiting_list_leaves_out_residents_with_a_proposal_or_pairing(db):
    """The waiting list holds only residents with neither a proposal nor an active pairing."""
    waiting()
    befriender()
    assert [w.code for w in befriending.waiting_list(day=DAY)] == ["can_propose"]
    propose()
    assert befriending.waiting_list(day=DAY) == []


def test_rejected_pair_is_never_proposed_again(db):
    """A rejection keeps its reason, and later runs never propose that pair again."""
    resident, _ = waiting(), befriender()
    (pairing_id,) = propose().pairing_ids
    befriending.reject_proposal(pairing_id, "Knows the family", actor_id=None, now=NOW)
    row = db.session.get(Pairing, pairing_id)
    assert row.status == PairingStatus.REJECTED and row.rejection_reason == "Knows the family"
    run = propose()
    assert run.proposed == 0
    (entry,) = run.waiting
    assert entry.resident_id == resident.id and entry.code == "blocked"
    other = befriender(first_name="Sam")
    (again,) = propose().pairing_ids
    assert db.session.get(Pairing, again).volunteer_id == other.id


def test_reject_needs_a_reason(db):
    """Rejecting without a reason is refused and changes nothing."""
    waiting()
    befriender()
    (pairing_id,) = propose().pairing_ids
    with pytest.raises(InvalidInput, match="reason"):
        befriending.reject_proposal(pairing_id, "   ", actor_id=None, now=NOW)
    assert db.session.get(Pairing, pairing_id).status == PairingStatus.PROPOSED


def test_staff_blocked_pair_is_never_proposed(db):
    """A pair blocked by staff is never proposed."""
    resident, volunteer = waiting(), befriender()
    db.session.add(BlockedPair(resident_id=resident.id, volunteer_id=volunteer.id))
    db.session.commit()
    assert propose().proposed == 0


def test_active_pairings_are_never_broken(db):
    """An active pairing survives later runs and uses its befriender's only place."""
    pairing = accepted(db)
    newcomer = waiting(interests=["gardening", "chess", "choir"])
    run = propose()
    assert run.proposed == 0
    assert [w.resident_id for w in run.waiting] == [newcomer.id]
    assert run.waiting[0].code == "full"
    assert db.session.get(Pairing, pairing.id).status == PairingStatus.ACTIVE
    pairing.volunteer.befriend_capacity = 2
    db.session.commit()
    (new_id,) = propose().pairing_ids
    assert db.session.get(Pairing, new_id).resident_id == newcomer.id
    assert db.session.get(Pairing, pairing.id).status == PairingStatus.ACTIVE


# --- accepting --------------------------------------------------------------------------------


def test_accept_makes_the_pairing_active_and_schedules_a_checkin(db):
    """Acceptance sets the status, who decided and the first check-in four weeks on."""
    pairing = accepted(db)
    assert pairing.status == PairingStatus.ACTIVE
    assert pairing.decided_at == NOW
    assert pairing.next_checkin_on == DAY + dt.timedelta(weeks=4)
    assert "accept" in actions(db)


def test_introduction_texts_name_the_resident_and_interests_but_no_address(db):
    """Both sides get a text with the resident's first name and shared interests, no address."""
    pairing = accepted(db)
    resident, volunteer = pairing.resident, pairing.volunteer
    intro = texts(db)
    assert {m.kind for m in intro} == {"befriend_intro"}
    assert {m.phone for m in intro} == {resident.phone, volunteer.phone}
    for message in intro:
        assert message.concerns_type == "pairing" and message.concerns_id == pairing.id
        assert resident.first_name in message.body
        assert "gardening and chess" in message.body
        assert resident.last_name not in message.body
        for private in (resident.address, resident.postcode, volunteer.address, "Ripple"):
            assert private not in message.body
    to_volunteer = next(m for m in intro if m.volunteer_id == volunteer.id)
    assert to_volunteer.resident_id is None


def test_opted_out_or_unconsenting_resident_gets_no_text(db):
    """Nobody who opted out or never agreed to texts is texted; the befriender still is."""
    waiting(opted_out_at=NOW - dt.timedelta(days=3))
    waiting(sms_consent=False)
    befriender(befriend_capacity=2)
    run = propose()
    for pairing_id in run.pairing_ids:
        befriending.accept_proposal(pairing_id, actor_id=None, now=NOW)
    intro = texts(db)
    assert len(intro) == 2 and all(m.volunteer_id is not None for m in intro)
    kept_back = db.session.scalars(
        sa.select(Message).where(Message.status == MessageStatus.SUPPRESSED)
    ).all()
    assert sorted(m.error for m in kept_back) == [
        "They have not agreed to texts.",
        "They have opted out of texts.",
    ]


def test_accept_is_refused_when_the_befriender_became_full(db):
    """A befriender who filled up since the proposal cannot take another resident."""
    waiting()
    waiting()
    volunteer = befriender(befriend_capacity=2)
    first, second = propose().pairing_ids
    volunteer.befriend_capacity = 1
    db.session.commit()
    befriending.accept_proposal(first, actor_id=None, now=NOW)
    with pytest.raises(Conflict, match=r"full \(1 of 1"):
        befriending.accept_proposal(second, actor_id=None, now=NOW)
    db.session.rollback()
    assert db.session.get(Pairing, second).status == PairingStatus.PROPOSED


def test_accept_is_refused_when_the_dbs_check_lapsed(db):
    """A befriender whose DBS check lapsed since the proposal is refused with the reason."""
    waiting()
    volunteer = befriender()
    (pairing_id,) = propose().pairing_ids
    volunteer.dbs_valid_until = DAY - dt.timedelta(days=1)
    db.session.commit()
    with pytest.raises(Conflict, match="DBS check is not valid"):
        befriending.accept_proposal(pairing_id, actor_id=None, now=NOW)
    db.session.rollback()
    assert texts(db) == []


def test_accepting_twice_or_an_unknown_proposal_is_refused(db):
    """Only a proposal can be accepted; a replaced one is not found."""
    pairing = accepted(db)
    with pytest.raises(Conflict, match="active"):
        befriending.accept_proposal(pairing.id, actor_id=None, now=NOW)
    with pytest.raises(NotFound):
        befriending.accept_proposal(9999, actor_id=None, now=NOW)


# --- ending -----------------------------------------------------------------------------------


def test_end_pairing_keeps_history_and_returns_the_resident_to_the_waiting_list(db):
    """Ending keeps the row with who ended it and why; the resident waits again."""
    pairing = accepted(db)
    befriending.end_pairing(
        pairing.id, ended_by="befriender", reason="Moving away", actor_id=None, now=NOW
    )
    row = db.session.get(Pairing, pairing.id)
    assert row.status == PairingStatus.ENDED and row.ended_at == NOW
    assert (row.ended_by, row.end_reason) == ("befriender", "Moving away")
    assert row.next_checkin_on is None
    (entry,) = befriending.waiting_list(day=DAY)
    assert entry.resident_id == row.resident_id
    assert propose().proposed == 0  # the same pair is not proposed again
    assert actions(db).count("end") == 1


def test_end_pairing_checks_who_and_why(db):
    """Ending needs a known side and a reason, and only an active pairing ends."""
    pairing = accepted(db)
    with pytest.raises(InvalidInput, match="one of"):
        befriending.end_pairing(pairing.id, ended_by="cat", reason="x", actor_id=None)
    with pytest.raises(InvalidInput, match="reason"):
        befriending.end_pairing(pairing.id, ended_by="resident", reason="", actor_id=None)
    befriending.end_pairing(pairing.id, ended_by="resident", reason="Unwell", actor_id=None)
    with pytest.raises(Conflict):
        befriending.end_pairing(pairing.id, ended_by="staff", reason="again", actor_id=None)


# --- check-ins --------------------------------------------------------------------------------


def test_checkin_reminders_are_due_every_n_weeks(db):
    """A check-in text goes out every four weeks with the one-digit question, once a day."""
    pairing = accepted(db)
    first = DAY + dt.timedelta(weeks=4)
    assert befriending.due_checkins(first - dt.timedelta(days=1)) == []
    assert [p.id for p in befriending.due_checkins(first)] == [pairing.id]
    run = befriending.send_checkin_reminders(first, now=NOW)
    (message_id,) = run.message_ids
    message = db.session.get(Message, message_id)
    assert message.kind == "befriend_checkin" and message.volunteer_id == pairing.volunteer_id
    assert "Reply 1 if all is going well, 2 if you would like us to call you" in message.body
    assert pairing.resident.first_name in message.body
    assert db.session.get(Pairing, pairing.id).next_checkin_on == first + dt.timedelta(weeks=4)
    assert befriending.send_checkin_reminders(first, now=NOW).message_ids == ()
    assert befriending.due_checkins(first + dt.timedelta(weeks=4)) != []


def test_checkin_interval_is_configurable(app, db):
    """BEFRIENDING_CHECKIN_WEEKS changes the interval."""
    app.config["BEFRIENDING_CHECKIN_WEEKS"] = 2
    pairing = accepted(db)
    assert pairing.next_checkin_on == DAY + dt.timedelta(weeks=2)


def test_opted_out_befriender_gets_no_checkin_text_but_the_schedule_moves_on(db):
    """A befriender who opted out is not texted; the pairing is reported and not re-tried daily."""
    pairing = accepted(db)
    pairing.volunteer.opted_out_at = NOW
    db.session.commit()
    due = DAY + dt.timedelta(weeks=4)
    run = befriending.send_checkin_reminders(due, now=NOW)
    assert run.message_ids == () and run.not_texted == (pairing.id,)
    assert befriending.due_checkins(due) == []


def test_reply_2_raises_a_call_me_alert_and_reply_1_does_not(db):
    """A check-in answer of 2 alerts the coordinators (once); 1 is thanked and recorded."""
    pairing = accepted(db)
    volunteer_id = pairing.volunteer_id
    assert befriending.handle_checkin_reply(volunteer_id, "2") is None  # nothing asked yet
    befriending.send_checkin_reminders(DAY + dt.timedelta(weeks=4), now=NOW)
    assert befriending.awaiting_checkin_reply(volunteer_id)
    ok = befriending.handle_checkin_reply(volunteer_id, "1")
    assert ok is not None and ok.all_well and ok.alert_id is None
    assert db.session.scalars(sa.select(Alert)).all() == []
    help_ = befriending.handle_checkin_reply(volunteer_id, " 2 ")
    assert help_ is not None and not help_.all_well and "call" in help_.reply
    (alert,) = db.session.scalars(sa.select(Alert)).all()
    assert alert.kind == AlertKind.CHECKIN_HELP and alert.volunteer_id == volunteer_id
    assert alert.resident_id == pairing.resident_id and alert.id == help_.alert_id
    again = befriending.handle_checkin_reply(volunteer_id, "2")
    assert again is not None and again.alert_id == alert.id
    assert {"checkin_sent", "checkin_ok", "checkin_help"} <= set(actions(db))
    with pytest.raises(InvalidInput):
        befriending.handle_checkin_reply(volunteer_id, "3")


# --- mapping ----------------------------------------------------------------------------------


def test_age_band_from_date_of_birth():
    """Ages map to bands on the run's day; under 18 or unknown is no band."""
    assert age_band(dt.date(1950, 3, 3), DAY) == "75-84"  # 75 tomorrow, 75 is 75-84
    assert age_band(dt.date(1951, 3, 3), DAY) == "65-74"
    assert age_band(dt.date(1930, 1, 1), DAY) == "85+"
    assert age_band(dt.date(2015, 1, 1), DAY) is None
    assert age_band(None, DAY) is None


def test_profiles_respect_consent_preferences_and_needed_language(db):
    """Life events only with consent; a needed language is the one that counts; genders map."""
    resident = waiting(
        life_events=["Bereavement"],
        share_life_events=False,
        languages=["english", "polish"],
        needs_language="polish",
        befriender_gender=Gender.FEMALE,
        lat=None,
        lon=None,
    )
    profile = resident_profile(resident, day=DAY)
    assert profile.life_events == frozenset() and profile.needs_language
    assert profile.languages == frozenset({"polish"}) and profile.location is None
    assert profile.gender_preference == "female"
    resident.share_life_events = True
    assert resident_profile(resident, day=DAY).life_events == frozenset({"bereavement"})
    volunteer = befriender(gender=Gender.UNSTATED, befriend_capacity=2)
    b = befriender_profile(volunteer, day=DAY, load=1)
    assert b.gender is None and b.capacity == 2 and b.current_load == 1
    assert len(tuple(b.availability)) == 7


def test_record_checkin_reply_leaves_the_commit_to_the_caller(db):
    """The inbound-text variant adds the alert to the session without committing it."""
    pairing = accepted(db)
    befriending.send_checkin_reminders(DAY + dt.timedelta(weeks=4), now=NOW)
    outcome = befriending.record_checkin_reply(pairing.volunteer_id, "2", now=NOW)
    assert outcome is not None and outcome.alert_id is not None
    db.session.rollback()
    assert db.session.scalars(sa.select(Alert)).all() == []
