"""Rewards from a verigrade grader, and the per-grader / per-status numbers the logs show."""
from __future__ import annotations

import sys
from collections import Counter

from graders import GradeResult


def grade_completions(grader, texts: list[str], items: list[dict], workers: int | None = None
                      ) -> tuple[list[float], list[GradeResult]]:
    """Rewards for completions; a grader error or timeout is a zero reward (its status is kept)."""
    pairs = [({"output_text": t}, item) for t, item in zip(texts, items)]
    try:
        results = grader.grade_batch(pairs, workers=workers)
    except Exception as exc:  # the contract says graders never raise; a broken one must not kill training
        print(f"verigrade train: grader raised {type(exc).__name__}: {exc}; rewards are 0", file=sys.stderr)
        results = [GradeResult.failure("error", f"grader raised {type(exc).__name__}: {exc}", "other_error")
                   for _ in pairs]
    rewards = [float(r.score) if r.score == r.score else 0.0 for r in results]  # NaN guard
    return rewards, results


def reward_stats(results: list[GradeResult], prefix: str = "") -> dict:
    """Status counts, and the mean score and non-ok count of every named sub-grader (one level)."""
    out: dict = {}
    for status, n in sorted(Counter(r.status for r in results).items()):
        out[f"{prefix}status/{status}"] = n
    children: dict[str, list[GradeResult]] = {}
    for r in results:
        for name, child in r.children.items():
            children.setdefault(name, []).append(child)
    for name, subs in children.items():
        out[f"{prefix}rewards/{name}/mean"] = sum(c.score for c in subs) / len(subs)
        bad = sum(c.status != "ok" for c in subs)
        if bad:
            out[f"{prefix}rewards/{name}/not_ok"] = bad
    return out


def reason_text(result: GradeResult, limit: int = 300) -> str:
    return (result.reason or "")[:limit]
