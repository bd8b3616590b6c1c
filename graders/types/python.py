"""`python`: OpenAI's python grader. `source` defines `grade(sample, item) -> float`; it runs in the Docker
sandbox with OpenAI's limits as defaults (no network, 2 minutes, 2 GB, 1 GB of disk, 2 CPUs, 256 kB of
source), each call in a fresh interpreter, in the runtime `image_tag` names: `2025-05-08` (the default) is
OpenAI's documented image (numpy, scipy, pandas, rapidfuzz, ...), `stdlib` the lean standard-library one.

Any failure (exception, bad return value, timeout, memory) is score 0 with the reason and traceback.
"""
from __future__ import annotations

import math
import re
from typing import Any

from graders.base import Grader
from graders.registry import register
from graders.result import GradeResult
from sandbox import engine
from sandbox.runtime import literal
from sandbox.verdicts import SampleVerdict

RUNTIME_ERROR = "python_grader_runtime_error"
SERVER_ERROR = "python_grader_server_error"
# image_tag -> sandbox image (sandbox.image.RECIPES); no image_tag means OpenAI's documented image
IMAGE_TAGS = {"2025-05-08": "openai-2025-05-08", "stdlib": "python"}
DEFAULT_IMAGE_TAG = "2025-05-08"
MAX_SOURCE_BYTES = 256 * 1024   # OpenAI: "must be less than 256kB"
# OpenAI's runtime limits, defaults of `limits` (2 CPUs are capped to what the host has)
OPENAI_LIMITS = {"memory_mb": 2048, "cpus": 2.0, "work_mb": 1024, "fsize_mb": 1024}
# NLTK data verigrade's image has: a LookupError for any other resource gets a reason that says so
NLTK_SHIPPED = ("punkt_tab", "wordnet")
_NLTK_MISSING = re.compile(r"Resource (?:\x1b\[\d+m)?([\w./-]+?)(?:\x1b\[0m)? not found")
# grade()'s value as OpenAI reads it: any float (numpy.float64 is one, and what numpy, scipy and sklearn
# return) is a float; the grader's own code is untouched, this runs after it in the same namespace
ENTRY = "__verigrade_grade__"
WRAPPER = f'''

def {ENTRY}(sample, item):
    value = grade(sample, item)
    return float(value) if isinstance(value, float) and type(value) is not float else value
'''


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
        size = len(source.encode("utf-8"))
        if size > MAX_SOURCE_BYTES:
            raise self.spec_error("source", f"is {size} bytes; OpenAI's limit is 256 kB ({MAX_SOURCE_BYTES} bytes)")
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            raise self.spec_error("source", f"does not parse: {exc.msg} (line {exc.lineno})") from None
        if not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "grade" for n in tree.body):
            raise self.spec_error("source", "must define a top-level function grade(sample, item)")
        self.image_tag = self.spec.get("image_tag") or DEFAULT_IMAGE_TAG
        if self.image_tag not in IMAGE_TAGS:
            raise self.spec_error("image_tag", f"unknown image tag {self.image_tag!r}; known: "
                                  + ", ".join(f"{tag!r}" for tag in IMAGE_TAGS))
        self.image = IMAGE_TAGS[self.image_tag]
        self.limits = Limits.from_spec(self.spec.get("limits"), **OPENAI_LIMITS)
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
            jobs.append({"id": i, "format": "calls", "code": self.spec["source"] + WRAPPER, "module_name": "grader",
                         "tests": [{"id": "0", "fn": ENTRY, "args": args, "kwargs": "{}",
                                    "timeout_s": self.timeout_s}],
                         "sample_timeout_s": self.timeout_s})
        # (the unsafe process backend files every family under the host's interpreter: image_tag has no effect)
        verdicts = engine.run_jobs(jobs, self.backend_name, self.limits, self.spec.get("pool_size"), self.batch_size,
                                   family=self.image)
        for job in jobs:
            results[job["id"]] = self._result(verdicts[job["id"]])
        for res in results:
            res.details.setdefault("image_tag", self.image_tag)  # type: ignore[union-attr]
        return results  # type: ignore[return-value]

    def _result(self, verdict: SampleVerdict) -> GradeResult:
        if verdict.failure:
            if verdict.failure_kind == "timeout":
                return GradeResult.failure("timeout", f"grade() did not finish: {verdict.failure}", RUNTIME_ERROR)
            return GradeResult.failure("error", verdict.failure, SERVER_ERROR, failure_kind=verdict.failure_kind)
        if verdict.violations:
            return GradeResult.failure("error", "sandbox violation: " + "; ".join(verdict.violations),
                                       RUNTIME_ERROR, violations=verdict.violations)
        test = verdict.tests[0]
        if test.kind == "timeout":
            return GradeResult.failure("timeout", f"grade() exceeded {self.timeout_s:g} s", RUNTIME_ERROR)
        if test.returned and not test.passed:
            return GradeResult.failure("error", f"grade() returned an {test.message}", RUNTIME_ERROR)
        if not test.returned:
            return self._raised(test)
        value = test.value
        if type(value) not in (int, float) or (isinstance(value, float) and not math.isfinite(value)):
            return GradeResult.failure("error", f"grade() must return a finite number, got {literal.describe(value)}",
                                       RUNTIME_ERROR)
        return GradeResult(score=float(value), reason=f"grade() returned {value!r}", details={"raw_score": value})

    def _raised(self, test) -> GradeResult:
        tb = test.traceback or test.stderr
        head = test.message or "grade() failed"
        details: dict[str, Any] = {"traceback": tb, "kind": test.kind}
        missing = _NLTK_MISSING.search(f"{head}\n{tb}")
        if missing:
            details["missing_nltk_data"] = missing.group(1)
            head = (f"NLTK data {missing.group(1)!r} is not in verigrade's {self.image_tag} image, which has "
                    f"{' and '.join(NLTK_SHIPPED)} only (OpenAI's also has stopwords, omw-1.4 and names; no package "
                    f"reachable offline ships them, see docs/sandbox.md)\n{head}")
        head = head[:1000]
        reason = f"{head}\n{tb[-(1999 - len(head)):]}" if tb else head
        return GradeResult.failure("error", reason, RUNTIME_ERROR, **details)
