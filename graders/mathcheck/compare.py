"""Our verdict: is a parsed candidate answer equivalent to the parsed reference?

Exact numbers compare exactly (rationals) or to 40 significant digits (irrationals, after sympy's exact
`doit()` where cheap); anything written with a decimal point compares with `rel_tol` / `abs_tol`.
There is no 6-decimal rounding and no `chop`, so `1/2^99 != 1/2^98` and `1e-7 != 2e-7`. Expressions with
variables compare by evaluating both at fixed pseudo-random points (an identity test), equations by
checking that `lhs - rhs` of one is a constant non-zero multiple of the other's.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from fractions import Fraction

from graders.mathcheck.parse import Answer, answer_to_sympy, normalize_text

EXACT_REL = 1e-40
WRITTEN_DECIMALS_REL = 1e-12
_POINTS = (0.5377, -1.2183, 2.7119, 1.6093, -0.4871, 3.1519, -2.3531, 0.8417, 1.3741, -0.7139, 2.2361)
_N_POINTS = 5


@dataclass(frozen=True)
class ComparePolicy:
    rel_tol: float = 1e-6
    abs_tol: float = 1e-12
    tuple_order: str = "auto"            # ordered | unordered | auto (bare lists unordered, tuples ordered)
    relations: str = "gold_relation"     # off | gold_relation | both


def answers_equal(gold: Answer, pred: Answer, policy: ComparePolicy) -> bool:
    """True when `pred` is an acceptable form of `gold` (the direction matters only for `relations`)."""
    if gold.kind == "text" or pred.kind == "text":
        g_text, p_text = normalize_text(gold.text), normalize_text(pred.text)
        return bool(g_text) and (g_text == p_text or _same_digits(g_text, p_text) or _same_digits(p_text, g_text))
    if gold.kind == "ratio" or pred.kind == "ratio":
        return (gold.kind == pred.kind and len(gold.value) == len(pred.value)
                and all(answers_equal(g, p, policy) for g, p in zip(gold.value, pred.value)))
    if gold.kind == "number" and pred.kind == "number":
        # two numbers written out compare as written (2.50 == 2.5, 16386.16 != 16386.17); the tolerance is
        # for a decimal standing in for an exact value (0.3333333333 for 1/3)
        return _fractions_close(gold.value, pred.value, gold.exact == pred.exact, policy)
    return _objects_equal(_as_object(gold), _as_object(pred), policy)


@functools.lru_cache(maxsize=4096)
def is_undefined(answer: Answer) -> bool:
    """`0/0`, `1/0`: a reference like this is a data bug, never something to match."""
    import sympy

    if answer.kind != "expr" or not isinstance(answer.value, sympy.Expr) or answer.value.free_symbols:
        return False
    try:
        value = answer.value.doit()
    except Exception:  # noqa: BLE001
        return False
    return value.has(sympy.nan, sympy.zoo)


def _same_digits(based: str, plain: str) -> bool:
    """`2112_6` against `2112`: the question names the base, so the digits alone are accepted."""
    m = re.fullmatch(r"([0-9a-z]+)_(\d+)", based)
    return bool(m) and m.group(1) == plain


# -- converting to sympy-or-list objects ---------------------------------------------------------------
class _Seq(tuple):
    """A bare comma list (`10, 4, -2`)."""


def _as_object(answer: Answer):
    if answer.kind == "number":
        return answer_to_sympy(answer)
    if answer.kind == "list":
        return _Seq(_as_object(a) if a.kind != "text" else a for a in answer.value)
    return answer.value


def _fractions_close(a: Fraction, b: Fraction, exact: bool, policy: ComparePolicy) -> bool:
    if exact:
        return a == b
    diff = abs(float(a - b))
    return diff <= max(policy.rel_tol * max(abs(float(a)), abs(float(b))), policy.abs_tol)


# -- structure --------------------------------------------------------------------------------------------
def _collection(obj):
    """(kind, elements) for lists, sets and tuples; None otherwise."""
    import sympy

    if isinstance(obj, _Seq):
        return "list", list(obj)
    if isinstance(obj, sympy.FiniteSet):
        return "set", list(obj.args)
    if isinstance(obj, (sympy.Tuple, tuple)):
        return "tuple", list(obj)
    return None


def _assignment_value(obj):
    """`x = 3` -> 3; `a = b = 101` -> 101; `x \\in [1,2]` -> [1,2]; else None."""
    import sympy

    if isinstance(obj, sympy.Eq) and isinstance(obj.lhs, sympy.Symbol):
        return obj.rhs
    if isinstance(obj, sympy.And) and obj.args and all(isinstance(a, sympy.Eq) for a in obj.args):
        rhs = [a.rhs for a in obj.args if not isinstance(a.rhs, sympy.Symbol)]
        return rhs[-1] if len(rhs) == 1 else None
    return None


def _is_equation(obj) -> bool:
    import sympy

    return isinstance(obj, sympy.Eq) or (isinstance(obj, sympy.And) and all(isinstance(a, sympy.Eq) for a in obj.args))


def _is_relation(obj) -> bool:
    import sympy

    if isinstance(obj, (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan, sympy.GreaterThan)):
        return True
    return isinstance(obj, (sympy.And, sympy.Or)) and all(_is_relation(a) or isinstance(a, sympy.Eq)
                                                           for a in obj.args) and not _is_equation(obj)


def _objects_equal(gold, pred, policy: ComparePolicy) -> bool:
    import sympy

    if isinstance(gold, Answer) or isinstance(pred, Answer):
        g = gold if isinstance(gold, Answer) else Answer("expr", gold, text=str(gold))
        p = pred if isinstance(pred, Answer) else Answer("expr", pred, text=str(pred))
        return normalize_text(g.text) == normalize_text(p.text)
    g_eq, p_eq = _is_equation(gold), _is_equation(pred)
    if g_eq != p_eq:  # assignment unwrapping: `x = 3` against `3`
        if g_eq:
            value = _assignment_value(gold)
            return value is not None and _objects_equal(value, pred, policy)
        value = _assignment_value(pred)
        return value is not None and _objects_equal(gold, value, policy)
    if g_eq and p_eq:
        return _equations_equal(gold, pred, policy)
    g_coll, p_coll = _collection(gold), _collection(pred)
    if g_coll and len(g_coll[1]) == 1 and not p_coll:
        return _objects_equal(g_coll[1][0], pred, policy)
    if p_coll and len(p_coll[1]) == 1 and not g_coll:
        return _objects_equal(gold, p_coll[1][0], policy)
    if g_coll or p_coll:
        if "set" in {c[0] for c in (g_coll, p_coll) if c} and not (g_coll and p_coll):
            return False  # a set of two or more is never an interval or a single value
        g_coll = g_coll or _open_interval_as_pair(gold)
        p_coll = p_coll or _open_interval_as_pair(pred)
        if not (g_coll and p_coll):
            return False
        return _collections_equal(g_coll, p_coll, policy)
    if _is_relation(gold) or _is_relation(pred):
        return _relations_equal(gold, pred, policy)
    if isinstance(gold, sympy.MatrixBase) or isinstance(pred, sympy.MatrixBase):
        return _matrices_equal(gold, pred, policy)
    if isinstance(gold, sympy.Set) or isinstance(pred, sympy.Set):
        return isinstance(gold, sympy.Set) and isinstance(pred, sympy.Set) and _sets_equal(gold, pred, policy)
    if not isinstance(gold, sympy.Expr) or not isinstance(pred, sympy.Expr):
        return gold == pred
    return _expressions_equal(gold, pred, policy)


def _open_interval_as_pair(obj):
    """`(1, 2)` is read as an open interval by latex2sympy but may be a point: allow it against a pair."""
    import sympy

    if isinstance(obj, sympy.Interval) and obj.left_open and obj.right_open:
        return "tuple", [obj.start, obj.end]
    return None


def _collections_equal(g_coll, p_coll, policy: ComparePolicy) -> bool:
    (g_kind, g_items), (p_kind, p_items) = g_coll, p_coll
    if len(g_items) != len(p_items):
        return False
    if "set" in (g_kind, p_kind):
        ordered = False
    elif "tuple" in (g_kind, p_kind):
        ordered = policy.tuple_order != "unordered"
    else:
        ordered = policy.tuple_order == "ordered"
    if ordered:
        return all(_objects_equal(g, p, policy) for g, p in zip(g_items, p_items))
    return _match_unordered(g_items, p_items, policy)


def _match_unordered(g_items, p_items, policy: ComparePolicy) -> bool:
    used = [False] * len(p_items)
    for g in g_items:
        for j, p in enumerate(p_items):
            if not used[j] and _objects_equal(g, p, policy):
                used[j] = True
                break
        else:
            return False
    return True


def _matrices_equal(gold, pred, policy: ComparePolicy) -> bool:
    import sympy

    if not (isinstance(gold, sympy.MatrixBase) and isinstance(pred, sympy.MatrixBase)) or gold.shape != pred.shape:
        return False
    return all(_objects_equal(g, p, policy) for g, p in zip(gold, pred))


def _sets_equal(gold, pred, policy: ComparePolicy) -> bool:
    import sympy

    if gold == pred:
        return True
    if isinstance(gold, sympy.Interval) and isinstance(pred, sympy.Interval):
        return (gold.left_open == pred.left_open and gold.right_open == pred.right_open
                and _objects_equal(gold.start, pred.start, policy) and _objects_equal(gold.end, pred.end, policy))
    if isinstance(gold, sympy.FiniteSet) and isinstance(pred, sympy.FiniteSet):
        return len(gold.args) == len(pred.args) and _match_unordered(list(gold.args), list(pred.args), policy)
    if isinstance(gold, sympy.Union) and isinstance(pred, sympy.Union):
        return len(gold.args) == len(pred.args) and _match_unordered(list(gold.args), list(pred.args), policy)
    if type(gold) is not type(pred):
        return False
    try:
        return bool(gold.symmetric_difference(pred).is_empty)
    except Exception:  # noqa: BLE001 - sympy set algebra gives up on some inputs: not equal
        return False


def _relations_equal(gold, pred, policy: ComparePolicy) -> bool:
    import sympy

    g_rel, p_rel = _is_relation(gold), _is_relation(pred)
    if g_rel and p_rel:
        g_set, p_set = _relation_set(gold), _relation_set(pred)
        if g_set is not None and p_set is not None:
            return _sets_equal(g_set, p_set, policy)
        return gold == pred
    if policy.relations == "off":
        return False
    if g_rel and isinstance(pred, sympy.Set):
        g_set = _relation_set(gold)
        return g_set is not None and _sets_equal(g_set, pred, policy)
    if p_rel and isinstance(gold, sympy.Set) and policy.relations == "both":
        p_set = _relation_set(pred)
        return p_set is not None and _sets_equal(gold, p_set, policy)
    return False


def _relation_set(rel):
    """The solution set of a one-variable inequality (chain); None when it has other variables."""
    if len(rel.free_symbols) != 1:
        return None
    try:
        return rel.as_set()
    except Exception:  # noqa: BLE001
        return None


# -- numbers and expressions ------------------------------------------------------------------------------
def _has_float(*exprs) -> bool:
    import sympy

    return any(e.has(sympy.Float) for e in exprs)


def _close(a: complex, b: complex, rel: float, abs_tol: float) -> bool:
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_tol)


def _evaluate(expr, subs=None):
    """Complex value of `expr` (50 digits) or None if it isn't a finite number there."""
    try:
        value = expr.evalf(50, subs=subs) if subs else expr.evalf(50)
        if not getattr(value, "is_number", False):
            return None
        result = complex(value)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError, AttributeError):
        return None
    if math.isnan(result.real) or math.isnan(result.imag) or math.isinf(abs(result)):
        return None
    return result


