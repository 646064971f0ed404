"""The closed vocabularies of the domain, stored as strings."""

from __future__ import annotations

import enum


class StaffRole(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    VIEWER = "viewer"


class Mobility(enum.StrEnum):
    NONE = "none"
    WALKING_AID = "walking_aid"
    WHEELCHAIR = "wheelchair"
    NEEDS_ESCORT = "needs_escort"


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNSTATED = "unstated"


class DbsLevel(enum.StrEnum):
    """The level of a DBS certificate, lowest first (issue 13)."""

    BASIC = "basic"
    STANDARD = "standard"
    ENHANCED = "enhanced"
    ENHANCED_BARRED = "enhanced_barred"  # enhanced with the adults' barred list


class RiskTier(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class LiftStatus(enum.StrEnum):
    REQUESTED = "requested"
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    NO_SHOW = "no_show"
    COMPLETED = "completed"
    UNSERVED = "unserved"


class LiftPurpose(enum.StrEnum):
    MEDICAL = "medical"
    ACTIVITY = "activity"
    SHOPPING = "shopping"
    SOCIAL = "social"
    OTHER = "other"


class LiftSource(enum.StrEnum):
    STAFF = "staff"
    SMS = "sms"
    PARTNER = "partner"
    RECURRING = "recurring"


class LiftLeg(enum.StrEnum):
    OUTBOUND = "outbound"
    RETURN = "return"


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class StopKind(enum.StrEnum):
    START = "start"
    PICKUP = "pickup"
    DROPOFF = "dropoff"
    END = "end"


class DriverResponse(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NO_REPLY = "no_reply"


class PairingStatus(enum.StrEnum):
    PROPOSED = "proposed"
    REJECTED = "rejected"
    ACTIVE = "active"
    ENDED = "ended"


class ReferralSource(enum.StrEnum):
    """Who referred (issue 16's list): the referrer's role."""

    GP = "gp"
    SOCIAL_PRESCRIBER = "social_prescriber"
    ADULT_SOCIAL_CARE = "adult_social_care"
    VOLUNTARY_PARTNER = "voluntary_partner"
    HOUSING = "housing"
    FAMILY = "family"
    SELF = "self"
    OTHER = "other"


class ReferralChannel(enum.StrEnum):
    """How the referral came in: the staff form, the public /refer page, a partner system."""

    STAFF = "staff"
    PUBLIC = "public"
    PARTNER = "partner"


class ReferralStatus(enum.StrEnum):
    """received -> contacted -> connected, or closed with a reason (issue 16)."""

    RECEIVED = "received"
    CONTACTED = "contacted"
    CONNECTED = "connected"
    CLOSED = "closed"


class OutreachTier(enum.StrEnum):
    """The outreach queue's tiers, most pressing first; urgent is a safeguarding concern."""

    URGENT = "urgent"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ContactOutcome(enum.StrEnum):
    """What happened when the bureau tried to reach a referred person."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    DECLINED = "declined"
    LEFT_MESSAGE = "left_message"
    LETTER_SENT = "letter_sent"
    VISIT_BOOKED = "visit_booked"


class MessageDirection(enum.StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    RECEIVED = "received"
    SIMULATED = "simulated"
    SUPPRESSED = "suppressed"


class AlertKind(enum.StrEnum):
    OPTED_OUT = "opted_out"
    CALL_REQUESTED = "call_requested"
    NEW_CONTACT = "new_contact"
    DRIVER_DECLINED = "driver_declined"
    DRIVER_NO_REPLY = "driver_no_reply"
    LIFT_CANCELLED = "lift_cancelled"
    TEXT_FAILED = "text_failed"
    CHECKIN_HELP = "checkin_help"
    SAFEGUARDING = "safeguarding"
    # Written already done, when a coordinator ticks a call the call list found by itself
    # (issue 13): the record that they phoned, so the entry leaves the list.
    NO_TEXTS = "no_texts"
    LIFT_UNSERVED = "lift_unserved"


class AuditActor(enum.StrEnum):
    """Who made a change in the audit log (issue 14): a staff user, a person by text, or us.

    Stored as a plain string (no CHECK) so a later actor (a partner by the API) needs no
    migration.
    """

    STAFF = "staff"
    RESIDENT_BY_TEXT = "resident by text"
    DRIVER_BY_TEXT = "driver by text"
    VOLUNTEER_BY_TEXT = "volunteer by text"
    PARTNER = "partner"
    SYSTEM = "system"


class ConsentPurpose(enum.StrEnum):
    """What a person may agree to (issue 14); each has a lawful basis in docs/data-protection.md.

    Stored as a plain string (no CHECK) so a later purpose (the community issue's host
    welcome) needs no migration.
    """

    TEXTS = "texts"
    BEFRIENDING = "befriending_introductions"
    LIFE_EVENTS = "sharing_life_events"
    AFTER_REFERRAL = "contact_after_referral"


class ConsentHow(enum.StrEnum):
    """How a consent was given or withdrawn."""

    FORM = "form"
    PHONE = "phone call"
    IN_PERSON = "in person"
    PAPER = "paper"
    TEXT = "text"
    REFERRAL = "referral"
    MIGRATED = "recorded before consent history"
