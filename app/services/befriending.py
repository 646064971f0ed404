"""Befriending from proposal to ended pairing (issue #5, item 3).

A run proposes the best befriender for everyone waiting (``propose_pairings``); a coordinator
accepts or rejects each proposal (a rejected pair is never proposed again); an accepted pairing
is re-checked against the hard rules, becomes active and both sides get an introduction text
(the resident's first name and what they share, never an address); the befriender gets a
check-in text every ``BEFRIENDING_CHECKIN_WEEKS`` weeks answered with one digit; either side can
end the pairing and the resident is waiting again. Rows are never deleted except proposals that
a newer run replaced; every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from flask import current_app

from app.errors import Conflict
from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import ConsentPurpose
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.models import Pairing
from app.models import PairingStatus
from app.models import Resident
from app.models import Volunteer
from app.models.base import now_utc
from app.optimizer.errors import InvalidProblem
from app.optimizer.matching import MatchParams
from app.optimizer.matching import MatchResult
from app.optimizer.matching import check_pair
from app.optimizer.matching import propose_pairings as match_pairings
from app.optimizer.matching.scoring import join_words
from app.optimizer.roads import TravelTimes
from app.services import clock
from app.services import consent
from app.services.audit import record_change
from app.services.befriending_mapping import befriender_profile
from app.services.befriending_mapping import befriender_rows
from app.services.befriending_mapping import blocked_pairs
from app.services.befriending_mapping import load_by_volunteer
from app.services.befriending_mapping import pairs_with_status
from app.services.befriending_mapping import resident_profile
from app.services.befriending_mapping import waiting_residents
from app.services.messaging import add_alert
from app.services.messaging import dispatch
from app.services.messaging import queue_text
from app.services.people import clean_tags

log = logging.getLogger(__name__)

EndedBy = Literal["resident", "befriender", "staff"]
ENDED_BY: tuple[str, ...] = ("resident", "befriender", "staff")
KIND_INTRO = "befriend_intro"
KIND_CHECKIN = "befriend_checkin"
CHECKIN_QUESTION = "Reply 1 if all is going well, 2 if you would like us to call you."
REASON_MAX = 255


@dataclass(frozen=True, slots=True)
class WaitingEntry:
    """A resident waiting for a befriender and why no one was proposed."""

    resident_id: int
    name: str
    code: str
    reason: str
    best_score: float | None = None


@dataclass(frozen=True, slots=True)
class ProposalRun:
    """What a ``propose_pairings`` run did."""

    proposed: int
    new: int
    unchanged: int
    withdrawn: int
    pairing_ids: tuple[int, ...]
    waiting: tuple[WaitingEntry, ...]
    warnings: tuple[str, ...]
    total_score: float
    exact: bool


@dataclass(frozen=True, slots=True)
class CheckinRun:
    """What ``send_checkin_reminders`` did: texts queued and pairings it could not text about."""

    due: int
    message_ids: tuple[int, ...]
    not_texted: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CheckinReply:
    """The outcome of a befriender's one-digit check-in answer, and the text to answer with."""

    pairing_ids: tuple[int, ...]
    all_well: bool
    alert_id: int | None
    reply: str


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the staff befriending page shows."""

    proposals: list[Pairing]
    active: list[Pairing]
    waiting: list[WaitingEntry]
    ended: list[Pairing]
    rejected: list[Pairing]


# --- configuration and time -------------------------------------------------------------------


def checkin_weeks() -> int:
    """Return how many weeks pass between check-in texts (``BEFRIENDING_CHECKIN_WEEKS``)."""
    weeks = int(current_app.config.get("BEFRIENDING_CHECKIN_WEEKS", 4))
    if weeks < 1:
        msg = f"BEFRIENDING_CHECKIN_WEEKS must be 1 or more (it is {weeks})."
        raise InvalidInput(msg)
    return weeks


def match_params() -> MatchParams:
    """Return the matching knobs from the configuration (distance limit, minimum score)."""
    cfg = current_app.config
    try:
        return MatchParams(
            max_distance_km=float(cfg.get("BEFRIENDING_MAX_DISTANCE_KM", 5.0)),
            min_score=float(cfg.get("BEFRIENDING_MIN_SCORE", 0.30)),
        )
    except InvalidProblem as exc:
        raise InvalidInput(str(exc)) from exc


def _travel() -> TravelTimes | None:
    """Return the road network when one is configured; None lets matching use straight lines."""
    cfg = current_app.config
    if not cfg.get("ROAD_NETWORK"):
        return None
    from app.services.roads import travel_times_from_config

    return travel_times_from_config(
        cfg.get("ROAD_NETWORK"),
        current_app.instance_path,
        max_snap_m=float(cfg.get("ROAD_MAX_SNAP_M", 500)),
        straight_line_detour=cfg.get("STRAIGHT_LINE_DETOUR"),
        straight_line_speed_kmh=cfg.get("STRAIGHT_LINE_SPEED_KMH"),
        allow_download=False,
    )


# --- reading ----------------------------------------------------------------------------------


def get_pairing(pairing_id: int) -> Pairing:
    """Return the pairing or raise NotFound."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None:
        msg = (
            f"There is no pairing number {pairing_id}; a newer run may have replaced that proposal."
        )
        raise NotFound(msg)
    return pairing


