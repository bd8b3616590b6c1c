"""Scoring JSONL files: parse rows (a bad line is an error row naming its line), grade in batches, summarise."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from graders.base import Grader
from graders.jsonl import json_object
from graders.result import STATUSES, GradeResult


@dataclass
class Row:
    """One input line: its 1-based line number and either a (sample, item) pair or a parse error."""

    line: int
    sample: Any = None
    item: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def parse_line(line_no: int, text: str) -> Row:
    data, problem = json_object(text)
    if data is None:
        return Row(line_no, error=f"line {line_no}: {problem}")
    item = data.get("item") if data.get("item") is not None else {}
    if not isinstance(item, dict):
        return Row(line_no, error=f"line {line_no}: 'item' must be an object, got {type(item).__name__}")
    if "sample" in data:
        return Row(line_no, data["sample"], item)
    if "model_sample" in data:  # OpenAI's /graders/run body: {"model_sample": str, "item": {...}}
        return Row(line_no, data["model_sample"], item)
    if "output_text" in data:
        return Row(line_no, {k: v for k, v in data.items() if k != "item"}, item)
    return Row(line_no, error=f"line {line_no}: needs 'sample' (or 'model_sample', or 'output_text') and 'item'")


def iter_rows(lines: Iterable[str], limit: int | None = None) -> Iterator[Row]:
    """Rows of a JSONL stream; blank lines are skipped but keep their numbers."""
    count = 0
    for line_no, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        if limit is not None and count >= limit:
            return
        count += 1
        yield parse_line(line_no, text)


def grade_rows(grader: Grader, rows: list[Row], workers: int | None = None) -> list[GradeResult]:
    """Grade a batch of rows; rows that failed to parse become `error` results, order preserved."""
    results: list[GradeResult | None] = [None] * len(rows)
    todo = [i for i, r in enumerate(rows) if r.error is None]
    graded = grader.grade_batch([(rows[i].sample, rows[i].item) for i in todo], workers=workers)
    for i, res in zip(todo, graded):
        results[i] = res
    for i, r in enumerate(rows):
        if r.error is not None:
            results[i] = GradeResult.failure("error", r.error, "sample_parse_error")
    return results  # type: ignore[return-value]


def summarize(results: list[GradeResult]) -> dict[str, Any]:
    """Count, mean score, pass rate, counts per status, p50/p95 latency."""
    n = len(results)
    times = sorted(r.elapsed_ms for r in results)
    judged = [r.passed for r in results if r.passed is not None]

    def pct(q: float) -> float:
        if not times:
            return 0.0
        return times[min(len(times) - 1, max(0, round(q * (len(times) - 1))))]

    return {
        "count": n,
        "mean_score": statistics.fmean(r.score for r in results) if n else 0.0,
        "pass_rate": (sum(judged) / len(judged)) if judged else None,
        "status_counts": {s: sum(r.status == s for r in results) for s in STATUSES},
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
    }
