"""OpenAI's graders API: `POST /v1/fine_tuning/alpha/graders/run` and `/validate`.

The grader arrives in the request (as with OpenAI). Bodies, the run response and the error envelope follow
openai-python / openai-openapi; `reference_answer` (openai-python 1.78-1.82) is accepted in place of `item`.
Unknown top-level keys are refused (400), as the real API refuses unknown parameters, so a typo never
grades silently against defaults.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request

from graders.base import Grader
from graders.models.routing import canonical_model
from graders.service.errors import ServiceError
from graders.spec import SpecError, build_grader, validate_spec

JUDGE_TYPES = ("score_model", "label_model", "judge")


def pointer_to_param(pointer: str) -> str:
    """`/graders/a/operation` -> `grader.graders.a.operation` (OpenAI's `param` spelling)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/") if p]
    return ".".join(["grader", *parts])


class RequestGraders:
    """Builds and caches graders that arrive in requests; enforces the judge-model policy."""

    def __init__(self, served: dict[str, Grader], cache_size: int, allow_any_judge_model: bool):
        self.cache: OrderedDict[str, Grader] = OrderedDict()
        self.cache_size = cache_size
        self.allow_any_judge_model = allow_any_judge_model
        self._lock = threading.Lock()
        self._resolve = canonical_model
        self.allowed_models = {"local:default"} | {
            canonical_model(spec.get("model")) for g in served.values() for spec in _walk_specs(g.spec)
            if spec.get("type") in JUDGE_TYPES}

    def build(self, spec: Any) -> Grader:
        if not isinstance(spec, dict):
            raise ServiceError(400, "'grader' must be a JSON object", param="grader", code="invalid_type")
        key = json.dumps(spec, sort_keys=True)
        with self._lock:
            grader = self.cache.get(key)
            if grader is not None:
                self.cache.move_to_end(key)
                return grader
        problems = validate_spec(spec)
        if problems:
            where, _, _ = problems[0].partition(": ")
            raise ServiceError(400, "invalid grader: " + "; ".join(problems[:10]), param=pointer_to_param(where),
                               code="invalid_grader")
        self._check_models(spec)
        try:
            grader = build_grader(spec)
        except SpecError as exc:
            where = exc.errors[0].partition(": ")[0] if exc.errors else ""
            raise ServiceError(400, f"invalid grader: {exc}", param=pointer_to_param(where) if where.startswith("/")
                               else "grader", code="invalid_grader") from None
        with self._lock:
            self.cache[key] = grader
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        return grader

    def _check_models(self, spec: dict[str, Any]) -> None:
        if self.allow_any_judge_model:
            return
        for sub in _walk_specs(spec):
            if sub.get("type") in JUDGE_TYPES and self._resolve(sub.get("model")) not in self.allowed_models:
                raise ServiceError(400, f"judge model {sub.get('model')!r} is not allowed for graders sent in "
                                   "requests (allowed: the embedded local model and the models of the served "
                                   "graders; start the server with --allow-request-judge-models to lift this)",
                                   param="grader.model", code="model_not_allowed")


def _walk_specs(spec: Any):
    if isinstance(spec, dict):
        if "type" in spec:
            yield spec
        for value in spec.values():
            if isinstance(value, (dict, list)):
                yield from _walk_specs(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _walk_specs(value)


def make_router(engine, request_graders: RequestGraders, read_json) -> APIRouter:
    router = APIRouter()

    @router.post("/v1/fine_tuning/alpha/graders/run")
    async def run(request: Request) -> dict[str, Any]:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ServiceError(400, "the request body must be a JSON object", code="invalid_type")
        unknown = sorted(set(body) - {"grader", "model_sample", "item", "reference_answer"})
        if unknown:
            raise ServiceError(400, f"unrecognized request argument supplied: {', '.join(unknown)}",
                               param=unknown[0], code="unknown_parameter")
        if "grader" not in body:
            raise ServiceError(400, "missing required parameter: 'grader'", param="grader", code="missing_required_parameter")
        if not isinstance(body.get("model_sample"), str):
            raise ServiceError(400, "'model_sample' is required and must be a string", param="model_sample",
                               code="missing_required_parameter" if "model_sample" not in body else "invalid_type")
        grader = request_graders.build(body["grader"])
        item = item_of(body)
        [result] = await engine.grade(grader, [(body["model_sample"], item)])
        return result.to_openai_run(grader.name, grader.type)   # OpenAI's RunGraderResponse, as the CLI writes it

    @router.post("/v1/fine_tuning/alpha/graders/validate")
    async def validate(request: Request) -> dict[str, Any]:
        body = await read_json(request)
        if not isinstance(body, dict) or "grader" not in body:
            raise ServiceError(400, "missing required parameter: 'grader'", param="grader",
                               code="missing_required_parameter")
        unknown = sorted(set(body) - {"grader"})
        if unknown:
            raise ServiceError(400, f"unrecognized request argument supplied: {', '.join(unknown)}",
                               param=unknown[0], code="unknown_parameter")
        request_graders.build(body["grader"])
        return {"grader": body["grader"]}

    return router


def item_of(body: dict[str, Any]) -> dict[str, Any]:
    """`item`, else the old `reference_answer` (as `item.reference_answer`, its keys too if an object)."""
    if body.get("item") is not None:
        item = body["item"]
        if not isinstance(item, dict):
            raise ServiceError(400, "'item' must be a JSON object", param="item", code="invalid_type")
        return item
    if "reference_answer" in body:
        ref = body["reference_answer"]
        return {**ref, "reference_answer": ref} if isinstance(ref, dict) else {"reference_answer": ref}
    return {}
