"""`verigrade report RESULTS.jsonl [OTHER.jsonl] -o report.html` or `verigrade report RUN_DIR -o report.html`:
one self-contained HTML page (no network) on results or on a training run."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report", help="HTML report on results files (one, or two compared) or a training run directory",
        description="Write one self-contained HTML file: for results (verigrade score/eval -o) a summary, score "
                    "histogram, sub-grader means, lowest-scoring and slowest samples and a filterable table; for "
                    "two results files a side-by-side comparison; for a training run directory its curves and "
                    "logged samples. See docs/evaluation.md.")
    p.add_argument("inputs", nargs="+", metavar="RESULTS.jsonl|RUN_DIR")
    p.add_argument("-o", "--output", default="report.html", metavar="report.html")
    p.set_defaults(func=run)


def run(args) -> int:
    from graders.report import ReportError, write_report

    try:
        out = write_report(args.inputs, args.output)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    size = out.stat().st_size
    print(f"report: {out} ({size / 1024:.0f} KiB)")
    return 0
