"""Joyce Wilson's history with the bureau, for the export, erasure and retention tests (issue 14).

Every kind of row the registry knows about, with other people in them (her driver, her
befriender, her GP, another resident on the same route) so redaction and erasure can be checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.extensions import db
from app.models import Alert
from app.models import AlertKind
from app.models import Conversation
from app.models import LiftRequest
from app.models import Message
from app.models import MessageDirection
from app.models import MessageStatus
from app.models import Pairing
from app.models import PairingStatus
from app.models import Plan
from app.models import Referral
from app.models import ReferralChannel
from app.models import ReferralSource
from app.models import Resident
from app.models import Screening
from app.models import Volunteer
from app.services.audit import record_event
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_volunteer
from tests.plan_builder import hm
from tests.plan_builder import make_plan

DAY = dt.date(2026, 11, 17)
JOYCE = {
    "first_name": "Joyce",
    "last_name": "Wilson",
    "phone": "+447700900533",
    "address": "28 Movers Lane",
    "postcode": "RM6 5JX",
    "date_of_birth": dt.date(1941, 3, 2),
    "notes": "Daughter Sandra visits on Sundays.",
    "life_events": ["bereavement"],
    "ward_code": "E05014061",
}
DEV = {
    "first_name": "Devraj",
    "last_name": "Ahmed",
    "phone": "+447700900111",
    "email": "devraj.ahmed@example.org",
    "address": "3 Heathway",
    "postcode": "RM10 9QS",
}


@dataclass
class Story:
    joyce: Resident
    olive: Resident
    dev: Volunteer
    bea: Volunteer
    lift: LiftRequest
    olive_lift: LiftRequest
    plan: Plan


def joyce_story() -> Story:
    """Joyce: a lift with Devraj (who also drives Olive), texts, a befriender, a GP referral."""
    joyce = make_resident(**JOYCE)
    olive = make_resident(first_name="Olive", last_name="Other", postcode="IG11 7NB")
    dev = make_volunteer(**DEV)
    bea = make_volunteer(
        first_name="Beata",
        last_name="Kowalski",
        phone="+447700900222",
        is_driver=False,
        is_befriender=True,
        befriend_capacity=2,
    )
    lift = make_lift(joyce, day=DAY, notes="Bring her walking frame", pinned_volunteer_id=dev.id)
    olive_lift = make_lift(olive, day=DAY)
    plan = make_plan(
        DAY,
        [(dev, [(lift, hm("9:00"), hm("9:30")), (olive_lift, hm("9:10"), hm("9:40"))])],
    )
    db.session.add_all(
        [
            Message(
                direction=MessageDirection.OUTBOUND,
                phone=joyce.phone,
                body="Hello Joyce, your lift on Tuesday is arranged. Devraj will pick you up.",
                status=MessageStatus.SENT,
                resident_id=joyce.id,
                concerns_type="lift",
                concerns_id=lift.id,
            ),
            Message(
                direction=MessageDirection.INBOUND,
                phone=joyce.phone,
                body="MY LIFTS please, Joyce Wilson",
                status=MessageStatus.RECEIVED,
            ),
            Message(
                direction=MessageDirection.OUTBOUND,
                phone=dev.phone,
                body="Tue 17 Nov, 9:00am: Joyce Wilson, 28 Movers Lane, RM6 5JX. To the library.",
                status=MessageStatus.SENT,
                volunteer_id=dev.id,
                concerns_type="plan_route",
                concerns_id=plan.routes[0].id,
            ),
            Message(
                direction=MessageDirection.OUTBOUND,
                phone=olive.phone,
                body="Hello Olive, your lift on Tuesday is arranged.",
                status=MessageStatus.SENT,
                resident_id=olive.id,
            ),
            Alert(
                kind=AlertKind.CALL_REQUESTED,
                phone=joyce.phone,
                detail="Joyce Wilson asked for a call back on 07700 900533",
                resident_id=joyce.id,
            ),
            Conversation(phone=joyce.phone, state="booking", data={"place": "28 Movers Lane"}),
            Pairing(
                resident_id=joyce.id,
                volunteer_id=bea.id,
                status=PairingStatus.ACTIVE,
                score=0.8,
                reasons=["both like gardening"],
            ),
        ]
    )
    referral = Referral(
        reference="JW7Q2KXA",
        submission_key="story-submission-1",
        channel=ReferralChannel.STAFF,
        resident_id=joyce.id,
        source=ReferralSource.GP,
        referrer_name="Dr Rita Patel",
        referrer_org="Oxlow Lane Surgery",
        referrer_contact="rita.patel@nhs.example",
        first_name="Joyce",
        last_name="Wilson",
        phone=joyce.phone,
        address=joyce.address,
        postcode=joyce.postcode,
        reason="Lost her husband in the spring; lonely since.",
        consent=True,
    )
    db.session.add(referral)
    db.session.flush()
    db.session.add(
        Screening(
            resident_id=joyce.id,
            referral_id=referral.id,
            instrument="ucla3",
            score=7,
            answers={"q1": 3, "q2": 2, "q3": 2},
            taken_on=DAY,
        )
    )
    record_event(
        "update",
        joyce,
        changes={"address": ("166 Whalebone Lane South", "28 Movers Lane")},
    )
    record_event("update", lift, changes={"notes": ("", "Bring her walking frame")})
    db.session.commit()
    return Story(joyce, olive, dev, bea, lift, olive_lift, plan)
