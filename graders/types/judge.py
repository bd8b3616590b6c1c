"""`judge` (ours): a maintained, hardened, reference-guided equivalence / rubric judge.

Fields: `model` (default: the embedded SmolLM2-135M-Instruct), `input` (default `{{ sample.output_text }}`),
`reference`, `question`, `include_question` (default false), `criteria`, `score_mode`
(`probability`: score = P(Yes); `binary`: 1 if P(Yes) >= 0.5), plus `hardening`, `backend_options`,
`cache`, `sampling_params`. Needs `reference` or `criteria`.

The candidate goes through `graders.judges.hardening.screen` first: empty, punctuation, bare openers,
injections and verdict echoes are `rejected` (score 0) without calling the model; then the answer gate
(`graders.judges.answers`) reads the reference with the math parser and decides what a rule can decide
(refusals, pointing at the reference, hedges, shotgun lists, retractions, a final answer that differs).
What is left is quoted between <CANDIDATE> tags and the verdict is read from P("Yes") vs P("No").
`details.decided_by` says which: "gate" (with `gate_rule`) or "model".
"""
from __future__ import annotations

from typing import Any

from graders.judges.backends import Reply, Request
from graders.judges.grading import ModelGrader, Prepared, screened_failure
from graders.judges.hardening import screen
from graders.judges.prompts import SPELLING_CHOICES, VERDICTS, judge_messages, parse_choice, verdict_probability
from graders.registry import register
from graders.result import GradeResult


@register
class JudgeGrader(ModelGrader):
    """Hardened reference-guided (or rubric) yes/no judge; see the module docstring."""

    type = "judge"

    def setup_judge(self) -> None:
        self.input = self.spec.get("input", "{{ sample.output_text }}")
        self.reference = self.spec.get("reference")
        self.question = self.spec.get("question")
        self.include_question = bool(self.spec.get("include_question", False))
        self.criteria = self.spec.get("criteria")
        self.score_mode = self.spec.get("score_mode", "probability")
        self.sampling = dict(self.spec.get("sampling_params") or {})
        if self.reference is None and self.criteria is None:
            raise self.spec_error("reference", "a judge needs `reference` or `criteria`")

    def prepare(self, sample: dict[str, Any], item: dict[str, Any]) -> Prepared | GradeResult:
        candidate = self.render(self.input, sample, item)
        reference = self.render(self.reference, sample, item) if self.reference is not None else None
        if reference is not None and not reference.strip():
            return GradeResult.failure("invalid_reference", "the reference answer is empty")
        question = self.render(self.question, sample, item) if self.question else None
        criteria = self.render(self.criteria, sample, item) if self.criteria else None
        screened = screen(candidate, self.hardening, reference=reference, question=question)
        if screened.verdict is not None:
            return screened_failure(screened)
        messages = judge_messages(screened.text, reference, question if self.include_question else None, criteria)
        details = {"flags": screened.flags, "decided_by": "model", "gate": screened.reason}
        if screened.final_answer is not None:
            details["final_answer"] = screened.final_answer
        return Prepared(Request(messages, list(SPELLING_CHOICES), self.sampling), details)

    def interpret(self, prepared: Prepared, reply: Reply) -> GradeResult:
        if reply.probs is not None:
            p_yes = verdict_probability(reply.probs)
        else:
            verdict = parse_choice(reply.text or "", VERDICTS)
            if verdict is None:
                return GradeResult.failure("error", f"judge reply is not Yes or No: {(reply.text or '')[:80]!r}",
                                           "model_grader_parse_error", reply=reply.text)
            p_yes = 1.0 if verdict == "Yes" else 0.0
        score = p_yes if self.score_mode == "probability" else float(p_yes >= 0.5)
        gate = prepared.details.get("gate", "")
        return GradeResult(score=score, reason=f"decided by model: judge P(Yes) = {p_yes:.3f}" + (f" ({gate})" if gate else ""),
                           details={"p_yes": p_yes, "mass": reply.mass})
