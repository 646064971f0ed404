"""Consent and lawful basis, per person and purpose (issue 14, STYLE rule 26).

The one home of "may we do this with this person's data": :func:`why_not` (and
:func:`allows`) decide; :func:`record_consent` is the one writer. Every change is a new row in
``consent_records`` (append-only history: given or withdrawn, when, how, by which staff member)
plus an audit row. Where an older column already held the state (texts: ``sms_consent`` and
``opted_out_at``; life events: ``share_life_events``) the writer keeps that column in step, so
the planner, the matcher and the pages that read it mean the same as before; other purposes read
the newest history row. The lawful basis of each purpose is in ``LAWFUL_BASIS`` and
docs/data-protection.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from app.errors import InvalidInput
from app.extensions import db
from app.models import AuditActor
from app.models import ConsentHow
from app.models import ConsentPurpose
from app.models import ConsentRecord
from app.models import Resident
from app.models import Volunteer
from app.models.base import now_utc
from app.services.audit import record_event

Person = Resident | Volunteer

# Why the bureau may process data for each purpose (UK GDPR art. 6; PECR for texts).
LAWFUL_BASIS: dict[ConsentPurpose, str] = {
    ConsentPurpose.TEXTS: (
        "Consent (UK GDPR art. 6(1)(a) and PECR): texts are sent only to people who agreed, "
        "and STOP withdraws it at once."
    ),
    ConsentPurpose.BEFRIENDING: (
        "Consent (art. 6(1)(a)): an introduction shares a first name and phone number with "
        "the other person, so it waits for their agreement."
    ),
    ConsentPurpose.LIFE_EVENTS: (
        "Explicit consent (art. 6(1)(a), and art. 9(2)(a) where a life event touches on "
        "health): used to match befrienders and mentioned only when agreed."
    ),
    ConsentPurpose.AFTER_REFERRAL: (
        "Consent (art. 6(1)(a)), given to the referrer and recorded with the referral: the "
        "bureau contacts someone referred only when they agreed to be contacted."
    ),
}

# The words a page shows for each purpose.
PURPOSE_WORDS: dict[ConsentPurpose, str] = {
    ConsentPurpose.TEXTS: "texts from the bureau",
    ConsentPurpose.BEFRIENDING: "being introduced to a befriender (or a resident)",
    ConsentPurpose.LIFE_EVENTS: "sharing their life events to find a befriender",
    ConsentPurpose.AFTER_REFERRAL: "being contacted after a referral",
}


def purposes_for(person: Person) -> tuple[ConsentPurpose, ...]:
    """The purposes that apply to this kind of person (volunteers are not referred)."""
    if isinstance(person, Resident):
        return tuple(ConsentPurpose)
    return (ConsentPurpose.TEXTS, ConsentPurpose.BEFRIENDING)


def _owner(person: Person) -> sa.ColumnElement[bool]:
    if isinstance(person, Resident):
        return ConsentRecord.resident_id == person.id
    return ConsentRecord.volunteer_id == person.id


def _latest(person: Person, purpose: ConsentPurpose) -> ConsentRecord | None:
    if person.id is None:
        return None
    return db.session.scalar(
        sa.select(ConsentRecord)
        .where(_owner(person), ConsentRecord.purpose == purpose.value)
        .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc())
        .limit(1)
    )


def _given(person: Person, purpose: ConsentPurpose) -> bool:
    """The current state: the column that holds it, else the newest history row."""
    if purpose == ConsentPurpose.TEXTS:
        return bool(person.sms_consent) and person.opted_out_at is None
    if purpose == ConsentPurpose.LIFE_EVENTS:
        return isinstance(person, Resident) and bool(person.share_life_events)
    latest = _latest(person, purpose)
    if latest is not None:
        return latest.given
    if purpose == ConsentPurpose.BEFRIENDING:
        # Asking for a befriender (or signing up as one) was the agreement before consent had
        # a history: existing people keep the meaning their data had (issue 14).
        if isinstance(person, Resident):
            return bool(person.wants_befriender)
        return bool(person.is_befriender)
    return False


def why_not(person: Person, purpose: ConsentPurpose) -> str | None:
    """Why the bureau may not use this person's data for ``purpose``, or None when it may."""
    if purpose not in purposes_for(person):
        return f"{PURPOSE_WORDS[purpose].capitalize()} does not apply to a volunteer."
    if _given(person, purpose):
        return None
    if purpose == ConsentPurpose.TEXTS:
        if person.opted_out_at is not None:
            return "They have opted out of texts."
        return "They have not agreed to texts."
    return f"{person.full_name} has not agreed to {PURPOSE_WORDS[purpose]}."


def allows(person: Person, purpose: ConsentPurpose) -> bool:
    """True when ``person`` has agreed to ``purpose`` (see :func:`why_not`)."""
    return why_not(person, purpose) is None


def agrees_to(person: Person, purpose: str) -> bool:
    """`allows` by the purpose's stored name, for templates: ``person|agrees_to('texts')``."""
    return allows(person, ConsentPurpose(purpose))


def _actor(person: Person, how: ConsentHow, staff_id: int | None) -> AuditActor | None:
    if staff_id is not None:
        return AuditActor.STAFF
    if how == ConsentHow.TEXT:
        if isinstance(person, Resident):
            return AuditActor.RESIDENT_BY_TEXT
        return AuditActor.VOLUNTEER_BY_TEXT
    if how == ConsentHow.REFERRAL:
        return AuditActor.PARTNER
    return None


