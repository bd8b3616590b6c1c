"""Where a job runs: the Docker sandbox (pooled or fresh containers) or, explicitly, unsafe host processes.

A *job* is a list of samples, each with its code and tests (see runtime/harness.py for the format). All
backends run the same trusted runner and return one record per sample. A job can end early: the runner
stops after a sample that left its container dirty, and the host cuts off a runner that stops making
progress (that sample gets a timeout); the samples after it then run as a new job, in another
container. A sample whose record is missing for any other reason (runner killed, Docker error) is
retried alone once, so one hostile sample can't cost its neighbours.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from sandbox.execution import ExecResult
from sandbox.limits import Limits
from sandbox.runtime import __file__ as _runtime_init

RUNTIME_DIR = os.path.dirname(os.path.abspath(_runtime_init))
STARTUP_SLACK_S = 10.0   # the first sample of a job also covers starting the runner
SAMPLE_SLACK_S = 5.0     # per sample, beyond its timeout_s: killing and checking between tests


@dataclass
class JobOutcome:
    records: dict[Any, dict] = field(default_factory=dict)   # sample id -> runner record
    failure: str = ""                                        # why some records are missing
    failure_kind: str = ""                                   # timeout | sandbox_error | runner_died
    exec_ms: float = 0.0
    cut_short: bool = False                                  # ended early on purpose: run the rest anew


def make_job(samples: list[dict], limits: Limits, work_root: str) -> tuple[str, bytes]:
    nonce = secrets.token_hex(16)
    job = {"nonce": nonce, "work_root": work_root, "limits": limits.process_limits(), "samples": samples}
    return nonce, json.dumps(job).encode()


def job_deadline(samples: list[dict]) -> float:
    return sum(float(s["sample_timeout_s"]) for s in samples) + STARTUP_SLACK_S


def sample_budgets(samples: list[dict]) -> list[float]:
    """Seconds each sample's record may take after the previous one (see execution.Progress)."""
    return [float(s["sample_timeout_s"]) + SAMPLE_SLACK_S + (STARTUP_SLACK_S if i == 0 else 0.0)
            for i, s in enumerate(samples)]


def parse_output(nonce: str, result: ExecResult, samples: list[dict] | None = None) -> tuple[JobOutcome, bool]:
    """Records carrying our nonce, and whether the runner finished cleanly. With the job's `samples`, a
    stalled runner's current sample gets its timeout record here."""
    outcome = JobOutcome(exec_ms=result.elapsed_ms)
    done = clean = False
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or message.get("nonce") != nonce:
            continue
        if message.get("done"):
            done, clean = True, not (message.get("contaminated") or message.get("timed_out"))
            outcome.cut_short = message.get("stopped_after") is not None
        elif "sample" in message:
            outcome.records[message["sample"]] = message
    if result.stalled and samples:
        stuck = next((s for s in samples if s["id"] not in outcome.records), None)
        if stuck is not None:
            outcome.records[stuck["id"]] = {
                "sample": stuck["id"], "tests": [], "violations": [], "failure_kind": "timeout",
                "failure": f"the sandbox runner stopped making progress on this sample for "
                           f"{float(stuck['sample_timeout_s']):g} s + {SAMPLE_SLACK_S:g} s (stopped or hung) and was killed"}
            outcome.cut_short = True
    if result.timed_out and not outcome.cut_short:
        outcome.failure, outcome.failure_kind = "the sandbox run hit its overall deadline and was killed", "timeout"
    elif result.truncated:
        outcome.failure, outcome.failure_kind = "the runner's output overflowed its cap", "sandbox_error"
    elif not done:
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        code = f" (exit {result.exit_code})" if result.exit_code is not None else ""
        outcome.failure = f"the sandbox runner died before finishing{code}, e.g. killed by the candidate {tail[0][:200]}"
        outcome.failure_kind = "runner_died"
    return outcome, done and clean


class Backend:
    name = "base"
    limits: Limits

    def run_job(self, samples: list[dict]) -> JobOutcome:
        raise NotImplementedError

    def run_samples(self, samples: list[dict]) -> JobOutcome:
        """`run_job`; while a job was cut short after some progress, the rest as a new job; then each sample
        whose record is still missing alone (once)."""
        outcome = self.run_job(samples)
        todo = samples
        while outcome.cut_short:
            rest = [s for s in todo if s["id"] not in outcome.records]
            if not rest or len(rest) == len(todo):
                break
            more = self.run_job(rest)
            more.records = {**outcome.records, **more.records}
            more.exec_ms += outcome.exec_ms
            outcome, todo = more, rest
        missing = [s for s in samples if s["id"] not in outcome.records]
        if missing and len(todo) > 1:
            for sample in missing:
                solo = self.run_job([sample])
                outcome.records.update(solo.records)
                if sample["id"] not in solo.records:
                    outcome.records[sample["id"]] = _failed_record(sample, solo)
        elif missing:
            outcome.records[missing[0]["id"]] = _failed_record(missing[0], outcome)
        return outcome


