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

    @property
    def passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def total(self) -> int:
        return len(self.tests)


def sample_verdict(job: dict, record: dict | None, io_compare: str = "lines",
                   float_tolerance: float = 1e-6) -> SampleVerdict:
    """Judge the runner's `record` for `job` (the host-side job, with expected values)."""
    if record is None or record.get("failure"):
        why = (record or {}).get("failure", "the sandbox returned no result for this sample")
        return SampleVerdict(job["id"], failure=why, failure_kind=(record or {}).get("failure_kind") or "sandbox_error")
    by_id = {t.get("id"): t for t in record.get("tests", [])}
    tests = [test_verdict(job["format"], test, by_id.get(test["id"]), io_compare, float_tolerance)
             for test in job["tests"]]
    return SampleVerdict(job["id"], tests, violations=list(record.get("violations") or []))


def test_verdict(test_format: str, test: dict, rec: dict | None, io_compare: str = "lines",
                 float_tolerance: float = 1e-6) -> TestVerdict:
    """One test: only a positive record passes. `calls` tests without an expected value pass when the call
    returned (the caller judges `value`)."""
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
    if test_format == "io":
        stdout = rec.get("stdout", "")
        ok = compare.io_matches(stdout, test["expected"], io_compare, float_tolerance)
        return TestVerdict(tid, ok, "" if ok else "wrong_answer",
                           "output matches" if ok else "wrong output: " + clip(stdout), stdout=clip(stdout, 2000),
                           **extra)
    try:
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


def clip(text: str, limit: int = 120) -> str:
    text = text.strip().replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."
