"""Helpers for tests and benchmarks: a real uvicorn server on 127.0.0.1 in a thread."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Iterator

from graders.service.config import ServiceConfig
from graders.service.server import make_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(config: ServiceConfig, port: int | None = None,
                   startup_timeout_s: float = 30.0) -> Iterator[str]:
    """Serve `config` on a free loopback port in a background thread; yields the base URL.

    Leaving the block asks uvicorn to shut down gracefully and waits for it."""
    port = port or free_port()
    server = make_server(config, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, name="verigrade-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=config.deadline_s + 30)


@contextlib.contextmanager
def served_subprocess(args: list[str], port: int | None = None, startup_timeout_s: float = 90.0,
                      env: dict[str, str] | None = None) -> Iterator[tuple[str, "subprocess.Popen"]]:
    """Run `verigrade serve ARGS --port PORT` in a child process; yields (base URL, process).

    Leaving the block sends SIGTERM (graceful shutdown) and waits; a child that won't stop is killed."""
    import subprocess
    import sys
    import tempfile

    import httpx

    port = port or free_port()
    log = tempfile.TemporaryFile(mode="w+")  # a pipe nobody reads could fill up and block the server
    proc = subprocess.Popen([sys.executable, "-m", "graders.cli", "serve", *args, "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout_s
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"verigrade serve did not start: {log.read()[-3000:]}")
            time.sleep(0.1)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
