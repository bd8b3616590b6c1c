"""Guards for `text_similarity`: cheap edits that flip a text's meaning while keeping it similar.

A similarity score can't tell `Paris is the capital` from `Paris is not the capital`, or `1234` from
`1235`: both pairs score above 0.9 with `fuzzy_match`. A guard compares one meaning-bearing feature of
the two texts and vetoes the score when it differs:

- `numbers`: the multisets of numbers written with digits are equal. Thousands separators are ignored
  (`1,000` = `1000`), trailing zeros too (`3.50` = `3.5`); a `-` counts as a sign only where no letter or
  digit precedes it (`3-4` is 3 and 4). Numbers written as words (`five`) are not numbers here.
- `negation`: the same number of negation cues (`not`, `no`, `never`, `none`, `nothing`, `nobody`,
  `neither`, `nor`, `cannot`, `without`, `-n't`), so a negation can't be added, dropped or doubled.

Guards can't see a swapped name or a changed word (`Lyon is the capital of France` passes both): use
`exact_answer`, `math_equivalence` or a judge when the answer is a short fact.
"""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER = re.compile(r"(?<![^\W_])[-\u2212]?\d+(?:\.\d+)?|\d+(?:\.\d+)?")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nothing|nobody|neither|nor|cannot|without)\b|n['\u2019]t\b",
                       re.IGNORECASE)
GUARD_NAMES = ("numbers", "negation")


def numbers(text: str) -> Counter:
    """The numbers written with digits in `text`, as canonical decimal strings."""
    found: Counter = Counter()
    for token in _NUMBER.findall(_THOUSANDS.sub("", text)):
        try:
            value = Decimal(token.replace("\u2212", "-")).normalize()
        except InvalidOperation:
            continue
        if value == 0:
            value = Decimal(0)  # -0 is 0
        found[format(value, "f")] += 1
    return found


def negations(text: str) -> int:
    return len(_NEGATION.findall(text))


def guard_failure(name: str, candidate: str, reference: str) -> str | None:
    """Why guard `name` vetoes this pair, or None when it holds."""
    if name == "numbers":
        got, want = numbers(candidate), numbers(reference)
        if got != want:
            extra, missing = sorted((got - want).elements()), sorted((want - got).elements())
            return f"numbers differ from the reference (extra {extra[:5]}, missing {missing[:5]})"
        return None
    if name == "negation":
        got, want = negations(candidate), negations(reference)
        return None if got == want else f"{got} negation(s) where the reference has {want}"
    raise KeyError(f"unknown guard {name!r}; expected one of {list(GUARD_NAMES)}")
