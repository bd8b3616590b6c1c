"""The result every grader returns: a score in [0, 1] plus a status that says why."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("ok", "no_answer", "invalid_reference", "timeout", "error", "rejected")
FULL_SCORE_TOLERANCE = 1e-9  # a sum of floats (a weighted mean of ones) may land just below 1.0
# OpenAI's `/graders/run` metadata.errors (openai-python GraderRunResponse.metadata.errors): 11 booleans...
OPENAI_ERROR_FLAGS = (
    "formula_parse_error", "sample_parse_error", "truncated_observation_error", "unresponsive_reward_error",
    "invalid_variable_error", "other_error", "python_grader_server_error", "python_grader_runtime_error",
    "model_grader_server_error", "model_grader_refusal_error", "model_grader_parse_error",
)
# ... and 3 strings or null
OPENAI_ERROR_DETAILS = ("python_grader_server_error_type", "python_grader_runtime_error_details",
                        "model_grader_server_error_details")
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens")


@dataclass
class GradeResult:
    """Outcome of grading one sample.

    `score` is in [0, 1]; `status` is one of `STATUSES`; `passed` is set when the grader has a
    `pass_threshold`; `children` holds sub-results by name (composites, per-test, per-instruction).
    `raw_score` is the grader's own value when it differs from `score` (a python grader returning 73,
    clamped to 1; a score_model's number in its `range`): what a `multi` formula reads, as OpenAI's does.
    """

    score: float
    status: str = "ok"
    passed: bool | None = None
    reason: str = ""
    children: dict[str, GradeResult] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    error_type: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    raw_score: float | None = None

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

    @property
    def value(self) -> float:
        """The value a `multi` formula reads: `raw_score` when the grader gave one, else `score`."""
        return self.score if self.raw_score is None else self.raw_score

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
        if self.raw_score is not None:
            out["raw_score"] = self.raw_score
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
            raw_score=None if data.get("raw_score") is None else float(data["raw_score"]),
        )

    def to_openai_run(self, name: str = "", grader_type: str = "", extras: bool = False) -> dict[str, Any]:
        """OpenAI's `/fine_tuning/alpha/graders/run` response (openai-python `GraderRunResponse`), key for key.

        The one conversion the CLI (`verigrade run`) and the HTTP service share. `reward` is the final score;
        `sub_rewards` and `metadata.scores` hold each child's value as a formula reads it (`raw_score` when
        set); every `metadata.errors` flag is present (a flag is set when any result in the tree has that
        `error_type`; an `error_type` OpenAI doesn't have sets `other_error`; a timeout sets
        `unresponsive_reward_error`). `token_usage` is the total of the judges' `details.token_usage`
        (an integer, or null when no judge reported usage), per model in `model_grader_token_usage_per_model`.
        `extras=True` adds verigrade's own result under the key `verigrade` (status, reason, details...).
        """
        errors: dict[str, Any] = {flag: False for flag in OPENAI_ERROR_FLAGS}
        errors.update(dict.fromkeys(OPENAI_ERROR_DETAILS))
        usage: dict[str, dict[str, int]] = {}
        for res in self.walk():
            kind = res.error_type
            if kind in OPENAI_ERROR_FLAGS:
                errors[kind] = True
            elif kind:
                errors["other_error"] = True
            if res.status == "timeout":
                errors["unresponsive_reward_error"] = True
            if kind == "python_grader_server_error" and errors["python_grader_server_error_type"] is None:
                errors["python_grader_server_error_type"] = str(res.details.get("failure_kind") or "sandbox_error")
            for flag in ("python_grader_runtime_error", "model_grader_server_error"):
                key = flag + "_details"
                if kind == flag and errors[key] is None:
                    errors[key] = res.reason or str(res.details.get("traceback") or flag)
            reported = res.details.get("token_usage")
            if isinstance(reported, dict):
                per_model = usage.setdefault(str(res.details.get("model") or "unknown"), dict.fromkeys(USAGE_KEYS, 0))
                for key in USAGE_KEYS:
                    per_model[key] += int(reported.get(key) or 0)
        sub_rewards = {key: child.value for key, child in self.children.items()}
        body: dict[str, Any] = {
            "reward": self.score,
            "metadata": {
                "name": name,
                "type": grader_type,
                "execution_time": self.elapsed_ms / 1000.0,
                "scores": dict(sub_rewards),
                "token_usage": sum(u["total_tokens"] for u in usage.values()) if usage else None,
                "sampled_model_name": self.details.get("model") if isinstance(self.details.get("model"), str) else None,
                "errors": errors,
            },
            "sub_rewards": sub_rewards,
            "model_grader_token_usage_per_model": usage,
        }
        if extras:
            body["verigrade"] = self.to_json()
        return body

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
        if result.raw_score is None:
            result.raw_score = score  # a multi formula still reads the grader's own value
        score = clamped
    result.score = score
    return result
