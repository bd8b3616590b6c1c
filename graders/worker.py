"""The worker process of `graders.pool.WorkerPool` (`python -m graders.worker`) and the host's handle on it.

Protocol over stdin/stdout: 8-byte big-endian length + pickle frame. Frames hold only builtins; the task,
each payload and each result travel as separately pickled bytes inside them, so one value that can't be
pickled or unpickled costs only its own task and never desynchronises the stream.

  worker -> host  `("ready", pid)` once started
  host -> worker  `("chunk", task, [payload, ...])`, task = pickled `(func, shared)`, payloads pickled each
  worker -> host  `("loaded",)` once `func` is unpickled and `func.prepare(shared)` (if any) ran, or
                  `("load_failed", message)`; then, if loaded, per payload
                  `("result", kind, pickled value or None, message, elapsed_ms)`
"""
from __future__ import annotations

import math
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

_HEADER = struct.Struct(">Q")
_MAX_FRAME = 1 << 36  # no worker (memory-capped) can send more; a bigger length is a corrupt stream


class WorkerDied(Exception):
    """The worker process is gone or its stream is unusable."""


def dumps(obj) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


# -- the worker side --------------------------------------------------------------------------------------
def _read_exact(fd: int, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _send(fd: int, obj) -> None:
    data = dumps(obj)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _failure(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "MemoryError: the worker's memory cap was reached"
    return f"{describe(exc)}\n{traceback.format_exc(limit=8)}"


def _serve_chunk(out_fd: int, task: bytes, payloads: list[bytes]) -> None:
    try:
        func, shared = pickle.loads(task)
        prepare = getattr(func, "prepare", None)
        if prepare is not None:
            prepare(shared)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - a task that can't load is a result, not a dead worker
        _send(out_fd, ("load_failed", _failure(exc)))
        return
    _send(out_fd, ("loaded",))
    for payload in payloads:
        start = time.perf_counter()
        try:
            value, kind, text = func(shared, pickle.loads(payload)), "ok", ""
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - report, never die on a task's exception
            value, kind, text = None, "error", _failure(exc)
        elapsed = (time.perf_counter() - start) * 1000.0
        try:
            blob = None if value is None else dumps(value)
        except Exception as exc:  # noqa: BLE001
            kind, blob, text = "error", None, f"result not picklable: {describe(exc)}"
        _send(out_fd, ("result", kind, blob, text, elapsed))


def main() -> None:
    memory_mb = int(os.environ.get("VERIGRADE_WORKER_MEMORY_MB", "0"))
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    in_fd = sys.stdin.fileno()
    # Keep the protocol channel private: anything a grader prints goes to stderr, not into the frames.
    out_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    os.environ["VERIGRADE_IN_WORKER"] = "1"
    _send(out_fd, ("ready", os.getpid()))
    while True:
        try:
            (size,) = _HEADER.unpack(_read_exact(in_fd, _HEADER.size))
            _, task, payloads = pickle.loads(_read_exact(in_fd, size))
        except EOFError:
            return
        _serve_chunk(out_fd, task, payloads)


# -- the host side ----------------------------------------------------------------------------------------
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


def _wait(poller: select.poll, deadline: float) -> None:
    """Block until the poller's fd is ready; TimeoutError at the deadline."""
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not poller.poll(max(1, math.ceil(remaining * 1000))):
        raise TimeoutError


class WorkerProcess:
    """The host's handle on one worker subprocess (started by `__init__`, usable after `handshake()`).

    `kill()` reaps the process and closes its pipes and stderr file; only the thread using the worker
    calls it. `signal_kill()` only sends SIGKILL, so any thread (e.g. a pool shutdown) may call it."""

    def __init__(self, argv: list[str], env: dict[str, str]):
        self.tasks_done = 0
        self.loads = 0
        self._lock = threading.Lock()
        self._closed = False
        self.stderr = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                         bufsize=0, env=env, start_new_session=True, close_fds=True)
        except BaseException:
            self.stderr.close()
            raise
        self._in = self.proc.stdin.fileno()
        self._out = self.proc.stdout.fileno()
        os.set_blocking(self._in, False)  # a stuck worker must not block a send past its deadline
        self._can_write = select.poll()
        self._can_write.register(self._in, select.POLLOUT)
        self._can_read = select.poll()
        self._can_read.register(self._out, select.POLLIN)
        self._received = bytearray()  # bytes read from the worker, not yet returned as frames

    def handshake(self, timeout: float) -> None:
        """Wait for the start-up greeting; on any failure the process is killed and its files closed."""
        try:
            greeting = self.recv(timeout)
            if not (isinstance(greeting, tuple) and greeting[:1] == ("ready",)):
                raise WorkerDied(f"unexpected worker greeting {greeting!r:.100}")
        except (WorkerDied, TimeoutError) as exc:
            self.kill()
            if isinstance(exc, TimeoutError):
                raise WorkerDied(f"no greeting within {timeout:g} s; worker process killed") from None
            raise
        except BaseException:
            self.kill()
            raise

    def send(self, data: bytes, deadline: float) -> None:
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            try:
                view = view[os.write(self._in, view):]
            except BlockingIOError:  # the pipe is full: wait for the worker to read, up to the deadline
                _wait(self._can_write, deadline)
            except (OSError, ValueError) as exc:
                raise WorkerDied(self.exit_message()) from exc

    def _fill(self, n: int, deadline: float) -> None:
        """Read until at least `n` bytes are buffered."""
        while len(self._received) < n:
            _wait(self._can_read, deadline)
            try:
                chunk = os.read(self._out, min(max(n - len(self._received), 1 << 16), 1 << 24))
            except (OSError, ValueError) as exc:
                raise WorkerDied(self.exit_message()) from exc
            if not chunk:
                raise WorkerDied(self.exit_message())
            self._received += chunk

    def recv(self, timeout: float):
        deadline = time.monotonic() + timeout
        self._fill(_HEADER.size, deadline)
        end = _HEADER.size + _HEADER.unpack_from(self._received)[0]
        if end > _MAX_FRAME:
            raise WorkerDied("corrupt frame header from the worker process")
        # once a frame has started, finish reading it even if the deadline passes meanwhile
        self._fill(end, max(deadline, time.monotonic() + 5.0))
        data = bytes(self._received[_HEADER.size:end])
        del self._received[:end]
        try:
            return pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - frames hold only builtins: this is a corrupt stream
            raise WorkerDied(f"unreadable message from the worker process ({describe(exc)})") from exc

    def exit_message(self) -> str:
        try:
            returncode = self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            returncode = None
        tail = ""
        with self._lock:
            if not self._closed:
                self.stderr.seek(0, os.SEEK_END)
                self.stderr.seek(max(0, self.stderr.tell() - 2000))
                tail = self.stderr.read().decode("utf-8", "replace")
        return _describe_exit(returncode, tail)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal_kill(self) -> None:
        """SIGKILL the worker's whole process group (whatever its tasks started dies with it)."""
        with self._lock:
            if self.proc.returncode is not None:
                return
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """Kill, reap, and close the pipes and the stderr file (idempotent)."""
        self.signal_kill()
        self.proc.wait()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
                try:
                    stream.close()
                except OSError:
                    pass


if __name__ == "__main__":
    main()
