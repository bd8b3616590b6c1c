"""A pool of persistent worker processes with hard per-task timeouts and a memory cap.

Graders that can hang or blow memory (sympy, user code) run here. A task that overruns its timeout gets
its worker SIGKILLed (with the worker's whole process group) and replaced; a worker that dies (GMP abort,
OOM kill) costs only the task it was running; the rest of its chunk goes to a fresh worker. Work is sent in
chunks so process overhead doesn't dominate. Thread-safe; after `fork()` a child gets its own pool.

Every call returns one `Outcome` per payload and never raises or hangs: slots are counted under one
condition variable that every release notifies, a chunk waits for a slot at most `wait_timeout_s`, and
anything that cannot be pickled, loaded or started becomes an `error`/`crash`/`timeout` outcome.
"""
from __future__ import annotations

import atexit
import itertools
import math
import os
import pickle
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from graders.worker import WorkerDied, WorkerProcess, describe, dumps

__all__ = ["Outcome", "WorkerDied", "WorkerPool", "configure_pool", "get_pool"]

STARTUP_TIMEOUT_S = 120.0  # default bound on a worker's start-up greeting and on loading a task (`prepare`)
WAIT_TIMEOUT_S = 300.0  # default bound on a chunk's wait for a free worker
TIMEOUT_SLACK_S = 0.1
POOL_ID_ENV = "VERIGRADE_POOL_ID"  # set in each worker's environment: which pool it belongs to
_POOL_IDS = itertools.count(1)


@dataclass
class Outcome:
    """What happened to one task: kind is `ok`, `timeout`, `crash` or `error` (an exception in the task)."""

    kind: str
    value: Any = None
    message: str = ""
    elapsed_ms: float = 0.0


