"""Python client for `verigrade serve` (httpx; sync and async). Retries 429 and 503 with backoff.

    from graders.service.client import GraderClient
    with GraderClient("http://127.0.0.1:8000", token=os.environ.get("VERIGRADE_TOKEN")) as c:
        results = c.grade("gsm8k", [("The answer is 4", {"answer": "#### 4"})])   # list[GradeResult]

429 (queue full) and 503 (shutting down, too many connections) are retried after the server's
`Retry-After` (else exponential backoff with jitter), as are connection errors: grading is a pure function
of (grader, sample, item), so a retried request cannot double-count anything. Other errors raise
`ServiceRequestError` carrying the server's error envelope.
"""
from __future__ import annotations

import asyncio
import random
import time
from typing import Any, Iterable
from urllib.parse import urlsplit

import httpx
import orjson

from graders.result import GradeResult

RETRY_STATUSES = frozenset({429, 502, 503, 504})
DEFAULT_TIMEOUT_S = 300.0
BATCH_SIZE = 1024          # rows per request; larger batches are split (the server's default limit is 4096)


_JSON = {"Content-Type": "application/json"}


def _body(payload: Any) -> bytes | None:
    return None if payload is None else orjson.dumps(payload)


class ServiceRequestError(Exception):
    """A non-retryable error answer (or retries exhausted): HTTP status plus the error envelope."""

    def __init__(self, status: int, error: dict[str, Any]):
        self.status = status
        self.error = error
        self.code = error.get("code")
        super().__init__(f"HTTP {status}: {error.get('message', error)}")


def split_grader_url(url: str) -> tuple[str, str | None]:
    """`http://h:8000/v1/graders/gsm8k[/grade]` -> (`http://h:8000`, `gsm8k`); a bare base URL -> (url, None)."""
    parts = urlsplit(url.rstrip("/"))
    path = parts.path
    name = None
    marker = "/v1/graders/"
    if marker in path:
        head, _, rest = path.partition(marker)
        name = rest.split("/")[0] or None
        path = head
    elif path.endswith("/v1"):
        path = path[: -len("/v1")]
    return f"{parts.scheme}://{parts.netloc}{path}", name


def as_rows(pairs: Iterable[Any]) -> list[Any]:
    """`(sample, item)` tuples become `{"sample", "item"}` objects; other rows pass through unchanged."""
    return [{"sample": p[0], "item": p[1]} if isinstance(p, tuple) and len(p) == 2 else p for p in pairs]


class _Retrying:
    def __init__(self, base_url: str, token: str | None, timeout_s: float, max_retries: int,
                 backoff_s: float, max_backoff_s: float):
        self.base_url, _ = split_grader_url(base_url)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = httpx.Timeout(timeout_s, connect=10.0)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.retries_done = 0   # total over the client's life (for tests and logs)

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            header = response.headers.get("retry-after")
            if header and header.strip().replace(".", "", 1).isdigit():
                return min(float(header), 60.0) + random.uniform(0, 0.1)
        base = min(self.max_backoff_s, self.backoff_s * 2 ** attempt)
        return base * random.uniform(0.5, 1.0)

    @staticmethod
    def result(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                error = orjson.loads(response.content).get("error") or {"message": response.text}
            except (ValueError, AttributeError):
                error = {"message": response.text[:500]}
            raise ServiceRequestError(response.status_code, error)
        return orjson.loads(response.content)

    @staticmethod
    def grade_path(grader: str) -> str:
        return f"/v1/graders/{grader}/grade"


class GraderClient(_Retrying):
    """Synchronous client. `grade()` answers `GradeResult`s in input order."""

    def __init__(self, base_url: str = "http://127.0.0.1:8000", token: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, max_retries: int = 8, backoff_s: float = 0.25,
                 max_backoff_s: float = 10.0):
        super().__init__(base_url, token, timeout_s, max_retries, backoff_s, max_backoff_s)
        self.http = httpx.Client(base_url=self.base_url, headers=self.headers, timeout=self.timeout)

    def request(self, method: str, path: str, json: Any = None) -> Any:
        for attempt in range(self.max_retries + 1):
            response = None
            try:
                response = self.http.request(method, path, content=_body(json), headers=_JSON)
                if response.status_code not in RETRY_STATUSES or attempt == self.max_retries:
                    return self.result(response)
            except httpx.TransportError:
                if attempt == self.max_retries:
                    raise
            self.retries_done += 1
            time.sleep(self.delay(attempt, response))
        raise AssertionError("unreachable")

    def grade(self, grader: str, pairs: Iterable[Any], batch_size: int = BATCH_SIZE) -> list[GradeResult]:
        rows = as_rows(pairs)
        out: list[GradeResult] = []
        for i in range(0, len(rows), batch_size):
            body = self.request("POST", self.grade_path(grader), rows[i:i + batch_size])
            out.extend(GradeResult.from_json(r) for r in body["results"])
        return out

    def run(self, grader: dict[str, Any], model_sample: str, item: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"grader": grader, "model_sample": model_sample}
        if item is not None:
            body["item"] = item
        return self.request("POST", "/v1/fine_tuning/alpha/graders/run", body)

    def validate(self, grader: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", "/v1/fine_tuning/alpha/graders/validate", {"grader": grader})

    def get_reward(self, queries: list[str], prompts: list[str], labels: list[Any]) -> dict[str, Any]:
        return self.request("POST", "/get_reward", {"query": queries, "prompts": prompts, "labels": labels})

    def healthz(self) -> dict[str, Any]:
        return self.request("GET", "/healthz")

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GraderClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncGraderClient(_Retrying):
    """Asynchronous client (one per event loop); same methods as `GraderClient`, awaited."""

    def __init__(self, base_url: str = "http://127.0.0.1:8000", token: str | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, max_retries: int = 8, backoff_s: float = 0.25,
                 max_backoff_s: float = 10.0, max_connections: int = 256):
        super().__init__(base_url, token, timeout_s, max_retries, backoff_s, max_backoff_s)
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self.http = httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=self.timeout,
                                      limits=limits)

    async def request(self, method: str, path: str, json: Any = None) -> Any:
        for attempt in range(self.max_retries + 1):
            response = None
            try:
                response = await self.http.request(method, path, content=_body(json), headers=_JSON)
                if response.status_code not in RETRY_STATUSES or attempt == self.max_retries:
                    return self.result(response)
            except httpx.TransportError:
                if attempt == self.max_retries:
                    raise
            self.retries_done += 1
            await asyncio.sleep(self.delay(attempt, response))
        raise AssertionError("unreachable")

    async def grade(self, grader: str, pairs: Iterable[Any], batch_size: int = BATCH_SIZE) -> list[GradeResult]:
        rows = as_rows(pairs)
        bodies = await asyncio.gather(*(self.request("POST", self.grade_path(grader), rows[i:i + batch_size])
                                        for i in range(0, len(rows), batch_size)))
        return [GradeResult.from_json(r) for body in bodies for r in body["results"]]

    async def run(self, grader: dict[str, Any], model_sample: str,
                  item: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"grader": grader, "model_sample": model_sample}
        if item is not None:
            body["item"] = item
        return await self.request("POST", "/v1/fine_tuning/alpha/graders/run", body)

    async def validate(self, grader: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/v1/fine_tuning/alpha/graders/validate", {"grader": grader})

    async def get_reward(self, queries: list[str], prompts: list[str], labels: list[Any]) -> dict[str, Any]:
        return await self.request("POST", "/get_reward", {"query": queries, "prompts": prompts, "labels": labels})

    async def healthz(self) -> dict[str, Any]:
        return await self.request("GET", "/healthz")

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncGraderClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