def _failed_record(sample: dict, outcome: JobOutcome) -> dict:
    return {"sample": sample["id"], "tests": [], "violations": [], "failure": outcome.failure or "no result",
            "failure_kind": outcome.failure_kind or "sandbox_error"}


class DockerBackend(Backend):
    """The hardened Docker sandbox: a warm container pool (default) or one fresh container per job."""

    name = "docker"

    def __init__(self, limits: Limits | None = None, pool_size: int | None = None, fresh: bool = False,
                 family: str = "python"):
        from sandbox.pool import get_container_pool

        self.limits = limits or Limits()
        self.fresh = fresh
        self.family = family
        self.pool = None if fresh else get_container_pool(self.limits, size=pool_size, family=family)

    @property
    def concurrency(self) -> int:
        return self.pool.size if self.pool else (os.cpu_count() or 2)

    def run_job(self, samples: list[dict]) -> JobOutcome:
        from sandbox.pool import run_in_fresh_container

        nonce, payload = make_job(samples, self.limits, "/work")
        deadline, cap = job_deadline(samples), _output_cap(samples, self.limits)
        budgets = sample_budgets(samples)

        def is_clean(result: ExecResult) -> bool:
            return parse_output(nonce, result)[1]

        try:
            if self.fresh:
                result = run_in_fresh_container(payload, deadline, cap, self.limits, nonce=nonce, budgets=budgets,
                                                family=self.family)
            else:
                result = self.pool.execute(payload, deadline, cap, is_clean=is_clean, nonce=nonce, budgets=budgets)
        except Exception as exc:  # noqa: BLE001 - Docker trouble costs these samples, never the caller
            return JobOutcome(failure=f"sandbox error: {type(exc).__name__}: {exc}"[:300],
                              failure_kind="sandbox_error")
        return parse_output(nonce, result, samples)[0]


class UnsafeProcessBackend(Backend):
    """Plain host subprocesses with rlimits. NOT a sandbox: the code runs as you, can read your files,
    reach the network and kill your processes. Only for machines without Docker, and never chosen silently.
    """

    name = "unsafe_process"

    def __init__(self, limits: Limits | None = None, pool_size: int | None = None):
        self.limits = limits or Limits()
        self.concurrency = pool_size or os.cpu_count() or 2
        warnings.warn("the unsafe_process backend runs untrusted code directly on this host, without isolation "
                      "(no container, network reachable, your files readable); use the docker backend for "
                      "anything you did not write yourself", UnsafeBackendWarning, stacklevel=3)

    def run_job(self, samples: list[dict]) -> JobOutcome:
        work_root = tempfile.mkdtemp(prefix="verigrade-unsafe-")
        try:
            nonce, payload = make_job(samples, self.limits, work_root)
            deadline = job_deadline(samples)
            start = time.monotonic()
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
            proc = subprocess.Popen([sys.executable, "-I", "-B", os.path.join(RUNTIME_DIR, "harness.py")],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=env, start_new_session=True)
            timed_out = False
            try:
                out, err = proc.communicate(payload, timeout=deadline)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(proc.pid, 9)
                out, err = proc.communicate()
            result = ExecResult(out, err, proc.returncode, timed_out, False, (time.monotonic() - start) * 1000)
            return parse_output(nonce, result)[0]
        finally:
            shutil.rmtree(work_root, ignore_errors=True)


class UnsafeBackendWarning(UserWarning):
    """Untrusted code is about to run on the host without a sandbox."""


def _output_cap(samples: list[dict], limits: Limits) -> int:
    tests = sum(len(s["tests"]) for s in samples)
    return (tests + len(samples)) * (limits.output_bytes + 8192) + 65536


_backends: dict[tuple, Backend] = {}
_backends_lock = threading.Lock()


def sandbox_backend(name: str, limits: Limits, pool_size: int | None = None, family: str = "python") -> Backend:
    """A shared backend per (process, name, limits, image family). `name` is docker | docker_fresh |
    unsafe_process (which runs whatever toolchains the host has)."""
    key = (os.getpid(), name, limits, family if name != "unsafe_process" else "host")
    with _backends_lock:
        backend = _backends.get(key)
        if backend is None:
            if name == "docker":
                backend = DockerBackend(limits, pool_size, family=family)
            elif name == "docker_fresh":
                backend = DockerBackend(limits, fresh=True, family=family)
            elif name == "unsafe_process":
                backend = UnsafeProcessBackend(limits, pool_size)
            else:
                raise ValueError(f"unknown sandbox backend {name!r}; use docker or unsafe_process")
            _backends[key] = backend
        return backend
