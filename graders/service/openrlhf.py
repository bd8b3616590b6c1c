"""OpenRLHF's remote reward model protocol: `POST /get_reward`.

Request `{"query": [...], "prompts": [...], "labels": [...]}` (parallel lists; `query` is prompt + response
decoded with special tokens kept); answer `{"rewards": [...], "scores": [...], "extra_logs": {...}}`, each list
as long as the request. The grader is the one chosen at start (`--openrlhf-grader`, or the only one served).

The response graded is the query with the prompt taken off the front (after any leading special tokens) and
end-of-turn / padding tokens taken off the end. A query that doesn't contain its prompt is graded as an
`error` (reward 0): grading the whole text would let answers written in the prompt (few-shot examples, the
question itself) earn reward.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from graders.result import STATUSES, GradeResult
from graders.service.config import ServiceConfig
from graders.service.errors import ServiceError

PROMPT_SEARCH_WINDOW = 64   # characters of leading special tokens (BOS, template markers) allowed before the prompt


def response_of(query: str, prompt: str | None, strip_tokens: tuple[str, ...]) -> str | None:
    """The response part of `query` (None if the prompt can't be found at its front)."""
    text = query
    if prompt:
        at = query.find(prompt, 0, len(prompt) + PROMPT_SEARCH_WINDOW)
        if at < 0:
            return None
        text = query[at + len(prompt):]
    changed = True
    while changed:  # EOS then padding, possibly repeated
        changed = False
        stripped = text.rstrip()
        for token in strip_tokens:
            if token and stripped.endswith(token):
                text, changed = stripped[: -len(token)], True
    return text


def item_for(label: Any, prompt: str | None, label_key: str) -> dict[str, Any]:
    item = dict(label) if isinstance(label, dict) else {label_key: label}
    if prompt is not None:
        item.setdefault("prompt", prompt)
    return item


def make_router(engine, config: ServiceConfig, read_json) -> APIRouter:
    router = APIRouter()

    @router.post("/get_reward")
    async def get_reward(request: Request) -> dict[str, Any]:
        grader = config.reward_grader()
        if grader is None:
            raise ServiceError(400, "this server serves several graders: start it with --openrlhf-grader NAME "
                               "to choose the one behind /get_reward", code="no_reward_grader")
        body = await read_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("query"), list):
            raise ServiceError(422, "expected {\"query\": [...], \"prompts\": [...], \"labels\": [...]}",
                               param="query", code="invalid_value")
        queries = body["query"]
        n = len(queries)
        prompts = body.get("prompts")
        labels = body.get("labels")
        prompts = [None] * n if prompts is None else prompts
        labels = [None] * n if labels is None else labels
        for name, values in (("prompts", prompts), ("labels", labels)):
            if not isinstance(values, list) or len(values) != n:
                raise ServiceError(422, f"'{name}' must be a list as long as 'query' ({n})", param=name,
                                   code="invalid_value")
        if n > config.max_batch:
            raise ServiceError(422, f"{n} queries exceed the batch limit of {config.max_batch}", param="query",
                               code="batch_too_large")
        if n == 0:
            return {"rewards": [], "scores": [], "extra_logs": {}}
        rows, skipped = [], {}
        for i, (query, prompt, label) in enumerate(zip(queries, prompts, labels)):
            if not isinstance(query, str) or (prompt is not None and not isinstance(prompt, str)):
                skipped[i] = GradeResult.failure("error", "query and prompt must be strings", "sample_parse_error")
                continue
            response = response_of(query, prompt, config.strip_tokens)
            if response is None:
                skipped[i] = GradeResult.failure("error", "the prompt was not found at the start of the query; "
                                                 "not grading the whole query", "sample_parse_error")
                continue
            rows.append((i, (response, item_for(label, prompt, config.label_key))))
        graded = await engine.grade(grader, [row for _, row in rows]) if rows else []
        results: list[GradeResult] = [None] * n  # type: ignore[list-item]
        for (i, _), res in zip(rows, graded):
            results[i] = res
        for i, res in skipped.items():
            results[i] = res
        if skipped:
            engine.metrics.observe_results(grader.name, list(skipped.values()))
        rewards = [float(r.score) for r in results]
        extra: dict[str, list[float]] = {f"verigrade/{s}": [float(r.status == s) for r in results]
                                         for s in STATUSES}
        if grader.type == "multi":
            for child in grader.spec.get("graders", {}):
                extra[f"verigrade/{child}"] = [float(r.children[child].score) if child in r.children else 0.0
                                               for r in results]
        return {"rewards": rewards, "scores": list(rewards), "extra_logs": extra}

    return router
