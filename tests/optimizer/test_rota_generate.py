"""The borough-day generator gives realistic, valid, plannable days."""

from __future__ import annotations

from app.optimizer.roads.straight_line import StraightLineTravelTimes
from app.optimizer.rota import solve_rota
from app.optimizer.rota import validate_plan
from app.optimizer.rota.generate import DaySpec
from app.optimizer.rota.generate import generate_day
from app.optimizer.types import SolveParams
from app.optimizer.types import UnservedReason


def test_same_seed_same_day() -> None:
    """The generator is reproducible and honours the requested sizes."""
    spec = DaySpec(n_lifts=60, n_drivers=12)
    a, b = generate_day(3, spec), generate_day(3, spec)
    assert a == b
    assert len(a.lifts) == 60 and len(a.drivers) == 12
    assert any(lift.wheelchair for lift in a.lifts)
    assert any(lift.id.endswith("-back") for lift in a.lifts)
    assert sum(lift.pinned_driver_id is not None for lift in a.lifts) == spec.n_pinned


def test_small_generated_day_is_planned_and_valid() -> None:
    """A generated day of 40 lifts is planned quickly, validated, with no busy-driver drops."""
    problem = generate_day(1, DaySpec(n_lifts=40, n_drivers=10))
    travel = StraightLineTravelTimes()
    result = solve_rota(problem, travel, SolveParams(time_limit_s=1.5))
    assert validate_plan(problem, travel, result) == []
    assert all(u.reason is not UnservedReason.DRIVERS_BUSY for u in result.unserved)
    assert len(result.unserved) < 8
