"""SandboxFusion's `POST /run_code` and `GET /v1/ping` on `verigrade serve`, so a verl config whose
`sandbox_fusion.url` points here works for the common path. The work is `sandbox.sandboxfusion.run_code`
(the same hardened containers as `unit_tests`); requests share the service's admission queue (429 when full).
"""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from graders.service.limits import Admission
from sandbox.sandboxfusion import RunCodeError, run_code, validated_request


def make_router(admission: Admission, read_json) -> APIRouter:
    router = APIRouter()

    @router.post("/run_code")
    async def run_code_route(request: Request) -> dict:
        body = await read_json(request)
        try:
            checked = validated_request(body)
        except RunCodeError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        ticket = admission.admit(1)
        try:
            return await run_in_threadpool(run_code, checked)
        finally:
            ticket.release()

    @router.get("/v1/ping", response_class=PlainTextResponse)
    async def ping() -> str:
        return "pong"

    return router
