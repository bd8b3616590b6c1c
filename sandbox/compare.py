"""How a returned value (`calls` tests) or a program's output (`io` tests) is compared with the expected one.

Exact and type-aware by default; every leniency is an explicit rule (see `CompareRules` and
docs/sandbox.md, "Comparison rules"):

* `bool` only equals `bool` (`True` is not `1`); an expected `int` needs an `int` with exactly that value
  (a float never passes, however close: no `rel_tol` on integers); an expected `float` accepts an `int` or
  a `float` within `float_tolerance`.
* containers keep their type: a `list` needs a `list`, a `tuple` a `tuple`, a `set` a `set`, a `dict` a
  `dict` with keys of the same types; lengths must agree; order counts unless `unordered` says otherwise.
* `compare_as_json`: the returned value is first seen the way JSON would carry it (tuples become lists,
  int/float/bool/None dict keys become strings); something JSON can't carry (set, bytes, complex) fails.
"""
from __future__ import annotations

import cmath
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

UNORDERED = ("none", "top", "all")
_MISSING = object()
MAX_MATCHING = 1000  # largest unordered collection matched pairwise when floats need a tolerance


@dataclass(frozen=True)
class CompareRules:
    """The comparison of one test. `unordered`: none | top (the returned collection is a multiset) | all
    (every list/tuple at every depth is a multiset)."""

    float_tolerance: float = 1e-6
    unordered: str = "none"
    compare_as_json: bool = False

    def __post_init__(self) -> None:
        if self.unordered not in UNORDERED:
            raise ValueError(f"unordered must be one of {UNORDERED}, got {self.unordered!r}")
        if not (self.float_tolerance >= 0 and math.isfinite(self.float_tolerance)):
            raise ValueError("float_tolerance must be a finite number >= 0")


class NotJson(ValueError):
    """The returned value has no JSON form (compare_as_json)."""


def values_equal(got: Any, expected: Any, rules: CompareRules | None = None) -> bool:
    return first_difference(got, expected, rules) is None


def first_difference(got: Any, expected: Any, rules: CompareRules | None = None) -> str | None:
    """None when `got` matches `expected` under `rules`, else a short description of the first difference."""
    rules = rules or CompareRules()
    if rules.compare_as_json:
        try:
            got = as_json(got)
        except NotJson as exc:
            return f"value: {exc}"
    return _diff(got, expected, rules, "value", 0)


def as_json(value: Any) -> Any:
    """`value` as `json.loads(json.dumps(value))` would give it back, refusing what JSON can't carry and
    dict keys that would collide once turned into strings."""
    t = type(value)
    if t in (type(None), bool, int, float, str):
        return value
    if t is list or t is tuple:
        return [as_json(v) for v in value]
    if t is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) not in (str, int, float, bool, type(None)):
                raise NotJson(f"a {type(key).__name__} dict key has no JSON form")
            text = key if type(key) is str else json.dumps(key)
            if text in out:
                raise NotJson(f"two dict keys become the same JSON key {text!r}")
            out[text] = as_json(item)
        return out
    raise NotJson(f"a {t.__name__} has no JSON form")


def _kind(value: Any) -> str:
    return type(value).__name__


