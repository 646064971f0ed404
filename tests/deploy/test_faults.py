"""Faults on the real stack (issue 15): PostgreSQL restarted mid-publish, Redis restarted with
work queued, the planning worker killed mid-plan, the web process killed mid-request.

After each: no text lost or sent twice, no plan half-saved, the coordinator told what happened,
and the work done again (or clearly failed). One stack for the four (they book separate days);
like the whole-stack test it starts its own servers, so it runs once, in CI's SQLite pass.
``benchmarks/faults.py`` runs the same scenarios and prints their recovery times.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services.auth import create_user
from tests.conftest import TEST_DATABASE_URL
from tests.deploy import day as the_day
from tests.deploy import faults
from tests.deploy.stack import COORDINATOR
from tests.deploy.stack import Coordinator
from tests.deploy.stack import Stack
from tests.deploy.stack import missing_tools
from tests.deploy.stack import running_stack

pytestmark = [
    pytest.mark.slow,
    pytest.mark.stack,
    pytest.mark.skipif(
        bool(TEST_DATABASE_URL), reason="starts its own servers: runs once, in the SQLite pass"
    ),
    pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools())),
]


def start_fault_stack(root: Path) -> Iterator[tuple[Stack, Coordinator]]:
    """A stack with each Procfile process under its own honcho (one can die alone)."""
    with running_stack(root, **faults.SETTINGS) as stack:
        stack.release()
        stack.app = the_day.app_on(stack.pg.url(stack.database))
        with stack.app.app_context():
            create_user(COORDINATOR[0], "Cora Ordinator", COORDINATOR[1], "coordinator")
        for name in ("web", "sms", "planning", "cron"):
            stack.start(name)
        coordinator = stack.coordinator()
        coordinator.sign_in()
        yield stack, coordinator


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Coordinator]]:
    yield from start_fault_stack(tmp_path_factory.mktemp("faults"))


@pytest.mark.parametrize("scenario", faults.SCENARIOS, ids=lambda f: f.__name__)
def test_fault_loses_nothing_repeats_nothing_and_recovers(
    fault_stack: tuple[Stack, Coordinator], scenario: Callable[..., faults.Outcome]
) -> None:
    stack, coordinator = fault_stack
    try:
        outcome = scenario(stack, coordinator)
    except AssertionError:
        print(stack.logs())
        raise
    print(outcome)
    assert outcome.texts > 0
    assert (outcome.lost, outcome.duplicated, outcome.half_saved_plans) == (0, 0, 0), outcome
    assert outcome.told
