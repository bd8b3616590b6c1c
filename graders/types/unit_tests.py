"""`unit_tests`: run the sample's code against the item's tests in the sandbox; score = fraction passed.

Verdicts never come from the candidate's exit code or the absence of an exception: `assert` tests are
decided by the trusted runner (the candidate runs in another interpreter and only returns plain
values), `io` and `calls` results are compared here, on the host. A test without a pass record fails.
"""
from __future__ import annotations

from typing import Any

from graders.base import Grader, failure_from_exception
from graders.registry import register
from graders.result import GradeResult
from graders.templates import TemplateError
from sandbox import compare, drivers, engine, testcases
from sandbox.runtime.languages import LANGUAGES, canonical
from sandbox.verdicts import IoRules, SampleVerdict

DEFAULT_CODE = "{{ sample.output_text }}"
# the candidate hit a limit: its fault, but when nothing passed the status says which limit
LIMIT_FAILURES = {"memory": "memory limit", "output_limit": "output limit"}
# the item's test is broken (not the candidate's fault): the whole item is invalid_reference
REFERENCE_FAILURES = {"bad_test": "broken test", "no_calls": "the test never calls the code under test",
                      "bad_checker": "the checker failed"}
# our side failed (runner bug, garbled protocol, lost record): the whole sample is an error, never a score
SANDBOX_FAILURES = {"harness": "sandbox runner error", "protocol": "protocol error", "missing": "lost result"}


