"""The result every grader returns: a score in [0, 1] plus a status that says why."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("ok", "no_answer", "invalid_reference", "timeout", "error", "rejected")
FULL_SCORE_TOLERANCE = 1e-9  # a sum of floats (a weighted mean of ones) may land just below 1.0


@dataclass
class GradeResult:
    """Outcome of grading one sample.

    `score` is in [0, 1]; `status` is one of `STATUSES`; `passed` is set when the grader has a
    `pass_threshold`; `children` holds sub-results by name (composites, per-test, per-instruction).
    """

    score: float
    status: str = "ok"
    passed: bool | None = None
    reason: str = ""
    children: dict[str, GradeResult] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    error_type: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}")

    @classmethod
    def failure(cls, status: str, reason: str, error_type: str | None = None, **details: Any) -> GradeResult:
        """A zero-score result with a non-ok status."""
        return cls(score=0.0, status=status, reason=reason, error_type=error_type, details=details)

    @property
    def sub_scores(self) -> dict[str, float]:
        return {name: child.score for name, child in self.children.items()}

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON form."""
        out: dict[str, Any] = {
            "score": self.score,
            "status": self.status,
            "passed": self.passed,
            "reason": self.reason,
            "sub_scores": self.sub_scores,
            "children": {k: v.to_json() for k, v in self.children.items()},
            "elapsed_ms": round(self.elapsed_ms, 3),
        }
        if self.error_type:
            out["error_type"] = self.error_type
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GradeResult:
        return cls(
            score=float(data["score"]),
            status=data.get("status", "ok"),
            passed=data.get("passed"),
            reason=data.get("reason", ""),
            children={k: cls.from_json(v) for k, v in (data.get("children") or {}).items()},
            elapsed_ms=float(data.get("elapsed_ms", 0.0)),
            error_type=data.get("error_type"),
            details=dict(data.get("details") or {}),
        )

    def to_openai_run(self, name: str = "", grader_type: str = "") -> dict[str, Any]:
        """The shape of OpenAI's `/fine_tuning/alpha/graders/run` response, for `verigrade run`."""
        errors: dict[str, Any] = {
            flag: False
            for flag in (
                "formula_parse_error", "invalid_variable_error", "model_grader_parse_error",
                "model_grader_refusal_error", "model_grader_server_error", "other_error",
                "python_grader_runtime_error", "python_grader_server_error", "sample_parse_error",
                "truncated_observation_error", "unresponsive_reward_error",
            )
        }
        for res in self.walk():
            if res.error_type:
                errors[res.error_type] = True
                if res.error_type.endswith("_error") and res.reason:
                    errors.setdefault(res.error_type + "_details", res.reason)
            if res.status == "timeout":
                errors["unresponsive_reward_error"] = True
        return {
            "reward": self.score,
            "status": self.status,
            "passed": self.passed,
            "sub_rewards": self.sub_scores,
            "metadata": {
                "name": name,
                "type": grader_type,
                "execution_time": self.elapsed_ms / 1000.0,
                "errors": errors,
                "reason": self.reason,
                "scores": {k: v.to_json() for k, v in self.children.items()},
                "details": self.details,
            },
        }

    def walk(self):
        """This result and every descendant, depth first."""
        yield self
        for child in self.children.values():
            yield from child.walk()


def is_passing(result: GradeResult) -> bool:
    """What "passed" means everywhere (gates, pass rates, pass@k): the grader's `passed` when it has a
    `pass_threshold`, else a full score (1, up to float rounding)."""
    if result.passed is not None:
        return bool(result.passed)
    return result.score >= 1.0 - FULL_SCORE_TOLERANCE


def clamp_score(result: GradeResult) -> GradeResult:
    """Clamp an out-of-range score into [0, 1] (flagged in `reason`); NaN/inf or non-numbers become errors."""
    try:
        score = float(result.score)
    except (TypeError, ValueError):
        return GradeResult.failure("error", f"grader returned a non-numeric score {result.score!r}", "other_error")
    if not math.isfinite(score):
        return GradeResult.failure("error", f"grader returned a non-finite score {score!r}", "other_error")
    if score < 0.0 or score > 1.0:
        clamped = min(1.0, max(0.0, score))
        note = f"score {score:g} clamped to {clamped:g}"
        result.reason = f"{result.reason}; {note}" if result.reason else note
        score = clamped
    result.score = score
    return result