def _expressions_equal(gold, pred, policy: ComparePolicy) -> bool:
    import sympy

    if gold == pred:
        return True
    inexact = _has_float(gold, pred)
    rel = policy.rel_tol if inexact else EXACT_REL
    abs_tol = policy.abs_tol if inexact else 0.0
    if gold.is_Float and pred.is_Float:  # two written decimals: as written (parsers differ in precision)
        rel, abs_tol = WRITTEN_DECIMALS_REL, 0.0
    symbols = sorted(gold.free_symbols | pred.free_symbols, key=lambda s: s.name)
    if not symbols:
        if not inexact:
            g_val, p_val = gold.doit(), pred.doit()
            if g_val.is_Rational and p_val.is_Rational:
                return g_val == p_val
            if g_val.is_infinite or p_val.is_infinite or g_val is sympy.nan or p_val is sympy.nan:
                return g_val == p_val
        g_num, p_num = _evaluate(gold), _evaluate(pred)
        if g_num is None or p_num is None:
            return False
        return _close(g_num, p_num, rel, abs_tol)
    # identity test at fixed points: exact forms must agree to ~40 digits, decimals to rel_tol
    rel = policy.rel_tol if inexact else 1e-30
    agreed = 0
    for k in range(_N_POINTS * 2):
        subs = {s: _POINTS[(k * 3 + j * 5) % len(_POINTS)] for j, s in enumerate(symbols)}
        g_num, p_num = _evaluate(gold, subs), _evaluate(pred, subs)
        if g_num is None or p_num is None:
            if (g_num is None) != (p_num is None) and agreed == 0 and k >= _N_POINTS:
                return False
            continue
        if not _close(g_num, p_num, rel, abs_tol):
            return False
        agreed += 1
        if agreed >= _N_POINTS:
            return True
    if agreed >= 2:
        return True
    try:  # not evaluable (integrals, unknown functions ...): last resort, symbolic
        return bool(sympy.simplify(gold - pred) == 0)
    except Exception:  # noqa: BLE001
        return False


