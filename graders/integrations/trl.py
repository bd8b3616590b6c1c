"""TRL adapter: `reward_function(spec)` returns a callable with TRL's reward-function contract.

    from trl import GRPOTrainer
    from graders.integrations.trl import reward_function
    trainer = GRPOTrainer(model=..., reward_funcs=[reward_function("grader_specs/gsm8k.json")], ...)

TRL calls it as `f(prompts=..., completions=..., completion_ids=..., **dataset_columns)` and gets one
float per completion; `None` (TRL: "not applicable", excluded) for rows whose reference can't be parsed
(`invalid_reference`: a data bug, not the policy's fault). Every other status is the grader's score (0 for
`error`, `timeout`, `no_answer`, `rejected`). Status rates and sub-grader means are logged through TRL's
`log_metric`, statuses and reasons through `log_extra`.

A URL of a `verigrade serve` grader grades on that service instead of in the trainer process:

    reward_function("http://host:8000/v1/graders/gsm8k")                     # sync (RemoteGraderReward)
    reward_function("http://host:8000/v1/graders/gsm8k", asynchronous=True)  # an `async def` function

TRL awaits async reward functions concurrently with each other (it detects them with
`inspect.iscoroutinefunction`, so the async variant is a plain `async def`, not an object). The token comes
from `token=` or `$VERIGRADE_TOKEN`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

from graders.base import Grader
from graders.result import STATUSES, GradeResult
from graders.spec import load_grader, read_spec

_TRL_KWARGS = ("trainer_state", "log_extra", "log_metric", "environments", "completion_ids")


class GraderReward:
    """A picklable TRL reward function backed by a verigrade grader (loaded lazily in each process)."""

    def __init__(self, spec: str | Path | dict[str, Any], workers: int | None = None,
                 invalid_reference_reward: float | None = None, name: str | None = None):
        self.spec, _ = read_spec(spec)
        self.workers = workers
        self.invalid_reference_reward = invalid_reference_reward
        self._grader: Grader | None = None
        self.__name__ = name or self.grader.name
        self.last_results: list[GradeResult] = []

    @property
    def grader(self) -> Grader:
        if self._grader is None:
            self._grader = load_grader(self.spec)
        return self._grader

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_grader"] = None
        state["last_results"] = []
        return state

    def __call__(self, prompts: list[Any] | None = None, completions: list[Any] | None = None,
                 **kwargs: Any) -> list[float | None]:
        pairs = trl_pairs(prompts, completions, kwargs)
        results = self.grader.grade_batch(pairs, workers=self.workers)
        self.last_results = results
        return trl_rewards(results, self.__name__, self.invalid_reference_reward, kwargs)

    def __repr__(self) -> str:
        return f"GraderReward({self.__name__!r}, spec={json.dumps(self.spec)[:80]}...)"


def trl_pairs(prompts: list[Any] | None, completions: list[Any] | None,
              kwargs: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """`(completion, item)` pairs: each item holds the row's dataset columns and its prompt."""
    completions = list(completions or [])
    n = len(completions)
    columns = {k: v for k, v in kwargs.items() if k not in _TRL_KWARGS and isinstance(v, (list, tuple))
               and len(v) == n}
    items = []
    for i in range(n):
        item = {k: v[i] for k, v in columns.items()}
        if prompts is not None and "prompt" not in item:
            item["prompt"] = prompts[i]
        items.append(item)
    return list(zip(completions, items))


def trl_rewards(results: list[GradeResult], name: str, invalid_reference_reward: float | None,
                kwargs: dict[str, Any]) -> list[float | None]:
    """TRL rewards for results (None for `invalid_reference`), logging status rates and sub-grader means."""
    log_metric, log_extra = kwargs.get("log_metric"), kwargs.get("log_extra")
    n = len(results)
    rewards: list[float | None] = [
        invalid_reference_reward if r.status == "invalid_reference" else r.score for r in results
    ]
    if callable(log_metric) and results:
        for status in STATUSES:
            if status != "ok":
                log_metric(f"{name}/{status}_rate", sum(r.status == status for r in results) / n)
        for child in results[0].children:
            scores = [r.children[child].score for r in results if child in r.children]
            log_metric(f"{name}/{child}/mean", sum(scores) / max(1, len(scores)))
    if callable(log_extra):
        log_extra(f"{name}_status", [r.status for r in results])
        log_extra(f"{name}_reason", [r.reason[:200] for r in results])
    return rewards


