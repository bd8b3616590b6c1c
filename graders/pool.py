"""A pool of persistent worker processes with hard per-task timeouts and a memory cap.

Graders that can hang or blow memory (sympy, user code) run here. A task that overruns its timeout gets
its worker SIGKILLed (with the worker's whole process group) and replaced; a worker that dies (GMP abort,
OOM kill) costs only the task it was running; the rest of its chunk goes to a fresh worker. Work is sent in
chunks so process overhead doesn't dominate. Thread-safe; after `fork()` a child gets its own pool.
"""
from __future__ import annotations

import atexit
import math
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

_HEADER = struct.Struct(">Q")
STARTUP_TIMEOUT_S = 120.0
TIMEOUT_SLACK_S = 0.1


@dataclass
class Outcome:
    """What happened to one task: kind is `ok`, `timeout`, `crash` or `error` (an exception in the task)."""

    kind: str
    value: Any = None
    message: str = ""
    elapsed_ms: float = 0.0


class WorkerDied(Exception):
    pass


_REFILLING = object()  # marks a slot whose replacement worker is starting in the background


def _describe_exit(returncode: int | None, stderr_tail: str) -> str:
    if returncode is not None and returncode < 0:
        try:
            what = f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            what = f"killed by signal {-returncode}"
    else:
        what = f"exited with code {returncode}"
    tail = stderr_tail.strip().splitlines()[-1:] if stderr_tail.strip() else []
    return f"worker process {what}" + (f" ({tail[0][:200]})" if tail else "")


class _Worker:
    """One `python -m graders.worker` subprocess."""

    def __init__(self, memory_mb: int):
        env = dict(os.environ)
        env["VERIGRADE_WORKER_MEMORY_MB"] = str(memory_mb)
        # the worker must import whatever the host can (task functions are pickled by reference)
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) if p else os.getcwd() for p in sys.path)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "graders.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            bufsize=0, env=env, start_new_session=True, close_fds=True,
        )
        self.tasks_done = 0
        self._in = self.proc.stdin.fileno()
        self._out = self.proc.stdout.fileno()
        msg = self.recv(STARTUP_TIMEOUT_S)
        if msg[0] != "ready":
            raise WorkerDied(f"unexpected worker greeting {msg!r}")

    def send(self, obj) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEADER.pack(len(data)) + data)
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(self.exit_message()) from exc

    def _read_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._out], [], [], remaining)
            if not ready:
                raise TimeoutError
            chunk = os.read(self._out, n - len(buf))
            if not chunk:
                raise WorkerDied(self.exit_message())
            buf += chunk
        return bytes(buf)

    def recv(self, timeout: float):
        deadline = time.monotonic() + timeout
        (size,) = _HEADER.unpack(self._read_exact(_HEADER.size, deadline))
        # once a frame has started, finish reading it even if the deadline passes meanwhile
        return pickle.loads(self._read_exact(size, max(deadline, time.monotonic() + 5.0)))

    def exit_message(self) -> str:
        try:
            returncode = self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            returncode = None
        self.stderr.seek(0, os.SEEK_END)
        size = self.stderr.tell()
        self.stderr.seek(max(0, size - 2000))
        return _describe_exit(returncode, self.stderr.read().decode("utf-8", "replace"))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass


