"""Labelled rows (a `label`: correct / incorrect, or a target score): how well the grader agrees.

Agreement, false-positive and false-negative rates at the grader's decision (`passed` with a
`pass_threshold`, else score >= 0.5), Cohen's kappa, and the AUC of the score (the chance that a right
answer scores above a wrong one; 0.5 = chance). An AUC whose 95% interval (Hanley-McNeil) includes 0.5,
or below 0.6, is reported as near chance. For judges, the same figures on the rows the model decided
(not a rule gate) say whether the model itself separates right from wrong.
"""
from __future__ import annotations

import math
from typing import Any

from graders.result import GradeResult

NEAR_CHANCE_AUC = 0.6


def auc(positives: list[float], negatives: list[float]) -> float | None:
    if not positives or not negatives:
        return None
    wins = sum((p > q) + 0.5 * (p == q) for p in positives for q in negatives)
    return wins / (len(positives) * len(negatives))


def auc_stderr(value: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil (1982) standard error of an AUC."""
    q1, q2 = value / (2 - value), 2 * value * value / (1 + value)
    var = (value * (1 - value) + (n_pos - 1) * (q1 - value * value) + (n_neg - 1) * (q2 - value * value))
    return math.sqrt(max(var, 0.0) / (n_pos * n_neg))


def _decision(result: GradeResult) -> bool:
    return bool(result.passed) if result.passed is not None else result.status == "ok" and result.score >= 0.5


def _metrics(labels: list[float], results: list[GradeResult]) -> dict[str, Any]:
    truth = [lab >= 0.5 for lab in labels]
    pred = [_decision(r) for r in results]
    n = len(truth)
    pos, neg = sum(truth), n - sum(truth)
    fp = sum(p and not t for t, p in zip(truth, pred))
    fn = sum(t and not p for t, p in zip(truth, pred))
    agree = sum(t == p for t, p in zip(truth, pred)) / n if n else None
    pt, pp = (pos / n, sum(pred) / n) if n else (0, 0)
    chance = pt * pp + (1 - pt) * (1 - pp)
    kappa = None if not n or chance == 1 else (agree - chance) / (1 - chance)
    value = auc([r.score for r, t in zip(results, truth) if t], [r.score for r, t in zip(results, truth) if not t])
    out: dict[str, Any] = {"rows": n, "positives": pos, "negatives": neg, "agreement": agree, "kappa": kappa,
                           "false_positive_rate": fp / neg if neg else None,
                           "false_negative_rate": fn / pos if pos else None, "auc": value,
                           "mean_score_correct": _mean([r.score for r, t in zip(results, truth) if t]),
                           "mean_score_incorrect": _mean([r.score for r, t in zip(results, truth) if not t])}
    if value is not None:
        se = auc_stderr(value, pos, neg)
        out["auc_ci95"] = [max(0.0, value - 1.96 * se), min(1.0, value + 1.96 * se)]
        out["near_chance"] = value < NEAR_CHANCE_AUC or out["auc_ci95"][0] <= 0.5
    graded = [lab for lab in labels if 0 < lab < 1]
    if graded:
        out["mean_abs_error"] = _mean([abs(lab - r.score) for lab, r in zip(labels, results)])
    return out


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def label_metrics(labels: list[float], results: list[GradeResult]) -> dict[str, Any]:
    """Metrics over every labelled row, plus over the rows a judge model decided (when some were gated)."""
    out = _metrics(labels, results)
    model_rows = [(lab, r) for lab, r in zip(labels, results) if r.details.get("decided_by") == "model"]
    gated = sum(r.details.get("decided_by") == "gate" for r in results)
    if gated or model_rows:
        out["decided_by_gate"] = gated
        out["decided_by_model"] = len(model_rows)
        if model_rows:
            out["model_only"] = _metrics([lab for lab, _ in model_rows], [r for _, r in model_rows])
    out["summary"] = summary_line(out)
    return out


def summary_line(m: dict[str, Any]) -> str:
    def pct(v):
        return "-" if v is None else f"{v:.1%}"

    text = (f"{m['rows']} labelled rows: agreement {pct(m['agreement'])}, false positives {pct(m['false_positive_rate'])}, "
            f"false negatives {pct(m['false_negative_rate'])}")
    if m.get("auc") is not None:
        lo, hi = m["auc_ci95"]
        text += f", AUC {m['auc']:.2f} (95% {lo:.2f}-{hi:.2f})"
        if m["near_chance"]:
            text += ": NEAR CHANCE, the scores don't separate right from wrong answers"
    model = m.get("model_only")
    if model and model.get("auc") is not None:
        text += (f"; on the {model['rows']} rows the judge model decided (not a rule gate): AUC {model['auc']:.2f}"
                 + (" (near chance: the model itself can't tell right from wrong)" if model["near_chance"] else ""))
    return text
