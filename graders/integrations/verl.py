"""verl adapter: an async `compute_score` that grades on a `verigrade serve` service.

verl has no "reward URL" setting; its reward loop calls a custom `compute_score` for every sample, awaiting
it when it is an `async def` (as here). Point verl at this module and say which service and grader to use:

    reward:
      custom_reward_function:
        path: /path/to/site-packages/graders/integrations/verl.py     # or a copy of it
        name: compute_score
        reward_kwargs: {url: "http://grading-host:8000", grader: gsm8k}

(`url` and `grader` may instead come from `$VERIGRADE_URL` and `$VERIGRADE_GRADER`; the bearer token from
`token_env`, default `$VERIGRADE_TOKEN`.) With verl's legacy top-level `custom_reward_function.*` keys the
same fields apply.

What is graded: `solution_str` (verl passes the response only, without the prompt) as the sample, and as
the item `ground_truth` itself when it is an object, else `{"answer": ground_truth}` (`label_key` changes
the key), plus `data_source` and the JSON-serialisable part of `extra_info`. It returns
`{"score": float, "verigrade_ok": 0|1}`: verl logs every key and needs the same keys for every sample.

Calls that arrive together (verl runs one asyncio task per sample) are sent as one batch request per event
loop: each call waits at most `BATCH_WINDOW_S` for others to join it. A service that stays unreachable
after the client's retries raises, so a training step never runs on made-up rewards.
"""
from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from graders.service.client import AsyncGraderClient

BATCH_WINDOW_S = 0.005
MAX_BATCH = 1024


class _Batcher:
    """Collects (sample, item) pairs on one event loop and grades them in batch requests."""

    def __init__(self, url: str, grader: str, token: str | None):
        self.loop = asyncio.get_running_loop()
        self.client = AsyncGraderClient(url, token=token)
        self.grader = grader
        self.pending: list[tuple[tuple[Any, dict[str, Any]], asyncio.Future]] = []
        self.flusher: asyncio.Task | None = None

    async def grade(self, sample: Any, item: dict[str, Any]):
        fut = asyncio.get_running_loop().create_future()
        self.pending.append(((sample, item), fut))
        if len(self.pending) >= MAX_BATCH:
            self._flush_now()
        elif self.flusher is None:
            self.flusher = asyncio.ensure_future(self._flush_later())
        return await fut

    async def _flush_later(self) -> None:
        await asyncio.sleep(BATCH_WINDOW_S)
        self.flusher = None
        self._flush_now()

    def _flush_now(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            asyncio.ensure_future(self._send(batch))

    async def _send(self, batch) -> None:
        try:
            results = await self.client.grade(self.grader, [pair for pair, _ in batch])
        except Exception as exc:  # noqa: BLE001 - every waiting call gets the failure
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for (_, fut), res in zip(batch, results):
            if not fut.done():
                fut.set_result(res)


_BATCHERS: dict[tuple[str, str, str | None], _Batcher] = {}


def _batcher(url: str, grader: str, token: str | None) -> _Batcher:
    """The batcher of this event loop (an httpx client belongs to the loop that made it)."""
    key = (url, grader, token)
    batcher = _BATCHERS.get(key)
    if batcher is None or batcher.loop is not asyncio.get_running_loop():
        batcher = _BATCHERS[key] = _Batcher(url, grader, token)
    return batcher


def _json_safe(value: Any) -> Any:
    """`value` if it survives JSON (numpy scalars/arrays via tolist()), else None."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        if isinstance(value, dict):
            return {str(k): _json_safe(v) for k, v in value.items() if _json_safe(v) is not None}
        if isinstance(value, (list, tuple)):
            return [_json_safe(v) for v in value]
        return None


def item_for(data_source: Any, ground_truth: Any, extra_info: Any, label_key: str = "answer") -> dict[str, Any]:
    gt = _json_safe(ground_truth)
    item = dict(gt) if isinstance(gt, dict) else {label_key: gt}
    item.setdefault("data_source", data_source)
    if extra_info is not None:
        item.setdefault("extra_info", _json_safe(extra_info))
    return item


async def compute_score(data_source: Any = None, solution_str: str = "", ground_truth: Any = None,
                        extra_info: Any = None, *, url: str | None = None, grader: str | None = None,
                        token_env: str = "VERIGRADE_TOKEN", label_key: str = "answer",
                        **kwargs: Any) -> dict[str, float]:
    """verl's `compute_score` contract, graded by a `verigrade serve` grader (see the module docstring)."""
    url = url or os.environ.get("VERIGRADE_URL")
    grader = grader or os.environ.get("VERIGRADE_GRADER")
    if not url or not grader:
        raise ValueError("graders.integrations.verl.compute_score needs `url` and `grader` (reward_kwargs) or "
                         "$VERIGRADE_URL and $VERIGRADE_GRADER")
    token = os.environ.get(token_env) or None
    result = await _batcher(url, grader, token).grade(solution_str, item_for(data_source, ground_truth,
                                                                             extra_info, label_key))
    return {"score": float(result.score), "verigrade_ok": float(result.status == "ok")}
