"""TRL adapter: `reward_function(spec)` returns a callable with TRL's reward-function contract.

    from trl import GRPOTrainer
    from graders.integrations.trl import reward_function
    trainer = GRPOTrainer(model=..., reward_funcs=[reward_function("grader_specs/gsm8k.json")], ...)

TRL calls it as `f(prompts=..., completions=..., completion_ids=..., **dataset_columns)` and gets one
float per completion; `None` (TRL: "not applicable", excluded) for rows whose reference can't be parsed
(`invalid_reference`: a data bug, not the policy's fault). Every other status is the grader's score (0 for
`error`, `timeout`, `no_answer`, `rejected`). Status rates and sub-grader means are logged through TRL's
`log_metric`, statuses and reasons through `log_extra`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
        log_metric, log_extra = kwargs.get("log_metric"), kwargs.get("log_extra")
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
        results = self.grader.grade_batch(list(zip(completions, items)), workers=self.workers)
        self.last_results = results
        rewards: list[float | None] = [
            self.invalid_reference_reward if r.status == "invalid_reference" else r.score for r in results
        ]
        if callable(log_metric) and results:
            for status in STATUSES:
                if status != "ok":
                    log_metric(f"{self.__name__}/{status}_rate", sum(r.status == status for r in results) / n)
            for child in results[0].children:
                scores = [r.children[child].score for r in results if child in r.children]
                log_metric(f"{self.__name__}/{child}/mean", sum(scores) / max(1, len(scores)))
        if callable(log_extra):
            log_extra(f"{self.__name__}_status", [r.status for r in results])
            log_extra(f"{self.__name__}_reason", [r.reason[:200] for r in results])
        return rewards

    def __repr__(self) -> str:
        return f"GraderReward({self.__name__!r}, spec={json.dumps(self.spec)[:80]}...)"


def reward_function(spec: str | Path | dict[str, Any], workers: int | None = None,
                    invalid_reference_reward: float | None = None, name: str | None = None) -> GraderReward:
    """A TRL reward function for a grader spec (path or dict); named after the grader for TRL's logs."""
    return GraderReward(spec, workers=workers, invalid_reference_reward=invalid_reference_reward, name=name)
