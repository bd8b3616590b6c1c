"""`text_similarity`: how close the output is to a reference text, by a named metric (OpenAI's type).

Fields (OpenAI's, verbatim): `input` (template, default `{{ sample.output_text }}`), `reference`
(template), `evaluation_metric`, `pass_threshold`, `name`. Extensions: `fuzzy_scorer` picks the rapidfuzz
scorer behind `fuzzy_match` (default `ratio`; see `graders.metrics.fuzzy` for why not `WRatio`);
`guards` (`numbers`, `negation`; see `graders.metrics.guards`) veto the score (0, status `ok`) when the
output's numbers or negations differ from the reference's, the edits a similarity score can't see.

Metrics and the library behind each are documented in `graders.metrics` (`overlap` for BLEU, GLEU,
METEOR, ROUGE; `fuzzy`; `token_f1`; `embedding` for `cosine`). Every score is in [0, 1].

Statuses: an empty (whitespace-only) rendered reference is `invalid_reference`; an empty output is
`no_answer`; both score 0. A missing template variable is an `error` (invalid_variable_error).
`cosine` runs only when the optional local embedding model is installed; otherwise the spec fails to
load with a message saying why.
"""
from __future__ import annotations

from typing import Any

from graders.base import Grader, failure_from_exception
from graders.metrics import (
    DEFAULT_SCORER, GUARD_NAMES, METRIC_NAMES, Similarity, SimilarityVerdict, unavailable_reason)
from graders.registry import register
from graders.result import GradeResult
from graders.templates import TemplateError

DEFAULT_INPUT = "{{ sample.output_text }}"


@register
class TextSimilarityGrader(Grader):
    """Scores `input` against `reference` with `evaluation_metric`."""

    type = "text_similarity"

    def setup(self) -> None:
        self.metric: str = self.spec["evaluation_metric"]
        if self.metric not in METRIC_NAMES:  # the schema already says so; kept for direct construction
            raise self.spec_error("evaluation_metric", f"{self.metric!r} is not one of {list(METRIC_NAMES)}")
        why = unavailable_reason(self.metric)
        if why:
            raise self.spec_error("evaluation_metric", why)
        self.input_template: str = self.spec.get("input", DEFAULT_INPUT)
        self.reference_template: str = self.spec["reference"]
        self.fuzzy_scorer: str = self.spec.get("fuzzy_scorer", DEFAULT_SCORER)
        if "fuzzy_scorer" in self.spec and self.metric != "fuzzy_match":
            raise self.spec_error("fuzzy_scorer",
                                  f"only applies to evaluation_metric 'fuzzy_match', not {self.metric!r}")
        self.guards: list[str] = list(self.spec.get("guards", []))
        for i, name in enumerate(self.guards):
            if name not in GUARD_NAMES:
                raise self.spec_error(f"guards/{i}", f"{name!r} is not one of {list(GUARD_NAMES)}")
        self.similarity = Similarity(self.metric, self.fuzzy_scorer, self.guards)

    def _texts(self, sample: dict[str, Any], item: dict[str, Any]) -> tuple[str, str]:
        """Rendered (candidate, reference)."""
        return self.render(self.input_template, sample, item), self.render(self.reference_template, sample, item)

    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        return verdict_result(self.similarity.judge(*self._texts(sample, item)))

    def evaluate_batch(self, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[GradeResult]:
        """`cosine` embeds the whole batch in one pass; the other metrics grade one by one."""
        if not self.similarity.batched:
            return super().evaluate_batch(pairs)
        results: list[GradeResult | None] = [None] * len(pairs)
        rendered: list[tuple[int, tuple[str, str]]] = []
        for i, (sample, item) in enumerate(pairs):
            try:
                rendered.append((i, self._texts(sample, item)))
            except TemplateError as exc:
                results[i] = failure_from_exception(exc)
        for (i, _), verdict in zip(rendered, self.similarity.judge_batch([t for _, t in rendered])):
            results[i] = verdict_result(verdict)
        return results  # type: ignore[return-value]


def verdict_result(verdict: SimilarityVerdict) -> GradeResult:
    """A blank reference is `invalid_reference`, a blank output `no_answer`, a guard's veto 0 with status `ok`."""
    if verdict.empty == "reference":
        return GradeResult.failure("invalid_reference", "reference is empty")
    if verdict.empty == "output":
        return GradeResult.failure("no_answer", "output is empty")
    if verdict.guard:
        return GradeResult(score=0.0, reason=f"guard '{verdict.guard}': {verdict.guard_reason}",
                           details={"metric": verdict.metric, "guard": verdict.guard})
    return GradeResult(score=verdict.score, reason=f"{verdict.label} = {verdict.score:.4f}",
                       details={"metric": verdict.metric})
