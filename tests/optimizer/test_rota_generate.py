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


def test_real_days_are_planned_within_every_rule_by_both_engines() -> None:
    """Days as hard as a real one (issue 12): every plan passes the validator, and no lift
    left out would fit into the plan on its own."""
    from app.optimizer.rota import travel_matrix
    from app.optimizer.types import SearchParams
    from benchmarks.borough_day import fits_on_its_own

    for seed in range(3):
        problem = generate_day(seed, DaySpec.real_day(60, 12))
        assert all(
            lift.outbound_id == lift.id.replace("-back", "-out")
            for lift in problem.lifts
            if lift.id.endswith("-back")
        )
        matrix = travel_matrix(problem, StraightLineTravelTimes())
        search = SearchParams(max_iterations=150)
        for params in (
            SolveParams(time_limit_s=10, seed=seed, search=search),
            SolveParams(time_limit_s=2, seed=seed, engine="ortools"),
        ):
            result = solve_rota(problem, matrix, params)
            assert validate_plan(problem, matrix, result) == []
            if params.engine == "search":
                assert fits_on_its_own(problem, matrix, result) == []