def _diff(got: Any, expected: Any, rules: CompareRules, path: str, depth: int) -> str | None:
    te, tg = type(expected), type(got)
    if te is float:
        if tg not in (int, float):
            return f"{path}: a {_kind(got)} where a float was expected"
        return None if floats_close(got, expected, rules.float_tolerance) else (
            f"{path}: {_short(got)} is not within float_tolerance {rules.float_tolerance:g} of {_short(expected)}")
    if te is complex:
        if tg is not complex:
            return f"{path}: a {_kind(got)} where a complex was expected"
        tol = rules.float_tolerance
        return None if cmath.isclose(got, expected, rel_tol=tol, abs_tol=tol) else f"{path}: {_short(got)} != {_short(expected)}"
    if tg is not te:
        if te is int and tg is float:
            return f"{path}: a float where an int was expected (ints compare exactly)"
        return f"{path}: a {_kind(got)} where a {_kind(expected)} was expected"
    if te in (list, tuple):
        if len(got) != len(expected):
            return f"{path}: {len(got)} elements, expected {len(expected)}"
        if rules.unordered == "all" or (rules.unordered == "top" and depth == 0):
            return _multiset_diff(list(got), list(expected), rules, path, depth)
        for i, (g, e) in enumerate(zip(got, expected)):
            why = _diff(g, e, rules, f"{path}[{i}]", depth + 1)
            if why:
                return why
        return None
    if te is set:
        if len(got) != len(expected):
            return f"{path}: {len(got)} elements, expected {len(expected)}"
        return _multiset_diff(list(got), list(expected), rules, path, depth)
    if te is dict:
        if len(got) != len(expected):
            return f"{path}: {len(got)} keys, expected {len(expected)}"
        by_canon = {_canon(k, False): k for k in got}
        for key, value in expected.items():
            got_key = by_canon.get(_canon(key, False), _MISSING)
            if got_key is _MISSING:
                return f"{path}: no key {_short(key)} of type {_kind(key)}"
            why = _diff(got[got_key], value, rules, f"{path}[{_short(key, 40)}]", depth + 1)
            if why:
                return why
        return None
    return None if got == expected else f"{path}: {_short(got)} != {_short(expected)}"


def floats_close(got: int | float, expected: float, tol: float) -> bool:
    """|got - expected| <= max(tol * max(|got|, |expected|), tol); infinities only equal themselves."""
    try:
        g = float(got)
    except OverflowError:
        return False
    if math.isinf(g) or math.isinf(expected):
        return g == expected
    return math.isclose(g, expected, rel_tol=tol, abs_tol=tol)


def _multiset_diff(got: list, expected: list, rules: CompareRules, path: str, depth: int) -> str | None:
    deep = rules.unordered == "all"
    if Counter(_canon(g, deep) for g in got) == Counter(_canon(e, deep) for e in expected):
        return None
    if not (rules.float_tolerance > 0 and _has_float(expected)):
        return f"{path}: not the same elements (compared unordered)"
    if all(type(v) in (int, float) for v in got) and all(type(v) is float for v in expected):
        pairs = zip(sorted(got), sorted(expected))
        ok = all(floats_close(g, e, rules.float_tolerance) for g, e in pairs)
        return None if ok else f"{path}: not the same elements (compared unordered, with float_tolerance)"
    if len(expected) > MAX_MATCHING:
        return f"{path}: more than {MAX_MATCHING} elements to match with float_tolerance"
    inner = CompareRules(rules.float_tolerance, rules.unordered, False)
    fits = [[j for j, g in enumerate(got) if _diff(g, e, inner, path, depth + 1) is None] for e in expected]
    return None if _perfect_matching(fits, len(got)) else (
        f"{path}: not the same elements (compared unordered, with float_tolerance)")


def _perfect_matching(fits: list[list[int]], n_right: int) -> bool:
    """Kuhn's augmenting paths: can every left element get its own right element?"""
    owner = [-1] * n_right

    def augment(left: int, seen: set[int]) -> bool:
        for right in fits[left]:
            if right in seen:
                continue
            seen.add(right)
            if owner[right] < 0 or augment(owner[right], seen):
                owner[right] = left
                return True
        return False

    return all(augment(left, set()) for left in range(len(fits)))


def _canon(value: Any, deep: bool) -> Any:
    """A hashable, type-tagged form: equal forms mean exactly equal values (a multiset inside when deep)."""
    t = type(value)
    if t in (list, tuple):
        items = [_canon(v, deep) for v in value]
        return (t.__name__, frozenset(Counter(items).items()) if deep else tuple(items))
    if t is set:
        return ("set", frozenset(_canon(v, deep) for v in value))
    if t is dict:
        return ("dict", frozenset((_canon(k, deep), _canon(v, deep)) for k, v in value.items()))
    return (t.__name__, value)


