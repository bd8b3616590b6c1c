"""Talking to the trusted runner inside a container: a one-shot `docker exec` (job on stdin, read to the
end) or a persistent runner session (jobs sent one after another over one exec's stdin), both with a
host-side deadline and an output cap.

Docker has no way to kill a single exec: on timeout or overflow the caller must kill the container,
which is what stops every process the exec started.
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
                inspect: bool = True) -> ExecResult:
    """One-shot: run the runner as the sandbox user, feed it `stdin`, read at most `cap_bytes` until it exits.
    `inspect=False` skips the exit-code query (one API round trip)."""
    start = time.monotonic()
    deadline = start + deadline_s
    stream = _Stream(client, container_id, serve=False)
    timed_out = truncated = False
    try:
        stream.send(stdin, deadline)
        stream.raw.shutdown(socket.SHUT_WR)
        while not stream.eof:
            if not stream.read_some(deadline):
                timed_out = True
                break
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
                      (time.monotonic() - start) * 1000.0)


class RunnerSession:
    """A runner started once per pooled container (`--serve`); each job is `<length>\\n<json>` on its stdin
    and ends with the runner's `done` record for that job's nonce. Saves an exec and an interpreter start
    per job. Any anomaly (deadline, overflow, runner gone) leaves the session `broken`: kill the container."""

    def __init__(self, client, container_id: str):
        self.stream = _Stream(client, container_id, serve=True)
        self.broken = False

    def run(self, payload: bytes, nonce: str, deadline_s: float, cap_bytes: int) -> ExecResult:
        start = time.monotonic()
        deadline = start + deadline_s
        stream = self.stream
        stream.out.clear()
        stream.err.clear()
        timed_out = truncated = False
        try:
            stream.send(f"{len(payload)}\n".encode() + payload, deadline)
            scanned = 0
            while True:
                nl = stream.out.find(b"\n", scanned)
                if nl >= 0:
                    line = bytes(stream.out[scanned:nl])
                    scanned = nl + 1
                    if _is_done(line, nonce):
                        break
                    continue
                if stream.eof:
                    self.broken = True
                    break
                if not stream.read_some(deadline):
                    timed_out = self.broken = True
                    break
                if len(stream.out) + len(stream.err) > cap_bytes:
                    truncated = self.broken = True
                    break
        except OSError:
            self.broken = True
        return ExecResult(bytes(stream.out[:cap_bytes]), bytes(stream.err[-65536:]), None, timed_out, truncated,
                          (time.monotonic() - start) * 1000.0)

    def close(self) -> None:
        self.stream.close()


def _is_done(line: bytes, nonce: str) -> bool:
    if b'"done"' not in line:
        return False
    try:
        message = json.loads(line)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("done") is True and message.get("nonce") == nonce
