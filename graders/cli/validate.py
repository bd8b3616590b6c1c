"""`verigrade validate SPEC...`: check grader specs; exit 2 if any is invalid."""
from __future__ import annotations

import sys

from graders.errors import SpecError
from graders.spec import load_grader


def register(subparsers) -> None:
    p = subparsers.add_parser("validate", help="validate grader spec files")
    p.add_argument("specs", nargs="+", metavar="SPEC")
    p.set_defaults(func=run)


def run(args) -> int:
    failed = 0
    for path in args.specs:
        try:
            grader = load_grader(path)
        except SpecError as exc:
            failed += 1
            print(f"error: {exc}", file=sys.stderr)
            continue
        print(f"ok: {grader.name} ({grader.type})")
    return 2 if failed else 0
