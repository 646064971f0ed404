"""Referrals into one record: take a referral, raise safeguarding first, match it to a resident.

Issue 16. A referral comes from the staff form or the public ``/refer`` page; it is checked
whole before anything is stored (a bad field names itself, nothing half-way), gets an
unguessable reference, and one submission stores one referral however often it is sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.errors import InvalidInput
from app.errors import NotFound
from app.extensions import db
from app.models import AlertKind
from app.models import ConsentHow
from app.models import ConsentPurpose
from app.models import Message
from app.models import MessageDirection
from app.models import Referral
from app.models import ReferralChannel
from app.models import ReferralSource
from app.models import Resident
from app.models import StaffRole
from app.models.base import now_utc
from app.services import clock
from app.services import consent
from app.services import messaging
from app.services import people
from app.services.audit import record_change
from app.services.geo import normalise_postcode
from app.services.input_rules import check_birth_date
from app.services.input_rules import check_text
from app.services.phones import is_mobile
from app.services.phones import normalise_phone
from app.services.risk import refresh_tier

log = logging.getLogger(__name__)

# No 0/O, 1/I/L, 5/S or 2/Z: a reference read over the phone cannot be misheard or misread.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
REFERENCE_LENGTH = 8
ROLE_WORDS: dict[ReferralSource, str] = {
    ReferralSource.GP: "GP or practice staff",
    ReferralSource.SOCIAL_PRESCRIBER: "Social prescriber or link worker",
    ReferralSource.ADULT_SOCIAL_CARE: "Adult Social Care",
    ReferralSource.VOLUNTARY_PARTNER: "Voluntary or community group",
    ReferralSource.HOUSING: "Housing",
    ReferralSource.FAMILY: "Family, friend or neighbour",
    ReferralSource.SELF: "Myself (I am referring myself)",
    ReferralSource.OTHER: "Someone else",
}
# The borough's list, then caring role, hospital discharge and moving to the borough.
LIFE_EVENTS: dict[str, str] = {
    "bereavement": "Bereavement",
    "divorce": "Divorce or separation",
    "retirement": "Retirement",
    "reduced_mobility": "Reduced mobility",
    "low_income": "Low income",
    "no_technology": "No access to technology",
    "redundancy": "Redundancy",
    "new_parent": "Pregnancy or new parent",
    "addiction": "Addiction",
    "homelessness": "Homelessness",
    "caring_role": "Caring for someone",
    "hospital_discharge": "Hospital discharge",
    "moved_to_borough": "Moved to the borough",
}
CONTACT_WAYS: dict[str, str] = {
    "phone": "Phone call",
    "text": "Text message",
    "letter": "Letter",
    "visit": "Home visit",
}
ACK_KIND = "referral_ack"
DUTY_KIND = "safeguarding_duty"


@dataclass
class ReferralInput:
    """What a referral form sends, as text; checked whole by :func:`check_referral`."""

    source: str = ""
    referrer_name: str = ""
    referrer_org: str = ""
    referrer_contact: str = ""
    referrer_confirms_agreed: bool = False
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    address: str = ""
    postcode: str = ""
    date_of_birth: str = ""
    reason: str = ""
    # {event key: "YYYY-MM" or "YYYY-MM-DD"}; a ticked event with no date is refused.
    life_events: dict[str, str] = field(default_factory=dict)
    lives_alone: bool = False
    housebound: bool = False
    no_transport: bool = False
    no_internet: bool = False
    consent: bool = False
    contact_ways: list[str] = field(default_factory=list)
    best_times: str = ""
    language: str = ""
    access_needs: str = ""
    at_risk_now: bool = False
    self_harm: bool = False


@dataclass(frozen=True, slots=True)
class Submitted:
    """A stored referral and whether this call stored it (False: the same form came again)."""

    referral: Referral
    created: bool


def new_reference() -> str:
    """An unguessable 8-character reference from an alphabet that cannot be misread."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def sees_special_category(role: StaffRole | str) -> bool:
    """Screen answers and life events are special-category: coordinators and admins only."""
    return StaffRole(role) in (StaffRole.ADMIN, StaffRole.COORDINATOR)