def _has_float(value: Any) -> bool:
    t = type(value)
    if t in (float, complex):
        return True
    if t in (list, tuple, set):
        return any(_has_float(v) for v in value)
    if t is dict:
        return any(_has_float(v) for v in value.values())
    return False


def _short(value: Any, limit: int = 60) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int too long for str()
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- io tests ---------------------------------------------------------------------------------------------
_INT_TOKEN = re.compile(r"[+-]?[0-9]+")
_FLOAT_TOKEN = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?")


def normalise_lines(text: str) -> list[str]:
    """`lines` mode: unify newlines, drop trailing whitespace on each line and trailing blank lines."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


IO_MODES = ("lines", "tokens", "exact", "float", "unordered_lines", "checker")
CODEFORCES_TOLERANCE = 1e-6


def io_matches(got: str, expected: str, mode: str, tol: float, abs_tol: float | None = None,
               rel_tol: float | None = None) -> bool:
    """`exact`: byte for byte; `lines`: see normalise_lines; `tokens`: see tokens_match (abs_tol / rel_tol
    default to `tol`); `float`: see float_tokens_match; `unordered_lines`: the normalised lines as a multiset."""
    if mode == "exact":
        return got == expected
    if mode == "tokens":
        return tokens_match(got, expected, tol, abs_tol, rel_tol)
    if mode == "float":
        return float_tokens_match(got, expected)
    if mode == "unordered_lines":
        return Counter(normalise_lines(got)) == Counter(normalise_lines(expected))
    return normalise_lines(got) == normalise_lines(expected)


def float_tokens_match(got: str, expected: str, tol: float = CODEFORCES_TOLERANCE) -> bool:
    """Codeforces-style: whitespace-separated tokens pairwise; where the expected token is a number (integer
    or decimal, ASCII digits), the candidate's must be one too, within |got - expected| <= tol * max(1,
    |expected|); other tokens identical."""
    a, b = got.split(), expected.split()
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if _FLOAT_TOKEN.fullmatch(y):
            if not _FLOAT_TOKEN.fullmatch(x):
                return False
            gx, gy = float(x), float(y)
            if math.isinf(gx) or math.isinf(gy) or abs(gx - gy) > tol * max(1.0, abs(gy)):
                return False
        elif x != y:
            return False
    return True


def tokens_match(got: str, expected: str, tol: float, abs_tol: float | None = None,
                 rel_tol: float | None = None) -> bool:
    """Whitespace-separated tokens, pairwise. An expected integer token needs an integer token of exactly
    that value (`+5`, `05` and `5` agree; `5.0` does not); an expected decimal number (`0.5`, `1e-3`) needs
    a number within `tol`; any other token must be identical. ASCII digits only: `inf`, `nan`, `1_0` and
    non-ASCII digits are plain words."""
    a, b = got.split(), expected.split()
    abs_tol = tol if abs_tol is None else abs_tol
    rel_tol = tol if rel_tol is None else rel_tol
    return len(a) == len(b) and all(_token_match(x, y, abs_tol, rel_tol) for x, y in zip(a, b))


def _token_match(got: str, expected: str, abs_tol: float, rel_tol: float) -> bool:
    if _INT_TOKEN.fullmatch(expected):
        return _INT_TOKEN.fullmatch(got) is not None and _int_text(got) == _int_text(expected)
    if _FLOAT_TOKEN.fullmatch(expected):
        if _FLOAT_TOKEN.fullmatch(got) is None:
            return False
        g, e = float(got), float(expected)
        if math.isinf(g) or math.isinf(e):
            return g == e
        return math.isclose(g, e, rel_tol=rel_tol, abs_tol=abs_tol)
    return got == expected


def _int_text(token: str) -> str:
    """Canonical text of an integer token, without converting (no digit-count limit)."""
    sign = "-" if token.startswith("-") else ""
    digits = token.lstrip("+-").lstrip("0") or "0"
    return digits if digits == "0" else sign + digits
