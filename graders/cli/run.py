"""`verigrade run SPEC --sample TEXT|@FILE [--item JSON|@FILE] [--verigrade]`: one sample, printed as OpenAI's
`/fine_tuning/alpha/graders/run` response (`GradeResult.to_openai_run`, the service's conversion too)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from graders.cli.output import load_grader_or_report


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="grade one sample and print full detail")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--sample", required=True, metavar="TEXT|@FILE", help="the model output (text, or @file)")
    p.add_argument("--item", default=None, metavar="JSON|@FILE", help="the dataset row as JSON (or @file)")
    p.add_argument("--verigrade", action="store_true",
                   help="add verigrade's own result (status, reason, details, children) under the key 'verigrade'")
    p.set_defaults(func=run)


def _read_arg(value: str) -> str:
    if value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8")
    return value


def run(args) -> int:
    grader = load_grader_or_report(args.spec)
    if grader is None:
        return 2
    try:
        sample = _read_arg(args.sample)
        item = json.loads(_read_arg(args.item)) if args.item else {}
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: --item is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", file=sys.stderr)
        return 2
    if not isinstance(item, dict):
        print("error: --item must be a JSON object", file=sys.stderr)
        return 2
    result = grader.grade(sample, item)
    body = result.to_openai_run(grader.name, grader.type, extras=args.verigrade)
    print(json.dumps(body, indent=2, ensure_ascii=False))
    return 0