def _month(raw: str, *, field_name: str, label: str, today: dt.date) -> dt.date:
    text = raw.strip()
    try:
        day = dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
    except ValueError:
        msg = f"When did “{label}” happen? Give a month, e.g. 2026-09."
        raise InvalidInput(msg, field=field_name) from None
    if day.replace(day=1) > today.replace(day=1) or day > today:
        msg = f"“{label}” is dated in the future ({text}); give when it happened."
        raise InvalidInput(msg, field=field_name)
    if day.year < 1900:
        msg = f"“{label}” is dated before 1900 ({text})."
        raise InvalidInput(msg, field=field_name)
    return day


def check_referral(
    data: ReferralInput, *, today: dt.date, channel: ReferralChannel
) -> dict[str, object]:
    """Check every field and return the referral's column values; InvalidInput names a field."""
    try:
        source = ReferralSource(data.source)
    except ValueError:
        msg = "Say who is making the referral."
        raise InvalidInput(msg, field="source") from None
    first = check_text(data.first_name.strip(), field="first_name", max_chars=80)
    last = check_text(data.last_name.strip(), field="last_name", max_chars=80)
    if not first:
        msg = "Please give the person's first name."
        raise InvalidInput(msg, field="first_name")
    if not last:
        msg = "Please give the person's last name."
        raise InvalidInput(msg, field="last_name")
    if not data.consent:
        msg = (
            "We can only take a referral when the person agrees to be contacted by the bureau. "
            "Tick the consent box once they have agreed."
        )
        raise InvalidInput(msg, field="consent")
    if source != ReferralSource.SELF and not data.referrer_confirms_agreed:
        msg = "Please confirm that the person knows about this referral and agrees to it."
        raise InvalidInput(msg, field="referrer_confirms_agreed")
    if source != ReferralSource.SELF and not data.referrer_name.strip():
        msg = "Please give your name, so we can thank you and ask if we need to."
        raise InvalidInput(msg, field="referrer_name")
    phone = normalise_phone(data.phone, field="phone") if data.phone.strip() else None
    postcode = normalise_postcode(data.postcode) if data.postcode.strip() else None
    born = None
    if data.date_of_birth.strip():
        try:
            born = dt.date.fromisoformat(data.date_of_birth.strip())
        except ValueError:
            msg = f"'{data.date_of_birth.strip()[:20]}' is not a date (use YYYY-MM-DD)."
            raise InvalidInput(msg, field="date_of_birth") from None
        check_birth_date(born, today=today)
    ways = [w for w in CONTACT_WAYS if w in set(data.contact_ways)]
    unknown = set(data.contact_ways) - set(CONTACT_WAYS)
    if unknown:
        msg = "Choose how they would like to be contacted from the list."
        raise InvalidInput(msg, field="contact_ways")
    if not ways:
        msg = "Choose at least one way they would like to be contacted."
        raise InvalidInput(msg, field="contact_ways")
    if ({"phone", "text"} & set(ways)) and phone is None:
        msg = "Give a phone number to be called or texted on."
        raise InvalidInput(msg, field="phone")
    if "text" in ways and phone is not None and not is_mobile(phone):
        msg = "Texts need a mobile number; this one looks like a landline."
        raise InvalidInput(msg, field="phone")
    if ({"letter", "visit"} & set(ways)) and not (data.address.strip() and postcode):
        msg = "Give their address and postcode for a letter or a visit."
        raise InvalidInput(msg, field="address")
    events = []
    for key, when in data.life_events.items():
        if key not in LIFE_EVENTS:
            msg = "Choose life events from the list."
            raise InvalidInput(msg, field="life_events")
        on = _month(when, field_name=f"event_{key}", label=LIFE_EVENTS[key], today=today)
        events.append({"event": key, "on": on.isoformat()})
    values: dict[str, object] = {
        "channel": channel,
        "source": source,
        "referrer_name": check_text(
            data.referrer_name.strip(), field="referrer_name", max_chars=160
        ),
        "referrer_org": check_text(data.referrer_org.strip(), field="referrer_org", max_chars=160),
        "referrer_contact": check_text(
            data.referrer_contact.strip(), field="referrer_contact", max_chars=160
        ),
        "referrer_confirms_agreed": bool(data.referrer_confirms_agreed)
        or source == ReferralSource.SELF,
        "first_name": first,
        "last_name": last,
        "phone": phone,
        "address": check_text(data.address.strip(), field="address", max_chars=255),
        "postcode": postcode,
        "date_of_birth": born,
        "reason": check_text(data.reason.strip(), field="reason", max_chars=5000),
        "life_events": events,
        "lives_alone": bool(data.lives_alone),
        "housebound": bool(data.housebound),
        "no_transport": bool(data.no_transport),
        "no_internet": bool(data.no_internet),
        "consent": True,
        "contact_ways": ways,
        "best_times": check_text(data.best_times.strip(), field="best_times", max_chars=160),
        "language": check_text(data.language.strip(), field="language", max_chars=40),
        "access_needs": check_text(data.access_needs.strip(), field="access_needs", max_chars=500),
        "at_risk_now": bool(data.at_risk_now),
        "self_harm": bool(data.self_harm),
    }
    return values


