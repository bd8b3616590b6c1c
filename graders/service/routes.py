"""Batch grading for trainers, health and metrics.

`POST /v1/graders/{name}/grade` takes a JSON array of `{"sample": ..., "item": {...}}` rows, or an object
`{"rows": [...]}`, and answers `{"grader": name, "results": [...]}` in input order, each result in the CLI's
JSON form. With `?stream=true` (or `Accept: application/x-ndjson`) it answers NDJSON instead: one
`{"index": i, ...result}` line per row, in order, written chunk by chunk as chunks finish.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from graders.service.config import ServiceConfig
from graders.service.errors import ServiceError

STREAM_CHUNK = 256


def dumps(payload: Any) -> bytes:
    """JSON bytes (orjson: NaN and infinities, never in scores, possible in details, become null)."""
    try:
        return orjson.dumps(payload)
    except TypeError:  # a non-JSON value in some grader's details: stringify it rather than fail the batch
        return json.dumps(payload, ensure_ascii=False, default=str).encode()


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


async def read_json(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:  # the standard library names line and column
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ServiceError(400, f"request body is not valid JSON: line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg}", code="invalid_json") from None
    except UnicodeDecodeError:
        raise ServiceError(400, "request body is not UTF-8", code="invalid_json") from None


def make_router(engine, config: ServiceConfig, pool_stats) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "shutting_down" if engine.closing else "ok", "graders": sorted(config.graders),
                "queue_depth": engine.admission.depth, "queue_limit": engine.admission.max_queue,
                "workers": pool_stats().get("size", 0)}

    @router.get("/metrics")
    async def metrics() -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(engine.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/v1/graders")
    async def list_graders() -> dict[str, Any]:
        return {"graders": [{"name": n, "type": g.type, "spec": g.spec} for n, g in sorted(config.graders.items())]}

    @router.post("/v1/graders/{name}/grade")
    async def grade(name: str, request: Request, stream: bool = False) -> Response:
        grader = config.graders.get(name)
        if grader is None:
            raise ServiceError(404, f"no grader named {name!r} (served: {', '.join(sorted(config.graders))})",
                               param="name", code="grader_not_found")
        body = await read_json(request)
        rows = body.get("rows") if isinstance(body, dict) else body
        if not isinstance(rows, list):
            raise ServiceError(422, "expected a JSON array of {\"sample\", \"item\"} rows (or {\"rows\": [...]})",
                               param="rows", code="invalid_value")
        if len(rows) > config.max_batch:
            raise ServiceError(422, f"{len(rows)} rows exceed the batch limit of {config.max_batch}; "
                               "split the batch", param="rows", code="batch_too_large")
        if stream or "application/x-ndjson" in request.headers.get("accept", ""):
            return await _stream(engine, grader, rows)
        results = await engine.grade(grader, rows)
        return JSONBytes({"grader": name, "results": [r.to_json() for r in results]})

    return router


async def _stream(engine, grader, rows: list[Any]) -> StreamingResponse:
    chunks = engine.grade_chunks(grader, rows, STREAM_CHUNK)
    # admission happens on the first step, so a full queue still answers 429 rather than a broken stream
    try:
        first = await chunks.__anext__()
    except StopAsyncIteration:
        first = None

    async def body():
        if first is None:
            return
        pending = [first]
        while pending:
            offset, results = pending.pop()
            yield b"".join(dumps({"index": offset + k, **r.to_json()}) + b"\n" for k, r in enumerate(results))
            try:
                pending.append(await chunks.__anext__())
            except StopAsyncIteration:
                pass

    return StreamingResponse(body(), media_type="application/x-ndjson")
