"""A candidate process with capped, non-blocking pipes, rlimits and an optional control channel.

Part of the trusted harness (harness.py). Stdlib only: this file also runs inside the sandbox image.
"""
import fcntl
import json
import os
import resource
import select
import signal
import subprocess
import time

CHUNK = 65536
# signals the runner ignores, so a candidate (same uid) can't turn them into KeyboardInterrupt & co. there
RUNNER_IGNORES = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                  signal.SIGALRM)


class Stop(BaseException):
    """The candidate can't continue (timeout, exit, output limit...). BaseException: test code can't swallow it."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


class Child:
    """One candidate interpreter with capped, non-blocking pipes and a control channel."""

    spawned = 0  # processes started so far (the runner checks the kernel's pid counter against it)

    def __init__(self, argv, workdir, limits, stdin_bytes=None, control=False, env=None, address_space=True):
        self.limits = limits
        self.address_space = address_space
        self.out, self.err = bytearray(), bytearray()
        self.total = 0
        self.ctrl_buf, self.to_ctrl = bytearray(), bytearray()
        self.stdin_buf = bytearray(stdin_bytes or b"")
        pass_fds = ()
        if control:
            to_child_r, self.ctrl_w = os.pipe()
            self.ctrl_r, from_child_w = os.pipe()
            pass_fds = (to_child_r, from_child_w)
            argv = argv + [str(to_child_r), str(from_child_w)]
        else:
            self.ctrl_r = self.ctrl_w = None
        base_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
                    "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
        base_env.update(env or {})
        self.proc = subprocess.Popen(
            argv, cwd=workdir, env=base_env,
            stdin=subprocess.PIPE if stdin_bytes is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=pass_fds,
            start_new_session=True, preexec_fn=self._apply_limits)
        Child.spawned += 1
        for fd in pass_fds:
            os.close(fd)
        self.fds = {self.proc.stdout.fileno(): "out", self.proc.stderr.fileno(): "err"}
        if control:
            self.fds[self.ctrl_r] = "ctrl"
        self.stdin_fd = self.proc.stdin.fileno() if stdin_bytes is not None else None
        for fd in list(self.fds) + [x for x in (self.ctrl_w, self.stdin_fd) if x is not None]:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        if self.stdin_fd is not None and not self.stdin_buf:
            self._close_stdin()

    def _apply_limits(self):
        for sig in RUNNER_IGNORES:  # ignored dispositions survive exec: give the candidate the defaults back
            signal.signal(sig, signal.SIG_DFL)
        lim = self.limits
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:  # first in line for the cgroup's OOM killer, never the runner (raising it needs no privilege)
            with open("/proc/self/oom_score_adj", "w") as fh:
                fh.write("1000")
        except OSError:
            pass
        if lim.get("memory_bytes") and self.address_space:
            resource.setrlimit(resource.RLIMIT_AS, (lim["memory_bytes"], lim["memory_bytes"]))
        if lim.get("fsize_bytes"):
            resource.setrlimit(resource.RLIMIT_FSIZE, (lim["fsize_bytes"], lim["fsize_bytes"]))
        if lim.get("nofile"):
            resource.setrlimit(resource.RLIMIT_NOFILE, (lim["nofile"], lim["nofile"]))

    def _close_stdin(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.stdin_fd = None

    def send(self, message: dict):
        self.to_ctrl += (json.dumps(message) + "\n").encode()

    def pump(self, deadline, want_line):
        """Move bytes until a control line arrives (want_line) or the process is done; raise Stop otherwise."""
        while True:
            if want_line:
                nl = self.ctrl_buf.find(b"\n")
                if nl >= 0:
                    line = bytes(self.ctrl_buf[:nl])
                    del self.ctrl_buf[: nl + 1]
                    return line
                if self.ctrl_r not in self.fds:
                    raise Stop("exited", self._exit_reason())
            elif not self.fds:
                self._wait(deadline)
                return None
            now = time.monotonic()
            if now >= deadline:
                raise Stop("timeout", "time limit exceeded")
            wlist = []
            if self.stdin_fd is not None and self.stdin_buf:
                wlist.append(self.stdin_fd)
            if self.ctrl_w is not None and self.to_ctrl:
                wlist.append(self.ctrl_w)
            readable, writable, _ = select.select(list(self.fds), wlist, [], min(deadline - now, 1.0))
            for fd in writable:
                buf = self.stdin_buf if fd == self.stdin_fd else self.to_ctrl
                try:
                    n = os.write(fd, buf[:CHUNK])
                except (BrokenPipeError, OSError):
                    n = len(buf)
                del buf[:n]
                if fd == self.stdin_fd and not self.stdin_buf:
                    self._close_stdin()
            for fd in readable:
                try:
                    data = os.read(fd, CHUNK)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    del self.fds[fd]
                    continue
                which = self.fds[fd]
                if which == "ctrl":
                    self.ctrl_buf += data
                    if len(self.ctrl_buf) > self.limits["output_bytes"] + 65536:
                        raise Stop("output_limit", "return value larger than the output limit")
                    continue
                self.total += len(data)
                if self.total > self.limits["output_bytes"]:
                    raise Stop("output_limit", f"output limit exceeded ({self.limits['output_bytes']} bytes)")
                (self.out if which == "out" else self.err).extend(data)

    def _wait(self, deadline):
        while self.proc.poll() is None:
            if time.monotonic() >= deadline:
                raise Stop("timeout", "time limit exceeded")
            time.sleep(0.002)

    def _exit_reason(self):
        try:
            rc = self.proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            return "the candidate closed its result channel without answering"
        return describe_exit(rc, self.err)

    def close(self):
        """Close every pipe to the process (after it was killed)."""
        for stream in (self.proc.stdout, self.proc.stderr, self.proc.stdin):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        for fd in (self.ctrl_r, self.ctrl_w):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.ctrl_r = self.ctrl_w = None

    def stderr_tail(self):
        return self.err[-1500:].decode("utf-8", "replace")


def describe_exit(rc, err=b""):
    if rc is not None and rc < 0:
        sig = -rc
        if sig == signal.SIGKILL:
            return "killed by SIGKILL (memory limit reached?)"
        try:
            return f"killed by signal {signal.Signals(sig).name}"
        except ValueError:
            return f"killed by signal {sig}"
    if b"MemoryError" in bytes(err[-4000:]):
        return f"exited with code {rc} after a MemoryError"
    return f"exited with code {rc} before returning a result"


def exit_kind(rc, err=b""):
    if rc == -signal.SIGKILL or b"MemoryError" in bytes(err[-4000:]):
        return "memory"
    return "exited"
