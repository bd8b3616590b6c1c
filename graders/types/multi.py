"""`multi`: named sub-graders combined by OpenAI's `calculate_output` formula or an aggregate, with gates.

As in OpenAI's multi grader, sub-scores enter `calculate_output` raw: a python grader returning 73 is 73
there (`GradeResult.value`), a score_model is its number in its `range`; only the final score is clipped
to [0, 1] (by the base class, which says so in `reason`). The aggregates (verigrade's) combine the
sub-graders' scores in [0, 1].
"""
from __future__ import annotations

import math

from graders.base import Grader, Pair
from graders.errors import SpecError
from graders.formula import Formula, FormulaError
from graders.registry import build_grader, register
from graders.result import GradeResult, is_passing

# child statuses that make the composite unusable (score 0, status propagated), most severe first
_BLOCKING = ("invalid_reference", "error", "timeout")


@register
class MultiGrader(Grader):
    """Combine named sub-graders with a formula or mean/min/max/product/weighted, after optional gates."""

    type = "multi"

    def setup(self) -> None:
        errors: list[str] = []
        self.children: dict[str, Grader] = {}
        for key, spec in self.spec["graders"].items():
            try:
                self.children[key] = build_grader(spec, f"{self.path}/graders/{key}")
            except SpecError as exc:
                errors.extend(exc.errors)
        names = set(self.spec["graders"])
        formula, aggregate = self.spec.get("calculate_output"), self.spec.get("aggregate")
        self.formula: Formula | None = None
        if formula is not None and aggregate is not None:
            errors.append(f"{self.path}/aggregate: give either calculate_output or aggregate, not both")
        elif formula is not None:
            try:
                self.formula = Formula(formula, names)
            except FormulaError as exc:
                errors.append(f"{self.path}/calculate_output: formula_parse_error: {exc}")
        self.aggregate = aggregate or ("formula" if formula is not None else "mean")
        weights = self.spec.get("weights", {})
        for key in weights:
            if key not in names:
                errors.append(f"{self.path}/weights/{key}: no sub-grader named '{key}'")
        self.weights = {k: float(weights.get(k, self.spec["graders"][k].get("weight", 1.0))) for k in names}
        if self.aggregate == "weighted" and not sum(self.weights.values()) > 0:
            errors.append(f"{self.path}/weights: weights must not all be zero")
        self.gate = list(self.spec.get("gate", []))
        for i, key in enumerate(self.gate):
            if key not in names:
                errors.append(f"{self.path}/gate/{i}: no sub-grader named '{key}' (graders: {', '.join(sorted(names))})")
        if errors:
            raise SpecError(errors)

    def evaluate(self, sample, item) -> GradeResult:
        return self._grade_normalized([(sample, item)], None)[0]

    def _grade_normalized(self, pairs: list[Pair], workers: int | None) -> list[GradeResult]:
        per_child = {key: child._grade_normalized(pairs, workers) for key, child in self.children.items()}
        out = []
        for row in range(len(pairs)):
            children = {key: per_child[key][row] for key in self.children}
            result = self._combine(children)
            result.children = children
            out.append(self._finish(result, sum(c.elapsed_ms for c in children.values())))
        return out

    def _combine(self, children: dict[str, GradeResult]) -> GradeResult:
        for status in _BLOCKING:
            bad = [k for k, r in children.items() if r.status == status]
            if bad:
                first = children[bad[0]]
                return GradeResult.failure(status, f"sub-grader '{bad[0]}' {status}: {first.reason}",
                                           first.error_type)
        for key in self.gate:
            res = children[key]
            if not is_passing(res):
                return GradeResult(score=0.0, reason=f"gate '{key}' failed (score {res.score:g})")
        if self.formula is not None:
            raw = {k: (r.value if r.status == "ok" else 0.0) for k, r in children.items()}
            try:
                value = self.formula(raw)
            except FormulaError as exc:
                return GradeResult.failure("error", str(exc), "other_error")
            return GradeResult(score=value, reason=f"{self.formula.text} = {value:g}")
        scores = {k: r.score for k, r in children.items()}  # the aggregates (ours) combine scores in [0, 1]
        values = list(scores.values())
        if self.aggregate == "mean":
            value = sum(values) / len(values)
        elif self.aggregate == "min":
            value = min(values)
        elif self.aggregate == "max":
            value = max(values)
        elif self.aggregate == "product":
            value = math.prod(values)
        else:
            total = sum(self.weights.values())
            value = sum(self.weights[k] * v for k, v in scores.items()) / total
        return GradeResult(score=value, reason=f"{self.aggregate} of {len(values)} sub-grader(s) = {value:g}")
