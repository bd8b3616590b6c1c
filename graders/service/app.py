"""The app factory: `create_app(config)` wires routes, guards, metrics and the grading engine."""
from __future__ import annotations

import time
from contextlib import asynccontextmanager

from fastapi import FastAPI

from graders.service import openai_api, openrlhf, routes, sandboxfusion
from graders.service.config import ServiceConfig
from graders.service.errors import install_error_handlers
from graders.service.grading import GradingEngine
from graders.service.limits import Admission, GuardMiddleware
from graders.service.metrics import ServiceMetrics


def pool_stats() -> dict[str, int]:
    from graders import pool

    shared = pool._POOL
    if shared is None:
        return {"size": 0}
    return {**shared.stats, "size": shared.size}


def create_app(config: ServiceConfig) -> FastAPI:
    """A FastAPI app serving `config.graders` (see docs/serving.md for every route)."""
    metrics = ServiceMetrics(pool_stats)
    metrics.queue_limit.set(config.max_queue)
    admission = Admission(config.max_queue, on_change=metrics.queue_depth.set)
    engine = GradingEngine(config, metrics, admission)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if config.workers:
            from graders.pool import configure_pool

            configure_pool(size=config.workers)
        yield
        engine.shutdown()

    app = FastAPI(title="verigrade", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.config, app.state.engine, app.state.metrics = config, engine, metrics
    install_error_handlers(app)
    app.include_router(routes.make_router(engine, config, pool_stats))
    request_graders = openai_api.RequestGraders(config.graders, config.grader_cache_size,
                                                config.allow_request_judge_models)
    app.include_router(openai_api.make_router(engine, request_graders, routes.read_json))
    app.include_router(openrlhf.make_router(engine, config, routes.read_json))
    app.include_router(sandboxfusion.make_router(admission, routes.read_json))

    app.add_middleware(CountRequests, metrics=metrics)
    app.add_middleware(GuardMiddleware, token=config.token, max_body_bytes=config.max_body_bytes,
                       on_reject=lambda reason: metrics.rejected.labels(reason).inc())
    return app


class CountRequests:
    """Requests by route template and status, and their latency (pure ASGI: no per-request task)."""

    def __init__(self, app, metrics: ServiceMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def send_and_note(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            name = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(name, str(status)).inc()
            self.metrics.request_seconds.labels(name).observe(time.perf_counter() - start)


def _version() -> str:
    from graders import __version__

    return __version__
