"""verigrade graders: JSON-defined reward graders for RL fine-tuning.

    from graders import load_grader
    g = load_grader("grader_specs/exact_answer.json")
    g.grade("The answer is 42", {"answer": "42"})   # -> GradeResult(score=1.0, status="ok", ...)
"""
from __future__ import annotations

from typing import Any

from graders.base import Grader
from graders.errors import SpecError, TemplateError
from graders.registry import register
from graders.result import STATUSES, GradeResult
from graders.spec import load_grader, validate_spec

__all__ = [
    "Grader", "GradeResult", "STATUSES", "SpecError", "TemplateError",
    "grade", "load_grader", "register", "validate_spec",
]
__version__ = "0.1.0"


def grade(spec: Any, sample: Any, item: dict[str, Any] | None = None) -> GradeResult:
    """One-shot convenience: load `spec` (path or dict) and grade one sample."""
    return load_grader(spec).grade(sample, item)