class RemoteGraderReward:
    """A picklable TRL reward function that grades on a `verigrade serve` service (one batch per call)."""

    def __init__(self, url: str, token: str | None = None, invalid_reference_reward: float | None = None,
                 name: str | None = None, timeout_s: float = 300.0):
        from graders.service.client import split_grader_url

        self.base_url, grader = split_grader_url(url)
        if not grader:
            raise ValueError(f"{url!r} names no grader: use http://HOST:PORT/v1/graders/NAME")
        self.grader_name = grader
        self.token = token if token is not None else os.environ.get("VERIGRADE_TOKEN") or None
        self.invalid_reference_reward = invalid_reference_reward
        self.timeout_s = timeout_s
        self.__name__ = name or grader
        self.last_results: list[GradeResult] = []
        self._client = None

    def _sync_client(self):
        from graders.service.client import GraderClient

        if self._client is None:
            self._client = GraderClient(self.base_url, token=self.token, timeout_s=self.timeout_s)
        return self._client

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None, "last_results": []}

    def __call__(self, prompts: list[Any] | None = None, completions: list[Any] | None = None,
                 **kwargs: Any) -> list[float | None]:
        pairs = trl_pairs(prompts, completions, kwargs)
        results = self._sync_client().grade(self.grader_name, pairs) if pairs else []
        self.last_results = results
        return trl_rewards(results, self.__name__, self.invalid_reference_reward, kwargs)

    def as_async(self) -> Callable[..., Any]:
        """The same reward as an `async def` function (for TRL's concurrent async reward functions)."""
        from graders.service.client import AsyncGraderClient

        remote = self

        async def reward(prompts: list[Any] | None = None, completions: list[Any] | None = None,
                         **kwargs: Any) -> list[float | None]:
            pairs = trl_pairs(prompts, completions, kwargs)
            results: list[GradeResult] = []
            if pairs:  # one client per call: TRL's reward loop lives in its own thread and event loop
                async with AsyncGraderClient(remote.base_url, token=remote.token, timeout_s=remote.timeout_s) as c:
                    results = await c.grade(remote.grader_name, pairs)
            remote.last_results = results
            return trl_rewards(results, remote.__name__, remote.invalid_reference_reward, kwargs)

        reward.__name__ = reward.__qualname__ = self.__name__
        reward.remote = self  # type: ignore[attr-defined]
        return reward

    def __repr__(self) -> str:
        return f"RemoteGraderReward({self.__name__!r}, {self.base_url}/v1/graders/{self.grader_name})"


def is_url(spec: Any) -> bool:
    return isinstance(spec, str) and spec.startswith(("http://", "https://"))


def reward_function(spec: str | Path | dict[str, Any], workers: int | None = None,
                    invalid_reference_reward: float | None = None, name: str | None = None,
                    asynchronous: bool = False, token: str | None = None) -> Any:
    """A TRL reward function for a grader spec (path or dict) or a served grader's URL.

    Named after the grader for TRL's logs. For a URL, `asynchronous=True` returns an `async def` variant;
    `token` (default `$VERIGRADE_TOKEN`) is the service's bearer token."""
    if is_url(spec):
        remote = RemoteGraderReward(str(spec), token=token, invalid_reference_reward=invalid_reference_reward,
                                    name=name)
        return remote.as_async() if asynchronous else remote
    if asynchronous:
        raise ValueError("asynchronous=True needs a service URL; local graders run synchronously")
    return GraderReward(spec, workers=workers, invalid_reference_reward=invalid_reference_reward, name=name)
