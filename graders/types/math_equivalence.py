"""`math_equivalence`: is the math answer in the output equivalent to the reference answer?

Parsing uses math-verify's latex2sympy2_extended and sympy; the verdict is ours (see graders/mathcheck and
docs/math.md). Every grade runs in the shared worker pool (`isolation = "process"`): a hard timeout and a memory
cap stop what the guard does not, and a crashed worker costs only its own sample.
"""
from __future__ import annotations

import os
import re

from graders.base import Grader
from graders.registry import register
from graders.result import GradeResult

DEFAULT_INPUT = "{{ sample.output_text }}"


@register
class MathEquivalenceGrader(Grader):
    """Score 1 when the extracted answer is mathematically equivalent to the reference, else 0."""

    type = "math_equivalence"
    isolation = "process"
    default_timeout_s = 5.0

    def setup(self) -> None:
        from graders.mathcheck import ComparePolicy, GuardLimits, MathOptions, ParseOptions
        from graders.mathcheck.extract import DEFAULT_CASCADE, RegexExtractor

        spec = self.spec
        raw_steps = spec.get("extract", list(DEFAULT_CASCADE))
        raw_steps = raw_steps if isinstance(raw_steps, list) else [raw_steps]
        steps = []
        for i, step in enumerate(raw_steps):
            if isinstance(step, dict):
                where = f"extract/{i}/regex" if isinstance(spec.get("extract"), list) else "extract/regex"
                try:
                    pattern = re.compile(step["regex"], re.MULTILINE)
                except re.error as exc:
                    raise self.spec_error(where, f"invalid regular expression: {exc}") from None
                group = step.get("group", 1)
                if isinstance(group, int) and group > pattern.groups and pattern.groups:
                    raise self.spec_error(where, f"pattern has {pattern.groups} group(s), group {group} requested")
                if isinstance(group, str) and group not in pattern.groupindex:
                    raise self.spec_error(where, f"pattern has no group named {group!r}")
                steps.append(RegexExtractor(pattern, group))
            else:
                steps.append(step)
        units = spec.get("units", "strip")
        limits = GuardLimits(max_chars=int(spec.get("max_answer_chars", GuardLimits.max_chars)))
        self.options = MathOptions(
            extract=tuple(steps),
            multiple_answers=spec.get("multiple_answers", "last"),
            units=units,
            parse=ParseOptions(percent=spec.get("percent", "off"), units=units, guard=bool(spec.get("guard", True)),
                               limits=limits),
            compare=ComparePolicy(
                rel_tol=float(spec.get("rel_tol", ComparePolicy.rel_tol)),
                abs_tol=float(spec.get("abs_tol", ComparePolicy.abs_tol)),
                tuple_order=spec.get("tuple_order", "auto"),
                relations=spec.get("relations", "gold_relation"),
                rounding=spec.get("rounding", ComparePolicy.rounding),
                min_significant_digits=int(spec.get("min_significant_digits", ComparePolicy.min_significant_digits)),
            ),
        )
        if os.environ.get("VERIGRADE_IN_WORKER"):
            self._warm_up()

    def _warm_up(self) -> None:
        """Load sympy and the ANTLR parser once per worker, outside any sample's timeout."""
        from graders.mathcheck import check

        try:
            check(r"\boxed{\frac{\pi}{2}+x^2}", r"$\frac{\pi}{2}+x^{2}$", self.options)
        except Exception:  # noqa: BLE001 - a warm-up problem must not stop the grader; samples report their own
            pass

    def evaluate(self, sample: dict, item: dict) -> GradeResult:
        from graders.mathcheck import check

        output = self.render(self.spec.get("input", DEFAULT_INPUT), sample, item)
        reference = self.render(self.spec["reference"], sample, item)
        verdict = check(output, reference, self.options)
        return GradeResult(score=verdict.score, status=verdict.status, reason=verdict.reason,
                           details=verdict.details)
