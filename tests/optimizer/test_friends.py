"""A resident's named friend: the planner puts them in the same car when it can (a soft bonus,
issue 12)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.optimizer.errors import InvalidProblem
from app.optimizer.rota import solve_rota
from app.optimizer.rota import validate_plan
from app.optimizer.types import SearchParams
from app.optimizer.types import SolveParams
from app.optimizer.types import TimeWindow
from app.optimizer.types import Weights
from tests.optimizer.rota_helpers import H
from tests.optimizer.rota_helpers import LineTravel
from tests.optimizer.rota_helpers import driver
from tests.optimizer.rota_helpers import lift
from tests.optimizer.rota_helpers import problem

STEPS = SolveParams(
    time_limit_s=60, search=SearchParams(construction="insertion", max_iterations=100)
)
#: Only the friend bonus is soft here: drivers cost their driving, activities give nothing.
ONLY_FRIENDS = Weights(driver_fixed_s=0, shared_ride_s=0, fairness=0, friend_ride_s=600)


def test_a_resident_rides_with_their_named_friend_rather_than_a_stranger() -> None:
    """Two cars of two seats, three residents collected at 10:00: Ann rides with her friend
    Bea, not with Cal, though both cost the same driving."""
    at_ten = TimeWindow(10 * H, 10 * H + 300)
    lifts = [
        lift("ann", 1, 9, pickup_window=at_ten, ride_with=frozenset({"bea"})),
        lift("bea", 2, 10, pickup_window=at_ten),
        lift("cal", 2, 10, pickup_window=at_ten),
    ]
    p = problem(lifts, [driver("d1", 0, seats=2), driver("d2", 0, seats=2)], weights=ONLY_FRIENDS)
    for seed in range(3):
        result = solve_rota(p, LineTravel(), replace(STEPS, seed=seed))
        assert validate_plan(p, LineTravel(), result) == []
        (together,) = [r for r in result.routes if "ann" in r.lift_ids]
        assert "bea" in together.lift_ids
        assert "cal" not in together.lift_ids


def test_an_unknown_friends_lift_is_refused_by_name() -> None:
    """A friend's lift that is not in the day's problem is bad input, named."""
    with pytest.raises(InvalidProblem, match="unknown friend's lift"):
        problem([lift("ann", 1, 9, ride_with=frozenset({"zed"}))], [driver("d1", 0)])
