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
from dataclasses import dataclass

from graders.mathcheck.numeric import Num, Rounding, consistent_numbers, numbers_equal
from graders.mathcheck.objects import (
    Ctx, equations_equal, is_equation, objects_equal, open_interval_as_pair, perfect_matching,
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
    ctx = Ctx(policy)
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


def _answers(g: Answer, p: Answer, ctx: Ctx) -> bool:
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
    if is_equation(g_obj) and not is_equation(p_obj) and p.name:
        eq = _equation_of(p)
        p_obj = p_obj if eq is None else eq
    if is_equation(p_obj) and not is_equation(g_obj) and g.name:
        eq = _equation_of(g)
        g_obj = g_obj if eq is None else eq
    return objects_equal(g_obj, p_obj, ctx)


def _equation_of(answer: Answer):
    """The whole `name = value` of a named answer as a sympy equation (None if it does not parse)."""
    from graders.mathcheck.values import ParseOptions, to_sympy

    try:
        eq = to_sympy(answer.source, ParseOptions())
    except (Unparseable, Rejected):
        return None
    return eq if is_equation(eq) else None


def _named_equations(g: Answer, p: Answer, ctx: Ctx) -> bool:
    """`x = 3` vs `y = 3`: different names, so only the same equation counts (`y = x` is `x = y`)."""
    g_eq, p_eq = _equation_of(g), _equation_of(p)
    return g_eq is not None and p_eq is not None and equations_equal(g_eq, p_eq, ctx)


def _same_digits(based: str, plain: str) -> bool:
    """`2112_6` against `2112`: the question names the base, so the digits alone are accepted."""
    m = re.fullmatch(r"([0-9a-z]+)_\{?(\d+)\}?", based)
    return bool(m) and m.group(1) == plain


def _match(gs: list[Answer], ps: list[Answer], ordered: bool, ctx: Ctx) -> bool:
    if len(gs) != len(ps):
        return False
    if ordered:
        return all(_answers(a, b, ctx) for a, b in zip(gs, ps))
    return perfect_matching([[_answers(a, b, ctx) for b in ps] for a in gs])


def _lists(g: Answer, p: Answer, ctx: Ctx) -> bool:
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
    pair = open_interval_as_pair(obj)
    return pair