def pairings_with(status: PairingStatus, *, limit: int | None = None) -> list[Pairing]:
    """Return pairings in ``status``: proposals best first, others most recent first."""
    stmt = sa.select(Pairing).where(Pairing.status == status)
    if status == PairingStatus.PROPOSED:
        stmt = stmt.order_by(Pairing.score.desc(), Pairing.id)
    elif status == PairingStatus.ENDED:
        stmt = stmt.order_by(Pairing.ended_at.desc(), Pairing.id.desc())
    elif status == PairingStatus.REJECTED:
        stmt = stmt.order_by(Pairing.decided_at.desc(), Pairing.id.desc())
    else:
        stmt = stmt.order_by(Pairing.decided_at.desc(), Pairing.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def overview(*, day: dt.date, history: int = 100) -> Overview:
    """Return the proposals, active pairings, waiting list and recent history for staff."""
    return Overview(
        proposals=pairings_with(PairingStatus.PROPOSED),
        active=pairings_with(PairingStatus.ACTIVE),
        waiting=waiting_list(day=day),
        ended=pairings_with(PairingStatus.ENDED, limit=history),
        rejected=pairings_with(PairingStatus.REJECTED, limit=history),
    )


def _match(
    residents: Sequence[Resident],
    volunteers: Sequence[Volunteer],
    *,
    day: dt.date,
    held: Sequence[tuple[int, int]],
) -> MatchResult:
    """Run the matching library on rows; ``held`` pairings keep their places.

    Only people who agreed to be introduced are matched (issue 14).
    """
    residents = [r for r in residents if consent.allows(r, ConsentPurpose.BEFRIENDING)]
    volunteers = [v for v in volunteers if consent.allows(v, ConsentPurpose.BEFRIENDING)]
    load = load_by_volunteer(held)
    try:
        r_profiles = [resident_profile(r, day=day) for r in residents]
        b_profiles = [befriender_profile(v, day=day, load=load.get(v.id, 0)) for v in volunteers]
        return match_pairings(
            r_profiles,
            b_profiles,
            match_params(),
            day=day,
            existing=held,
            blocked=blocked_pairs(),
            travel=_travel(),
        )
    except InvalidProblem as exc:
        raise InvalidInput(str(exc)) from exc


def waiting_list(*, day: dt.date) -> list[WaitingEntry]:
    """Return residents waiting for a befriender (no active or proposed pairing) and why.

    The reasons come from a dry run of the matcher in which active pairings and proposals
    awaiting a decision keep their places, so they describe the situation now.
    """
    residents = waiting_residents(include_proposed=False)
    if not residents:
        return []
    held = pairs_with_status(PairingStatus.ACTIVE, PairingStatus.PROPOSED)
    result = _match(residents, befriender_rows(), day=day, held=held)
    names = {r.id: r.full_name for r in residents}
    entries: dict[int, WaitingEntry] = {}
    for p in result.proposals:
        rid = int(p.resident_id)
        entries[rid] = WaitingEntry(
            rid,
            names[rid],
            "can_propose",
            f"A suitable befriender is free now (score {p.score:.2f}); press Propose now.",
            p.score,
        )
    for w in result.waiting:
        rid = int(w.resident_id)
        entries[rid] = WaitingEntry(rid, names[rid], w.code.value, w.reason, w.best_score)
    for r in residents:
        refused = consent.why_not(r, ConsentPurpose.BEFRIENDING)
        if refused is not None:
            entries[r.id] = WaitingEntry(r.id, r.full_name, "no_consent", refused, None)
    return [entries[r.id] for r in residents if r.id in entries]


# --- proposing --------------------------------------------------------------------------------


def propose_pairings(
    *, actor_id: int | None, day: dt.date, now: dt.datetime | None = None
) -> ProposalRun:
    """Propose befrienders for everyone waiting and store the proposals with their reasons.

    Active pairings are never broken (they keep their places); pairs rejected, ended or blocked
    before are never proposed. Proposals of an earlier run still awaiting a decision are
    replaced: the same pair keeps its row (score and reasons refreshed), others are withdrawn.
    """
    now = now or now_utc()
    residents = waiting_residents(include_proposed=True)
    active = pairs_with_status(PairingStatus.ACTIVE)
    result = _match(residents, befriender_rows(), day=day, held=active)

    pending: dict[tuple[int, int], Pairing] = {}
    stale: list[Pairing] = []
    for earlier in pairings_with(PairingStatus.PROPOSED):
        key = (earlier.resident_id, earlier.volunteer_id)
        if key in pending:
            stale.append(earlier)
        else:
            pending[key] = earlier

    ids: list[int] = []
    new = unchanged = 0
    for p in result.proposals:
        key = (int(p.resident_id), int(p.befriender_id))
        reasons = list(p.reasons)
        row: Pairing | None = pending.pop(key, None)
        if row is not None:
            unchanged += 1
            if row.score != p.score or row.reasons != reasons:
                record_change(
                    actor_id=actor_id,
                    action="repropose",
                    entity=row,
                    changes={"score": (row.score, p.score)},
                    now=now,
                )
                row.score, row.reasons = p.score, reasons
        else:
            new += 1
            row = Pairing(
                resident_id=key[0],
                volunteer_id=key[1],
                status=PairingStatus.PROPOSED,
                score=p.score,
                reasons=reasons,
                proposed_at=now,
            )
            db.session.add(row)
            db.session.flush()
            record_change(
                actor_id=actor_id,
                action="propose",
                entity=row,
                changes={"volunteer_id": (None, key[1]), "score": (None, p.score)},
                now=now,
            )
        ids.append(row.id)

    withdrawn = [*pending.values(), *stale]
    for gone in withdrawn:
        record_change(
            actor_id=actor_id,
            action="withdraw",
            entity=gone,
            changes={
                "status": (gone.status, "withdrawn"),
                "volunteer_id": (gone.volunteer_id, None),
            },
            now=now,
        )
        db.session.delete(gone)
    db.session.commit()

    names = {r.id: r.full_name for r in residents}
    waiting = tuple(
        WaitingEntry(
            int(w.resident_id), names[int(w.resident_id)], w.code.value, w.reason, w.best_score
        )
        for w in result.waiting
    )
    return ProposalRun(
        proposed=len(ids),
        new=new,
        unchanged=unchanged,
        withdrawn=len(withdrawn),
        pairing_ids=tuple(ids),
        waiting=waiting,
        warnings=result.warnings,
        total_score=result.total_score,
        exact=result.exact,
    )


# --- deciding ---------------------------------------------------------------------------------


def _reason(reason: str, what: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        msg = f"Please give a reason for {what}."
        raise InvalidInput(msg, field="reason")
    if len(text) > REASON_MAX:
        msg = f"Please keep the reason under {REASON_MAX} characters."
        raise InvalidInput(msg, field="reason")
    return text


def _require_status(pairing: Pairing, status: PairingStatus, action: str) -> None:
    if pairing.status != status:
        msg = (
            f"Cannot {action} the pairing of {pairing.resident.full_name} and "
            f"{pairing.volunteer.full_name}: it is {pairing.status.value}, not {status.value}."
        )
        raise Conflict(msg)


def accept_proposal(pairing_id: int, *, actor_id: int | None, now: dt.datetime) -> Pairing:
    """Make a proposal an active pairing after re-checking it, and queue both introductions.

    Refused (``Conflict``, with the reasons) when the befriender has become full, their DBS
    check lapsed, the pair was blocked, or any other hard rule no longer holds.
    """
    pairing = get_pairing(pairing_id)
    _require_status(pairing, PairingStatus.PROPOSED, "accept")
    resident, volunteer = pairing.resident, pairing.volunteer
    day = clock.today(now)
    if not resident.active or not resident.wants_befriender:
        msg = f"{resident.full_name} is no longer waiting for a befriender."
        raise Conflict(msg)
    if not volunteer.active or not volunteer.is_befriender:
        msg = f"{volunteer.full_name} is no longer an active befriender."
        raise Conflict(msg)
    for person in (resident, volunteer):
        # An introduction shares each one's first name and phone with the other (issue 14).
        refused = consent.why_not(person, ConsentPurpose.BEFRIENDING)
        if refused is not None:
            msg = f"{refused} Record their agreement on their page before introducing them."
            raise Conflict(msg)
    already = db.session.scalar(
        sa.select(Pairing.id).where(
            Pairing.resident_id == resident.id,
            Pairing.status == PairingStatus.ACTIVE,
        )
    )
    if already is not None:
        msg = f"{resident.full_name} already has an active befriender."
        raise Conflict(msg)
    load = db.session.scalar(
        sa.select(sa.func.count(Pairing.id)).where(
            Pairing.volunteer_id == volunteer.id, Pairing.status == PairingStatus.ACTIVE
        )
    )
    problems = check_pair(
        resident_profile(resident, day=day),
        befriender_profile(volunteer, day=day, load=int(load or 0)),
        match_params(),
        day=day,
        blocked=(resident.id, volunteer.id) in set(blocked_pairs()),
        travel=_travel(),
    )
    if problems:
        msg = f"This proposal cannot be accepted now. {' '.join(problems)}"
        raise Conflict(msg)

    next_on = day + dt.timedelta(weeks=checkin_weeks())
    pairing.status = PairingStatus.ACTIVE
    pairing.decided_at = now
    pairing.decided_by_id = actor_id
    pairing.next_checkin_on = next_on
    record_change(
        actor_id=actor_id,
        action="accept",
        entity=pairing,
        changes={"status": (PairingStatus.PROPOSED, PairingStatus.ACTIVE)},
        now=now,
    )
    # Other proposals for the same resident (an older run's) are now moot.
    others = db.session.scalars(
        sa.select(Pairing).where(
            Pairing.resident_id == resident.id,
            Pairing.status == PairingStatus.PROPOSED,
            Pairing.id != pairing.id,
        )
    ).all()
    for other in others:
        record_change(
            actor_id=actor_id,
            action="withdraw",
            entity=other,
            changes={"status": (other.status, "withdrawn")},
            now=now,
        )
        db.session.delete(other)
    message_ids = [m.id for m in _introduce(pairing, now=now)]
    db.session.commit()
    dispatch(message_ids)
    return pairing


def reject_proposal(
    pairing_id: int, reason: str, *, actor_id: int | None, now: dt.datetime | None = None
) -> Pairing:
    """Reject a proposal with a reason; the pair is never proposed again."""
    text = _reason(reason, "rejecting this proposal")
    pairing = get_pairing(pairing_id)
    _require_status(pairing, PairingStatus.PROPOSED, "reject")
    now = now or now_utc()
    pairing.status = PairingStatus.REJECTED
    pairing.rejection_reason = text
    pairing.decided_at = now
    pairing.decided_by_id = actor_id
    record_change(
        actor_id=actor_id,
        action="reject",
        entity=pairing,
        changes={"status": (PairingStatus.PROPOSED, PairingStatus.REJECTED), "reason": ("", text)},
        now=now,
    )
    db.session.commit()
    return pairing


def end_pairing(
    pairing_id: int,
    *,
    ended_by: str,
    reason: str,
    actor_id: int | None,
    now: dt.datetime | None = None,
) -> Pairing:
    """End an active pairing (the resident, the befriender or staff asked); history is kept.

    The resident is waiting again; the same pair is not proposed again.
    """
    if ended_by not in ENDED_BY:
        msg = f"Who ended it must be one of: {', '.join(ENDED_BY)} (got {ended_by!r})."
        raise InvalidInput(msg, field="ended_by")
    text = _reason(reason, "ending this pairing")
    pairing = get_pairing(pairing_id)
    _require_status(pairing, PairingStatus.ACTIVE, "end")
    now = now or now_utc()
    pairing.status = PairingStatus.ENDED
    pairing.ended_at = now
    pairing.ended_by = ended_by
    pairing.end_reason = text
    pairing.next_checkin_on = None
    record_change(
        actor_id=actor_id,
        action="end",
        entity=pairing,
        changes={
            "status": (PairingStatus.ACTIVE, PairingStatus.ENDED),
            "ended_by": ("", ended_by),
            "reason": ("", text),
        },
        now=now,
    )
    db.session.commit()
    return pairing


# --- check-ins --------------------------------------------------------------------------------


def due_checkins(today: dt.date) -> list[Pairing]:
    """Return active pairings whose check-in text is due on or before ``today``."""
    stmt = (
        sa.select(Pairing)
        .where(
            Pairing.status == PairingStatus.ACTIVE,
            Pairing.next_checkin_on.is_not(None),
            Pairing.next_checkin_on <= today,
        )
        .order_by(Pairing.volunteer_id, Pairing.id)
    )
    return list(db.session.scalars(stmt))


def send_checkin_reminders(today: dt.date, *, now: dt.datetime | None = None) -> CheckinRun:
    """Text each befriender with a check-in due: "Reply 1 if all is going well, 2 …".

    A befriender with several pairings due gets one text naming each resident; the next
    check-in is set ``BEFRIENDING_CHECKIN_WEEKS`` weeks on, whether or not a text could be sent,
    so running twice on a day sends nothing twice.
    """
    now = now or now_utc()
    due = due_checkins(today)
    weeks = checkin_weeks()
    by_volunteer: dict[int, list[Pairing]] = {}
    for pairing in due:
        by_volunteer.setdefault(pairing.volunteer_id, []).append(pairing)
    messages: list[Message] = []
    not_texted: list[int] = []
    for group in by_volunteer.values():
        volunteer = group[0].volunteer
        names = join_words([p.resident.first_name for p in group])
        body = (
            f"Hello {volunteer.first_name}, this is {_bureau()}. How is befriending {names} "
            f"going? {CHECKIN_QUESTION}"
        )
        message = _queue_text(kind=KIND_CHECKIN, body=body, pairing=group[0], to=volunteer, now=now)
        for pairing in group:
            old = pairing.next_checkin_on
            pairing.next_checkin_on = today + dt.timedelta(weeks=weeks)
            if message is not None:
                pairing.last_checkin_at = now
            else:
                not_texted.append(pairing.id)
            record_change(
                actor_id=None,
                action="checkin_sent" if message is not None else "checkin_not_texted",
                entity=pairing,
                changes={"next_checkin_on": (old, pairing.next_checkin_on)},
                now=now,
            )
        if message is not None:
            messages.append(message)
    message_ids = tuple(m.id for m in messages)
    db.session.commit()
    dispatch(message_ids)
    return CheckinRun(due=len(due), message_ids=message_ids, not_texted=tuple(not_texted))


def _checked_in(volunteer_id: int) -> list[Pairing]:
    """Return the volunteer's active pairings asked about in their latest check-in text."""
    rows = db.session.scalars(
        sa.select(Pairing).where(
            Pairing.volunteer_id == volunteer_id,
            Pairing.status == PairingStatus.ACTIVE,
            Pairing.last_checkin_at.is_not(None),
        )
    ).all()
    if not rows:
        return []
    latest = max(p.last_checkin_at for p in rows if p.last_checkin_at is not None)
    return [p for p in rows if p.last_checkin_at == latest]


def awaiting_checkin_reply(volunteer_id: int) -> bool:
    """Return whether the last text we sent this volunteer was a befriending check-in.

    The SMS inbound handler uses it to route a lone "1" or "2" here rather than elsewhere.
    """
    kind = db.session.scalar(
        sa.select(Message.kind)
        .where(
            Message.volunteer_id == volunteer_id,
            Message.direction == MessageDirection.OUTBOUND,
            Message.status != MessageStatus.SUPPRESSED,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return kind == KIND_CHECKIN and bool(_checked_in(volunteer_id))


def handle_checkin_reply(
    volunteer_id: int, digit: str, *, now: dt.datetime | None = None
) -> CheckinReply | None:
    """Record a befriender's check-in answer and commit: 1 all well, 2 raises a call-me alert.

    Returns None when the volunteer has no active pairing that was checked in on (the digit is
    then not an answer to us); raises ``InvalidInput`` for anything but "1" or "2".
    """
    outcome = record_checkin_reply(volunteer_id, digit, now=now)
    if outcome is not None:
        db.session.commit()
    return outcome


def record_checkin_reply(
    volunteer_id: int, digit: str, *, now: dt.datetime | None = None
) -> CheckinReply | None:
    """Record a befriender's check-in answer without committing (for the SMS inbound handler).

    Same rules as :func:`handle_checkin_reply`; the caller's use case commits.
    """
    answer = (digit or "").strip()
    if answer not in ("1", "2"):
        msg = f"A check-in answer is 1 or 2 (got {digit!r})."
        raise InvalidInput(msg, field="digit")
    group = _checked_in(volunteer_id)
    if not group:
        return None
    now = now or now_utc()
    volunteer = group[0].volunteer
    alert_id: int | None = None
    if answer == "1":
        reply = f"Thank you, {volunteer.first_name}. We are glad it is going well."
    else:
        alert = db.session.scalar(
            sa.select(Alert).where(
                Alert.kind == AlertKind.CHECKIN_HELP,
                Alert.volunteer_id == volunteer_id,
                Alert.resolved_at.is_(None),
            )
        )
        if alert is None:
            alert = add_alert(
                AlertKind.CHECKIN_HELP,
                f"{volunteer.full_name} asked us to call them about befriending "
                f"{join_words([p.resident.full_name for p in group])}.",
                person=volunteer,
                now=now,
            )
            alert.resident_id = group[0].resident_id
            db.session.flush()
        alert_id = alert.id
        reply = f"Thank you, {volunteer.first_name}. A coordinator will call you soon."
    for pairing in group:
        record_change(
            actor_id=None,
            action="checkin_ok" if answer == "1" else "checkin_help",
            entity=pairing,
            changes={"checkin_reply": (None, answer)},
            now=now,
        )
    # Ids only: a resident's name in a log line is personal data out of the bureau's control.
    pairing_ids = [p.id for p in group]
    log.info(
        "check-in reply %s from volunteer %s about pairings %s", answer, volunteer_id, pairing_ids
    )
    return CheckinReply(
        pairing_ids=tuple(p.id for p in group),
        all_well=answer == "1",
        alert_id=alert_id,
        reply=reply,
    )


# --- texts ------------------------------------------------------------------------------------


def _bureau() -> str:
    return str(current_app.config.get("BUREAU_NAME", "the Volunteer Bureau"))


def shared_interests(resident: Resident, volunteer: Volunteer) -> list[str]:
    """Return the interests both share, in the resident's order."""
    theirs = set(clean_tags(volunteer.interests))
    return [i for i in clean_tags(resident.interests) if i in theirs]


def _introduce(pairing: Pairing, *, now: dt.datetime) -> list[Message]:
    """Queue the introduction texts: first names and shared interests only, no addresses."""
    resident, volunteer = pairing.resident, pairing.volunteer
    shared = shared_interests(resident, volunteer)
    line = (
        f"You both enjoy {join_words(shared, limit=3)}."
        if shared
        else "We think you will get on well."
    )
    phone = str(current_app.config.get("BUREAU_PHONE", ""))
    call_us = f" Questions? Call us on {phone}." if phone else ""
    to_resident = (
        f"Hello {resident.first_name}, good news from {_bureau()}: we have found you a "
        f"befriender, {volunteer.first_name}. {line} We will call you soon to arrange how you "
        f"first meet.{call_us}"
    )
    to_volunteer = (
        f"Hello {volunteer.first_name}, thank you for befriending with {_bureau()}. We would "
        f"like to introduce you to {resident.first_name}. {line} We will call you soon to "
        f"arrange your first meeting.{call_us}"
    )
    out = [
        _queue_text(kind=KIND_INTRO, body=to_resident, pairing=pairing, to=resident, now=now),
        _queue_text(kind=KIND_INTRO, body=to_volunteer, pairing=pairing, to=volunteer, now=now),
    ]
    return [m for m in out if m is not None]


def _queue_text(
    *, kind: str, body: str, pairing: Pairing, to: Resident | Volunteer, now: dt.datetime
) -> Message | None:
    """Write one text to the outbox in the caller's transaction; None when it may not be sent.

    ``messaging.queue_text`` keeps a ``suppressed`` row for someone who opted out, never agreed
    to texts or has no mobile number, so staff can see what was not sent and why.
    """
    message = queue_text(to, body, kind=kind, concerns=("pairing", pairing.id), now=now)
    return message if message.status == MessageStatus.QUEUED else None
