"""Our verdict: is a parsed candidate answer equivalent to the parsed reference?

Numbers compare exactly, decimals under the rounding policy (numeric.py); expressions with variables by a
sympy proof or a many-point identity test; equations by proportionality of `lhs - rhs`; lists, tuples,
sets, intervals and matrices element by element; named values by value (`(p,q) = (3,2)` is `(3,2)`), and two
named values by name and value (`y` and `f(x)` are interchangeable names; `x = 3` is not `y = 3`).
A list against a single value matches only if every element is that value: `3, 4` is not `3`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from fractions import Fraction

from graders.mathcheck.numeric import (
    Num, Rounding, consistent_numbers, constants_equal, identity, numbers_equal, proportional,
)
from graders.mathcheck.parse import normalize_name
from graders.mathcheck.values import Answer, Unparseable, Rejected, answer_to_sympy, normalize_text


@dataclass(frozen=True)
class ComparePolicy:
    rel_tol: float = 0.0
    abs_tol: float = 0.0
    tuple_order: str = "auto"            # ordered | unordered | auto (bare lists unordered, tuples ordered)
    relations: str = "gold_relation"     # off | gold_relation | both
    rounding: str = "shown_digits"       # shown_digits | exact
    min_significant_digits: int = 4

    @property
    def decimals(self) -> Rounding:
        return Rounding(self.rounding, self.min_significant_digits, self.rel_tol, self.abs_tol)


@dataclass
class _Ctx:
    policy: ComparePolicy
    tables: dict = field(default_factory=dict)      # Fraction value -> (places, sig) of decimals written
    how: str = ""


def _collect_decimals(answer: Answer, table: dict) -> None:
    for value, places, sig in answer.decimals:
        table.setdefault(value, (places, sig))
    if answer.kind == "number" and not answer.exact:
        table.setdefault(answer.value, (answer.places, answer.sig))
    if answer.kind in ("list", "ratio"):
        for item in answer.value:
            _collect_decimals(item, table)


def answers_equal(gold: Answer, pred: Answer, policy: ComparePolicy) -> bool:
    """True when `pred` is an acceptable form of `gold` (the direction matters only for `relations`)."""
    return compare(gold, pred, policy)[0]


def compare(gold: Answer, pred: Answer, policy: ComparePolicy) -> tuple[bool, str]:
    """(verdict, how it was reached when that is worth saying: "proved by sympy (simplify)" ...)."""
    ctx = _Ctx(policy)
    _collect_decimals(gold, ctx.tables)
    _collect_decimals(pred, ctx.tables)
    return _answers(gold, pred, ctx), ctx.how


def consistent(a: Answer, b: Answer, approx: bool = False) -> bool:
    """Can two sides of one chain (`a = b`, `a \\approx b`) be the same value?"""
    na, nb = _as_num(a), _as_num(b)
    if na is not None and nb is not None:
        return consistent_numbers(na, nb, approx)
    try:
        return compare(a, b, ComparePolicy())[0]
    except (Unparseable, Rejected):
        return False


def _as_num(answer: Answer) -> Num | None:
    if answer.kind == "number":
        return Num(answer.value, not answer.exact, answer.places, answer.sig)
    value = answer.value
    if answer.kind == "expr" and getattr(value, "is_number", False) and not value.free_symbols \
            and getattr(value, "is_real", False):
        if value.is_Float:
            return None
        return Num(value)
    return None


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


# -- answers ----------------------------------------------------------------------------------------------
def _interchangeable(a: str, b: str) -> bool:
    """`y` and `f(x)` both name "the function": `f(x) = 2x+3` and `y = 2x+3` are the same answer."""
    function = re.compile(r"y|[A-Za-z]\([A-Za-z]\)")
    return bool(function.fullmatch(a) and function.fullmatch(b))


def _answers(g: Answer, p: Answer, ctx: _Ctx) -> bool:
    if g.kind == "list" and g.alt and p.kind == "number":
        return _answers(g.alt[0], p, ctx)
    if p.kind == "list" and p.alt and g.kind == "number":
        return _answers(g, p.alt[0], ctx)
    if g.kind == "number" and g.alt and p.kind == "list":
        return _answers(g.alt[0], p, ctx)
    if p.kind == "number" and p.alt and g.kind == "list":
        return _answers(g, p.alt[0], ctx)
    if g.name and p.name:
        ng, np_ = normalize_name(g.name), normalize_name(p.name)
        if ng != np_ and not _interchangeable(ng, np_):
            return _named_equations(g, p, ctx)
    if g.kind == "list" or p.kind == "list":
        return _lists(g, p, ctx)
    if g.kind == "text" or p.kind == "text":
        g_text, p_text = normalize_text(g.text), normalize_text(p.text)
        return bool(g_text) and (g_text == p_text or _same_digits(g_text, p_text) or _same_digits(p_text, g_text))
    if g.kind == "ratio" or p.kind == "ratio":
        return (g.kind == p.kind and len(g.value) == len(p.value)
                and all(_answers(a, b, ctx) for a, b in zip(g.value, p.value)))
    if g.kind == "number" and p.kind == "number":
        return numbers_equal(_as_num(g), _as_num(p), ctx.policy.decimals)
    g_obj, p_obj = answer_to_sympy(g), answer_to_sympy(p)
    if _is_equation(g_obj) and not _is_equation(p_obj) and p.name:
        eq = _equation_of(p)
        p_obj = p_obj if eq is None else eq
    if _is_equation(p_obj) and not _is_equation(g_obj) and g.name:
        eq = _equation_of(g)
        g_obj = g_obj if eq is None else eq
    return _objects(g_obj, p_obj, ctx)


def _equation_of(answer: Answer):
    """The whole `name = value` of a named answer as a sympy equation (None if it does not parse)."""
    from graders.mathcheck.values import ParseOptions, to_sympy

    try:
        eq = to_sympy(answer.source, ParseOptions())
    except (Unparseable, Rejected):
        return None
    return eq if _is_equation(eq) else None


def _named_equations(g: Answer, p: Answer, ctx: _Ctx) -> bool:
    """`x = 3` vs `y = 3`: different names, so only the same equation counts (`y = x` is `x = y`)."""
    g_eq, p_eq = _equation_of(g), _equation_of(p)
    return g_eq is not None and p_eq is not None and _equations_equal(g_eq, p_eq, ctx)


def _same_digits(based: str, plain: str) -> bool:
    """`2112_6` against `2112`: the question names the base, so the digits alone are accepted."""
    m = re.fullmatch(r"([0-9a-z]+)_\{?(\d+)\}?", based)
    return bool(m) and m.group(1) == plain


def _lists(g: Answer, p: Answer, ctx: _Ctx) -> bool:
    if g.kind == "list" and p.kind == "list":
        gs, ps = list(g.value), list(p.value)
        if g.ordered and p.ordered and len(gs) == len(ps):
            g_names = [normalize_name(a.name) for a in gs]
            p_by_name = {normalize_name(a.name): a for a in ps}
            if set(g_names) == set(p_by_name):
                return all(_answers(a, p_by_name[n], ctx) for a, n in zip(gs, g_names))
        ordered = g.ordered or p.ordered or ctx.policy.tuple_order == "ordered"
        return _match(gs, ps, ordered, ctx)
    lst, other = (g, p) if g.kind == "list" else (p, g)
    items = _collection_items(other)
    if items is not None:
        kind, elements = items
        ordered = kind == "tuple" and ctx.policy.tuple_order != "unordered" or lst.ordered
        wrapped = [Answer("expr", e, text=str(e)) for e in elements]
        pair = (list(lst.value), wrapped) if lst is g else (wrapped, list(lst.value))
        return _match(pair[0], pair[1], ordered and kind != "set", ctx)
    # several answers against one value: each of them must be that value (`3, 4` is not `3`)
    if lst is g:
        return all(_answers(item, p, ctx) for item in lst.value)
    return all(_answers(g, item, ctx) for item in lst.value)


def _collection_items(answer: Answer):
    if answer.kind != "expr":
        return None
    import sympy

    obj = answer.value
    if isinstance(obj, sympy.FiniteSet):
        return "set", list(obj.args)
    if isinstance(obj, sympy.Tuple):
        return "tuple", list(obj.args)
    if isinstance(obj, sympy.MatrixBase) and 1 in obj.shape:
        return "tuple", list(obj)
    pair = _open_interval_as_pair(obj)
    return pair


def _match(gs: list, ps: list, ordered: bool, ctx: _Ctx) -> bool:
    if len(gs) != len(ps):
        return False
    if ordered:
        return all(_answers(a, b, ctx) if isinstance(a, Answer) else _objects(a, b, ctx) for a, b in zip(gs, ps))
    equal = [[(_answers(a, b, ctx) if isinstance(a, Answer) else _objects(a, b, ctx)) for b in ps] for a in gs]
    return _perfect_matching(equal)


def _perfect_matching(equal: list[list[bool]]) -> bool:
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


def _assignment_value(obj):
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


def _is_equation(obj) -> bool:
    import sympy

    return isinstance(obj, sympy.Eq) or (isinstance(obj, sympy.And) and all(isinstance(a, sympy.Eq) for a in obj.args))


_RELATIONS = ("StrictLessThan", "LessThan", "StrictGreaterThan", "GreaterThan", "Unequality")


def _is_relation(obj) -> bool:
    import sympy

    if type(obj).__name__ in _RELATIONS:
        return True
    return isinstance(obj, (sympy.And, sympy.Or)) and all(_is_relation(a) or isinstance(a, sympy.Eq)
                                                           for a in obj.args) and not _is_equation(obj)


def _float_num(obj, ctx: _Ctx) -> Num:
    value = Fraction(str(obj))
    places, sig = ctx.tables.get(value, (30, 30))
    return Num(value, True, places, sig)


def _objects(gold, pred, ctx: _Ctx) -> bool:
    import sympy

    g_eq, p_eq = _is_equation(gold), _is_equation(pred)
    if g_eq != p_eq:  # assignment unwrapping: `x = 3` against `3`
        if g_eq:
            value = _assignment_value(gold)
            return value is not None and _objects(value, pred, ctx)
        value = _assignment_value(pred)
        return value is not None and _objects(gold, value, ctx)
    if g_eq and p_eq:
        return _equations_equal(gold, pred, ctx)
    g_coll, p_coll = _collection(gold), _collection(pred)
    if g_coll and len(g_coll[1]) == 1 and not p_coll:
        return _objects(g_coll[1][0], pred, ctx)
    if p_coll and len(p_coll[1]) == 1 and not g_coll:
        return _objects(gold, p_coll[1][0], ctx)
    if isinstance(gold, sympy.MatrixBase) and 1 in gold.shape and isinstance(pred, sympy.Interval):
        return _match(list(gold), [pred.start, pred.end], True, ctx)     # `[0.5, 1]` written for a vector
    if isinstance(pred, sympy.MatrixBase) and 1 in pred.shape and isinstance(gold, sympy.Interval):
        return _match([gold.start, gold.end], list(pred), True, ctx)
    if isinstance(gold, sympy.MatrixBase) and 1 in gold.shape and p_coll and p_coll[0] == "tuple":
        return _match(list(gold), p_coll[1], ctx.policy.tuple_order != "unordered", ctx)
    if isinstance(pred, sympy.MatrixBase) and 1 in pred.shape and g_coll and g_coll[0] == "tuple":
        return _match(g_coll[1], list(pred), ctx.policy.tuple_order != "unordered", ctx)
    if g_coll or p_coll:
        if "set" in {c[0] for c in (g_coll, p_coll) if c} and not (g_coll and p_coll):
            return False  # a set of two or more is never an interval or a single value
        g_coll = g_coll or _open_interval_as_pair(gold)
        p_coll = p_coll or _open_interval_as_pair(pred)
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


def _open_interval_as_pair(obj):
    """`(1, 2)` is read as an open interval by latex2sympy but may be a point: allow it against a pair."""
    import sympy

    if isinstance(obj, sympy.Interval) and obj.left_open and obj.right_open:
        return "tuple", [obj.start, obj.end]
    return None


def _collections_equal(g_coll, p_coll, ctx: _Ctx) -> bool:
    (g_kind, g_items), (p_kind, p_items) = g_coll, p_coll
    if "set" in (g_kind, p_kind):
        ordered = False
    else:
        ordered = ctx.policy.tuple_order != "unordered"
    return _match(g_items, p_items, ordered, ctx)


def _matrices_equal(gold, pred, ctx: _Ctx) -> bool:
    import sympy

    if not (isinstance(gold, sympy.MatrixBase) and isinstance(pred, sympy.MatrixBase)) or gold.shape != pred.shape:
        return False
    return all(_objects(g, p, ctx) for g, p in zip(gold, pred))


def _sets_equal(gold, pred, ctx: _Ctx) -> bool:
    import sympy

    if gold == pred:
        return True
    if isinstance(gold, sympy.Interval) and isinstance(pred, sympy.Interval):
        return (gold.left_open == pred.left_open and gold.right_open == pred.right_open
                and _objects(gold.start, pred.start, ctx) and _objects(gold.end, pred.end, ctx))
    if isinstance(gold, sympy.FiniteSet) and isinstance(pred, sympy.FiniteSet):
        return _match(list(gold.args), list(pred.args), False, ctx)
    if isinstance(gold, sympy.Union) and isinstance(pred, sympy.Union):
        return _match(list(gold.args), list(pred.args), False, ctx)
    if type(gold) is not type(pred):
        return False
    try:
        return bool(gold.symmetric_difference(pred).is_empty)
    except Exception:  # noqa: BLE001 - sympy set algebra gives up on some inputs: not equal
        return False


def _relations_equal(gold, pred, ctx: _Ctx) -> bool:
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


def _expressions_equal(gold, pred, ctx: _Ctx) -> bool:
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


def _equations_equal(gold, pred, ctx: _Ctx) -> bool:
    """Same equation up to a non-zero constant factor (`2x+4y-3=0` == `y=-x/2+3/4`)."""
    import sympy

    if gold == pred:
        return True
    g_value, p_value = _assignment_value(gold), _assignment_value(pred)
    if g_value is not None and p_value is not None and isinstance(gold, sympy.Eq) and isinstance(pred, sympy.Eq) \
            and gold.lhs == pred.lhs:
        return _objects(g_value, p_value, ctx)
    if not (isinstance(gold, sympy.Eq) and isinstance(pred, sympy.Eq)):
        return False
    if not all(isinstance(side, sympy.Expr) for side in (*gold.args, *pred.args)):
        return _objects(gold.rhs, pred.rhs, ctx) and _objects(gold.lhs, pred.lhs, ctx)
    f = gold.lhs - gold.rhs
    g = pred.lhs - pred.rhs
    if not (f.free_symbols | g.free_symbols):
        return _expressions_equal(f, g, ctx)
    verdict, how = proportional(f, g, f.has(sympy.Float) or g.has(sympy.Float))
    if verdict:
        ctx.how = how
    return verdict
