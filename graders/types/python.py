"""`python`: OpenAI's python grader. `source` defines `grade(sample, item) -> float`; it runs in the Docker
sandbox with OpenAI's limits as defaults (no network, 2 minutes, 2 GB), each call in a fresh interpreter.

Any failure (exception, bad return value, timeout, memory) is score 0 with the reason and traceback.
"""
from __future__ import annotations

import math
from typing import Any

from graders.base import Grader
from graders.registry import register
from graders.result import GradeResult
from sandbox import engine
from sandbox.runtime import literal
from sandbox.verdicts import SampleVerdict

RUNTIME_ERROR = "python_grader_runtime_error"
SERVER_ERROR = "python_grader_server_error"


@register
class PythonGrader(Grader):
    """Run user-supplied `grade(sample, item)` in the sandbox."""

    type = "python"
    isolation = "container"      # the sandbox enforces time and memory
    default_timeout_s = 120.0    # OpenAI's limit

    def setup(self) -> None:
        import ast

        from sandbox.limits import Limits

        source = self.spec["source"]
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            raise self.spec_error("source", f"does not parse: {exc.msg} (line {exc.lineno})") from None
        if not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "grade" for n in tree.body):
            raise self.spec_error("source", "must define a top-level function grade(sample, item)")
        self.limits = Limits.from_spec(self.spec.get("limits"), memory_mb=2048)
        self.backend_name = self.spec.get("backend", "docker")
        self.batch_size = int(self.spec.get("batch_size", 8))

    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        return self.evaluate_batch([(sample, item)])[0]

    def evaluate_batch(self, pairs: list[tuple[dict, dict]]) -> list[GradeResult]:
        results: list[GradeResult | None] = [None] * len(pairs)
        jobs = []
        for i, (sample, item) in enumerate(pairs):
            try:
                args = literal.encode([sample, item])
            except literal.NotTransportable as exc:
                results[i] = GradeResult.failure("error", f"sample or item is not plain JSON data: {exc}",
                                                 "sample_parse_error")
                continue
            jobs.append({"id": i, "format": "calls", "code": self.spec["source"], "module_name": "grader",
                         "tests": [{"id": "0", "fn": "grade", "args": args, "kwargs": "{}",
                                    "timeout_s": self.timeout_s}],
                         "sample_timeout_s": self.timeout_s})
        verdicts = engine.run_jobs(jobs, self.backend_name, self.limits, self.spec.get("pool_size"), self.batch_size)
        for job in jobs:
            results[job["id"]] = self._result(verdicts[job["id"]])
        if self.spec.get("image_tag"):
            for res in results:
                res.details.setdefault("image_tag", self.spec["image_tag"])  # type: ignore[union-attr]
        return results  # type: ignore[return-value]

    def _result(self, verdict: SampleVerdict) -> GradeResult:
        if verdict.failure:
            if verdict.failure_kind == "timeout":
                return GradeResult.failure("timeout", f"grade() did not finish: {verdict.failure}", RUNTIME_ERROR)
            return GradeResult.failure("error", verdict.failure, SERVER_ERROR)
        if verdict.violations:
            return GradeResult.failure("error", "sandbox violation: " + "; ".join(verdict.violations),
                                       RUNTIME_ERROR, violations=verdict.violations)
        test = verdict.tests[0]
        if test.kind == "timeout":
            return GradeResult.failure("timeout", f"grade() exceeded {self.timeout_s:g} s", RUNTIME_ERROR)
        if test.returned and not test.passed:
            return GradeResult.failure("error", f"grade() returned an {test.message}", RUNTIME_ERROR)
        if not test.returned:
            tb = test.traceback or test.stderr
            reason = test.message or "grade() failed"
            if tb:
                reason = f"{reason}\n{tb}"
            return GradeResult.failure("error", reason[-2000:], RUNTIME_ERROR, traceback=tb, kind=test.kind)
        value = test.value
        if type(value) not in (int, float) or (isinstance(value, float) and math.isnan(value)):
            return GradeResult.failure("error", f"grade() must return a number, got {literal.describe(value)}",
                                       RUNTIME_ERROR)
        return GradeResult(score=float(value), reason=f"grade() returned {value!r}", details={"raw_score": value})