def _equations_equal(gold, pred, policy: ComparePolicy) -> bool:
    """Same equation up to a non-zero constant factor (`2x+4y-3=0` == `y=-x/2+3/4`)."""
    import sympy

    if gold == pred:
        return True
    g_value, p_value = _assignment_value(gold), _assignment_value(pred)
    if g_value is not None and p_value is not None and isinstance(gold, sympy.Eq) and isinstance(pred, sympy.Eq) \
            and gold.lhs == pred.lhs:
        return _objects_equal(g_value, p_value, policy)
    if not (isinstance(gold, sympy.Eq) and isinstance(pred, sympy.Eq)):
        return False
    if not all(isinstance(side, sympy.Expr) for side in (*gold.args, *pred.args)):
        return _objects_equal(gold.rhs, pred.rhs, policy) and _objects_equal(gold.lhs, pred.lhs, policy)
    f = gold.lhs - gold.rhs
    g = pred.lhs - pred.rhs
    symbols = sorted(f.free_symbols | g.free_symbols, key=lambda s: s.name)
    if not symbols:
        return _expressions_equal(f, g, policy)
    inexact = _has_float(f, g)
    rel = policy.rel_tol if inexact else 1e-25
    ratio = None
    agreed = 0
    for k in range(_N_POINTS * 2):
        subs = {s: _POINTS[(k * 3 + j * 5) % len(_POINTS)] for j, s in enumerate(symbols)}
        f_num, g_num = _evaluate(f, subs), _evaluate(g, subs)
        if f_num is None or g_num is None:
            continue
        f_zero, g_zero = abs(f_num) < 1e-30, abs(g_num) < 1e-30
        if f_zero or g_zero:
            if f_zero != g_zero:
                return False
            continue
        r = f_num / g_num
        if ratio is None:
            ratio = r
        elif not _close(r, ratio, rel, 0.0):
            return False
        agreed += 1
        if agreed >= _N_POINTS:
            return True
    return agreed >= 2
