"""`score_model` (OpenAI, fields verbatim): the judge gives a number in `range`, clamped and rescaled to [0, 1].

`model`, `input` (chat messages whose text is templated), `range` (default [0, 1]), `sampling_params`,
`pass_threshold`, plus verigrade's `hardening`, `backend_options` and `cache`. With the local backend the
number is the expected value over the score tokens at the start of the reply (integers for integer
ranges wider than 2, tenths otherwise); over HTTP it is read from the reply text (OpenAI's
`{"result": x}` or a reply/last line that is a number). A reply with no number is an `error`
(`model_grader_parse_error`), score 0, as OpenAI scores non-numeric outputs 0.
"""
from __future__ import annotations

from typing import Any

from graders.judges.engine import Judgement
from graders.judges.hardening import Screened
from graders.judges.model_graded import ModelGradedGrader, Prepared
from graders.judges.prompts import read_score
from graders.registry import register
from graders.result import GradeResult


def _fmt(value: float) -> str:
    return f"{value:.10g}" if not float(value).is_integer() else str(int(value))


def score_grid(low: float, high: float) -> list[str]:
    """Number strings the local judge chooses between for a `range`."""
    span = high - low
    if float(low).is_integer() and float(high).is_integer() and 2 < span <= 100:
        return [_fmt(low + k) for k in range(int(span) + 1)]
    steps = 10 if span <= 2 else 20
    values = [round(low + span * k / steps, 6) for k in range(steps + 1)]
    grid = [_fmt(v) for v in values]
    grid += [f"{int(v)}.0" for v in values if float(v).is_integer()]  # "1" and "1.0" are both ways to say 1
    return grid


@register
class ScoreModelGrader(ModelGradedGrader):
    """OpenAI's score_model numeric judge."""

    type = "score_model"

    def setup_fields(self) -> None:
        self.messages = self.spec["input"]
        self.low, self.high = (float(x) for x in self.spec.get("range") or [0, 1])  # null: the default
        if not self.high > self.low:
            raise self.spec_error("range", f"range must be [min, max] with min < max, got {self.spec['range']}")
        self.grid = score_grid(self.low, self.high)

    def prepare(self, sample: dict[str, Any], item: dict[str, Any]) -> Prepared | Screened:
        return self.prepare_openai_messages(sample, item, self.grid)

    def interpret(self, prepared: Prepared, judgement: Judgement) -> GradeResult:
        reply = judgement.reply
        raw = read_score(reply)
        if raw is None:
            return GradeResult.failure("error", f"judge reply has no numeric score: {(reply.text or '')[:80]!r}",
                                       "model_grader_parse_error", reply=reply.text)
        details: dict[str, Any] = {"raw_score": raw}
        if reply.probs is not None:
            details["mass"] = reply.mass
        clamped = min(self.high, max(self.low, raw))
        note = "" if clamped == raw else f" (clamped to {_fmt(clamped)})"
        score = (clamped - self.low) / (self.high - self.low)
        # raw_score: the number in the range, as OpenAI's score_model gives it (what a multi formula reads)
        return GradeResult(score=score, reason=f"judge score {raw:.3g}{note} in range "
                           f"[{_fmt(self.low)}, {_fmt(self.high)}]", details=details, raw_score=clamped)
