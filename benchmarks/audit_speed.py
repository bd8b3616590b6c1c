"""How long `verigrade audit` takes: the math specs over GSM8K / MATH rows (target: 100 rows in under a minute on
2 cores), and a code spec on the warm container pool.

    .venv/bin/python benchmarks/audit_speed.py                 # gsm8k + math, 100 rows each
    .venv/bin/python benchmarks/audit_speed.py --code          # also stdio (Docker), tests/data/audit rows
    .venv/bin/python benchmarks/audit_speed.py --json audit_speed.json

Rows come from ../shared/data (GSM8K test, MATH test); the sample column is not needed. Each run is a fresh
`audit()` in this process (the worker pool is started once, before the first timed run, as in a CLI run
the pool start is part of the total: both figures are printed).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graders.audit import audit, load_rows  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def rows_file(kind: str, n: int) -> Path:
    source = SHARED / kind / "test.jsonl"
    out = Path(tempfile.mkstemp(suffix=f"-{kind}.jsonl")[1])
    with open(source, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for k, line in enumerate(src):
            if k >= n:
                break
            row = json.loads(line)
            dst.write(json.dumps({"item": row}) + "\n")
    return out


def run(spec: Path, data: Path, n: int) -> dict:
    start = time.perf_counter()
    report = audit(str(spec), load_rows(data, n))
    seconds = time.perf_counter() - start
    grades = sum(t.grades for t in report.targets)
    return {"spec": spec.name, "rows": report.rows, "grades": grades, "seconds": round(seconds, 2),
            "grades_per_s": round(grades / seconds, 1), "verdict": report.verdict,
            "families": {f.name: f.verdict for t in report.targets for f in t.families}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100)
    ap.add_argument("--code", action="store_true", help="also audit grader_specs/stdio.json (Docker)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    from graders.pool import get_pool

    t0 = time.perf_counter()
    get_pool().map(_noop, [0], timeout_s=60)
    pool_start = time.perf_counter() - t0
    results = {"pool_start_s": round(pool_start, 2), "runs": []}
    for kind, spec in (("gsm8k", "gsm8k.json"), ("math", "math.json")):
        data = rows_file(kind, args.rows)
        results["runs"].append(run(ROOT / "grader_specs" / spec, data, args.rows))
        print(json.dumps(results["runs"][-1]), flush=True)
    if args.code:
        code_rows = ROOT / "tests" / "data" / "audit" / "calls_rows.jsonl"
        results["runs"].append(run(ROOT / "tests" / "data" / "audit" / "strict_unit_tests.json", code_rows, 3))
        print(json.dumps(results["runs"][-1]), flush=True)
        results["runs"].append(run(ROOT / "grader_specs" / "stdio.json", ROOT / "grader_specs" / "stdio.jsonl", 5))
        print(json.dumps(results["runs"][-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


def _noop(shared, payload):
    return payload


if __name__ == "__main__":
    sys.exit(main())
