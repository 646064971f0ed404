"""Benchmark of faults (issue 15): the four faults on a real stack, with their recovery times.

Starts a throwaway PostgreSQL (initdb + pg_ctl on a free port) and Redis (redis-server on a free
port), runs ``flask db upgrade``, starts the Procfile's web, sms, planning and cron processes,
each under its own honcho, with texts going to the local Twilio stand-in, then runs the
scenarios of ``tests/deploy/faults.py`` one after another (each on a day of its own):

1. PostgreSQL crashes (``pg_ctl stop -m immediate``) and restarts while a published day's texts
   go out; a coordinator's page is asked for during the outage.
2. Redis is killed and restarted empty while texts and a plan wait in it.
3. The planning worker and its work horse are killed (SIGKILL) while the plan is being saved.
4. gunicorn is killed (SIGKILL) while a coordinator's "Publish" is inside its transaction.

For each: texts written, lost and sent twice (counted at the stand-in), half-saved plans, what
the coordinator was told, and the recovery time (from the fault until the work is done again).
Targets: 0 lost, 0 duplicated, 0 half-saved across the four. Exit 1 if missed.

Run: ``.venv/bin/python benchmarks/faults.py [--repeat 1]`` (needs PostgreSQL's server binaries,
redis-server and honcho; no shared server is used).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.deploy import faults  # noqa: E402
from tests.deploy.stack import missing_tools  # noqa: E402
from tests.deploy.test_faults import start_fault_stack  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="run the four faults this often")
    args = parser.parse_args()
    why = missing_tools()
    if why:
        print(f"cannot run: {why}")
        return 2
    outcomes: list[faults.Outcome] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="faults-bench-") as tmp:
        stack_run = start_fault_stack(Path(tmp))
        stack, coordinator = next(stack_run)
        try:
            for _ in range(args.repeat):
                for scenario in faults.SCENARIOS:
                    outcomes.append(scenario(stack, coordinator))
                    print(f"  done: {outcomes[-1].fault} ({outcomes[-1].recovery_s} s)", flush=True)
        finally:
            stack_run.close()
    print()
    header = f"{'fault':<46} {'texts':>5} {'lost':>4} {'dup':>4} {'half-saved':>10} {'recovery':>9}"
    print(header)
    print("-" * len(header))
    for o in outcomes:
        print(
            f"{o.fault:<46} {o.texts:>5} {o.lost:>4} {o.duplicated:>4} "
            f"{o.half_saved_plans:>10} {o.recovery_s:>8.1f}s"
        )
    print()
    for o in outcomes:
        print(f"{o.fault}: the coordinator was told: {o.told}")
    lost = sum(o.lost for o in outcomes)
    duplicated = sum(o.duplicated for o in outcomes)
    half = sum(o.half_saved_plans for o in outcomes)
    print()
    print(
        f"total: {sum(o.texts for o in outcomes)} texts, {lost} lost, {duplicated} duplicated, "
        f"{half} half-saved plans (targets 0, 0, 0); {time.monotonic() - started:.0f} s in all"
    )
    return 0 if (lost, duplicated, half) == (0, 0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
