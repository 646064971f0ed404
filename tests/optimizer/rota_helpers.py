"""Tiny hand-built rota problems on a line: place ``k`` is ``k`` minutes' drive from place 0."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from app.optimizer.roads import RoadPath
from app.optimizer.roads import TravelMatrix
from app.optimizer.types import Driver
from app.optimizer.types import LatLon
from app.optimizer.types import Lift
from app.optimizer.types import Problem
from app.optimizer.types import SolveParams
from app.optimizer.types import TimeWindow

DAY = date(2026, 12, 1)
VALID = date(2027, 12, 31)
FAST = SolveParams(time_limit_s=0.4)
H = 3600


def at(k: float) -> LatLon:
    """Return the place ``k`` minutes east of place 0 (on a parallel of latitude)."""
    return LatLon(51.5, round(0.01 * k, 6))


class LineTravel:
    """Travel times on the line: one minute and 1 km per 0.01 degree of longitude."""

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        """Return the matrix between ``points``."""
        x = np.array([round(p.lon * 100) for p in points], dtype=np.int64)
        steps = np.abs(x[:, None] - x[None, :])
        return TravelMatrix(steps * 60, steps * 1000)

    def path(self, a: LatLon, b: LatLon) -> RoadPath:
        """Return a straight path (unused by the solver)."""
        steps = abs(round(a.lon * 100) - round(b.lon * 100))
        return RoadPath((a, b), steps * 60, steps * 1000)


def driver(did: str, home: float = 0, **kw: object) -> Driver:
    """Return a DBS-valid driver free 08:00-18:00 living at place ``home``."""
    fields: dict[str, object] = {
        "availability": (TimeWindow(8 * H, 18 * H),),
        "dbs_valid_until": VALID,
    }
    fields.update(kw)
    return Driver(did, at(home), **fields)  # type: ignore[arg-type]


def lift(lid: str, a: float, b: float, **kw: object) -> Lift:
    """Return a lift from place ``a`` to place ``b`` (any time unless given)."""
    return Lift(lid, at(a), at(b), **kw)  # type: ignore[arg-type]


def problem(lifts: Sequence[Lift], drivers: Sequence[Driver], **kw: object) -> Problem:
    """Return a problem for :data:`DAY`, with 60 s boarding unless given."""
    fields: dict[str, object] = {"boarding_s": 60, "wheelchair_boarding_s": 120}
    fields.update(kw)
    return Problem(DAY, tuple(lifts), tuple(drivers), **fields)  # type: ignore[arg-type]