class _NoWorker(Exception):
    """A chunk got no worker: `kind` and `message` become its outcomes."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


class WorkerPool:
    """Persistent worker processes; `map(func, payloads, timeout_s)` runs `func(shared, payload)` in them.

    Slots: at most `size` workers exist, each idle, busy (owned by one chunk) or starting (`_starting`
    counts slots reserved for a worker being started). All of it changes under `_cond`, and every change
    notifies, so a waiting chunk wakes whenever a slot may have freed. Waiters are served first come,
    first served; a chunk that gets no slot within `wait_timeout_s` gets `timeout` outcomes (and the later
    chunks of the same call get them too, without waiting again).
    """

    def __init__(self, size: int | None = None, memory_mb: int = 2048, max_tasks_per_worker: int = 5000,
                 wait_timeout_s: float = WAIT_TIMEOUT_S, startup_timeout_s: float = STARTUP_TIMEOUT_S):
        self.size = max(1, size or os.cpu_count() or 1)
        self.memory_mb = memory_mb
        self.max_tasks_per_worker = max_tasks_per_worker
        self.wait_timeout_s = wait_timeout_s
        self.startup_timeout_s = startup_timeout_s
        # -P: the worker's import path is exactly the host's (PYTHONPATH below), not its working directory
        self.worker_argv = [sys.executable, "-P", "-m", "graders.worker"]
        self.id = f"{os.getpid()}-{next(_POOL_IDS)}"
        self.owner_pid = os.getpid()
        self.stats = {"timeouts": 0, "crashes": 0, "spawned": 0, "wait_timeouts": 0}
        self._cond = threading.Condition()
        self._idle: list[WorkerProcess] = []  # LIFO: the most recently used (warmest) worker first
        self._busy: set[WorkerProcess] = set()
        self._launching: set[WorkerProcess] = set()  # started, not yet greeted/warmed: shutdown kills these too
        self._starting = 0
        self._waiters: deque[object] = deque()
        self._closed = False
        self._last_task: bytes | None = None  # pre-warms replacement workers

    def counts(self) -> dict[str, int]:
        """Slot occupancy right now: idle, busy and starting workers, and chunks waiting for one."""
        with self._cond:
            return {"idle": len(self._idle), "busy": len(self._busy), "starting": self._starting,
                    "waiting": len(self._waiters)}

    # -- slots ------------------------------------------------------------------------------------------
    def _changed(self) -> None:
        self._cond.notify_all()

    def _worker_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["VERIGRADE_WORKER_MEMORY_MB"] = str(self.memory_mb)
        env[POOL_ID_ENV] = self.id
        # the worker must import whatever the host can (task functions are pickled by reference)
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) if p else os.getcwd() for p in sys.path)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        return env

    def _spawn(self, warm_with: bytes | None = None) -> WorkerProcess:
        """Start a worker in a slot already reserved in `_starting`; raises WorkerDied/OSError on failure."""
        worker = WorkerProcess(self.worker_argv, self._worker_env())
        with self._cond:
            closed = self._closed
            if not closed:
                self._launching.add(worker)
                self.stats["spawned"] += 1
        if closed:
            worker.kill()
            raise WorkerDied("the worker pool was shut down")
        try:
            worker.handshake(self.startup_timeout_s)
            if warm_with is not None:  # run the last task's `prepare` so the next chunk starts warm
                worker.send(dumps(("chunk", warm_with, [])), time.monotonic() + self.startup_timeout_s)
                if worker.recv(self.startup_timeout_s)[0] not in ("loaded", "load_failed"):
                    raise WorkerDied("unexpected reply to a warm-up")
                worker.loads += 1
        except BaseException:
            worker.kill()
            raise
        finally:
            with self._cond:
                self._launching.discard(worker)
        return worker

    def _start_reserved(self) -> WorkerProcess:
        """Start a worker for the caller's reserved slot; it comes back busy. The slot is freed on failure."""
        try:
            try:
                worker = self._spawn()
            except (WorkerDied, OSError):
                if self._closed:
                    raise
                worker = self._spawn()  # once more: a start can die of something passing (OOM kill, signal)
        except BaseException:
            with self._cond:
                self._starting -= 1
                self._changed()
            raise
        with self._cond:
            self._starting -= 1
            closed = self._closed
            if not closed:
                self._busy.add(worker)
            self._changed()
        if closed:
            worker.kill()
            raise WorkerDied("the worker pool was shut down")
        return worker

    def _claim(self, deadline: float) -> WorkerProcess | None:
        """Wait (first come, first served) for an idle worker (returned busy) or a free slot (None: the
        slot is reserved in `_starting` and the caller starts the worker)."""
        ticket = object()
        with self._cond:
            self._waiters.append(ticket)
            try:
                while True:
                    if self._closed:
                        raise _NoWorker("error", "the worker pool was shut down")
                    if self._waiters[0] is ticket:
                        if self._idle:
                            worker = self._idle.pop()
                            self._busy.add(worker)
                            return worker
                        if len(self._busy) + self._starting < self.size:  # (idle is empty here)
                            self._starting += 1
                            return None
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        self.stats["wait_timeouts"] += 1
                        raise _NoWorker("timeout", f"no worker process became free within "
                                        f"{self.wait_timeout_s:g} s (all {self.size} busy); not graded")
                    self._cond.wait(remaining)
            finally:
                self._waiters.remove(ticket)
                self._changed()  # the next waiter may now be first in line

    def _checkout(self, deadline: float) -> WorkerProcess:
        while True:
            worker = self._claim(deadline)
            if worker is None:
                return self._start_reserved()
            if worker.alive():
                return worker
            self._release(worker, reuse=False)  # died while idle: free its slot and look again

    def _release(self, worker: WorkerProcess, reuse: bool = True) -> None:
        """Give a busy worker's slot back: the worker goes idle if reusable, else it is killed."""
        keep = reuse and worker.alive() and worker.tasks_done < self.max_tasks_per_worker
        if not keep:
            worker.kill()
        with self._cond:
            self._busy.discard(worker)
            if keep and not self._closed:
                self._idle.append(worker)
                worker = None
            self._changed()
        if worker is not None:
            worker.kill()

    def _swap(self, dead: WorkerProcess) -> WorkerProcess | None:
        """Kill a busy worker and start a fresh one in the same slot (None if that fails; the slot is freed)."""
        dead.kill()
        with self._cond:
            self._busy.discard(dead)
            closed = self._closed
            if not closed:
                self._starting += 1
            self._changed()
        if closed:
            return None
        try:
            return self._start_reserved()
        except Exception:  # noqa: BLE001 - the slot is already freed; the caller reports the loss
            return None

    def _refill_in_background(self, dead: WorkerProcess) -> None:
        """Kill a busy worker; its slot stays reserved while a replacement, warmed with the last task's
        `prepare`, starts off the caller's path (so the next caller doesn't pay a cold start)."""
        dead.kill()
        with self._cond:
            self._busy.discard(dead)
            if not self._closed:
                self._starting += 1
            closed = self._closed
            self._changed()
        if closed:
            return
        warm_with = self._last_task

        def work() -> None:
            worker = None
            try:
                worker = self._spawn(warm_with)
            except Exception:  # noqa: BLE001 - the slot is freed below; the next caller starts one itself
                pass
            with self._cond:
                self._starting -= 1
                if worker is not None and not self._closed:
                    self._idle.append(worker)
                    worker = None
                self._changed()
            if worker is not None:
                worker.kill()

        try:
            threading.Thread(target=work, name="verigrade-pool-refill", daemon=True).start()
        except RuntimeError:  # can't start a thread: free the slot
            with self._cond:
                self._starting -= 1
                self._changed()

    # -- running work -------------------------------------------------------------------------------
    def _run_chunk(self, task: bytes, blobs: list[bytes], timeout_s: float, gave_up: list) -> list[Outcome]:
        # once one chunk of a call got no worker (waited in vain, or none would start), the call's other
        # chunks share that fate instead of waiting or starting again: a call waits ~`wait_timeout_s` at most
        try:
            if gave_up:
                raise gave_up[0]
            worker: WorkerProcess | None = self._checkout(time.monotonic() + self.wait_timeout_s)
        except _NoWorker as exc:
            gave_up[:] = [exc]
            return [Outcome(exc.kind, message=exc.message) for _ in blobs]
        except Exception as exc:  # noqa: BLE001
            gave_up[:] = [_NoWorker("crash", f"could not start a worker process: {exc}")]
            return [Outcome("crash", message=f"could not start a worker process: {exc}") for _ in blobs]
        results: list[Outcome] = []
        in_sync = False  # True only between complete request/response exchanges
        retried = False
        try:
            while worker is not None and len(results) < len(blobs):
                rest = blobs[len(results):]
                reused = worker.loads > 0
                try:
                    deadline = time.monotonic() + self.startup_timeout_s
                    worker.send(dumps(("chunk", task, rest)), deadline)
                    reply = worker.recv(max(0.0, deadline - time.monotonic()))
                    if reply[0] not in ("loaded", "load_failed"):
                        raise WorkerDied(f"unexpected message {reply[0]!r:.50}")
                    worker.loads += 1
                except WorkerDied as exc:
                    if reused and not retried:  # died while idle (e.g. OOM-killed): not this task's fault
                        retried = True
                        worker = self._swap(worker)
                        continue
                    results.extend(Outcome("crash", message=f"worker failed to load the task: {exc}")
                                   for _ in rest)
                    break
                except TimeoutError:
                    results.extend(Outcome("timeout", message=f"loading the task took over "
                                           f"{self.startup_timeout_s:g} s; worker process killed") for _ in rest)
                    break
                if reply[0] == "load_failed":
                    in_sync = True
                    results.extend(Outcome("error", message=f"could not load the task in the worker: {reply[1]}")
                                   for _ in rest)
                    break
                for _ in rest:
                    started = time.monotonic()
                    in_sync = False
                    try:
                        reply = worker.recv(timeout_s + TIMEOUT_SLACK_S)
                        if reply[0] != "result":
                            raise WorkerDied(f"unexpected message {reply[0]!r:.50}")
                    except (TimeoutError, WorkerDied) as exc:
                        timed_out = isinstance(exc, TimeoutError)
                        with self._cond:
                            self.stats["timeouts" if timed_out else "crashes"] += 1
                        waited = (time.monotonic() - started) * 1000.0
                        results.append(Outcome("timeout", message=f"exceeded the {timeout_s:g} s hard timeout; "
                                               "worker process killed", elapsed_ms=waited) if timed_out
                                       else Outcome("crash", message=str(exc), elapsed_ms=waited))
                        if len(results) < len(blobs):
                            worker = self._swap(worker)
                        else:
                            self._refill_in_background(worker)
                            worker = None
                        break
                    worker.tasks_done += 1
                    in_sync = True
                    results.append(_result_outcome(reply))
            if len(results) < len(blobs):  # the worker was lost and no replacement could be started
                message = "the worker pool was shut down" if self._closed else "no worker process could be started"
                results.extend(Outcome("crash", message=message) for _ in blobs[len(results):])
        except Exception as exc:  # noqa: BLE001 - a pool bug must not break the batch
            in_sync = False
            results.extend(Outcome("error", message=f"worker pool error: {describe(exc)}")
                           for _ in blobs[len(results):])
        finally:
            if worker is not None:
                self._release(worker, reuse=in_sync)
        return results

    def map(self, func: Callable, payloads: list, timeout_s: float, shared: Any = None,
            chunk_size: int | None = None) -> list[Outcome]:
        """Run `func(shared, p)` for each payload; one outcome per payload, in input order. Never raises."""
        payloads = list(payloads)
        if self._closed:
            return [Outcome("error", message="the worker pool was shut down") for _ in payloads]
        try:
            task = dumps((func, shared))
        except Exception as exc:  # noqa: BLE001
            return [Outcome("error", message=f"the task function or shared value cannot be sent to a worker "
                            f"process: {describe(exc)}") for _ in payloads]
        outcomes: list[Outcome | None] = [None] * len(payloads)
        index, blobs = [], []
        for i, payload in enumerate(payloads):
            try:
                blobs.append(dumps(payload))
                index.append(i)
            except Exception as exc:  # noqa: BLE001 - one bad payload is one error outcome
                outcomes[i] = Outcome("error", message=f"payload cannot be sent to a worker process: "
                                      f"{describe(exc)}")
        if blobs:
            self._last_task = task
            if chunk_size is None:
                chunk_size = max(1, min(64, math.ceil(len(blobs) / (self.size * 4))))
            chunks = [blobs[i:i + chunk_size] for i in range(0, len(blobs), chunk_size)]
            gave_up: list[_NoWorker] = []
            if len(chunks) == 1 or self.size == 1:
                parts = [self._run_chunk(task, chunk, timeout_s, gave_up) for chunk in chunks]
            else:
                with ThreadPoolExecutor(max_workers=min(self.size, len(chunks))) as ex:
                    parts = list(ex.map(lambda c: self._run_chunk(task, c, timeout_s, gave_up), chunks))
            for i, outcome in zip(index, (o for part in parts for o in part)):
                outcomes[i] = outcome
        return outcomes  # type: ignore[return-value]

    def shutdown(self, wait_s: float = 5.0) -> None:
        """Kill every worker, idle, busy or starting; callers get outcomes, waiting chunks return at once.

        Waits up to `wait_s` for the callers of busy workers to reap them."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            doomed = list(self._busy | self._launching)
            self._changed()
        for worker in doomed:
            worker.signal_kill()
        for worker in idle:
            worker.kill()
        end = time.monotonic() + wait_s
        with self._cond:
            while self._busy or self._starting:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)


def _result_outcome(reply: tuple) -> Outcome:
    _, kind, blob, message, elapsed = reply
    try:
        value = None if blob is None else pickle.loads(blob)
    except Exception as exc:  # noqa: BLE001 - e.g. the value's class can't be imported here
        return Outcome("error", message=f"the task's result could not be unpickled: {describe(exc)}",
                       elapsed_ms=elapsed)
    return Outcome(kind, value, message, elapsed)


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool() -> WorkerPool:
    """The shared pool (size `VERIGRADE_WORKERS` or the CPU count; cap `VERIGRADE_WORKER_MEMORY_MB` or 2048;
    a chunk waits at most `VERIGRADE_POOL_WAIT_S` (default 300) for a free worker)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL.owner_pid != os.getpid() or _POOL._closed:
            _POOL = WorkerPool(
                size=int(os.environ.get("VERIGRADE_WORKERS", "0")) or None,
                memory_mb=int(os.environ.get("VERIGRADE_WORKER_MEMORY_MB", "2048")),
                wait_timeout_s=float(os.environ.get("VERIGRADE_POOL_WAIT_S", WAIT_TIMEOUT_S)),
            )
        return _POOL


def configure_pool(size: int | None = None, memory_mb: int = 2048) -> WorkerPool:
    """Replace the shared pool (e.g. to change its size or memory cap)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and _POOL.owner_pid == os.getpid():
            _POOL.shutdown()
        _POOL = WorkerPool(size=size, memory_mb=memory_mb)
        return _POOL


@atexit.register
def _shutdown_shared_pool() -> None:
    if _POOL is not None and _POOL.owner_pid == os.getpid():
        _POOL.shutdown(wait_s=1.0)
