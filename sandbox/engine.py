"""The sandbox engine's entry point: run prepared jobs (one per sample) and judge them into verdicts.

    verdicts = run_jobs(jobs, backend="docker", limits=Limits(), batch_size=8)   # {job id: SampleVerdict}

A job is a sample's code, language and tests with expected values (see testcases.py); only `wire_job(job)`, the job
without them, enters the sandbox. Jobs are cut into chunks of at most `batch_size` samples, spread over
the backend's concurrency (one container execution per chunk); a sample without a record gets a
failure verdict, and nothing raises. Jobs go to the image of their language's family (one pool each), or
all to the image `family` names (the python grader's runtimes, sandbox.image.GRADER_IMAGES).
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sandbox.limits import Limits
from sandbox.runtime.languages import LANGUAGES
from sandbox.verdicts import IoRules, SampleVerdict, sample_verdict

HOST_ONLY = ("expected", "compare", "returns")   # test fields that stay on the host


def wire_job(job: dict) -> dict:
    """What goes into the sandbox: everything but the expected values."""
    out = dict(job)
    out["tests"] = [{k: v for k, v in t.items() if k not in HOST_ONLY} for t in job["tests"]]
    return out


def fan_out(jobs: list[dict], backend: Any, batch_size: int) -> dict[Any, dict | None]:
    """Run `jobs` on `backend` in chunks of at most `batch_size`, as many at once as it has capacity;
    returns the runner record of each job id (None when none came back)."""
    workers = max(1, getattr(backend, "concurrency", 1))
    size = max(1, min(batch_size, math.ceil(len(jobs) / workers)))
    chunks = [jobs[k: k + size] for k in range(0, len(jobs), size)]
    with ThreadPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
        outcomes = list(pool.map(lambda chunk: backend.run_samples([wire_job(j) for j in chunk]), chunks))
    return {job["id"]: outcome.records.get(job["id"]) for chunk, outcome in zip(chunks, outcomes) for job in chunk}


def run_jobs(jobs: list[dict], backend: str = "docker", limits: Limits | None = None, pool_size: int | None = None,
             batch_size: int = 8, io: IoRules | None = None, checker: dict | None = None,
             family: str | None = None) -> dict[Any, SampleVerdict]:
    """Verdicts for `jobs` (by job id). A backend that can't be had (no Docker) fails every job with
    failure_kind `unavailable`. With `checker` ({language, code, timeout_s}), io outputs are judged by that
    program in jobs of their own (run_checkers). `family`: run every job in that image instead of its
    language's."""
    records, unavailable = _run_records(jobs, backend, limits, pool_size, batch_size, family)
    if checker is not None:
        run_checkers(jobs, records, checker, backend, limits, pool_size, batch_size)
    verdicts = dict(unavailable)
    for job in jobs:
        if job["id"] not in verdicts:
            verdicts[job["id"]] = sample_verdict(job, records.get(job["id"]), io)
    return verdicts


def _run_records(jobs: list[dict], backend: str, limits: Limits | None, pool_size: int | None,
                 batch_size: int, family: str | None = None) -> tuple[dict[Any, dict | None], dict[Any, SampleVerdict]]:
    from sandbox.backends import sandbox_backend

    by_family: dict[str, list[dict]] = {}
    for job in jobs:
        by_family.setdefault(family or LANGUAGES[job.get("language") or "python"]["family"], []).append(job)
    records: dict[Any, dict | None] = {}
    unavailable: dict[Any, SampleVerdict] = {}
    for family, group in by_family.items():
        try:
            runner = sandbox_backend(backend, limits or Limits(), pool_size, family)
        except Exception as exc:  # noqa: BLE001 - no Docker: every sample says so, nothing raises
            unavailable.update({job["id"]: SampleVerdict(job["id"], failure=f"sandbox unavailable: {exc}",
                                                         failure_kind="unavailable") for job in group})
            continue
        records.update(fan_out(group, runner, batch_size))
    return records, unavailable


def run_checkers(jobs: list[dict], records: dict[Any, dict | None], checker: dict, backend: str,
                 limits: Limits | None, pool_size: int | None, batch_size: int) -> None:
    """Judge every io test that ran with the checker program: one job per sample whose tests get the input,
    the candidate's output and the expected answer as files. The checker never shares a job (or a
    process) with candidate code; its record goes into the candidate's test record under "checker"."""
    checks = []
    for job in jobs:
        record = records.get(job["id"])
        if not record or record.get("failure"):
            continue
        ran = {t.get("id"): t for t in record.get("tests", []) if t.get("status") == "ran"}
        tests = [{"id": t["id"], "timeout_s": float(checker.get("timeout_s", 10.0)),
                  "files": {"input.txt": t.get("stdin", ""), "output.txt": ran[t["id"]].get("stdout", ""),
                            "answer.txt": t["expected"]}} for t in job["tests"] if t["id"] in ran]
        if tests:
            checks.append({"id": f"checker-{len(checks)}", "for": job["id"], "format": "checker", "language": checker.get("language", "python"),
                           "code": checker["code"], "tests": tests, "compile_timeout_s": 30.0,
                           "sample_timeout_s": sum(t["timeout_s"] for t in tests) + 30.0})
    if not checks:
        return
    results, unavailable = _run_records(checks, backend, limits, pool_size, batch_size)
    for check in checks:
        job_id = check["for"]
        result = results.get(check["id"]) or {}
        failure = (unavailable[check["id"]].failure if check["id"] in unavailable else result.get("failure"))
        compiled = result.get("compile") or {}
        by_test = {t.get("id"): t for t in result.get("tests", [])}
        for test in records[job_id]["tests"]:
            if test.get("status") != "ran":
                continue
            if failure:
                test["checker"] = {"status": "failed", "reason": failure}
            elif compiled and compiled.get("status") != "ok":
                test["checker"] = {"status": "failed", "reason": f"the checker does not compile: {compiled.get('output', '')[:300]}"}
            else:
                test["checker"] = by_test.get(test.get("id"))
