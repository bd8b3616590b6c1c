"""`judge` (ours): a maintained, hardened, reference-guided equivalence / rubric judge.

Fields: `model` (default: the embedded SmolLM2-135M-Instruct), `input` (default `{{ sample.output_text }}`),
`reference`, `question`, `include_question` (default false), `criteria`, `score_mode`
(`probability`: score = P(Yes); `binary`: 1 if P(Yes) >= 0.5), plus `hardening`, `backend_options`,
`cache`, `sampling_params`. Needs `reference` or `criteria`.

The candidate goes through the judge engine's gates (`graders.judges.hardening`) first: empty, punctuation,
bare openers, injections and verdict echoes are `rejected` (score 0) without calling the model; the answer gate
(`graders.judges.answers`) reads the reference with the math parser and decides what a rule can decide
(refusals, pointing at the reference, hedges, shotgun lists, retractions, a final answer that differs).
What is left is quoted between <CANDIDATE> tags and the verdict is read from P("Yes") vs P("No").
`details.decided_by` says which: "gate" (with `gate_rule`) or "model".
"""
from __future__ import annotations

from typing import Any

from graders.judges.engine import Judgement
from graders.judges.hardening import Screened
from graders.judges.model_graded import ModelGradedGrader, Prepared
from graders.judges.prompts import SPELLING_CHOICES, judge_messages, read_yes_no
from graders.models.interface import Request
from graders.registry import register
from graders.result import GradeResult


@register
class JudgeGrader(ModelGradedGrader):
    """Hardened reference-guided (or rubric) yes/no judge; see the module docstring."""

    type = "judge"

    def setup_fields(self) -> None:
        self.input = self.spec.get("input", "{{ sample.output_text }}")
        self.reference = self.spec.get("reference")
        self.question = self.spec.get("question")
        self.include_question = bool(self.spec.get("include_question", False))
        self.criteria = self.spec.get("criteria")
        self.score_mode = self.spec.get("score_mode", "probability")
        if self.reference is None and self.criteria is None:
            raise self.spec_error("reference", "a judge needs `reference` or `criteria`")

    def prepare(self, sample: dict[str, Any], item: dict[str, Any]) -> Prepared | Screened | GradeResult:
        candidate = self.render(self.input, sample, item)
        reference = self.render(self.reference, sample, item) if self.reference is not None else None
        if reference is not None and not reference.strip():
            return GradeResult.failure("invalid_reference", "the reference answer is empty")
        question = self.render(self.question, sample, item) if self.question else None
        criteria = self.render(self.criteria, sample, item) if self.criteria else None
        screened = self.engine.screen(candidate, reference=reference, question=question)
        if screened.verdict is not None:
            return screened
        messages = judge_messages(screened.text, reference, question if self.include_question else None, criteria)
        details = {"flags": screened.flags, "decided_by": "model", "gate": screened.reason}
        if screened.final_answer is not None:
            details["final_answer"] = screened.final_answer
        return Prepared(Request(messages, list(SPELLING_CHOICES), self.sampling), details)

    def interpret(self, prepared: Prepared, judgement: Judgement) -> GradeResult:
        reply = judgement.reply
        p_yes = read_yes_no(reply)
        if p_yes is None:
            return GradeResult.failure("error", f"judge reply is not Yes or No: {(reply.text or '')[:80]!r}",
                                       "model_grader_parse_error", reply=reply.text)
        score = p_yes if self.score_mode == "probability" else float(p_yes >= 0.5)
        gate = prepared.details.get("gate", "")
        return GradeResult(score=score, reason=f"decided by model: judge P(Yes) = {p_yes:.3f}" + (f" ({gate})" if gate else ""),
                           details={"p_yes": p_yes, "mass": reply.mass})
