"""`python`: OpenAI's python grader. `source` defines `grade(sample, item) -> float`; it runs in the Docker
sandbox with OpenAI's limits as defaults (no network, 2 minutes, 2 GB), each call in a fresh interpreter.

Any failure (exception, bad return value, timeout, memory) is score 0 with the reason and traceback.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from graders.base import Grader
from graders.registry import register
from graders.result import GradeResult
from sandbox.runtime import literal

RUNTIME_ERROR = "python_grader_runtime_error"
SERVER_ERROR = "python_grader_server_error"


@register
class PythonGrader(Grader):
    """Run user-supplied `grade(sample, item)` in the sandbox."""

    type = "python"
    isolated = False             # the sandbox enforces time and memory
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
        from sandbox.backends import get_backend

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
        if not jobs:
            return results  # type: ignore[return-value]
        try:
            backend = get_backend(self.backend_name, self.limits, self.spec.get("pool_size"))
        except Exception as exc:  # noqa: BLE001 - no Docker: a result per sample, no exception
            for job in jobs:
                results[job["id"]] = GradeResult.failure("error", f"sandbox unavailable: {exc}", SERVER_ERROR)
            return results  # type: ignore[return-value]
        workers = max(1, getattr(backend, "concurrency", 1))
        size = max(1, min(self.batch_size, math.ceil(len(jobs) / workers)))
        chunks = [jobs[k: k + size] for k in range(0, len(jobs), size)]
        with ThreadPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
            outcomes = list(pool.map(backend.run_samples, chunks))
        for chunk, outcome in zip(chunks, outcomes):
            for job in chunk:
                results[job["id"]] = self._result(outcome.records.get(job["id"]))
        if self.spec.get("image_tag"):
            for res in results:
                res.details.setdefault("image_tag", self.spec["image_tag"])  # type: ignore[union-attr]
        return results  # type: ignore[return-value]

    def _result(self, record: dict | None) -> GradeResult:
        if record is None or record.get("failure"):
            why = (record or {}).get("failure", "the sandbox returned no result")
            if (record or {}).get("failure_kind") == "timeout":
                return GradeResult.failure("timeout", f"grade() did not finish: {why}", RUNTIME_ERROR)
            return GradeResult.failure("error", why, SERVER_ERROR)
        if record.get("violations"):
            return GradeResult.failure("error", "sandbox violation: " + "; ".join(record["violations"]),
                                       RUNTIME_ERROR, violations=record["violations"])
        test = (record.get("tests") or [{}])[0]
        status = test.get("status")
        if status == "timeout":
            return GradeResult.failure("timeout", f"grade() exceeded {self.timeout_s:g} s", RUNTIME_ERROR)
        if status != "ran":
            tb = test.get("tb") or test.get("stderr_tail") or ""
            reason = test.get("reason", "grade() failed")
            if tb:
                reason = f"{reason}\n{tb}"
            return GradeResult.failure("error", reason[-2000:], RUNTIME_ERROR, traceback=tb, kind=test.get("kind"))
        try:
            value = literal.decode(test.get("value", ""))
        except ValueError as exc:
            return GradeResult.failure("error", f"grade() returned an unreadable value ({exc})", RUNTIME_ERROR)
        if type(value) not in (int, float) or (isinstance(value, float) and math.isnan(value)):
            return GradeResult.failure("error", f"grade() must return a number, got {literal.describe(value)}",
                                       RUNTIME_ERROR)
        return GradeResult(score=float(value), reason=f"grade() returned {value!r}", details={"raw_score": value})
