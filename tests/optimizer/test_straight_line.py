"""Straight-line travel times: the embedded default (issue 3)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from app.optimizer.errors import InvalidProblem
from app.optimizer.roads import TravelTimes
from app.optimizer.roads.straight_line import DEFAULT_DETOUR_FACTOR
from app.optimizer.roads.straight_line import DEFAULT_SPEED_KMH
from app.optimizer.roads.straight_line import StraightLineParams
from app.optimizer.roads.straight_line import StraightLineTravelTimes
from app.optimizer.roads.straight_line import haversine_m
from app.optimizer.types import LatLon

# Barking Learning Centre, Dagenham Library, Marks Gate, Valence Library, Thames View
PLACES = [
    LatLon(51.5365, 0.0806),
    LatLon(51.5397, 0.1482),
    LatLon(51.5848, 0.1217),
    LatLon(51.5590, 0.1072),
    LatLon(51.5282, 0.1090),
]


def test_is_a_travel_times() -> None:
    """StraightLineTravelTimes satisfies the TravelTimes protocol."""
    travel: TravelTimes = StraightLineTravelTimes()
    assert travel.matrix(PLACES[:1]).duration_s.shape == (1, 1)


def test_matrix_is_symmetric_with_zero_diagonal() -> None:
    """Straight-line times and distances are symmetric and zero from a place to itself."""
    m = StraightLineTravelTimes().matrix(PLACES)
    assert m.duration_s.dtype == np.int64 and m.distance_m.dtype == np.int64
    assert (m.duration_s == m.duration_s.T).all() and (m.distance_m == m.distance_m.T).all()
    assert (np.diag(m.duration_s) == 0).all() and (np.diag(m.distance_m) == 0).all()
    off = ~np.eye(len(PLACES), dtype=bool)
    assert (m.duration_s[off] > 0).all()


def test_triangle_inequality_holds_within_rounding() -> None:
    """Going via a third place is never faster (seconds round up, metres by at most 1)."""
    m = StraightLineTravelTimes().matrix(PLACES)
    for a, b, c in itertools.permutations(range(len(PLACES)), 3):
        assert m.duration_s[a, c] <= m.duration_s[a, b] + m.duration_s[b, c]
        assert m.distance_m[a, c] <= m.distance_m[a, b] + m.distance_m[b, c] + 1


def test_known_distance_times_detour_over_speed() -> None:
    """One hundredth of a degree of latitude is 1,112 m straight, times the detour factor."""
    params = StraightLineParams(detour_factor=1.5, speed_kmh=36.0)
    m = StraightLineTravelTimes(params).matrix([LatLon(51.50, 0.1), LatLon(51.51, 0.1)])
    straight = 6_371_009.0 * math.radians(0.01)
    assert m.distance_m[0, 1] == round(straight * 1.5)
    assert m.duration_s[0, 1] == math.ceil(straight * 1.5 / 10.0)


def test_seconds_round_up_and_metres_round() -> None:
    """A trip of 10.2 s is 11 s; its 102.4 m are 102 m."""
    travel = StraightLineTravelTimes(StraightLineParams(detour_factor=1.0, speed_kmh=36.0))
    b = LatLon(51.5 + math.degrees(102.4 / 6_371_009.0), 0.1)
    m = travel.matrix([LatLon(51.5, 0.1), b])
    assert m.distance_m[0, 1] == 102
    assert m.duration_s[0, 1] == 11


def test_path_is_the_two_points_with_the_matrix_figures() -> None:
    """path() is a two-point line with the same seconds and metres as the matrix."""
    travel = StraightLineTravelTimes()
    p = travel.path(PLACES[0], PLACES[1])
    m = travel.matrix(PLACES[:2])
    assert p.points == (PLACES[0], PLACES[1])
    assert (p.duration_s, p.distance_m) == (m.duration_s[0, 1], m.distance_m[0, 1])


def test_empty_and_duplicate_points() -> None:
    """No points give an empty matrix; a repeated point is 0 s from itself."""
    travel = StraightLineTravelTimes()
    assert travel.matrix([]).duration_s.shape == (0, 0)
    m = travel.matrix([PLACES[0], PLACES[0]])
    assert m.duration_s.tolist() == [[0, 0], [0, 0]]


@pytest.mark.parametrize("bad", [LatLon(math.nan, 0.1), LatLon(51.5, math.inf), LatLon(95, 0)])
def test_bad_coordinates_name_the_point(bad: LatLon) -> None:
    """NaN, infinite or impossible coordinates raise InvalidProblem naming the point."""
    with pytest.raises(InvalidProblem, match="point 1"):
        StraightLineTravelTimes().matrix([PLACES[0], bad])
    with pytest.raises(InvalidProblem, match="end of the path"):
        StraightLineTravelTimes().path(PLACES[0], bad)


@pytest.mark.parametrize(
    ("detour", "speed"), [(0.9, 30.0), (math.nan, 30.0), (1.3, 0.0), (1.3, -5.0), (1.3, math.inf)]
)
def test_params_are_validated(detour: float, speed: float) -> None:
    """A detour factor below 1 or a non-positive speed is rejected."""
    with pytest.raises(InvalidProblem):
        StraightLineParams(detour_factor=detour, speed_kmh=speed)


def test_defaults_are_the_calibrated_figures() -> None:
    """The defaults are the figures calibrated in the module docstring."""
    params = StraightLineTravelTimes().params
    assert (params.detour_factor, params.speed_kmh) == (DEFAULT_DETOUR_FACTOR, DEFAULT_SPEED_KMH)


def test_calibration_still_matches_the_real_extract(shared_data: Path, tmp_path: Path) -> None:
    """The default detour and speed reproduce the real north London network's medians."""
    extract = shared_data / "osm_sample_north_london_NOT_LBBD.osm.bz2"
    if not extract.is_file():
        pytest.skip(f"the real OSM extract {extract} is not present on this machine")
    from app.optimizer.roads.osm import OsmParams
    from app.optimizer.roads.osm import OsmTravelTimes

    travel = OsmTravelTimes.from_source(
        str(extract), cache_dir=tmp_path, params=OsmParams(approach_speed_kmh=None)
    )
    net = travel.network
    nodes = [LatLon(float(a), float(b)) for a, b in zip(net.lat, net.lon, strict=True)]
    m = travel.matrix(nodes)
    straight = haversine_m(net.lat[:, None], net.lon[:, None], net.lat[None, :], net.lon[None, :])
    far = straight >= 500
    ratio = np.median(m.distance_m[far] / straight[far])
    assert ratio == pytest.approx(DEFAULT_DETOUR_FACTOR, abs=0.03)
    predicted = StraightLineTravelTimes().matrix(nodes).duration_s
    rel = np.median(predicted[far] / m.duration_s[far])
    assert rel == pytest.approx(1.0, abs=0.05)