def submission_key(form_key: str, values: dict[str, object]) -> str:
    """One key per submission: the form's own token, else a digest of what was sent."""
    if form_key.strip():
        raw = f"form:{form_key.strip()[:100]}"
    else:
        raw = "content:" + json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def submit_referral(
    data: ReferralInput,
    *,
    channel: ReferralChannel,
    form_key: str = "",
    actor_id: int | None = None,
    now: dt.datetime | None = None,
) -> Submitted:
    """Store a referral (once per submission), tier it, raise safeguarding, acknowledge it.

    Returns the stored referral; the caller dispatches any texts after this commits (done
    here). A safeguarding referral alerts coordinators and texts the duty phone at once.
    """
    now = now or now_utc()
    values = check_referral(data, today=clock.today(now), channel=channel)
    key = submission_key(form_key, values)
    existing = db.session.scalar(sa.select(Referral).where(Referral.submission_key == key))
    if existing is not None:
        return Submitted(existing, created=False)
    referral = Referral(
        **values,
        reference=_free_reference(),
        submission_key=key,
        created_at=now,
        updated_at=now,
    )
    db.session.add(referral)
    try:
        db.session.flush()
    except IntegrityError:
        # The same form sent twice at once: the other request stored it.
        db.session.rollback()
        found = db.session.scalar(sa.select(Referral).where(Referral.submission_key == key))
        if found is None:
            raise
        return Submitted(found, created=False)
    refresh_tier(referral, now=now)
    record_change(actor_id=actor_id, action="create", entity=referral, now=now)
    texts: list[Message] = []
    if referral.urgent:
        texts.extend(_raise_safeguarding(referral, now))
    ack = _acknowledge(referral, now)
    if ack is not None:
        texts.append(ack)
    db.session.commit()
    messaging.dispatch(texts)
    log.info("referral %s stored (channel %s, urgent %s)", referral.id, channel, referral.urgent)
    return Submitted(referral, created=True)


def _free_reference() -> str:
    for _ in range(10):
        candidate = new_reference()
        taken = db.session.scalar(sa.select(Referral.id).where(Referral.reference == candidate))
        if taken is None:
            return candidate
    msg = "Could not find a free reference."
    raise RuntimeError(msg)


def _raise_safeguarding(referral: Referral, now: dt.datetime) -> list[Message]:
    """An urgent alert for every coordinator and a text to the duty phone (issue 16)."""
    concern = "at risk of harm now" if referral.at_risk_now else "self-harm named"
    messaging.add_alert(
        AlertKind.SAFEGUARDING,
        f"Urgent referral {referral.reference}: {concern}. Call today; if in danger, call 999.",
        phone=referral.phone,
        subject=f"referral:{referral.id}",  # one alert per referral, never merged (issue 13)
        now=now,
    )
    duty = current_app.config.get("DUTY_PHONE")
    if not duty:
        return []
    # The duty text names the reference only: no name or reason leaves the building by SMS.
    body = (
        f"Connect Rota URGENT referral {referral.reference} ({concern}). "
        "Sign in and open the outreach queue now."
    )
    return [
        messaging.queue_text(
            normalise_phone(str(duty), field="DUTY_PHONE"),
            body,
            kind=DUTY_KIND,
            concerns=("Referral", referral.id),
            now=now,
        )
    ]


