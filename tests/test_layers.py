"""Arrows point down (issue 10, STYLE rules 18 and 26): the layers are checked, not hoped for."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = [
    "app.routes | app.commands",
    "app.jobs",
    "app.services",
    "app.models | app.optimizer | app.sms | app.queue",
]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("app", include_external_packages=True)


def _contracts() -> list[dict[str, object]]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return list(tomllib.load(fh)["tool"]["importlinter"]["contracts"])


def test_the_layers_contract_names_every_layer_top_down():
    """CI's import-linter config holds a layers contract: routes/commands, jobs, services, parts."""
    layers = [c for c in _contracts() if c["type"] == "layers"]
    assert [c["layers"] for c in layers] == [LAYERS]


def test_the_optimizer_stays_a_pure_library_contract():
    """The older forbidden contract is kept beside the new layers."""
    names = [c["name"] for c in _contracts()]
    assert "optimizer is a pure library" in names


def test_no_service_imports_rq_redis_or_a_job_module(graph):
    """Services queue work through app.queue; they import neither RQ, Redis nor app.jobs."""
    offenders = sorted(
        f"{module} -> {imported}"
        for module in graph.find_descendants("app.services") | {"app.services"}
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.split(".")[0] in {"rq", "redis"} or imported.startswith("app.jobs")
    )
    assert offenders == []


def test_the_enqueue_helper_is_an_adapter_beside_sms(graph):
    """app/queue.py exists and app/jobs/queue.py is gone, so nothing can import it upward."""
    assert "app.queue" in graph.modules
    assert "app.jobs.queue" not in graph.modules
    imported = graph.find_modules_directly_imported_by("app.queue")
    assert not {m for m in imported if m.startswith(("app.jobs", "app.services"))}


def test_lint_imports_keeps_every_contract():
    """The command CI runs passes on the code as it is."""
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    done = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
