"""Command line: ``python -m app.optimizer solve problem.json [--time-limit S]``.

Reads a problem in VROOM's JSON input format (plus our extensions, ``docs/vroom-json.md``) and
prints the solution in VROOM's output shape on stdout. A bad problem file exits with status 2
and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from app.optimizer.errors import InvalidProblem
from app.optimizer.types import SolveParams
from app.optimizer.vroom_json import solve_vroom


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m app.optimizer")
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="solve a VROOM-format problem file")
    solve.add_argument("problem", help="path of the JSON problem ('-' for stdin)")
    solve.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    solve.add_argument("--workers", type=int, default=1, choices=(1, 2))
    solve.add_argument("--seed", type=int, default=0)
    solve.add_argument("--output", "-o", help="write the solution here instead of stdout")
    solve.add_argument("--pretty", action="store_true", help="indent the JSON output")
    args = parser.parse_args(argv)
    try:
        if args.problem == "-":
            doc = json.load(sys.stdin)
        else:
            with open(args.problem, encoding="utf-8") as f:
                doc = json.load(f)
        params = SolveParams(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed)
        out = solve_vroom(doc, params)
    except (OSError, json.JSONDecodeError, InvalidProblem) as exc:
        print(f"error: {exc}".replace("\n", " "), file=sys.stderr)
        return 2
    text = json.dumps(out, indent=1 if args.pretty else None)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