def _acknowledge(referral: Referral, now: dt.datetime) -> Message | None:
    """Text a self-referrer who gave a mobile and agreed to texts: at most once a day."""
    if referral.source != ReferralSource.SELF or referral.phone is None:
        return None
    if "text" not in referral.contact_ways:
        return None
    midnight = dt.datetime.combine(clock.today(now), dt.time(), tzinfo=clock.zone())
    already = db.session.scalar(
        sa.select(Message.id).where(
            Message.phone == referral.phone,
            Message.kind == ACK_KIND,
            Message.direction == MessageDirection.OUTBOUND,
            Message.created_at >= midnight.astimezone(dt.UTC),
        )
    )
    if already is not None:
        return None
    bureau = current_app.config.get("BUREAU_NAME", "The Volunteer Bureau")
    body = (
        f"{bureau}: thank you, we have your referral (ref {referral.reference}). "
        "Someone will be in touch soon. Reply STOP for no more texts."
    )
    return messaging.queue_text(
        referral.phone, body, kind=ACK_KIND, concerns=("Referral", referral.id), now=now
    )


def get_referral(referral_id: int) -> Referral:
    """The referral, or NotFound."""
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        msg = "There is no such referral."
        raise NotFound(msg)
    return referral


def view_referral(referral_id: int, *, actor_id: int | None) -> Referral:
    """Open a referral for a member of staff; every view is audited (issue 16)."""
    referral = get_referral(referral_id)
    record_change(actor_id=actor_id, action="view", entity=referral)
    db.session.commit()
    return referral


def likely_residents(referral: Referral) -> list[people.LikelyDuplicate]:
    """Residents who may be this person (people.likely_duplicates), minus those staff rejected."""
    found = people.likely_duplicates(
        "resident",
        name=referral.full_name,
        postcode=referral.postcode,
        phone=referral.phone,
        date_of_birth=referral.date_of_birth,
    )
    rejected = set(referral.not_matches or [])
    return [m for m in found if m.id not in rejected]


def confirm_match(referral_id: int, resident_id: int, *, actor_id: int | None) -> Referral:
    """Staff confirm the referral is about this existing resident: one person, one record."""
    referral = get_referral(referral_id)
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        msg = "There is no such resident."
        raise NotFound(msg, field="resident_id")
    record_change(
        actor_id=actor_id,
        action="match",
        entity=referral,
        changes={"resident_id": (referral.resident_id, resident.id)},
    )
    referral.resident = resident
    referral.resident_id = resident.id
    if referral.consent:
        # The agreement the referrer recorded becomes the resident's (issue 14).
        consent.record_consent(
            resident,
            ConsentPurpose.AFTER_REFERRAL,
            given=True,
            how=ConsentHow.REFERRAL,
            staff_id=actor_id,
            note=f"referral {referral.reference}",
        )
    refresh_tier(referral)
    db.session.commit()
    return referral


def reject_match(referral_id: int, resident_id: int, *, actor_id: int | None) -> Referral:
    """Staff say this resident is not the referred person; they are not offered again."""
    referral = get_referral(referral_id)
    if resident_id not in (referral.not_matches or []):
        referral.not_matches = [*(referral.not_matches or []), resident_id]
        record_change(
            actor_id=actor_id,
            action="not_a_match",
            entity=referral,
            changes={"not_matches": (None, resident_id)},
        )
    db.session.commit()
    return referral


def create_resident_from(referral_id: int, *, actor_id: int | None) -> Referral:
    """Make a new resident from the referral when staff found no match."""
    referral = get_referral(referral_id)
    if referral.resident_id is not None:
        return referral
    if likely_residents(referral):
        msg = "Confirm or reject each likely match first, so nobody is entered twice."
        raise InvalidInput(msg, field="resident_id")
    resident = people.create_resident(
        people.ResidentInput(
            first_name=referral.first_name,
            last_name=referral.last_name,
            phone=referral.phone or "",
            postcode=referral.postcode or "",
            address=referral.address,
            date_of_birth=referral.date_of_birth,
            sms_consent="text" in referral.contact_ways,
            languages=referral.language,
            consent_how=ConsentHow.REFERRAL.value,
        ),
        actor_id=actor_id,
        not_a_duplicate=True,
    )
    return confirm_match(referral.id, resident.id, actor_id=actor_id)
