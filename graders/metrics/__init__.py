"""Text-similarity metrics for the `text_similarity` grader: (candidate, reference) -> score in [0, 1].

Each metric is a thin adapter over a well-kept library (see `fuzzy`, `overlap`, `embedding`), except
`token_f1`, which is the SQuAD evaluation script's few lines (`token_f1`). `catalog` maps metric names to
them, `guards` vetoes meaning-flipping edits, and `similarity` is the engine's entry point: `Similarity(metric,
fuzzy_scorer, guards).judge(candidate, reference) -> SimilarityVerdict` (the grader type
`graders/types/text_similarity.py` turns verdicts into results).
"""
from __future__ import annotations

from graders.metrics import embedding
from graders.metrics.catalog import METRIC_NAMES, pair_metric, unavailable_reason
from graders.metrics.fuzzy import DEFAULT_SCORER, SCORERS
from graders.metrics.guards import GUARD_NAMES
from graders.metrics.similarity import Similarity, SimilarityVerdict

__all__ = ["METRIC_NAMES", "GUARD_NAMES", "SCORERS", "DEFAULT_SCORER", "Similarity", "SimilarityVerdict",
           "pair_metric", "unavailable_reason", "embedding"]
