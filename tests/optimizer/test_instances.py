"""The Li & Lim reader and a short solve of one benchmark instance."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.optimizer.errors import InvalidProblem
from app.optimizer.instances import read_li_lim
from app.optimizer.instances import route_distance
from app.optimizer.rota.pdptw import tightened
from app.optimizer.rota.search import solve_pdp
from app.optimizer.rota.validate import validate_pdp
from app.optimizer.types import SolveParams


def shared() -> Path:
    """Return the shared data folder (``$CONNECT_ROTA_SHARED`` or ../shared)."""
    env = os.environ.get("CONNECT_ROTA_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared"


LC101 = shared() / "benchmarks" / "li_lim" / "pdp_100" / "lc101.txt"


@pytest.fixture
def lc101() -> Path:
    """The path of lc101, or skip when the shared benchmarks are absent."""
    if not LC101.is_file():
        pytest.skip(f"Li & Lim data not found at {LC101}")
    return LC101


def test_reads_lc101(lc101: Path) -> None:
    """lc101: 25 vehicles of capacity 200, 53 shipments, times scaled ×1000 and rounded up."""
    inst = read_li_lim(lc101)
    assert inst.max_vehicles == 25
    assert len(inst.pdp.shipments) == 53
    assert inst.pdp.vehicles[0].capacity == (200,)
    assert inst.pdp.vehicles[0].time_window == (0, 1_236_000)
    # node 0 (40, 50) to node 1 (45, 68): sqrt(349) = 18.681..., ceil at ×1000
    assert int(inst.pdp.durations[0, 1]) == 18682
    sh = next(s for s in inst.pdp.shipments if s.delivery == 1)
    assert sh.pickup == 11 and sh.amount == (10,)


def test_solves_lc101_briefly_to_a_valid_plan(lc101: Path) -> None:
    """A one-second solve serves every request with a valid plan of at most 25 vehicles."""
    inst = read_li_lim(lc101)
    sol = solve_pdp(tightened(inst.pdp), SolveParams(time_limit_s=1.0))
    assert not sol.unserved
    assert validate_pdp(inst.pdp, sol) == []
    assert 10 <= len(sol.routes) <= 25
    assert route_distance(inst, sol) >= 828.93


def test_rejects_a_file_that_is_not_an_instance(tmp_path: Path) -> None:
    """A file of another format raises InvalidProblem naming it."""
    bad = tmp_path / "bad.txt"
    bad.write_text("hello world\n")
    with pytest.raises(InvalidProblem, match=r"bad\.txt"):
        read_li_lim(bad)
