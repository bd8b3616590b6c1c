"""`verigrade demo`: score every grader_specs/*.json against the example JSONL beside it; one table."""
from __future__ import annotations

import sys
from pathlib import Path

from grader_specs import FOLDER as DEFAULT_SPECS
from graders.cli.output import console, summary_table
from graders.errors import SpecError
from graders.scoring import grade_rows, iter_rows, summarize
from graders.spec import load_grader

def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="score every ready-made spec against its example JSONL")
    p.add_argument("--specs", default=str(DEFAULT_SPECS), help="folder of <name>.json + <name>.jsonl")
    p.add_argument("-j", "--workers", type=int, default=None)
    p.set_defaults(func=run)


def run(args) -> int:
    folder = Path(args.specs)
    rows, failed = [], 0
    for spec_path in sorted(folder.glob("*.json")):
        data_path = spec_path.with_suffix(".jsonl")
        if not data_path.exists():
            console.print(f"[yellow]skip[/] {spec_path.name}: no {data_path.name} beside it")
            continue
        try:
            grader = load_grader(spec_path)
        except SpecError as exc:
            failed += 1
            console.print(f"[red]error[/] {exc}")
            continue
        with console.status(f"scoring {data_path.name} with {grader.name} ({grader.type})"):
            with open(data_path, encoding="utf-8") as f:
                results = grade_rows(grader, list(iter_rows(f)), workers=args.workers)
        rows.append((f"{spec_path.stem} ({grader.type})", summarize(results)))
    console.print(summary_table(rows, title="verigrade demo: ready-made graders on their examples"))
    if failed:
        print(f"{failed} spec(s) failed to load", file=sys.stderr)
    return 1 if failed else 0
