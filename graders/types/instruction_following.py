"""`instruction_following`: IFEval / IFBench constraint checks, one child result per instruction.

    {"type": "instruction_following"}                       # IFEval rows as items, strict, fraction, robust
    {"type": "instruction_following", "semantics": "reference"}   # the reference's verdicts (evaluation parity)
    {"type": "instruction_following", "mode": "loose", "score": "all",
     "instructions": [{"id": "punctuation:no_comma"}, {"id": "length_constraints:number_words",
                       "num_words": 100, "relation": "less than"}]}

`instructions` is either an inline list (checked at load: an unknown id or bad kwargs is a SpecError) or a
template resolving to the item's instruction list (default `{{ item }}`, so IFEval's `instruction_id_list` +
`kwargs` rows work directly); problems there make an `invalid_reference` result naming the instruction.

`semantics`: `robust` (default; rules a policy can't satisfy with invisible, look-alike or content-free text)
or `reference` (IFEval/IFBench verdicts). Every grade runs in the worker pool under a hard `timeout_s`.
"""
from __future__ import annotations

import os
from typing import Any

from graders.base import Grader
from graders.instructions import (
    BoundInstruction, InstructionListError, ResponseVerdict, bind_instructions, check_response, warm_up)
from graders.registry import register
from graders.result import GradeResult

DEFAULT_INPUT = "{{ sample.output_text }}"
DEFAULT_INSTRUCTIONS = "{{ item }}"
DEFAULT_MAX_CHARS = 200_000
DEFAULT_SEMANTICS = "robust"


@register
class InstructionFollowingGrader(Grader):
    """Checks verifiable instructions (IFEval's 25 ids, IFBench's offline ones) strictly or loosely."""

    type = "instruction_following"
    isolation = "process"  # a hard deadline: linear checks still cost seconds on 200k characters of degenerate text
    default_timeout_s = 10.0

    def setup(self) -> None:
        self.input = self.spec.get("input", DEFAULT_INPUT)
        self.mode = self.spec.get("mode", "strict")
        self.semantics = self.spec.get("semantics", DEFAULT_SEMANTICS)
        self.scoring = self.spec.get("score", "fraction")
        self.instructions = self.spec.get("instructions", DEFAULT_INSTRUCTIONS)
        self.max_chars = int(self.spec.get("max_chars", DEFAULT_MAX_CHARS))
        self.static: list[BoundInstruction] | None = None
        if os.environ.get("VERIGRADE_IN_WORKER"):
            warm_up()  # the pool builds graders before a chunk's timeouts start: imports aren't a grade's cost
        if not isinstance(self.instructions, str):
            try:
                self.static = bind_instructions(self.instructions, self.semantics)
            except InstructionListError as exc:
                raise self.spec_error("instructions" + exc.where, exc.message) from None

    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        response = self.render(self.input, sample, item)
        if len(response) > self.max_chars:
            # the checks are linear but some cost ~0.2 ms per sentence per loose variant; refuse walls of text
            return GradeResult.failure("rejected", f"response has {len(response)} characters, over max_chars "
                                                   f"({self.max_chars})")
        bound = self.static
        if bound is None:
            value = self.render_value(self.instructions, sample, item)
            try:
                bound = bind_instructions(value, self.semantics)
            except InstructionListError as exc:
                return GradeResult.failure("invalid_reference", f"instructions{exc}" if exc.where else
                                           f"instructions: {exc}", where=exc.where)
        return verdict_result(check_response(response, bound, self.mode, self.semantics), self.scoring)


def verdict_result(verdict: ResponseVerdict, scoring: str) -> GradeResult:
    """One child per instruction (1 followed / 0 not); the parent is their mean (`fraction`) or min (`all`)."""
    if verdict.rejected:
        return GradeResult.failure("rejected", verdict.rejected)
    children: dict[str, GradeResult] = {}
    for v in verdict.instructions:
        if v.error is not None:
            children[v.name] = GradeResult.failure("error", v.error, "other_error")
        else:
            children[v.name] = GradeResult(score=float(v.followed), reason="followed" if v.followed else
                                           "not followed", details={"kwargs": v.kwargs} if v.kwargs else {})
    total, followed = len(verdict.instructions), len(verdict.followed)
    summary = f"{followed}/{total} instructions followed ({verdict.mode}, {verdict.semantics})"
    if verdict.not_followed:
        summary += "; not followed: " + ", ".join(verdict.not_followed)
    if verdict.broken:
        return GradeResult(score=0.0, status="error", error_type="other_error", children=children,
                           reason=summary + "; check failed: " + ", ".join(verdict.broken))
    if verdict.unanswered:
        return GradeResult(score=0.0, status="no_answer", children=children,
                           reason=f"{verdict.unanswered}; {summary}")
    score = followed / total if scoring == "fraction" else float(followed == total)
    return GradeResult(score=score, children=children, reason=summary,
                       details={"followed": followed, "total": total})
