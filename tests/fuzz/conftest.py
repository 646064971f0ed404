"""Hypothesis profiles for the fuzz tests: ``ci`` (the default) is fixed and sized for CI.

``HYPOTHESIS_PROFILE=dev`` runs a tenth of the examples while working on a test;
``HYPOTHESIS_PROFILE=thorough`` runs ten times as many with fresh random seeds, to hunt.
Every test reads its example count from :func:`examples`, so the counts quoted in the issue
(2,000 conversations, 200 per form) are what CI runs.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck
from hypothesis import settings

_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("ci", derandomize=True, database=None, **_COMMON)
settings.register_profile("dev", derandomize=True, database=None, **_COMMON)
settings.register_profile("thorough", derandomize=False, **_COMMON)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
_SCALE = {"ci": 1.0, "dev": 0.1, "thorough": 10.0}


def examples(ci_count: int) -> int:
    """How many examples a test runs under the loaded profile (``ci_count`` in CI)."""
    return max(1, int(ci_count * _SCALE.get(PROFILE, 1.0)))
