"""Run the service on uvicorn (single process: grading parallelism lives in the worker pool)."""
from __future__ import annotations

import signal
import threading

import uvicorn

from graders.service.app import create_app
from graders.service.auth import check_bind
from graders.service.config import ServiceConfig

MAX_CONNECTIONS = 2048   # uvicorn answers 503 above this many open connections (the client retries)


def make_server(config: ServiceConfig, host: str = "127.0.0.1", port: int = 8000,
                log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for `config` (refuses a non-loopback host without a token).

    On SIGTERM/SIGINT it stops accepting connections, finishes in-flight requests (for up to the request
    deadline plus 5 s), waits for grading still running, then exits."""
    check_bind(host, config.token)
    app = create_app(config)
    uv_config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                               limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=30,
                               timeout_graceful_shutdown=int(config.deadline_s) + 5, lifespan="on")
    return uvicorn.Server(uv_config)


def serve(config: ServiceConfig, host: str = "127.0.0.1", port: int = 8000, log_level: str = "warning") -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully and return (exit status 0, atexit runs)."""
    server = make_server(config, host, port, log_level)
    if threading.current_thread() is not threading.main_thread():
        server.run()
        return
    # uvicorn re-raises the signal after its graceful shutdown; with these handlers in place that re-raise
    # is a no-op, so the process ends normally (the worker pool's atexit clean-up runs)
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
