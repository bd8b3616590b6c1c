"""Comparing parsed sympy objects: numbers (rounding policy), expressions (identity), equations, relations,
intervals, sets, tuples and matrices. compare.py handles answers (lists, names, text) and calls in here."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from graders.mathcheck.numeric import Num, constants_equal, identity, numbers_equal, proportional

if TYPE_CHECKING:
    from graders.mathcheck.compare import ComparePolicy


@dataclass
class Ctx:
    """What one comparison needs besides the two objects: the policy and the decimals written on both sides."""

    policy: "ComparePolicy"
    tables: dict = field(default_factory=dict)      # Fraction value -> (places, sig) of decimals written
    how: str = ""


def match_objects(gs: list, ps: list, ordered: bool, ctx: Ctx) -> bool:
    """Element lists of two collections: pairwise in order, or a one-to-one pairing."""
    if len(gs) != len(ps):
        return False
    if ordered:
        return all(objects_equal(a, b, ctx) for a, b in zip(gs, ps))
    return perfect_matching([[objects_equal(a, b, ctx) for b in ps] for a in gs])


def perfect_matching(equal: list[list[bool]]) -> bool:
    """Is there a one-to-one pairing of gold and predicted elements that are equal? (augmenting paths)"""
    n = len(equal)
    owner = [-1] * n

    def assign(i: int, seen: list[bool]) -> bool:
        for j in range(n):
            if equal[i][j] and not seen[j]:
                seen[j] = True
                if owner[j] < 0 or assign(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return all(assign(i, [False] * n) for i in range(n))


# -- sympy objects -----------------------------------------------------------------------------------------
def _collection(obj):
    """(kind, elements) for sets and tuples; None otherwise."""
    import sympy

    if isinstance(obj, sympy.FiniteSet):
        return "set", list(obj.args)
    if isinstance(obj, (sympy.Tuple, tuple)):
        return "tuple", list(obj)
    return None


def assignment_value(obj):
    """`x = 3` / `3 = x` -> 3; `a = b = 101` -> 101; `x \\in [1,2]` -> [1,2]; else None."""
    import sympy

    if isinstance(obj, sympy.Eq):
        if isinstance(obj.lhs, sympy.Symbol) and not (isinstance(obj.rhs, sympy.Basic) and obj.lhs in obj.rhs.free_symbols):
            return obj.rhs
        if isinstance(obj.rhs, sympy.Symbol) and getattr(obj.lhs, "is_number", False):
            return obj.lhs
    if isinstance(obj, sympy.And) and obj.args and all(isinstance(a, sympy.Eq) for a in obj.args):
        rhs = [a.rhs for a in obj.args if not isinstance(a.rhs, sympy.Symbol)]
        return rhs[-1] if len(rhs) == 1 else None
    return None


def is_equation(obj) -> bool:
    import sympy

    return isinstance(obj, sympy.Eq) or (isinstance(obj, sympy.And) and all(isinstance(a, sympy.Eq) for a in obj.args))


_RELATIONS = ("StrictLessThan", "LessThan", "StrictGreaterThan", "GreaterThan", "Unequality")


def _is_relation(obj) -> bool:
    import sympy

    if type(obj).__name__ in _RELATIONS:
        return True
    return isinstance(obj, (sympy.And, sympy.Or)) and all(_is_relation(a) or isinstance(a, sympy.Eq)
                                                           for a in obj.args) and not is_equation(obj)


def _float_num(obj, ctx: Ctx) -> Num:
    value = Fraction(str(obj))
    places, sig = ctx.tables.get(value, (30, 30))
    return Num(value, True, places, sig)


def objects_equal(gold, pred, ctx: Ctx) -> bool:
    """Two parsed sympy objects (numbers, expressions, equations, relations, sets, tuples, matrices)."""
    import sympy

    g_eq, p_eq = is_equation(gold), is_equation(pred)
    if g_eq != p_eq:  # assignment unwrapping: `x = 3` against `3`
        if g_eq:
            value = assignment_value(gold)
            return value is not None and objects_equal(value, pred, ctx)
        value = assignment_value(pred)
        return value is not None and objects_equal(gold, value, ctx)
    if g_eq and p_eq:
        return equations_equal(gold, pred, ctx)
    g_coll, p_coll = _collection(gold), _collection(pred)
    if g_coll and len(g_coll[1]) == 1 and not p_coll:
        return objects_equal(g_coll[1][0], pred, ctx)
    if p_coll and len(p_coll[1]) == 1 and not g_coll:
        return objects_equal(gold, p_coll[1][0], ctx)
    if isinstance(gold, sympy.MatrixBase) and 1 in gold.shape and isinstance(pred, sympy.Interval):
        return match_objects(list(gold), [pred.start, pred.end], True, ctx)     # `[0.5, 1]` written for a vector
    if isinstance(pred, sympy.MatrixBase) and 1 in pred.shape and isinstance(gold, sympy.Interval):
        return match_objects([gold.start, gold.end], list(pred), True, ctx)
    if isinstance(gold, sympy.MatrixBase) and 1 in gold.shape and p_coll and p_coll[0] == "tuple":
        return match_objects(list(gold), p_coll[1], ctx.policy.tuple_order != "unordered", ctx)
    if isinstance(pred, sympy.MatrixBase) and 1 in pred.shape and g_coll and g_coll[0] == "tuple":
        return match_objects(g_coll[1], list(pred), ctx.policy.tuple_order != "unordered", ctx)
    if g_coll or p_coll:
        if "set" in {c[0] for c in (g_coll, p_coll) if c} and not (g_coll and p_coll):
            return False  # a set of two or more is never an interval or a single value
        g_coll = g_coll or open_interval_as_pair(gold)
        p_coll = p_coll or open_interval_as_pair(pred)
        if not (g_coll and p_coll):
            return False
        return _collections_equal(g_coll, p_coll, ctx)
    if _is_relation(gold) or _is_relation(pred):
        return _relations_equal(gold, pred, ctx)
    if isinstance(gold, sympy.MatrixBase) or isinstance(pred, sympy.MatrixBase):
        return _matrices_equal(gold, pred, ctx)
    if isinstance(gold, sympy.Set) or isinstance(pred, sympy.Set):
        return isinstance(gold, sympy.Set) and isinstance(pred, sympy.Set) and _sets_equal(gold, pred, ctx)
    if not isinstance(gold, sympy.Expr) or not isinstance(pred, sympy.Expr):
        return gold == pred
    return _expressions_equal(gold, pred, ctx)


def open_interval_as_pair(obj):
    """`(1, 2)` is read as an open interval by latex2sympy but may be a point: allow it against a pair."""
    import sympy

    if isinstance(obj, sympy.Interval) and obj.left_open and obj.right_open:
        return "tuple", [obj.start, obj.end]
    return None


def _collections_equal(g_coll, p_coll, ctx: Ctx) -> bool:
    (g_kind, g_items), (p_kind, p_items) = g_coll, p_coll
    if "set" in (g_kind, p_kind):
        ordered = False
    else:
        ordered = ctx.policy.tuple_order != "unordered"
    return match_objects(g_items, p_items, ordered, ctx)


def _matrices_equal(gold, pred, ctx: Ctx) -> bool:
    import sympy

    if not (isinstance(gold, sympy.MatrixBase) and isinstance(pred, sympy.MatrixBase)) or gold.shape != pred.shape:
        return False
    return all(objects_equal(g, p, ctx) for g, p in zip(gold, pred))


def _sets_equal(gold, pred, ctx: Ctx) -> bool:
    import sympy

    if gold == pred:
        return True
    if isinstance(gold, sympy.Interval) and isinstance(pred, sympy.Interval):
        return (gold.left_open == pred.left_open and gold.right_open == pred.right_open
                and objects_equal(gold.start, pred.start, ctx) and objects_equal(gold.end, pred.end, ctx))
    if isinstance(gold, sympy.FiniteSet) and isinstance(pred, sympy.FiniteSet):
        return match_objects(list(gold.args), list(pred.args), False, ctx)
    if isinstance(gold, sympy.Union) and isinstance(pred, sympy.Union):
        return match_objects(list(gold.args), list(pred.args), False, ctx)
    if type(gold) is not type(pred):
        return False
    try:
        return bool(gold.symmetric_difference(pred).is_empty)
    except Exception:  # noqa: BLE001 - sympy set algebra gives up on some inputs: not equal
        return False


def _relations_equal(gold, pred, ctx: Ctx) -> bool:
    import sympy

    g_rel, p_rel = _is_relation(gold), _is_relation(pred)
    if g_rel and p_rel:
        g_set, p_set = _relation_set(gold), _relation_set(pred)
        if g_set is not None and p_set is not None:
            return _sets_equal(g_set, p_set, ctx)
        return gold == pred
    if ctx.policy.relations == "off":
        return False
    if g_rel and isinstance(pred, sympy.Set):
        g_set = _relation_set(gold)
        return g_set is not None and _sets_equal(g_set, pred, ctx)
    if p_rel and isinstance(gold, sympy.Set) and ctx.policy.relations == "both":
        p_set = _relation_set(pred)
        return p_set is not None and _sets_equal(gold, p_set, ctx)
    return False


def _relation_set(rel):
    """The solution set of a one-variable inequality (chain); `0 < f(x) < 1` is read in `f(x)`."""
    import sympy
    from sympy.core.function import AppliedUndef

    applied = rel.atoms(AppliedUndef)
    if len(applied) == 1:
        rel = rel.xreplace({applied.pop(): sympy.Symbol("t_", real=True)})
    if len(rel.free_symbols) != 1:
        return None
    symbol = next(iter(rel.free_symbols))
    real = sympy.Symbol(symbol.name + "_r", real=True)
    try:
        return rel.xreplace({symbol: real}).as_set()
    except Exception:  # noqa: BLE001
        return None


def _expressions_equal(gold, pred, ctx: Ctx) -> bool:
    import sympy

    if gold == pred:
        return True
    if gold.is_number and pred.is_number and not gold.free_symbols and not pred.free_symbols:
        if gold.is_Float or pred.is_Float:
            g = _float_num(gold, ctx) if gold.is_Float else _exact_num(gold)
            p = _float_num(pred, ctx) if pred.is_Float else _exact_num(pred)
            return g is not None and p is not None and numbers_equal(g, p, ctx.policy.decimals)
        return constants_equal(gold, pred, gold.has(sympy.Float) or pred.has(sympy.Float))
    if not (gold.free_symbols | pred.free_symbols):
        return constants_equal(gold, pred, gold.has(sympy.Float) or pred.has(sympy.Float))
    verdict, how = identity(gold, pred, gold.has(sympy.Float) or pred.has(sympy.Float))
    ctx.how = how
    return verdict


def _exact_num(obj) -> Num | None:
    if obj.is_Rational:
        return Num(Fraction(int(obj.p), int(obj.q)))
    if obj.is_real is False:
        return None
    return Num(obj)


def equations_equal(gold, pred, ctx: Ctx) -> bool:
    """Same equation up to a non-zero constant factor (`2x+4y-3=0` == `y=-x/2+3/4`)."""
    import sympy

    if gold == pred:
        return True
    g_value, p_value = assignment_value(gold), assignment_value(pred)
    if g_value is not None and p_value is not None and isinstance(gold, sympy.Eq) and isinstance(pred, sympy.Eq) \
            and gold.lhs == pred.lhs:
        return objects_equal(g_value, p_value, ctx)
    if not (isinstance(gold, sympy.Eq) and isinstance(pred, sympy.Eq)):
        return False
    if not all(isinstance(side, sympy.Expr) for side in (*gold.args, *pred.args)):
        return objects_equal(gold.rhs, pred.rhs, ctx) and objects_equal(gold.lhs, pred.lhs, ctx)
    f = gold.lhs - gold.rhs
    g = pred.lhs - pred.rhs
    if not (f.free_symbols | g.free_symbols):
        return _expressions_equal(f, g, ctx)
    verdict, how = proportional(f, g, f.has(sympy.Float) or g.has(sympy.Float))
    if verdict:
        ctx.how = how
    return verdict
