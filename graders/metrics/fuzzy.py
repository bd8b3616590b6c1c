"""Fuzzy string similarity with rapidfuzz.

OpenAI documents `fuzzy_match` only as "fuzzy string match ... using rapidfuzz", without naming the
scorer. We default to `fuzz.ratio` (normalised Indel similarity, i.e. difflib's ratio): it is
symmetric and penalises both missing and extra text. `WRatio` takes the best of several partial and
token-set scorers, so an output that merely *contains* the reference, or a short output that is a
substring of it, still scores 0.9-1.0: that is a reward a policy learns to exploit. `WRatio` and the
other rapidfuzz scorers stay available through the `fuzzy_scorer` field (OpenAI's own Python-grader
example uses `WRatio` with `utils.default_process`; `wratio` here applies that same processor).
"""
from __future__ import annotations

from typing import Callable

from rapidfuzz import fuzz, utils

DEFAULT_SCORER = "ratio"

# name -> (rapidfuzz scorer, processor)
SCORERS: dict[str, tuple[Callable[..., float], Callable[[str], str] | None]] = {
    "ratio": (fuzz.ratio, None),
    "wratio": (fuzz.WRatio, utils.default_process),
    "partial_ratio": (fuzz.partial_ratio, None),
    "token_sort_ratio": (fuzz.token_sort_ratio, None),
    "token_set_ratio": (fuzz.token_set_ratio, None),
}


def fuzzy_similarity(candidate: str, reference: str, scorer: str = DEFAULT_SCORER) -> float:
    """rapidfuzz similarity of the two strings divided by 100, in [0, 1]."""
    func, processor = SCORERS[scorer]
    return func(candidate, reference, processor=processor) / 100.0
