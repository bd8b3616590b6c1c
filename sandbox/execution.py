"""Talking to the trusted runner inside a container: a one-shot `docker exec` (job on stdin, read to the
end) or a persistent runner session (jobs sent one after another over one exec's stdin), both with a
host-side deadline and an output cap.

Docker has no way to kill a single exec: on timeout or overflow the caller must kill the container,
which is what stops every process the exec started.

Besides the job's overall deadline, each sample has its own: the runner writes one record per sample as
it finishes it, and the next record must come within that sample's budget. A runner that stops making
progress (a candidate `SIGSTOP`ped it, or it hangs) is cut off after the budget of the sample it was on,
not after the whole job's.
"""
from __future__ import annotations

import json
import socket
import struct
import time
from dataclasses import dataclass

from sandbox.image import RUNNER_PATH, SANDBOX_UID

RUNNER_CMD = ["python3", "-I", "-B", RUNNER_PATH]


@dataclass
class ExecResult:
    stdout: bytes
    stderr: bytes
    exit_code: int | None
    timed_out: bool = False
    truncated: bool = False
    elapsed_ms: float = 0.0
    stalled: bool = False       # a sample's own budget ran out before its record came (timed_out too)


class Progress:
    """Per-sample deadlines: the k-th sample record must arrive within `budgets[k]` seconds of the previous
    one (of the start for the first). Counts only complete lines that carry the job's nonce."""

    def __init__(self, nonce: str, budgets: list[float] | None, start: float):
        self.nonce, self.budgets = nonce, list(budgets or [])
        self.seen, self.scanned, self.done = 0, 0, False
        self.deadline = start + self.budgets[0] if self.budgets else float("inf")

    def update(self, out: bytearray) -> None:
        while not self.done:
            nl = out.find(b"\n", self.scanned)
            if nl < 0:
                return
            line = bytes(out[self.scanned:nl])
            self.scanned = nl + 1
            message = _message(line, self.nonce)
            if message is None:
                continue
            if message.get("done") is True:
                self.done = True
            elif "sample" in message:
                self.seen += 1
                more = self.budgets[self.seen] if self.seen < len(self.budgets) else None
                self.deadline = time.monotonic() + more if more is not None else float("inf")


class _Stream:
    """Demultiplexes Docker's attach stream (8-byte frame headers) from a raw socket, with deadlines."""

    def __init__(self, client, container_id: str, serve: bool):
        api = client.api
        cmd = RUNNER_CMD + (["--serve"] if serve else [])
        self.exec_id = api.exec_create(container_id, cmd, stdin=True, stdout=True, stderr=True,
                                       user=f"{SANDBOX_UID}:{SANDBOX_UID}", workdir="/work")["Id"]
        self.sock = api.exec_start(self.exec_id, socket=True)
        self.raw = getattr(self.sock, "_sock", self.sock)
        self.pending = bytearray()
        self.out, self.err = bytearray(), bytearray()
        self.eof = False

    def send(self, data: bytes, deadline: float) -> None:
        self.raw.settimeout(max(0.1, deadline - time.monotonic()))
        self.raw.sendall(data)

    def read_some(self, deadline: float) -> bool:
        """Read one chunk into out/err; False on timeout. Sets `eof` when the exec's output ends."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.raw.settimeout(remaining)
        try:
            data = self.raw.recv(65536)
        except socket.timeout:
            return False
        if not data:
            self.eof = True
            return True
        self.pending += data
        while len(self.pending) >= 8:
            stream, size = self.pending[0], struct.unpack(">I", self.pending[4:8])[0]
            if len(self.pending) < 8 + size:
                break
            (self.err if stream == 2 else self.out).extend(self.pending[8: 8 + size])
            del self.pending[: 8 + size]
        return True

    def close(self) -> None:
        for s in (self.raw, self.sock):
            try:
                s.close()
            except OSError:
                pass


def exec_runner(client, container_id: str, stdin: bytes, deadline_s: float, cap_bytes: int,
                inspect: bool = True, nonce: str = "", budgets: list[float] | None = None) -> ExecResult:
    """One-shot: run the runner as the sandbox user, feed it `stdin`, read at most `cap_bytes` until it exits.
    `inspect=False` skips the exit-code query (one API round trip). With the job's `nonce` and per-sample
    `budgets`, a runner that stops making progress is cut off early (`stalled`)."""
    start = time.monotonic()
    deadline = start + deadline_s
    progress = Progress(nonce, budgets if nonce else None, start)
    stream = _Stream(client, container_id, serve=False)
    timed_out = truncated = stalled = False
    try:
        stream.send(stdin, deadline)
        stream.raw.shutdown(socket.SHUT_WR)
        while not stream.eof:
            if not stream.read_some(min(deadline, progress.deadline)):
                timed_out = True
                stalled = time.monotonic() < deadline
                break
            progress.update(stream.out)
            if len(stream.out) + len(stream.err) > cap_bytes:
                truncated = True
                break
    finally:
        stream.close()
    exit_code = None
    if inspect and not (timed_out or truncated):
        for _ in range(50):  # the exec may take a moment to be marked finished after the stream closes
            info = client.api.exec_inspect(stream.exec_id)
            if not info.get("Running"):
                exit_code = info.get("ExitCode")
                break
            time.sleep(0.01)
    return ExecResult(bytes(stream.out[:cap_bytes]), bytes(stream.err[-65536:]), exit_code, timed_out, truncated,
                      (time.monotonic() - start) * 1000.0, stalled)


class RunnerSession:
    """A runner started once per pooled container (`--serve`); each job is `<length>\\n<json>` on its stdin
    and ends with the runner's `done` record for that job's nonce. Saves an exec and an interpreter start
    per job. Any anomaly (deadline, overflow, runner gone) leaves the session `broken`: kill the container."""

    def __init__(self, client, container_id: str):
        self.stream = _Stream(client, container_id, serve=True)
        self.broken = False

    def run(self, payload: bytes, nonce: str, deadline_s: float, cap_bytes: int,
            budgets: list[float] | None = None) -> ExecResult:
        start = time.monotonic()
        deadline = start + deadline_s
        progress = Progress(nonce, budgets, start)
        stream = self.stream
        stream.out.clear()
        stream.err.clear()
        timed_out = truncated = stalled = False
        try:
            stream.send(f"{len(payload)}\n".encode() + payload, deadline)
            while True:
                progress.update(stream.out)
                if progress.done:
                    break
                if stream.eof:
                    self.broken = True
                    break
                if not stream.read_some(min(deadline, progress.deadline)):
                    timed_out = self.broken = True
                    stalled = time.monotonic() < deadline
                    break
                if len(stream.out) + len(stream.err) > cap_bytes:
                    truncated = self.broken = True
                    break
        except OSError:
            self.broken = True
        return ExecResult(bytes(stream.out[:cap_bytes]), bytes(stream.err[-65536:]), None, timed_out, truncated,
                          (time.monotonic() - start) * 1000.0, stalled)

    def close(self) -> None:
        self.stream.close()


def _message(line: bytes, nonce: str) -> dict | None:
    """The runner's JSON record on this line, if it carries our nonce."""
    if nonce.encode() not in line:
        return None
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) and message.get("nonce") == nonce else None