class WorkerPool:
    """Persistent worker processes; `map(func, payloads, timeout_s)` runs `func(shared, payload)` in them."""

    def __init__(self, size: int | None = None, memory_mb: int = 2048, max_tasks_per_worker: int = 5000):
        self.size = max(1, size or os.cpu_count() or 1)
        self.memory_mb = memory_mb
        self.max_tasks_per_worker = max_tasks_per_worker
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._live = 0
        self._closed = False
        self.owner_pid = os.getpid()
        self.stats = {"timeouts": 0, "crashes": 0, "spawned": 0}
        self._last_task: tuple[Callable, Any] | None = None  # pre-warms replacement workers

    # -- worker bookkeeping -------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        worker = _Worker(self.memory_mb)
        with self._lock:
            self.stats["spawned"] += 1
        return worker

    def _checkout(self) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    can_spawn = self._live < self.size
                    if can_spawn:
                        self._live += 1
                if can_spawn:
                    try:
                        return self._spawn()
                    except Exception:
                        with self._lock:
                            self._live -= 1
                        raise
                worker = self._idle.get()
            if worker.alive():
                return worker
            worker.kill()
            with self._lock:
                self._live -= 1

    def _checkin(self, worker: _Worker | None) -> None:
        if worker is None:
            with self._lock:
                self._live -= 1
            return
        if self._closed or not worker.alive() or worker.tasks_done >= self.max_tasks_per_worker:
            worker.kill()
            with self._lock:
                self._live -= 1
            return
        self._idle.put(worker)

    # -- running work -------------------------------------------------------------------------------
    def _run_chunk(self, func: Callable, shared: Any, payloads: list, timeout_s: float) -> list[Outcome]:
        results: list[Outcome] = []
        try:
            worker: _Worker | None = self._checkout()
        except Exception as exc:  # noqa: BLE001
            return [Outcome("crash", message=f"could not start a worker process: {exc}") for _ in payloads]
        try:
            while len(results) < len(payloads):
                rest = payloads[len(results):]
                try:
                    worker.send(("chunk", func, shared, rest))
                    loaded = worker.recv(STARTUP_TIMEOUT_S)
                    if loaded[0] != "loaded":
                        raise WorkerDied(f"unexpected message {loaded[0]!r}")
                except (WorkerDied, TimeoutError, EOFError) as exc:
                    message = worker.exit_message() if isinstance(exc, TimeoutError) else str(exc)
                    worker.kill()
                    worker = None
                    results.extend(Outcome("crash", message=f"worker failed to load the task: {message}")
                                   for _ in rest)
                    break
                for _ in rest:
                    started = time.monotonic()
                    try:
                        _, kind, value, message, elapsed = worker.recv(timeout_s + TIMEOUT_SLACK_S)
                        worker.tasks_done += 1
                        results.append(Outcome(kind, value, message, elapsed))
                    except TimeoutError:
                        worker.kill()
                        with self._lock:
                            self.stats["timeouts"] += 1
                        waited = (time.monotonic() - started) * 1000.0
                        results.append(Outcome("timeout", message=f"exceeded the {timeout_s:g} s hard timeout; "
                                               "worker process killed", elapsed_ms=waited))
                        worker = self._after_loss(len(results) < len(payloads))
                        break
                    except WorkerDied as exc:
                        worker.kill()
                        with self._lock:
                            self.stats["crashes"] += 1
                        waited = (time.monotonic() - started) * 1000.0
                        results.append(Outcome("crash", message=str(exc), elapsed_ms=waited))
                        worker = self._after_loss(len(results) < len(payloads))
                        break
                if worker is None and len(results) < len(payloads):
                    results.extend(Outcome("crash", message="no worker process could be started")
                                   for _ in payloads[len(results):])
        finally:
            if worker is not _REFILLING:
                self._checkin(worker)
        return results

    def _after_loss(self, more_to_do: bool):
        """After killing a worker: a fresh one now if the chunk continues, else refill in the background."""
        if more_to_do:
            return self._replace()
        self._refill_in_background()
        return _REFILLING

    def _replace(self) -> _Worker | None:
        """A fresh worker for the rest of a chunk (None if it can't start; the slot is then freed)."""
        try:
            return self._spawn()
        except Exception:  # noqa: BLE001
            return None

    def _refill_in_background(self) -> None:
        """Start a replacement worker off the caller's path, warmed up with the last task's `prepare`.

        The slot stays counted as live meanwhile, so a caller needing a worker waits for this one instead
        of paying a cold start after its own timeout."""
        last = self._last_task

        def work() -> None:
            try:
                worker = self._spawn()
                if last is not None:
                    worker.send(("chunk", last[0], last[1], []))
                    if worker.recv(STARTUP_TIMEOUT_S)[0] != "loaded":
                        raise WorkerDied("replacement worker failed to warm up")
            except Exception:  # noqa: BLE001 - the slot is freed; the next caller spawns one itself
                self._checkin(None)
                return
            self._checkin(worker)

        threading.Thread(target=work, name="verigrade-pool-refill", daemon=True).start()

    def map(self, func: Callable, payloads: list, timeout_s: float, shared: Any = None,
            chunk_size: int | None = None) -> list[Outcome]:
        """Run `func(shared, p)` for each payload; outcomes come back in input order."""
        payloads = list(payloads)
        if not payloads:
            return []
        if self._closed:
            raise RuntimeError("worker pool is shut down")
        self._last_task = (func, shared)
        if chunk_size is None:
            chunk_size = max(1, min(64, math.ceil(len(payloads) / (self.size * 4))))
        chunks = [payloads[i:i + chunk_size] for i in range(0, len(payloads), chunk_size)]
        if len(chunks) == 1 or self.size == 1:
            out: list[Outcome] = []
            for chunk in chunks:
                out.extend(self._run_chunk(func, shared, chunk, timeout_s))
            return out
        with ThreadPoolExecutor(max_workers=min(self.size, len(chunks))) as ex:
            parts = list(ex.map(lambda c: self._run_chunk(func, shared, c, timeout_s), chunks))
        return [o for part in parts for o in part]

    def shutdown(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool() -> WorkerPool:
    """The shared pool (size `VERIGRADE_WORKERS` or the CPU count; cap `VERIGRADE_WORKER_MEMORY_MB` or 2048)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL.owner_pid != os.getpid() or _POOL._closed:
            _POOL = WorkerPool(
                size=int(os.environ.get("VERIGRADE_WORKERS", "0")) or None,
                memory_mb=int(os.environ.get("VERIGRADE_WORKER_MEMORY_MB", "2048")),
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
        _POOL.shutdown()
