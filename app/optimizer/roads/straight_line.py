"""Travel times from straight-line distance: the embedded default when no road network is set.

``distance = haversine(a, b) * detour_factor`` and ``time = distance / speed``.

Calibration (issue 3)
---------------------
Both figures were fitted on the only real road network available here, the north London OSM
extract ``shared/data/osm_sample_north_london_NOT_LBBD.osm.bz2`` (Palmers Green / Wood Green),
loaded exactly as production loads a network (:mod:`app.optimizer.roads.osm`: OSMnx ``drive``
filter, London default speeds where ``maxspeed`` is missing, largest strongly connected
component: 829 nodes, 1,868 edges). Method, reproducible with
``python benchmarks/travel_matrix.py --calibrate``: every ordered pair of the network's nodes
that lie at least 500 m apart in a straight line (620,072 pairs, mean 1.5 km, up to 4.8 km),
the network distance and time of the fastest route (no snapping: points *are* nodes) against the
great-circle distance.

- network / straight-line distance: median 1.44 (10th-90th percentile 1.18-2.23; ratio of sums
  1.53; for pairs over 2 km the median falls to 1.36). ``detour_factor = 1.45``.
- speed along the route (network metres / network seconds): 42.4 km/h over all pairs; the
  speed that makes the median predicted time equal the network's, given the detour factor,
  41.8 km/h: ``speed_kmh = 42``. With both, the predicted time's error against the network's
  is +0.4 % at the median, -16 %/+15 % at the quartiles, -37 %/+30 % at the 10th/90th
  percentiles (short trips through a clipped grid of one-way streets scatter most).

These are free-flow figures, like the network's own (speed limits, no congestion), so the two
implementations agree on average; real traffic in a London borough is slower and neither
implementation models it (lower ``speed_kmh`` to be more cautious). The sample
area is a clipped 4.3 x 3.5 km box (routes cannot leave it), which inflates detours of short
trips a little. Both figures are parameters (``STRAIGHT_LINE_DETOUR``,
``STRAIGHT_LINE_SPEED_KMH`` in the app's config).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from app.optimizer.errors import InvalidProblem
from app.optimizer.roads import RoadPath
from app.optimizer.roads import TravelMatrix
from app.optimizer.types import LatLon

EARTH_RADIUS_M: Final = 6_371_009.0
"""Mean Earth radius in metres (the value OSMnx uses)."""

DEFAULT_DETOUR_FACTOR: Final = 1.45
"""Network distance over straight-line distance, calibrated as in the module docstring."""

DEFAULT_SPEED_KMH: Final = 42.0
"""Average speed along the road, calibrated as in the module docstring."""


@dataclass(frozen=True, slots=True)
class StraightLineParams:
    """The two figures of the straight-line estimate.

    Parameters
    ----------
    detour_factor
        Road distance over straight-line distance; at least 1.
    speed_kmh
        Average speed along the road in km/h; positive.

    Raises
    ------
    InvalidProblem
        When a figure is not finite or out of range.
    """

    detour_factor: float = DEFAULT_DETOUR_FACTOR
    speed_kmh: float = DEFAULT_SPEED_KMH

    def __post_init__(self) -> None:
        if not (math.isfinite(self.detour_factor) and self.detour_factor >= 1.0):
            msg = f"The detour factor must be a number of at least 1, got {self.detour_factor}."
            raise InvalidProblem(msg)
        if not (math.isfinite(self.speed_kmh) and self.speed_kmh > 0):
            msg = f"The straight-line speed must be a positive km/h, got {self.speed_kmh}."
            raise InvalidProblem(msg)


class StraightLineTravelTimes:
    """Estimate driving times and distances from great-circle distance.

    Parameters
    ----------
    params
        Detour factor and speed (:class:`StraightLineParams`); the calibrated defaults when
        omitted.
    """

    def __init__(self, params: StraightLineParams | None = None) -> None:
        self._params = StraightLineParams() if params is None else params

    @property
    def params(self) -> StraightLineParams:
        """The detour factor and speed in use."""
        return self._params

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        """Return estimated seconds (rounded up) and metres between every pair of ``points``.

        Parameters
        ----------
        points
            Places in any order.

        Returns
        -------
        TravelMatrix
            Symmetric, zero on the diagonal.

        Raises
        ------
        InvalidProblem
            When a point has NaN, infinite or impossible coordinates (the message names it).
        """
        pts = points_array(points)
        lat, lon = pts[:, 0], pts[:, 1]
        straight = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        return self._to_matrix(straight)

    def path(self, a: LatLon, b: LatLon) -> RoadPath:
        """Return the straight line from ``a`` to ``b`` with its estimated time and length.

        Raises
        ------
        InvalidProblem
            When a point has NaN, infinite or impossible coordinates.
        """
        a = LatLon(*a).checked("start of the path")
        b = LatLon(*b).checked("end of the path")
        straight = haversine_m(np.array([[a.lat]]), np.array([[a.lon]]), b.lat, b.lon)
        result = self._to_matrix(straight)
        return RoadPath(
            points=(a, b),
            duration_s=int(result.duration_s[0, 0]),
            distance_m=int(result.distance_m[0, 0]),
        )

    def _to_matrix(self, straight_m: npt.NDArray[np.float64]) -> TravelMatrix:
        metres = straight_m * self._params.detour_factor
        seconds = metres / (self._params.speed_kmh / 3.6)
        # seconds round up (never promise an arrival that cannot be made); the tolerance keeps
        # float noise on an exact integer from adding a second
        duration = np.ceil(seconds - 1e-9).astype(np.int64)
        distance = np.floor(metres + 0.5).astype(np.int64)
        return TravelMatrix(duration, distance)


def haversine_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Return the great-circle distance in metres, broadcasting over arrays of degrees."""
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dlon = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    out: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


def points_array(points: Sequence[LatLon]) -> npt.NDArray[np.float64]:
    """Return ``points`` as an (n, 2) float array of (lat, lon).

    Raises
    ------
    InvalidProblem
        When a point has NaN, infinite or impossible coordinates; the message names its index.
    """
    pts = np.array([(p[0], p[1]) for p in points], dtype=np.float64).reshape(-1, 2)
    ok = np.isfinite(pts).all(axis=1) & (np.abs(pts[:, 0]) <= 90) & (np.abs(pts[:, 1]) <= 180)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        LatLon(float(pts[i, 0]), float(pts[i, 1])).checked(f"point {i}")
    return pts
