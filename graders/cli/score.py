"""`verigrade score SPEC DATA.jsonl`: grade every line, write one result per line in input order."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from graders.cli.output import load_grader_or_report, make_progress, print_summary
from graders.scoring import grade_rows, iter_rows, summarize

BATCH = 256
RAY_BATCH = 4096   # bigger batches keep every Ray actor busy


def register(subparsers) -> None:
    p = subparsers.add_parser("score", help="score a JSONL file of samples with a grader")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("data", metavar="DATA.jsonl", help="JSONL: {\"sample\": ..., \"item\": {...}} or OpenAI's "
                   "{\"model_sample\": ..., \"item\": {...}} per line ('-' = stdin)")
    p.add_argument("-o", "--output", metavar="OUT.jsonl", help="write results here (default: stdout)")
    p.add_argument("-j", "--workers", type=int, default=None, help="parallel workers (default: CPU count)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N rows")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="grade on a Ray cluster (no ADDRESS: $RAY_ADDRESS or a local Ray instance)")
    p.set_defaults(func=run)


def run(args) -> int:
    grader = load_grader_or_report(args.spec)
    if grader is None:
        return 2
    if args.data == "-":
        stream = sys.stdin
    else:
        try:
            stream = open(args.data, encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot read {args.data}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    workers = args.workers or os.cpu_count() or 1
    batch_size = BATCH
    if getattr(args, "ray", None) is not None:
        grade_fn = _ray_grade_fn(args.ray or None, args.workers)
        batch_size = RAY_BATCH
    else:
        grade_fn = None
    total = None
    if args.data != "-":
        with open(args.data, encoding="utf-8") as f:
            total = sum(1 for line in f if line.strip())
        if args.limit is not None:
            total = min(total, args.limit)
    # write to OUT.partial and rename at the end, so an interrupted run never looks complete
    out_path = Path(args.output) if args.output else None
    partial = out_path.with_name(out_path.name + ".partial") if out_path else None
    out = open(partial, "w", encoding="utf-8") if partial else sys.stdout
    all_results = []
    try:
        with make_progress(total, f"scoring with {grader.name}") as advance:
            batch = []
            for row in iter_rows(stream, args.limit):
                batch.append(row)
                if len(batch) >= batch_size:
                    all_results += _flush(grader, batch, workers, out, grade_fn)
                    advance(len(batch))
                    batch = []
            if batch:
                all_results += _flush(grader, batch, workers, out, grade_fn)
                advance(len(batch))
    finally:
        if stream is not sys.stdin:
            stream.close()
        if partial:
            out.close()
    if partial:
        os.replace(partial, out_path)
    print_summary(summarize(all_results), title=f"{grader.name} ({grader.type}) on {args.data}")
    return 0


def _ray_grade_fn(address, workers_per_actor):
    """grade_rows' grading step on Ray: parse-error rows stay local `error` results, the rest go to Ray."""
    from graders.executors.ray import grade_batch_on_ray
    from graders.result import GradeResult

    def grade(grader, rows):
        results = [GradeResult.failure("error", r.error, "sample_parse_error") if r.error else None for r in rows]
        todo = [i for i, r in enumerate(rows) if r.error is None]
        graded = grade_batch_on_ray(grader, [(rows[i].sample, rows[i].item) for i in todo], address,
                                    workers_per_actor=workers_per_actor)
        for i, res in zip(todo, graded):
            results[i] = res
        return results

    return grade


def _flush(grader, rows, workers, out, grade_fn=None):
    results = grade_fn(grader, rows) if grade_fn else grade_rows(grader, rows, workers)
    for row, res in zip(rows, results):
        out.write(json.dumps({"line": row.line, **res.to_json()}, ensure_ascii=False) + "\n")
    out.flush()
    return results
