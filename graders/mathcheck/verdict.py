"""The engine's answer for one grade: a plain verdict (the grader type turns it into a GradeResult)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Verdict:
    """score 1 or 0; status ok | no_answer | invalid_reference | rejected; a reason; JSON-able details."""

    score: float
    status: str = "ok"
    reason: str = ""
    details: dict = field(default_factory=dict)

    @classmethod
    def failure(cls, status: str, reason: str, **details) -> "Verdict":
        return cls(0.0, status, reason, details)
