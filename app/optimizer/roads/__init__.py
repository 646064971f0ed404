"""Travel times between places: the interface the rota solver and matching use.

Two implementations: :mod:`app.optimizer.roads.straight_line` (the embedded default) and
:mod:`app.optimizer.roads.osm` (a real OSMnx road network).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple
from typing import Protocol

import numpy as np
import numpy.typing as npt

from app.optimizer.types import LatLon


class TravelMatrix(NamedTuple):
    """Square integer matrices: ``duration_s[i, j]`` and ``distance_m[i, j]`` from i to j."""

    duration_s: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class RoadPath:
    """The line a driver follows from one place to the next, with its time and length."""

    points: tuple[LatLon, ...]
    duration_s: int
    distance_m: int


class TravelTimes(Protocol):
    """Anything that can tell how long it takes to drive between places."""

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        """Return driving times and distances between every pair of ``points``."""
        ...

    def path(self, a: LatLon, b: LatLon) -> RoadPath:
        """Return the line driven from ``a`` to ``b`` with its time and length."""
        ...
