"""Worker process for `graders.pool.WorkerPool` (run as `python -m graders.worker`).

Protocol over stdin/stdout: 8-byte big-endian length + pickle frame. The host sends
`("chunk", func, shared, payloads)`; the worker answers `("loaded",)` once `func`'s module is imported and
`func.prepare(shared)` (if any) ran, then one `("result", kind, value, message, elapsed_ms)` per payload.
"""
from __future__ import annotations

import os
import pickle
import resource
import struct
import sys
import time
import traceback

_HEADER = struct.Struct(">Q")


def _read_exact(fd: int, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _send(fd: int, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


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
            message = pickle.loads(_read_exact(in_fd, size))
        except EOFError:
            return
        _, func, shared, payloads = message
        prepare = getattr(func, "prepare", None)
        if prepare is not None:
            prepare(shared)
        _send(out_fd, ("loaded",))
        for payload in payloads:
            start = time.perf_counter()
            try:
                value, kind, text = func(shared, payload), "ok", ""
            except MemoryError:
                value, kind, text = None, "error", "MemoryError: the worker's memory cap was reached"
            except Exception as exc:  # noqa: BLE001 - report, never die on a task's exception
                value, kind, text = None, "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
            elapsed = (time.perf_counter() - start) * 1000.0
            try:
                _send(out_fd, ("result", kind, value, text, elapsed))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                _send(out_fd, ("result", "error", None, f"result not picklable: {exc}", elapsed))


if __name__ == "__main__":
    main()
