"""Request guards: bearer auth and body size (an ASGI middleware), and admission control (back-pressure).

Admission counts samples admitted and not yet graded. A request that would push the count past the limit
gets 429 with `Retry-After` (estimated from recent throughput) instead of queueing without bound. A ticket
is released when its grading work really ends, not when the request's deadline answers for it, so work
still running after a deadline keeps counting against the queue.
"""
from __future__ import annotations

import json
import math
import threading
import time
from typing import Any, Callable

from graders.service.auth import OPEN_PATHS, bearer_matches
from graders.service.errors import ServiceError, envelope


class GuardMiddleware:
    """Reject before routing: 401 without the bearer token, 413 for a body over `max_body_bytes`.

    The body is read here (at most `max_body_bytes`) and replayed to the app, so a chunked upload of
    unknown length is cut off at the limit too."""

    def __init__(self, app, token: str | None, max_body_bytes: int, on_reject: Callable[[str], None]):
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.on_reject = on_reject

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if self.token is not None and scope["path"] not in OPEN_PATHS:
            if not bearer_matches(headers.get("authorization", ""), self.token):
                self.on_reject("unauthorized")
                msg = ("missing or invalid bearer token" if headers.get("authorization")
                       else "missing 'Authorization: Bearer <token>' header")
                return await _send_json(send, 401, envelope(msg, code="invalid_api_key"),
                                        {"www-authenticate": "Bearer"})
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            self.on_reject("body_too_large")
            return await _send_json(send, 413, _too_large(self.max_body_bytes))
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body_bytes:
                self.on_reject("body_too_large")
                return await _send_json(send, 413, _too_large(self.max_body_bytes))
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


def _too_large(limit: int) -> dict[str, Any]:
    return envelope(f"request body exceeds the limit of {limit} bytes", code="request_too_large")


async def _send_json(send, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    data = json.dumps(payload).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class Ticket:
    """Admission of `n` samples; `release()` once their grading has really finished (idempotent)."""

    def __init__(self, admission: Admission, n: int):
        self.admission, self.n, self._released = admission, n, False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self.admission._release(self.n)


class Admission:
    """Bounded count of samples in flight; 429 with Retry-After when a request would overflow it."""

    def __init__(self, max_queue: int, on_change: Callable[[int], None] = lambda depth: None):
        self.max_queue = max_queue
        self.depth = 0
        self.on_change = on_change
        self._lock = threading.Lock()
        self._rate = 0.0           # samples per second, exponentially smoothed
        self._last_release = time.monotonic()

    def admit(self, n: int) -> Ticket:
        with self._lock:
            if self.depth + n > self.max_queue:
                retry = self.retry_after_s(n)
                raise ServiceError(429, f"grading queue is full ({self.depth} of {self.max_queue} samples in "
                                   f"flight; this request adds {n}); retry after {retry} s",
                                   code="queue_full", kind="rate_limit_error",
                                   headers={"Retry-After": str(retry)})
            self.depth += n
            depth = self.depth
        self.on_change(depth)
        return Ticket(self, n)

    def retry_after_s(self, n: int) -> int:
        """Seconds until about `n` samples' room frees up at the recent rate (1..60)."""
        excess = self.depth + n - self.max_queue
        if self._rate <= 0:
            return 1
        return int(min(60, max(1, math.ceil(excess / self._rate))))

    def _release(self, n: int) -> None:
        with self._lock:
            self.depth -= n
            depth = self.depth
            now = time.monotonic()
            gap = max(1e-3, now - self._last_release)
            self._last_release = now
            self._rate = 0.8 * self._rate + 0.2 * (n / gap) if self._rate else n / gap
        self.on_change(depth)
