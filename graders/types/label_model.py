"""`label_model` (OpenAI, fields verbatim): the judge picks one of `labels`; 1 if it is in `passing_labels`.

`model`, `input` (chat messages whose text is templated), `labels`, `passing_labels`, `sampling_params`,
plus verigrade's `hardening`, `backend_options` and `cache`. With the local backend the label is the
most probable one, each label's probability being that of its whole token sequence at the start of the
judge's reply; over HTTP it comes from first-token logprobs when they decide, else from the reply text
(the whole reply or its last line must be a label). The candidate (`sample.output_text`) is screened
by the hardening gates before the model is asked; `"hardening": false` turns that off.
"""
from __future__ import annotations

from typing import Any

from graders.judges.engine import Judgement
from graders.judges.hardening import Screened
from graders.judges.model_graded import ModelGradedGrader, Prepared
from graders.judges.prompts import read_label
from graders.registry import register
from graders.result import GradeResult


@register
class LabelModelGrader(ModelGradedGrader):
    """OpenAI's label_model classifier judge."""

    type = "label_model"

    def setup_fields(self) -> None:
        self.messages = self.spec["input"]
        self.labels = list(self.spec["labels"])
        self.passing = list(self.spec["passing_labels"])
        missing = [p for p in self.passing if p not in self.labels]
        if missing:
            raise self.spec_error("passing_labels", f"{missing} not in labels {self.labels} (must be a subset)")

    def prepare(self, sample: dict[str, Any], item: dict[str, Any]) -> Prepared | Screened:
        return self.prepare_openai_messages(sample, item, self.labels)

    def interpret(self, prepared: Prepared, judgement: Judgement) -> GradeResult:
        reply = judgement.reply
        label = read_label(reply, self.labels)
        if label is None:
            return GradeResult.failure("error", f"judge reply is not one of {self.labels}: "
                                       f"{(reply.text or '')[:80]!r}", "model_grader_parse_error", reply=reply.text)
        details = {"label": label}
        if reply.probs is not None:
            details.update(label_probs=reply.probs, mass=reply.mass)
        passed = label in self.passing
        return GradeResult(score=1.0 if passed else 0.0,
                           reason=f"label {label!r} {'is' if passed else 'is not'} a passing label", details=details)
