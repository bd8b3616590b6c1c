"""SQuAD-style token F1 between a candidate and a reference answer.

Normalisation follows the official SQuAD v1.1/v2.0 evaluation script: lower-case, drop ASCII
punctuation, drop the articles `a`, `an`, `the`, collapse whitespace. F1 is computed over the
multiset of remaining tokens. As in SQuAD v2, if either side normalises to no tokens the score is
1.0 when both are empty and 0.0 otherwise.
"""
from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD answer normalisation: lower, no punctuation, no articles, single spaces."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def token_f1(candidate: str, reference: str) -> float:
    """Harmonic mean of token precision and recall after `normalize_answer`."""
    cand = normalize_answer(candidate).split()
    ref = normalize_answer(reference).split()
    if not cand or not ref:
        return float(cand == ref)
    common = sum((Counter(cand) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision = common / len(cand)
    recall = common / len(ref)
    return 2 * precision * recall / (precision + recall)
