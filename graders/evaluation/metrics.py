"""Evaluation metrics over k graded completions per prompt: unbiased pass@k (Chen et al. 2021), maj@k,
mean reward, accuracy, statuses and sub-grader means."""
from __future__ import annotations

import re
import statistics
from collections import Counter
from typing import Any

from graders.result import STATUSES, GradeResult, is_passing

ANSWER_DETAIL_KEYS = ("extracted", "extracted_answer")  # what answer-extracting graders put in details


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples of which c are correct: 1 - C(n-c, k) / C(n, k) (Chen et al. 2021),
    in the numerically stable product form."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    prob_all_wrong = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_wrong *= 1.0 - k / i
    return 1.0 - prob_all_wrong


def normalise_answer(text: str) -> str:
    """Casefolded, whitespace collapsed, outer punctuation stripped: '  The  Answer. ' -> 'the answer'."""
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text.strip(" .,;:!?\"'`*")


def answer_key(result: GradeResult, completion: str) -> tuple[str | None, str]:
    """What a majority vote compares: the grader's extracted answer (in `details`, the result's or its
    sub-graders'), else the normalised completion text. Returns (key or None when there is no answer, source)."""
    if result.status == "no_answer":
        return None, "extracted"
    for res in result.walk():
        for name in ANSWER_DETAIL_KEYS:
            value = res.details.get(name)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
                return normalise_answer(str(value)), "extracted"
    key = normalise_answer(completion)
    return (key or None), "text"


def majority_vote(results: list[GradeResult], keys: list[str | None]) -> bool | None:
    """maj@k for one prompt: is the most frequent answer correct? Samples without an answer don't vote; ties go
    to the answer seen first. The winning answer's verdict is the most common verdict among the samples that
    gave it (ties: the first one's). None when no sample gave an answer."""
    votes = Counter(k for k in keys if k is not None)
    if not votes:
        return None
    first_seen = {k: i for i, k in reversed(list(enumerate(keys))) if k is not None}
    winner = max(votes, key=lambda k: (votes[k], -first_seen[k]))
    verdicts = [is_passing(r) for r, k in zip(results, keys) if k == winner]
    tally = Counter(verdicts)
    return tally[True] > tally[False] or (tally[True] == tally[False] and verdicts[0])


def summarize_eval(groups: list[list[GradeResult]], keys: list[list[str | None]] | None = None,
                   key_sources: Counter | None = None, finish_reasons: Counter | None = None,
                   tokens: list[int] | None = None) -> dict[str, Any]:
    """The summary of an evaluation: one list of results per prompt (k each)."""
    flat = [r for g in groups for r in g]
    n = len(flat)
    k = min((len(g) for g in groups), default=0)
    out: dict[str, Any] = {
        "prompts": len(groups), "samples": n, "k": k,
        "mean_reward": statistics.fmean(r.score for r in flat) if n else 0.0,
        "accuracy": sum(map(is_passing, flat)) / n if n else 0.0,
        "pass@k": {}, "maj@k": None, "maj_answer_source": None,
        "status_counts": {s: sum(r.status == s for r in flat) for s in STATUSES},
        "sub_grader_means": {}, "finish_reasons": dict(finish_reasons or {}),
        "mean_completion_tokens": statistics.fmean(tokens) if tokens else None,
    }
    if groups and k:
        for kk in range(1, k + 1):
            out["pass@k"][kk] = statistics.fmean(pass_at_k(len(g), sum(map(is_passing, g)), kk) for g in groups)
    if keys is not None and k > 1:
        votes = [majority_vote(g, ks) for g, ks in zip(groups, keys)]
        out["maj@k"] = sum(bool(v) for v in votes) / len(votes)
        if key_sources:
            out["maj_answer_source"] = "extracted answer" if key_sources.get("extracted", 0) >= key_sources.get(
                "text", 0) else "normalised completion text"
    children: dict[str, list[GradeResult]] = {}
    for r in flat:
        for name, child in r.children.items():
            children.setdefault(name, []).append(child)
    for name, subs in children.items():
        out["sub_grader_means"][name] = {"mean": statistics.fmean(c.score for c in subs), "n": len(subs),
                                         "not_ok": sum(c.status != "ok" for c in subs)}
    return out
