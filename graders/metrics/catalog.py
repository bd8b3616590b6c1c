"""The metrics by name: OpenAI's `evaluation_metric` values plus our `token_f1`, and what each needs."""
from __future__ import annotations

from functools import partial
from typing import Callable

from graders.metrics import embedding
from graders.metrics.fuzzy import DEFAULT_SCORER, fuzzy_similarity
from graders.metrics.overlap import ROUGE_METRICS, bleu, gleu, meteor, rouge
from graders.metrics.token_f1 import token_f1

# in documentation order
METRIC_NAMES = ("fuzzy_match", "bleu", "gleu", "meteor", *ROUGE_METRICS, "token_f1", "cosine")

PairMetric = Callable[[str, str], float]


def pair_metric(name: str, fuzzy_scorer: str = DEFAULT_SCORER) -> PairMetric:
    """The scoring function for metric `name` (all but `cosine`, which is batched: see `embedding`)."""
    if name == "fuzzy_match":
        return partial(fuzzy_similarity, scorer=fuzzy_scorer)
    if name in ROUGE_METRICS:
        return partial(rouge, metric=name)
    table: dict[str, PairMetric] = {"bleu": bleu, "gleu": gleu, "meteor": meteor, "token_f1": token_f1}
    if name not in table:
        raise KeyError(f"unknown metric {name!r}; expected one of {list(METRIC_NAMES)}")
    return table[name]


def unavailable_reason(name: str) -> str | None:
    """Why metric `name` can't run on this machine, or None."""
    if name == "cosine":
        return embedding.unavailable_reason()
    return None
