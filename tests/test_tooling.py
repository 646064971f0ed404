"""Issue 10: the checkers CI runs are pinned, so a new release cannot turn CI red by itself."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What ruff, mypy and lint-imports read: the tools themselves, grimp, and the stubs mypy uses.
CHECKERS = ("ruff", "mypy", "import-linter", "grimp", "types-requests")


def _dev_pins() -> dict[str, str]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        dev = tomllib.load(fh)["project"]["optional-dependencies"]["dev"]
    pins = {}
    for requirement in dev:
        found = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", requirement)
        if found:
            pins[found[1].lower()] = found[2]
    return pins


@pytest.mark.parametrize("name", CHECKERS)
def test_each_checker_is_pinned_exactly(name):
    """ruff, mypy, import-linter (with grimp) and mypy's stubs are pinned with ==."""
    assert name in _dev_pins(), f"pin {name} in pyproject.toml's dev extra"


@pytest.mark.parametrize("name", CHECKERS)
def test_the_installed_checker_is_the_pinned_one(name):
    """The environment running these tests has what the pin says (a stale venv is caught)."""
    assert version(name) == _dev_pins()[name]
