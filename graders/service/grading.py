"""The work behind every route: grade rows off the event loop, bounded, with a deadline.

Grading runs in thread pools, one lane per served grader plus one for graders sent in requests (each
`ServiceConfig.thread_count` threads), so slow code grading never queues cheap string checks behind it.
Isolated graders then go on to the worker-process pool and Docker graders to their containers, so a
crashing grader costs its samples an `error` result, never the server. With `ServiceConfig.ray_address` set, batches of at least `RAY_MIN_BATCH`
rows go to the Ray executor instead.
"""
from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator

from graders.base import Grader
from graders.result import GradeResult
from graders.service.config import ServiceConfig
from graders.service.errors import ServiceError
from graders.service.limits import Admission
from graders.service.metrics import ServiceMetrics

RAY_MIN_BATCH = 32   # smaller batches are cheaper on the local pool than a round trip through Ray


def deadline_results(n: int, deadline_s: float) -> list[GradeResult]:
    reason = f"request deadline of {deadline_s:g} s passed before this sample was graded"
    return [GradeResult.failure("timeout", reason, "unresponsive_reward_error") for _ in range(n)]


class GradingEngine:
    """Admits, runs and times grading work for the routes; owns the grading threads."""

    def __init__(self, config: ServiceConfig, metrics: ServiceMetrics, admission: Admission):
        self.config = config
        self.metrics = metrics
        self.admission = admission
        self.lanes: dict[str, ThreadPoolExecutor] = {}
        self._lanes_lock = threading.Lock()
        self.closing = False

    def lane(self, grader: Grader) -> ThreadPoolExecutor:
        """The thread pool of a served grader (by name), or the shared one of request-borne graders."""
        key = grader.name if self.config.graders.get(grader.name) is grader else "<request>"
        with self._lanes_lock:
            if self.closing:
                raise RuntimeError("shutting down")
            pool = self.lanes.get(key)
            if pool is None:
                pool = self.lanes[key] = ThreadPoolExecutor(self.config.thread_count,
                                                            thread_name_prefix=f"verigrade-{key[:20]}")
            return pool

    def shutdown(self) -> None:
        """Wait for grading already running (uvicorn has already finished the in-flight requests)."""
        with self._lanes_lock:
            self.closing = True
            lanes = list(self.lanes.values())
        for pool in lanes:
            pool.shutdown(wait=True, cancel_futures=True)

    async def grade(self, grader: Grader, rows: list[Any], label: str | None = None) -> list[GradeResult]:
        """Results for `rows` in order; rows still unfinished at the deadline get `timeout` results."""
        out: list[GradeResult] = []
        async for _, results in self.grade_chunks(grader, rows, len(rows) or 1, label):
            out.extend(results)
        return out

    async def grade_chunks(self, grader: Grader, rows: list[Any], chunk_size: int,
                           label: str | None = None) -> AsyncIterator[tuple[int, list[GradeResult]]]:
        """Yield `(offset, results)` chunk by chunk in input order (for streaming answers)."""
        if not rows:
            return
        if self.closing:
            raise ServiceError(503, "server is shutting down", code="shutting_down", kind="server_error",
                               headers={"Retry-After": "1"})
        ticket = self.admission.admit(len(rows))  # 429 when full: nothing queued, nothing to release
        label = label or grader.name
        deadline = time.monotonic() + self.config.deadline_s
        loop = asyncio.get_running_loop()
        chunks = [rows[i:i + chunk_size] for i in range(0, len(rows), chunk_size)]
        futures = []
        try:
            lane = self.lane(grader)
            for chunk in chunks:
                futures.append(loop.run_in_executor(lane, self._grade_sync, grader, chunk, deadline))
        except RuntimeError:  # executor shut down between the check and the submit
            ticket.release()
            raise ServiceError(503, "server is shutting down", code="shutting_down", kind="server_error",
                               headers={"Retry-After": "1"}) from None
        remaining = len(futures)

        def done(_):
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                ticket.release()

        for fut in futures:
            fut.add_done_callback(done)
        timed_out = False
        offset = 0
        for chunk, fut in zip(chunks, futures):
            if not timed_out:
                try:
                    results = await asyncio.wait_for(asyncio.shield(fut), max(0.0, deadline - time.monotonic()))
                except asyncio.TimeoutError:
                    timed_out = True
                    self.metrics.deadline_exceeded.inc()
            if timed_out:
                results = fut.result() if fut.done() else deadline_results(len(chunk), self.config.deadline_s)
            self.metrics.observe_results(label, results)
            yield offset, results
            offset += len(chunk)

    def _grade_sync(self, grader: Grader, rows: list[Any], deadline: float) -> list[GradeResult]:
        if time.monotonic() >= deadline:  # queued past its request's deadline: don't do the work
            return deadline_results(len(rows), self.config.deadline_s)
        try:
            if self.config.ray_address is not None and len(rows) >= RAY_MIN_BATCH:
                from graders.executors.ray import grade_batch_on_ray

                return grade_batch_on_ray(grader, rows, address=self.config.ray_address or None)
            return grader.grade_batch(rows, workers=self.config.threads_per_request)
        except Exception as exc:  # noqa: BLE001 - a grading bug answers error results, the server stays up
            reason = f"grading failed: {type(exc).__name__}: {exc}"
            return [GradeResult.failure("error", reason, "other_error") for _ in rows]
