"""`unit_tests`: run the sample's code against the item's tests in the sandbox; score = fraction passed.

Verdicts never come from the candidate's exit code or the absence of an exception: `assert` tests are
decided by the trusted runner (the candidate runs in another interpreter and only returns plain
values), `io` and `calls` results are compared here, on the host. A test without a pass record fails.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from graders.base import Grader, failure_from_exception
from graders.registry import register
from graders.result import GradeResult
from graders.templates import TemplateError
from sandbox import compare, verdicts
from sandbox.runtime import literal

LANGUAGES = ("python",)
DEFAULT_CODE = "{{ sample.output_text }}"
# the candidate hit a limit: its fault, but when nothing passed the status says which limit
LIMIT_FAILURES = {"memory": "memory limit", "output_limit": "output limit"}
# the item's test is broken (not the candidate's fault): the whole item is invalid_reference
REFERENCE_FAILURES = {"bad_test": "broken test", "no_calls": "the test never calls the code under test"}
# our side failed (runner bug, garbled protocol, lost record): the whole sample is an error, never a score
SANDBOX_FAILURES = {"harness": "sandbox runner error", "protocol": "protocol error", "missing": "lost result"}


@register
class UnitTestsGrader(Grader):
    """Run generated code against unit tests (assert | io | calls) in hardened Docker containers."""

    type = "unit_tests"
    isolated = False            # containers enforce time and memory; batches run as concurrent execs
    default_timeout_s = 60.0    # per sample; `test_timeout_s` per test

    def setup(self) -> None:
        spec = self.spec
        self.language = spec.get("language", "python")
        if self.language not in LANGUAGES:
            raise self.spec_error("language", f"unsupported language {self.language!r}; supported: {LANGUAGES}")
        self.test_format = spec["test_format"]
        self.code_template = spec.get("code", DEFAULT_CODE)
        self.extract = spec.get("extract_code", "code" not in spec)
        self.test_timeout_s = float(spec.get("test_timeout_s", 5.0))
        self.all_or_nothing = bool(spec.get("all_or_nothing", False))
        self.io_compare = spec.get("io_compare", "lines")
        self.tolerance = float(spec.get("float_tolerance", 1e-6))
        self.rules = compare.CompareRules(self.tolerance, spec.get("unordered", "none"),
                                          bool(spec.get("compare_as_json", False)))
        self.batch_size = int(spec.get("batch_size", 8))
        self.backend_name = spec.get("backend", "docker")
        from sandbox.limits import Limits

        self.limits = Limits.from_spec(spec.get("limits"))
        if self.test_format == "io" and spec.get("setup"):
            raise self.spec_error("setup", "setup code is only used by test_format 'assert'")

    def backend(self):
        from sandbox.backends import get_backend

        return get_backend(self.backend_name, self.limits, self.spec.get("pool_size"))

    # -- grading --------------------------------------------------------------------------------------
    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        return self.evaluate_batch([(sample, item)])[0]

    def evaluate_batch(self, pairs: list[tuple[dict, dict]]) -> list[GradeResult]:
        results: list[GradeResult | None] = [None] * len(pairs)
        jobs: list[dict] = []
        for i, (sample, item) in enumerate(pairs):
            prepared = self._prepare(i, sample, item)
            if isinstance(prepared, GradeResult):
                results[i] = prepared
            else:
                jobs.append(prepared)
        if jobs:
            try:
                backend = self.backend()
            except Exception as exc:  # noqa: BLE001 - no Docker: every sample says so, nothing raises
                for job in jobs:
                    results[job["id"]] = GradeResult.failure("error", f"sandbox unavailable: {exc}", "sandbox_error")
                return results  # type: ignore[return-value]
            workers = max(1, getattr(backend, "concurrency", 1))
            size = max(1, min(self.batch_size, math.ceil(len(jobs) / workers)))
            chunks = [jobs[k: k + size] for k in range(0, len(jobs), size)]
            with ThreadPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
                outcomes = list(pool.map(lambda chunk: backend.run_samples([_wire(j) for j in chunk]), chunks))
            for chunk, outcome in zip(chunks, outcomes):
                for job in chunk:
                    results[job["id"]] = self._judge(job, outcome.records.get(job["id"]))
        return results  # type: ignore[return-value]

    def _prepare(self, index: int, sample: dict, item: dict) -> dict | GradeResult:
        try:
            code = self.render(self.code_template, sample, item)
            if self.extract:
                code = verdicts.extract_code(code)
            entry = self.render(self.spec["entry_point"], sample, item) if self.spec.get("entry_point") else None
            if not code.strip():
                return GradeResult.failure("no_answer", "the sample contains no code")
            if self.spec.get("prepend"):
                when = self.spec.get("prepend_when", "always")
                if when == "always" or (entry and not verdicts.defines(code, entry)):
                    code = self.render(self.spec["prepend"], sample, item) + "\n" + code
            setup = self.render(self.spec["setup"], sample, item) if self.spec.get("setup") else ""
            raw_tests = self.resolve(self.spec["tests"], sample, item)
        except TemplateError as exc:
            return failure_from_exception(exc)
        try:
            tests = self._tests(raw_tests, entry)
        except verdicts.BadTests as exc:
            return GradeResult.failure("invalid_reference", f"bad tests: {exc}")
        for n, test in enumerate(tests):
            test["id"] = str(n)
            test["timeout_s"] = self.test_timeout_s
        return {"id": index, "format": self.test_format, "code": code, "setup": setup, "entry_point": entry,
                "as_main": self.test_format == "io", "tests": tests, "sample_timeout_s": self.timeout_s}

    def _tests(self, raw: Any, entry: str | None) -> list[dict]:
        if self.test_format == "assert":
            return verdicts.assert_tests(raw)
        if self.test_format == "io":
            return verdicts.io_tests(raw)
        return verdicts.calls_tests(raw, entry, self.rules)

    def _judge(self, job: dict, record: dict | None) -> GradeResult:
        if record is None or record.get("failure"):
            why = (record or {}).get("failure", "the sandbox returned no result for this sample")
            status = "timeout" if (record or {}).get("failure_kind") == "timeout" else "error"
            return GradeResult.failure(status, why, None if status == "timeout" else "sandbox_error")
        if record.get("violations"):
            return GradeResult.failure("error", "sandbox violation: " + "; ".join(record["violations"]),
                                       "sandbox_violation", violations=record["violations"])
        by_id = {t.get("id"): t for t in record.get("tests", [])}
        children: dict[str, GradeResult] = {}
        failures: list[tuple[str, str, str]] = []
        passed = 0
        for test in job["tests"]:
            ok, kind, reason = self._verdict(test, by_id.get(test["id"]))
            passed += ok
            children[f"test_{test['id']}"] = GradeResult(
                score=1.0 if ok else 0.0, reason=reason, details={"kind": kind} if kind else {},
                elapsed_ms=float((by_id.get(test["id"]) or {}).get("elapsed_ms", 0.0)))
            if not ok:
                failures.append((test["id"], kind, reason))
        total = len(job["tests"])
        details: dict[str, Any] = {"passed": passed, "total": total}
        for kinds, status, error_type, prefix in ((REFERENCE_FAILURES, "invalid_reference", None, "bad tests"),
                                                  (SANDBOX_FAILURES, "error", "sandbox_error", "sandbox error")):
            broken = [f for f in failures if f[1] in kinds]
            if broken:  # never a score: not the candidate's doing, whatever the other tests said
                test_id, kind, reason = broken[0]
                details["first_failure"] = {"test": test_id, "kind": kind, "reason": reason}
                return GradeResult(score=0.0, status=status, error_type=error_type, children=children,
                                   details=details, reason=f"{prefix}: test {test_id}: {kinds[kind]}: {reason}"[:600])
        score = passed / total if not self.all_or_nothing else float(passed == total)
        summary = f"{passed}/{total} tests passed"
        if not failures:
            return GradeResult(score=score, reason=summary, children=children, details=details)
        test_id, kind, reason = failures[0]
        details["first_failure"] = {"test": test_id, "kind": kind, "reason": reason}
        text = f"{summary}; test {test_id}: {reason}"
        status, error_type = "ok", None
        if score == 0 and kind == "timeout":
            status = "timeout"
        elif score == 0 and kind in LIMIT_FAILURES:
            status, error_type = "error", "sandbox_limit"
            text = f"{LIMIT_FAILURES[kind]}: {text}"
        return GradeResult(score=score, status=status, reason=text[:600], children=children,
                           error_type=error_type, details=details)

    def _verdict(self, test: dict, rec: dict | None) -> tuple[bool, str, str]:
        """(passed, failure kind, reason) for one test: only a positive record passes."""
        if rec is None:
            return False, "missing", "no result recorded for this test"
        status = rec.get("status")
        if status == "pass" and self.test_format == "assert":
            return True, "", rec.get("reason", "passed")
        if status != "ran":
            kind = "timeout" if status == "timeout" else rec.get("kind", "failed")
            return False, kind, rec.get("reason", status or "failed")
        if self.test_format == "io":
            ok = compare.io_matches(rec.get("stdout", ""), test["expected"], self.io_compare, self.tolerance)
            return ok, "" if ok else "wrong_answer", "output matches" if ok else "wrong output: " + _clip(rec.get("stdout", ""))
        try:
            got = literal.decode(rec.get("value", ""))
        except ValueError as exc:
            return False, "bad_value", f"unreadable return value ({exc})"
        why = compare.first_difference(got, test["expected"], test["compare"])
        if why is None:
            return True, "", "returned the expected value"
        return False, "wrong_answer", f"{test['fn']}(...) returned {literal.describe(got)} ({why})"


def _wire(job: dict) -> dict:
    """What goes into the sandbox: everything but the expected values."""
    out = dict(job)
    out["tests"] = [{k: v for k, v in t.items() if k not in ("expected", "compare")} for t in job["tests"]]
    return out


def _clip(text: str, limit: int = 120) -> str:
    text = text.strip().replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."
