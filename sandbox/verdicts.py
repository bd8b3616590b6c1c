"""What the sandbox engine hands back: one plain verdict per test and per sample, judged on the host.

The runner's records say what ran; the verdicts say what it means (the comparison with the expected
value happens here, outside the sandbox). Only a positive record passes a test. Grader types turn
verdicts into GradeResults; nothing here knows about them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox import compare
from sandbox.runtime import literal


@dataclass
class TestVerdict:
    """One test. `kind` says why it failed (wrong_answer, timeout, memory, exception, missing, ...)."""

    id: str
    passed: bool
    kind: str = ""
    message: str = ""
    elapsed_ms: float = 0.0
    returned: bool = False      # calls: the call returned (its value is in `value`, None when unreadable)
    value: Any = None
    stdout: str = ""            # excerpt of the program's output (io)
    stderr: str = ""            # tail of its stderr
    traceback: str = ""


@dataclass(frozen=True)
class IoRules:
    """How `io` output is compared (see compare.io_matches): mode, float tolerance, explicit abs/rel tolerances."""

    mode: str = "lines"
    tolerance: float = 1e-6
    abs_tol: float | None = None
    rel_tol: float | None = None

    def matches(self, got: str, expected: str) -> bool:
        return compare.io_matches(got, expected, self.mode, self.tolerance, self.abs_tol, self.rel_tol)


@dataclass
class SampleVerdict:
    """One sample: its tests' verdicts, or a `failure` that kept them from running at all.

    failure_kind: timeout | sandbox_error | runner_died | unavailable. `violations`: rules the sample broke
    in the sandbox (processes left behind, files written outside its work dir...)."""

    id: Any
    tests: list[TestVerdict] = field(default_factory=list)
    failure: str = ""
    failure_kind: str = ""
    violations: list[str] = field(default_factory=list)
    compile_status: str = ""     # "" (nothing to compile) | ok | error | timeout | crash
    compile_output: str = ""     # the compiler's messages (tail)
    compile_ms: float = 0.0

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def total(self) -> int:
        return len(self.tests)


def sample_verdict(job: dict, record: dict | None, io: IoRules | None = None) -> SampleVerdict:
    """Judge the runner's `record` for `job` (the host-side job, with expected values). A sample that did
    not compile gets no test verdicts, only its compile status and the compiler's messages."""
    if record is None or record.get("failure"):
        why = (record or {}).get("failure", "the sandbox returned no result for this sample")
        return SampleVerdict(job["id"], failure=why, failure_kind=(record or {}).get("failure_kind") or "sandbox_error")
    compiled = record.get("compile") or {}
    verdict = SampleVerdict(job["id"], violations=list(record.get("violations") or []),
                            compile_status=compiled.get("status", ""), compile_output=compiled.get("output", ""),
                            compile_ms=float(compiled.get("elapsed_ms", 0.0)))
    if verdict.compile_status not in ("", "ok"):
        return verdict
    by_id = {t.get("id"): t for t in record.get("tests", [])}
    verdict.tests = [test_verdict(job["format"], test, by_id.get(test["id"]), io) for test in job["tests"]]
    return verdict


def test_verdict(test_format: str, test: dict, rec: dict | None, io: IoRules | None = None) -> TestVerdict:
    """One test: only a positive record passes. `calls` tests without an expected value pass when the call
    returned (the caller judges `value`). Calls answered by a generated driver (other languages) carry
    the declared return type (`returns`) and come back as JSON, read by that type."""
    tid = test["id"]
    if rec is None:
        return TestVerdict(tid, False, "missing", "no result recorded for this test")
    elapsed = float(rec.get("elapsed_ms", 0.0))
    status = rec.get("status")
    extra = {"elapsed_ms": elapsed, "stderr": rec.get("stderr_tail", ""), "traceback": rec.get("tb", "")}
    if status == "pass" and test_format == "assert":
        return TestVerdict(tid, True, "", rec.get("reason", "passed"), **extra)
    if status != "ran":
        kind = "timeout" if status == "timeout" else rec.get("kind", "failed")
        return TestVerdict(tid, False, kind, rec.get("reason", status or "failed"), **extra)
    if test_format == "io" and io is not None and io.mode == "checker":
        return checker_verdict(tid, rec.get("checker"), rec.get("stdout", ""), extra)
    if test_format == "io":
        stdout = rec.get("stdout", "")
        ok = (io or IoRules()).matches(stdout, test["expected"])
        return TestVerdict(tid, ok, "" if ok else "wrong_answer",
                           "output matches" if ok else "wrong output: " + clip(stdout), stdout=clip(stdout, 2000),
                           **extra)
    try:
        if test.get("returns") is not None:
            from sandbox import calltypes

            got = calltypes.read_result(rec.get("value", ""), test["returns"])
        else:
            got = literal.decode(rec.get("value", ""))
    except ValueError as exc:
        return TestVerdict(tid, False, "bad_value", f"unreadable return value ({exc})", returned=True, **extra)
    if "expected" not in test:
        return TestVerdict(tid, True, "", "returned", returned=True, value=got, **extra)
    why = compare.first_difference(got, test["expected"], test["compare"])
    if why is None:
        return TestVerdict(tid, True, "", "returned the expected value", returned=True, value=got, **extra)
    return TestVerdict(tid, False, "wrong_answer", f"{test['fn']}(...) returned {literal.describe(got)} ({why})",
                       returned=True, value=got, **extra)


# testlib's exit codes: 0 accepted, 1 wrong answer, 2 presentation error; anything else (3 = the checker's own
# failure) means the checker can't be trusted on this test
CHECKER_REJECTS = (1, 2)


def checker_verdict(tid: str, checked: dict | None, stdout: str, extra: dict) -> TestVerdict:
    """A test judged by a custom checker program's exit code (see engine.run_checkers)."""
    if not checked:
        return TestVerdict(tid, False, "bad_checker", "the checker gave no verdict", **extra)
    said = (checked.get("stderr_tail") or checked.get("stdout") or "").strip()
    if checked.get("status") != "ran":
        return TestVerdict(tid, False, "bad_checker", f"the checker did not finish: {checked.get('reason', '?')}"[:300],
                           **extra)
    rc = checked.get("rc")
    if rc == 0:
        return TestVerdict(tid, True, "", "the checker accepted" + (f": {clip(said)}" if said else ""),
                           stdout=clip(stdout, 2000), **extra)
    if rc in CHECKER_REJECTS:
        return TestVerdict(tid, False, "wrong_answer", f"the checker rejected it (exit {rc})" + (f": {clip(said)}" if said else ""),
                           stdout=clip(stdout, 2000), **extra)
    return TestVerdict(tid, False, "bad_checker", f"the checker failed (exit {rc}): {clip(said)}", **extra)


def clip(text: str, limit: int = 120) -> str:
    text = text.strip().replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."
