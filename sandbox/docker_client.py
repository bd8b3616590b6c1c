"""The Docker SDK client, and a clear error when no daemon answers."""
from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_clients: dict[int, object] = {}


class DockerUnavailable(RuntimeError):
    """No Docker daemon answers (or the `docker` SDK is missing). The message says what to do."""


class DockerSDKMissing(DockerUnavailable):
    """The `docker` Python package is not installed."""


HOW_TO_GET_DOCKER = (
    "start the daemon as root with `python -m sandbox.ensure` (installs docker.io if missing, starts dockerd, "
    "builds the image), or point DOCKER_HOST at a running daemon"
)


def get_client(timeout_s: float = 120.0):
    """A `docker.DockerClient` for this process (one per pid, so forked children get their own)."""
    pid = os.getpid()
    with _lock:
        client = _clients.get(pid)
        if client is not None:
            return client
        try:
            import docker
        except ImportError as exc:
            raise DockerSDKMissing(f"the `docker` Python package is not installed ({exc}); pip install docker") from None
        try:
            client = docker.from_env(timeout=int(timeout_s), max_pool_size=32)
            client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure here means "no daemon"
            raise DockerUnavailable(f"no Docker daemon answers ({_short(exc)}); {HOW_TO_GET_DOCKER}") from None
        _clients[pid] = client
        return client


def forget_client() -> None:
    """Drop the cached client (after starting a daemon, so the next call reconnects)."""
    with _lock:
        _clients.pop(os.getpid(), None)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
