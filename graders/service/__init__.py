"""Grading as a service: `verigrade serve` (FastAPI on uvicorn) and its python client.

    from graders.service import ServiceConfig, create_app      # the ASGI app (imports FastAPI)
    from graders.service.client import GraderClient            # httpx client; needs no FastAPI

Modules: `config` (what is served, limits), `app` (the app factory), `routes` (batch grading, health,
metrics), `openai_api` (OpenAI's graders run/validate), `openrlhf` (`/get_reward`), `auth`, `limits`,
`metrics`, `grading` (the thread pool / Ray executor behind every route), `server` (uvicorn), `client`.
"""
from __future__ import annotations

from typing import Any

__all__ = ["ServiceConfig", "create_app", "load_served_graders"]


def __getattr__(name: str) -> Any:  # lazy: the client must not import FastAPI
    if name == "create_app":
        from graders.service.app import create_app

        return create_app
    if name in ("ServiceConfig", "load_served_graders"):
        from graders.service import config

        return getattr(config, name)
    raise AttributeError(name)