def _keep_column_in_step(
    person: Person, purpose: ConsentPurpose, given: bool, how: ConsentHow, now: dt.datetime
) -> None:
    if purpose == ConsentPurpose.TEXTS:
        if given:
            person.sms_consent = True
            person.opted_out_at = None
        elif how == ConsentHow.TEXT:
            # STOP: "opted out" (the phone network blocks texts too until START).
            person.opted_out_at = person.opted_out_at or now
        else:
            person.sms_consent = False
    elif purpose == ConsentPurpose.LIFE_EVENTS and isinstance(person, Resident):
        person.share_life_events = given


def record_consent(
    person: Person,
    purpose: ConsentPurpose,
    *,
    given: bool,
    how: ConsentHow,
    staff_id: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
    even_if_unchanged: bool = False,
) -> ConsentRecord | None:
    """Record that ``person`` gave (or withdrew) consent for ``purpose``; None when unchanged.

    Adds a history row and an audit row, and keeps the older column in step; the caller
    commits.
    """
    if purpose not in purposes_for(person):
        msg = f"{PURPOSE_WORDS[purpose].capitalize()} does not apply to a volunteer."
        raise InvalidInput(msg, field=purpose.value)
    before = _given(person, purpose)
    stop = purpose == ConsentPurpose.TEXTS and how == ConsentHow.TEXT and not given
    if before == given and not even_if_unchanged and not (stop and person.opted_out_at is None):
        return None  # a STOP from someone who never agreed still marks them opted out
    now = now or now_utc()
    db.session.flush()
    row = ConsentRecord(
        resident_id=person.id if isinstance(person, Resident) else None,
        volunteer_id=person.id if isinstance(person, Volunteer) else None,
        purpose=purpose.value,
        given=given,
        at=now,
        how=how.value,
        staff_user_id=staff_id,
        note=note.strip()[:255],
    )
    db.session.add(row)
    _keep_column_in_step(person, purpose, given, how, now)
    record_event(
        "consent",
        person,
        staff_id=staff_id,
        actor=_actor(person, how, staff_id),
        changes={purpose.value: (before, given), "how": (None, how.value)},
        now=now,
    )
    return row


# The person form's consent boxes: field name -> purpose (routes fill them, people records them).
FORM_FIELDS: dict[str, ConsentPurpose] = {
    "sms_consent": ConsentPurpose.TEXTS,
    "befriending_consent": ConsentPurpose.BEFRIENDING,
    "life_events_consent": ConsentPurpose.LIFE_EVENTS,
    "referral_contact_consent": ConsentPurpose.AFTER_REFERRAL,
}

# The ways staff may say consent reached them on a person's form (texts and referrals are
# recorded by the services that receive them).
STAFF_HOWS = (ConsentHow.PHONE, ConsentHow.FORM, ConsentHow.PAPER, ConsentHow.IN_PERSON)


def parse_how(how: str) -> ConsentHow:
    """The way staff say a consent was given, or a refusal naming the field."""
    try:
        taken = ConsentHow(how or ConsentHow.PHONE)
    except ValueError:
        taken = None
    if taken not in (*STAFF_HOWS, ConsentHow.REFERRAL):  # a referral's, when staff link it
        msg = "Choose how they told us: phone call, form, paper or in person."
        raise InvalidInput(msg, field="consent_how")
    return taken


def record_choices(
    person: Person,
    choices: Mapping[ConsentPurpose, bool | None],
    *,
    how: str,
    staff_id: int | None,
    new: bool = False,
    now: dt.datetime | None = None,
) -> list[ConsentRecord]:
    """Record what a staff member ticked on a person's form: what changed (None: not asked).

    For a ``new`` person every consent ticked is recorded, even one their other answers
    already implied (asking for a befriender), so their history starts with it.
    """
    taken = parse_how(how)
    rows = []
    for purpose, given in choices.items():
        if given is None or purpose not in purposes_for(person):
            continue
        row = record_consent(
            person,
            purpose,
            given=given,
            how=taken,
            staff_id=staff_id,
            now=now,
            even_if_unchanged=new and given,
        )
        if row is not None:
            rows.append(row)
    return rows


def history(person: Person) -> list[ConsentRecord]:
    """Every consent this person gave or withdrew, newest first."""
    return list(
        db.session.scalars(
            sa.select(ConsentRecord)
            .where(_owner(person))
            .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc())
        )
    )


def current(person: Person) -> dict[ConsentPurpose, bool]:
    """Each purpose that applies to this person and whether they agreed to it now."""
    return {purpose: allows(person, purpose) for purpose in purposes_for(person)}


@dataclass(frozen=True)
class PurposeState:
    """One purpose on a person's page: agreed or not, why, and on what lawful basis."""

    purpose: ConsentPurpose
    words: str
    given: bool
    why_not: str | None
    basis: str


@dataclass(frozen=True)
class ConsentView:
    """What the person's page shows: each purpose now, and every change (newest first)."""

    purposes: tuple[PurposeState, ...]
    history: tuple[ConsentRecord, ...]
    words: Mapping[str, str]  # a stored purpose -> its words


def consent_view(person: Person) -> ConsentView:
    """Each purpose's state and the history, for ``templates/people/_consents.html``."""
    states = []
    for purpose in purposes_for(person):
        refused = why_not(person, purpose)
        states.append(
            PurposeState(
                purpose, PURPOSE_WORDS[purpose], refused is None, refused, LAWFUL_BASIS[purpose]
            )
        )
    words = {purpose.value: text for purpose, text in PURPOSE_WORDS.items()}
    return ConsentView(tuple(states), tuple(history(person)), words)