@register
class UnitTestsGrader(Grader):
    """Run generated code against unit tests (assert | io | calls) in hardened Docker containers."""

    type = "unit_tests"
    isolation = "container"     # containers enforce time and memory; batches run as concurrent execs
    default_timeout_s = 60.0    # per sample; `test_timeout_s` per test

    def setup(self) -> None:
        spec = self.spec
        self.language = spec.get("language", "python")
        if "{{" not in self.language and canonical(self.language) is None:
            raise self.spec_error("language", f"unsupported language {self.language!r}; supported: "
                                              f"{', '.join(LANGUAGES)} (and aliases such as c++, js, ts, golang)")
        self.test_format = spec["test_format"]
        self.compile_timeout_s = float(spec.get("compile_timeout_s", 30.0))
        self.signature = spec.get("signature")
        self.code_template = spec.get("code", DEFAULT_CODE)
        self.extract = spec.get("extract_code", "code" not in spec)
        self.test_timeout_s = float(spec.get("test_timeout_s", 5.0))
        self.all_or_nothing = bool(spec.get("all_or_nothing", False))
        self.io_compare = spec.get("io_compare", "lines")
        self.tolerance = float(spec.get("float_tolerance", 1e-6))
        self.io_rules = IoRules(self.io_compare, self.tolerance, spec.get("abs_tol"), spec.get("rel_tol"))
        checker = spec.get("checker")
        if (checker is None) != (self.io_compare != "checker"):
            raise self.spec_error("checker", "io_compare 'checker' and a `checker` program go together")
        if checker is not None and canonical(checker.get("language", "python")) is None:
            raise self.spec_error("checker", f"unsupported checker language {checker.get('language')!r}")
        self.rules = compare.CompareRules(self.tolerance, spec.get("unordered", "none"),
                                          bool(spec.get("compare_as_json", False)))
        self.batch_size = int(spec.get("batch_size", 8))
        self.backend_name = spec.get("backend", "docker")
        from sandbox.limits import Limits

        self.limits = Limits.from_spec(spec.get("limits"))
        if self.test_format == "io" and spec.get("setup"):
            raise self.spec_error("setup", "setup code is only used by test_format 'assert'")

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
        checker = self.spec.get("checker")
        if checker is not None:  # trusted spec code, rendered once (not per row)
            checker = {"language": canonical(checker.get("language", "python")), "code": checker["source"],
                       "timeout_s": float(checker.get("timeout_s", 10.0))}
        verdicts = engine.run_jobs(jobs, self.backend_name, self.limits, self.spec.get("pool_size"), self.batch_size,
                                   self.io_rules, checker)
        for job in jobs:
            results[job["id"]] = self._result(verdicts[job["id"]])
        return results  # type: ignore[return-value]

    def _prepare(self, index: int, sample: dict, item: dict) -> dict | GradeResult:
        try:
            language = canonical(self.render(self.language, sample, item))
            if language is None:
                return GradeResult.failure("invalid_reference", f"unsupported language "
                                           f"{self.render(self.language, sample, item)!r}")
            if language != "python" and self.test_format == "assert":
                return GradeResult.failure("invalid_reference", f"test_format 'assert' runs Python only; use io or "
                                           f"calls for {language}")
            code = self.render(self.code_template, sample, item)
            if self.extract:
                code = testcases.extract_code(code, language)
            entry = self.render(self.spec["entry_point"], sample, item) if self.spec.get("entry_point") else None
            if not code.strip():
                return GradeResult.failure("no_answer", "the sample contains no code")
            if self.spec.get("prepend"):
                when = self.spec.get("prepend_when", "always")
                if when == "always" or (entry and not testcases.defines(code, entry)):
                    code = self.render(self.spec["prepend"], sample, item) + "\n" + code
            setup = self.render(self.spec["setup"], sample, item) if self.spec.get("setup") else ""
            raw_tests = self.render_value(self.spec["tests"], sample, item)
            signature = self.render(self.signature, sample, item) if self.signature else None
        except TemplateError as exc:
            return failure_from_exception(exc)
        run_options: dict[str, Any] = {}
        try:
            tests = self._tests(raw_tests, entry)
            if self.test_format == "calls" and language != "python":
                code, tests, run_options = drivers.with_driver(language, code, tests, entry, signature)
        except (testcases.BadTests, drivers.BadSignature) as exc:
            return GradeResult.failure("invalid_reference", f"bad tests: {exc}")
        for n, test in enumerate(tests):
            test["id"] = str(n)
            test["timeout_s"] = self.test_timeout_s
        compiled = "compile" in LANGUAGES[language]
        return {"id": index, "format": self.test_format, "code": code, "setup": setup, "entry_point": entry,
                "language": language, "as_main": self.test_format == "io", "tests": tests,
                "compile_timeout_s": self.compile_timeout_s, **run_options,
                "sample_timeout_s": self.timeout_s + (self.compile_timeout_s if compiled else 0.0)}

    def _tests(self, raw: Any, entry: str | None) -> list[dict]:
        if self.test_format == "assert":
            return testcases.assert_tests(raw)
        if self.test_format == "io":
            return testcases.io_tests(raw)
        return testcases.calls_tests(raw, entry, self.rules)

    def _result(self, verdict: SampleVerdict) -> GradeResult:
        if verdict.failure:
            if verdict.failure_kind == "timeout":
                return GradeResult.failure("timeout", verdict.failure)
            return GradeResult.failure("error", verdict.failure, "sandbox_error")
        if verdict.violations:
            return GradeResult.failure("error", "sandbox violation: " + "; ".join(verdict.violations),
                                       "sandbox_violation", violations=verdict.violations)
        if verdict.compile_status not in ("", "ok"):
            return _compile_failure(verdict)
        children = {f"test_{t.id}": GradeResult(score=1.0 if t.passed else 0.0, reason=t.message,
                                                details={"kind": t.kind} if t.kind else {}, elapsed_ms=t.elapsed_ms)
                    for t in verdict.tests}
        failures = [t for t in verdict.tests if not t.passed]
        passed, total = verdict.passed, verdict.total
        details: dict[str, Any] = {"passed": passed, "total": total}
        if verdict.compile_status:
            details.update(compile=verdict.compile_status, compile_ms=verdict.compile_ms)
        for kinds, status, error_type, prefix in ((REFERENCE_FAILURES, "invalid_reference", None, "bad tests"),
                                                  (SANDBOX_FAILURES, "error", "sandbox_error", "sandbox error")):
            broken = [t for t in failures if t.kind in kinds]
            if broken:  # never a score: not the candidate's doing, whatever the other tests said
                first = broken[0]
                details["first_failure"] = {"test": first.id, "kind": first.kind, "reason": first.message}
                return GradeResult(score=0.0, status=status, error_type=error_type, children=children, details=details,
                                   reason=f"{prefix}: test {first.id}: {kinds[first.kind]}: {first.message}"[:600])
        score = passed / total if not self.all_or_nothing else float(passed == total)
        summary = f"{passed}/{total} tests passed"
        if not failures:
            return GradeResult(score=score, reason=summary, children=children, details=details)
        first = failures[0]
        details["first_failure"] = {"test": first.id, "kind": first.kind, "reason": first.message}
        text = f"{summary}; test {first.id}: {first.message}"
        status, error_type = "ok", None
        if score == 0 and first.kind == "timeout":
            status = "timeout"
        elif score == 0 and first.kind in LIMIT_FAILURES:
            status, error_type = "error", "sandbox_limit"
            text = f"{LIMIT_FAILURES[first.kind]}: {text}"
        return GradeResult(score=score, status=status, reason=text[:600], children=children,
                           error_type=error_type, details=details)


def _compile_failure(verdict: SampleVerdict) -> GradeResult:
    """A compile error is the candidate's: score 0, status ok, the compiler's words. A compile timeout or a
    crashed compiler is no pass either, but says so in its status."""
    message = _trim_compiler_output(verdict.compile_output)
    details = {"compile": verdict.compile_status, "compile_ms": verdict.compile_ms}
    if verdict.compile_status == "timeout":
        return GradeResult(score=0.0, status="timeout", reason=f"compile timeout: {message}"[:600], details=details)
    if verdict.compile_status == "crash":
        return GradeResult(score=0.0, status="error", error_type="compiler_crash",
                           reason=f"the compiler crashed: {message}"[:600], details=details)
    return GradeResult(score=0.0, reason=f"compile error: {message}"[:600], details=details)


def _trim_compiler_output(text: str, limit: int = 500) -> str:
    """The first error lines (where the compiler says what is wrong), not the notes after them."""
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    first_error = next((i for i, line in enumerate(lines) if "error" in line.lower()), 0)
    out = "\n".join(lines[first_error:first_error + 8])
    return out if len(out) <= limit else out[: limit - 3] + "..."
