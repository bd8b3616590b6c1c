"""The sandbox engine's entry point: run prepared jobs (one per sample) and judge them into verdicts.

    verdicts = run_jobs(jobs, backend="docker", limits=Limits(), batch_size=8)   # {job id: SampleVerdict}

A job is a sample's code, language and tests with expected values (see testcases.py); only `wire_job(job)`, the job
without them, enters the sandbox. Jobs are cut into chunks of at most `batch_size` samples, spread over
the backend's concurrency (one container execution per chunk); a sample without a record gets a
failure verdict, and nothing raises. Jobs go to the image of their language's family (one pool each).
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
             batch_size: int = 8, io: IoRules | None = None) -> dict[Any, SampleVerdict]:
    """Verdicts for `jobs` (by job id). A backend that can't be had (no Docker) fails every job with
    failure_kind `unavailable`."""
    from sandbox.backends import get_backend

    by_family: dict[str, list[dict]] = {}
    for job in jobs:
        by_family.setdefault(LANGUAGES[job.get("language") or "python"]["family"], []).append(job)
    verdicts: dict[Any, SampleVerdict] = {}
    for family, group in by_family.items():
        try:
            runner = get_backend(backend, limits or Limits(), pool_size, family)
        except Exception as exc:  # noqa: BLE001 - no Docker: every sample says so, nothing raises
            verdicts.update({job["id"]: SampleVerdict(job["id"], failure=f"sandbox unavailable: {exc}",
                                                      failure_kind="unavailable") for job in group})
            continue
        records = fan_out(group, runner, batch_size)
        verdicts.update({job["id"]: sample_verdict(job, records[job["id"]], io)
                         for job in group})
    return verdicts
