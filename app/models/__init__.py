"""Every model, imported here so Alembic's autogenerate sees the whole schema."""

from __future__ import annotations

from app.models.befriending import Pairing
from app.models.consent import ConsentRecord
from app.models.enums import AlertKind
from app.models.enums import AuditActor
from app.models.enums import ConsentHow
from app.models.enums import ConsentPurpose
from app.models.enums import ContactOutcome
from app.models.enums import DbsLevel
from app.models.enums import DriverResponse
from app.models.enums import Gender
from app.models.enums import LiftLeg
from app.models.enums import LiftPurpose
from app.models.enums import LiftSource
from app.models.enums import LiftStatus
from app.models.enums import MessageDirection
from app.models.enums import MessageStatus
from app.models.enums import Mobility
from app.models.enums import OutreachTier
from app.models.enums import PairingStatus
from app.models.enums import PlanStatus
from app.models.enums import ReferralChannel
from app.models.enums import ReferralSource
from app.models.enums import ReferralStatus
from app.models.enums import RiskTier
from app.models.enums import StaffRole
from app.models.enums import StopKind
from app.models.expenses import MileageClaim
from app.models.lifts import LiftRequest
from app.models.lifts import RecurringLift
from app.models.messaging import Alert
from app.models.messaging import Conversation
from app.models.messaging import Message
from app.models.people import AuditLog
from app.models.people import AvailabilityException
from app.models.people import BlockedPair
from app.models.people import PostcodeLocation
from app.models.people import Resident
from app.models.people import StaffUser
from app.models.people import Volunteer
from app.models.people import WeeklyAvailability
from app.models.personal_data import Erasure
from app.models.places import Activity
from app.models.places import Service
from app.models.places import Venue
from app.models.referrals import ContactAttempt
from app.models.referrals import Referral
from app.models.referrals import Screening
from app.models.rota import Plan
from app.models.rota import PlanRoute
from app.models.rota import PlanStop
from app.models.rota import UnservedLift

__all__ = [
    "Activity",
    "Alert",
    "AlertKind",
    "AuditActor",
    "AuditLog",
    "AvailabilityException",
    "BlockedPair",
    "ContactAttempt",
    "ContactOutcome",
    "ConsentHow",
    "ConsentPurpose",
    "ConsentRecord",
    "Conversation",
    "DriverResponse",
    "Erasure",
    "DbsLevel",
    "Gender",
    "LiftLeg",
    "LiftPurpose",
    "LiftRequest",
    "LiftSource",
    "LiftStatus",
    "Message",
    "MileageClaim",
    "MessageDirection",
    "MessageStatus",
    "Mobility",
    "Pairing",
    "OutreachTier",
    "PairingStatus",
    "Plan",
    "PlanRoute",
    "PlanStatus",
    "PlanStop",
    "PostcodeLocation",
    "RecurringLift",
    "Referral",
    "ReferralChannel",
    "ReferralSource",
    "ReferralStatus",
    "Resident",
    "RiskTier",
    "Screening",
    "Service",
    "StaffRole",
    "StaffUser",
    "StopKind",
    "UnservedLift",
    "Venue",
    "Volunteer",
    "WeeklyAvailability",
]
