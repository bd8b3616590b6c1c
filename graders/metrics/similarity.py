"""The metrics engine's answer for one (candidate, reference) pair: a `SimilarityVerdict`.

    similarity = Similarity("fuzzy_match", guards=["numbers"])
    similarity.judge("Paris has 2 million people", "Paris has 3 million people")   # vetoed by `numbers`

A blank side is not scored (`empty`), a guard that fails vetoes the score (`guard`, `guard_reason`), otherwise
`score` is the metric's. The grader type `graders/types/text_similarity.py` turns verdicts into results.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from graders.metrics import embedding
from graders.metrics.fuzzy import DEFAULT_SCORER
from graders.metrics.catalog import pair_metric
from graders.metrics.guards import guard_failure


@dataclass(frozen=True)
class SimilarityVerdict:
    """What the engine decided for one pair. `score` is the metric's only when nothing stopped it (0.0
    otherwise); `empty` is "reference" or "output" for a blank side; `guard` names the guard that vetoed."""

    metric: str
    label: str
    score: float = 0.0
    empty: str | None = None
    guard: str | None = None
    guard_reason: str | None = None

    @property
    def scored(self) -> bool:
        return self.empty is None and self.guard is None


class Similarity:
    """One metric with its guards. Names are checked by the caller (`METRIC_NAMES`, `GUARD_NAMES`); an unknown
    one raises `KeyError` here."""

    def __init__(self, metric: str, fuzzy_scorer: str = DEFAULT_SCORER, guards: Iterable[str] = ()):
        self.metric = metric
        self.guards = list(guards)
        self.label = f"fuzzy_match ({fuzzy_scorer})" if metric == "fuzzy_match" else metric
        self._score_pair = None if metric == "cosine" else pair_metric(metric, fuzzy_scorer)

    @property
    def batched(self) -> bool:
        """True when a batch is scored in one pass (`cosine` embeds every pair together)."""
        return self._score_pair is None

    def _precheck(self, candidate: str, reference: str) -> SimilarityVerdict | None:
        """The verdict when a side is blank or a guard vetoes (in that order), else None."""
        if not reference.strip():
            return SimilarityVerdict(self.metric, self.label, empty="reference")
        if not candidate.strip():
            return SimilarityVerdict(self.metric, self.label, empty="output")
        for name in self.guards:
            why = guard_failure(name, candidate, reference)
            if why:
                return SimilarityVerdict(self.metric, self.label, guard=name, guard_reason=why)
        return None

    def judge(self, candidate: str, reference: str) -> SimilarityVerdict:
        """The verdict for one pair."""
        return self.judge_batch([(candidate, reference)])[0]

    def judge_batch(self, pairs: list[tuple[str, str]]) -> list[SimilarityVerdict]:
        """Verdicts in input order; only pairs that pass the prechecks are scored (`cosine`: in one pass)."""
        verdicts: list[SimilarityVerdict | None] = [self._precheck(c, r) for c, r in pairs]
        todo = [i for i, v in enumerate(verdicts) if v is None]
        if self._score_pair is None:
            scores = embedding.cosine_scores([pairs[i] for i in todo])
        else:
            scores = [self._score_pair(*pairs[i]) for i in todo]
        for i, score in zip(todo, scores):
            verdicts[i] = SimilarityVerdict(self.metric, self.label, score=score)
        return verdicts  # type: ignore[return-value]
