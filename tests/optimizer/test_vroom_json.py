"""The VROOM-compatible JSON interface and its command line."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.optimizer.__main__ import main
from app.optimizer.errors import InvalidProblem
from app.optimizer.types import SolveParams
from app.optimizer.vroom_json import parse_vroom
from app.optimizer.vroom_json import solve_vroom

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "vroom-example.json"
QUICK = SolveParams(time_limit_s=0.4)


@pytest.fixture
def doc() -> dict[str, Any]:
    """The documented example problem."""
    loaded: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return loaded


def test_example_is_solved_in_vroom_shape(doc: dict[str, Any]) -> None:
    """The example gives code 0, routes of start/pickup/delivery/end steps, loads and times."""
    out = solve_vroom(doc, QUICK)
    assert out["code"] == 0
    assert out["summary"]["unassigned"] == 0
    steps = [s for r in out["routes"] for s in r["steps"]]
    assert {s["type"] for s in steps} == {"start", "pickup", "delivery", "end"}
    served = {s["id"] for s in steps if s["type"] in ("pickup", "delivery")}
    assert served == {101, 102, 201, 202, 301, 302}
    for r in out["routes"]:
        assert r["steps"][0]["type"] == "start" and r["steps"][-1]["type"] == "end"
        assert r["steps"][-1]["load"] == [0, 0]
    # The wheelchair shipment is pinned to vehicle 1 (the only one with the skill anyway).
    (v1,) = [r for r in out["routes"] if r["vehicle"] == 1]
    assert 201 in {s.get("id") for s in v1["steps"]}


def test_max_ride_time_is_kept(doc: dict[str, Any]) -> None:
    """Service at the delivery starts within max_ride_time of the pickup's service end."""
    out = solve_vroom(doc, QUICK)
    steps = {s["id"]: s for r in out["routes"] for s in r["steps"] if "id" in s}
    p, d = steps[101], steps[102]
    ride = d["arrival"] + d["waiting_time"] - (p["arrival"] + p["waiting_time"] + p["service"])
    assert ride <= 1800


def test_unservable_shipment_is_unassigned_with_a_reason(doc: dict[str, Any]) -> None:
    """A shipment too big for every vehicle is listed as unassigned (both steps) with a reason."""
    doc["shipments"][2]["amount"] = [9, 0]
    out = solve_vroom(doc, QUICK)
    assert out["summary"]["unassigned"] == 1
    assert {u["id"] for u in out["unassigned"]} == {301, 302}
    assert all("capacity" in u["reason"] for u in out["unassigned"])


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("vehicles",), [], "no vehicles"),
        (("vehicles", 0, "capacity"), [-1, 0], "negative capacity"),
        (("vehicles", 0, "time_window"), [50, 10], "ends before it starts"),
        (("shipments", 0, "pickup", "location_index"), 9, "unknown location index"),
        (("matrices", "car", "durations"), [[0, 1], [1, 0]], "distances"),
        (("shipments", 0, "pinned_vehicle"), 77, "pinned_vehicle"),
        (("vehicles", 0, "capacity"), "big", "capacity"),
    ],
)
def test_bad_input_names_the_field(
    doc: dict[str, Any], path: tuple[Any, ...], value: object, field: str
) -> None:
    """Malformed documents raise InvalidProblem naming what is wrong."""
    broken = copy.deepcopy(doc)
    target: Any = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidProblem, match=field):
        parse_vroom(broken)


def test_cli_prints_a_solution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``solve problem.json`` prints VROOM's output on stdout and exits 0."""
    assert main(["solve", str(EXAMPLE), "--time-limit", "0.3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["code"] == 0 and out["routes"]


def test_cli_exits_non_zero_with_one_line_on_a_bad_file(tmp_path: Path) -> None:
    """A bad problem file gives exit status 2 and a single line on stderr."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"vehicles": [{"id": 1}], "shipments": [], "matrix": [[0, 1]]}')
    run = subprocess.run(
        [sys.executable, "-m", "app.optimizer", "solve", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1
    assert "square" in run.stderr


def test_plain_shipments_have_no_replanning_cost_so_the_strong_search_runs() -> None:
    """A Li & Lim instance fed through the CLI's parser is the same problem as the library's.

    Issue 12: ``parse_vroom`` set a cost for moving shipments off their previous vehicle even
    when none had one, so the fast search refused every problem the CLI read.
    """
    from app.optimizer.instances import read_li_lim
    from app.optimizer.instances import to_vroom_json
    from app.optimizer.rota import lns
    from tests.optimizer.test_instances import LC101

    if not LC101.is_file():
        pytest.skip(f"Li & Lim data not found at {LC101}")
    inst = read_li_lim(LC101)
    vp = parse_vroom(to_vroom_json(inst))
    assert vp.pdp.objective.moved_vehicle_cost == 0
    assert lns.supports(vp.pdp)
    assert (vp.pdp.cost_matrix == inst.pdp.cost_matrix).all()


def test_a_previous_vehicle_makes_moving_a_shipment_cost_something(doc: dict[str, Any]) -> None:
    """Re-planning input (a previous vehicle) keeps the cost of moving shipments elsewhere."""
    assert any("previous_vehicle" in s for s in doc["shipments"])
    assert parse_vroom(doc).pdp.objective.moved_vehicle_cost > 0
    for s in doc["shipments"]:
        s.pop("previous_vehicle", None)
    assert parse_vroom(doc).pdp.objective.moved_vehicle_cost == 0
