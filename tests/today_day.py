"""Today's story for tests (issue 13): Dev drives Joan and Amir to choir and home, Sue drives
Zofia; the plan is published. Times are London's, which is on GMT on 1 December."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import LiftLeg
from app.models import LiftRequest
from app.models import LiftStatus
from app.models import PlanRoute
from app.models import PlanStatus
from app.models import Resident
from tests.factories import make_activity
from tests.factories import make_lift
from tests.factories import make_resident
from tests.factories import make_venue
from tests.factories import make_volunteer
from tests.plan_builder import hm
from tests.plan_builder import make_plan

DAY = dt.date(2026, 12, 1)  # a Tuesday; London is on GMT, so local time = UTC


def at(text: str) -> dt.datetime:
    hours, minutes = text.split(":")
    return dt.datetime(2026, 12, 1, int(hours), int(minutes), tzinfo=dt.UTC)


class Day:
    """Dev drives Joan and Amir to choir and home; Sue drives Zofia. Published."""

    def __init__(self) -> None:
        self.choir = make_activity(make_venue(name="Valence Library"), name="Choir")
        self.dev = make_volunteer(first_name="Dev")
        self.sue = make_volunteer(first_name="Sue")
        self.joan = make_resident(first_name="Joan", address="12 Ripple Road")
        self.amir = make_resident(first_name="Amir", address="7a Longbridge Road")
        self.zofia = make_resident(first_name="Zofia", address="40 Becontree Avenue")
        self.legs = {r.first_name: self._lift(r) for r in (self.joan, self.amir, self.zofia)}
        (j, jb), (a, ab), (z, zb) = self.legs["Joan"], self.legs["Amir"], self.legs["Zofia"]
        self.plan = make_plan(
            DAY,
            [
                (
                    self.dev,
                    [
                        (j, hm("9:05"), hm("9:45")),
                        (a, hm("9:20"), hm("9:46")),
                        (jb, hm("12:05"), hm("12:35")),
                        (ab, hm("12:06"), hm("12:50")),
                    ],
                ),
                (self.sue, [(z, hm("9:10"), hm("9:40")), (zb, hm("12:10"), hm("12:40"))]),
            ],
            status=PlanStatus.PUBLISHED,
        )
        self.plan.published_at = at("7:00") - dt.timedelta(days=1)
        for route in self.plan.routes:
            route.distance_m = 16093  # 10 miles
        for out, back in self.legs.values():
            out.status = back.status = LiftStatus.PLANNED
        db.session.commit()

    def _lift(self, resident: Resident) -> tuple[LiftRequest, LiftRequest]:
        out = make_lift(resident, day=DAY, activity_id=self.choir.id)
        back = make_lift(
            resident,
            day=DAY,
            leg=LiftLeg.RETURN,
            outbound_id=out.id,
            activity_id=self.choir.id,
            pickup_address="Becontree Avenue",
            pickup_postcode="RM8 3HT",
            pickup_lat=out.destination_lat,
            pickup_lon=out.destination_lon,
            destination_address=resident.address,
            destination_postcode=resident.postcode,
            destination_lat=resident.lat,
            destination_lon=resident.lon,
            arrive_by=None,
            pickup_earliest=dt.time(12),
            pickup_latest=dt.time(12, 30),
        )
        return out, back

    def route_of(self, first_name: str) -> PlanRoute:
        return next(r for r in self.plan.routes if r.volunteer.first_name == first_name)

    def ids(self, name: str) -> tuple[int, int]:
        out, back = self.legs[name]
        return out.id, back.id
