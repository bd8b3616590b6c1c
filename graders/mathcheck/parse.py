"""Turning one extracted answer string into something comparable: lists, named values, chains and hedges.

Pipeline: clean the LaTeX (normalize.py), guard the text (guard.py), then read the structure:

  * solution lists: `3, 4`, `x = 1 or x = 2`, `p=5,q=2; p=7,q=2` (a group of differently named values is an
    ordered tuple), `\\pm` (two values);
  * named left-hand sides: `(p,q) = (3,2)`, `AB = 4`, `f(x) = 2x+3`, `V_1:V_2 = 11:21` -> the value, with its name;
  * chains and hedges: `z = 1+1 = 2`, `\\frac23 \\approx 0.67`, `12 \\approx 13`: every constant side must be
    the same value (decimals: under the rounding policy); an answer that states two different values is
    `Hedged`, i.e. not an answer. A reference chain `a = b = 101` is read as its last side.

Single values are parsed by values.py.
"""
from __future__ import annotations

import functools
import re
from dataclasses import replace
from fractions import Fraction
from typing import Any

from graders.mathcheck.guard import check_text
from graders.mathcheck.normalize import (  # noqa: F401 - re-exported for callers of the old module
    AND_OR, clean, decimal_comma_reading, normalize_text, parse_number, read_number, split_percent,
)
from graders.mathcheck.values import (  # noqa: F401 - re-exported
    Answer, ParseOptions, Rejected, Unparseable, answer_to_sympy, decimal_table, parse_value, scale, split_top,
)

MAX_ELEMENTS = 64


class Hedged(Unparseable):
    """The answer states two different values (`12 \\approx 13`, `72 = x = 73`); an Unparseable for old callers."""

    def __init__(self, first: str, second: str, operator: str):
        super().__init__(f"{first} {operator} {second}: two different values")
        self.values = (first, second)


# -- chains ------------------------------------------------------------------------------------------------
_CHAIN_OPS = re.compile(
    r"\\(?:approx|thickapprox|approxeq|simeq|sim|cong|equiv|doteq|thicksim)(?![A-Za-z])|≈|≃|≅|~|(?<![<>!=\\])=(?!=)"
)
_HEDGE_OPS = re.compile(r"^(?:\\(?:approx|thickapprox|approxeq|simeq|sim|cong|doteq|thicksim)|≈|≃|≅|~)$")
_MOD_SUFFIX = re.compile(r"\s*(?:\\pmod\s*\{[^{}]*\}|\\pmod\s*\w+|\(\s*\\?mod\s*[^()]*\)|\\bmod\s*\w+)\s*$")


def split_chain(text: str) -> tuple[list[str], list[str]]:
    """Top-level sides and operators of `a = b \\approx c` (not inside brackets, braces or environments)."""
    sides, ops, depth, start = [], [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if text.startswith("\\begin{", i) or text.startswith("\\left", i):
                depth += 1
            elif text.startswith("\\end{", i) or text.startswith("\\right", i):
                depth -= 1
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if depth == 0:
            m = _CHAIN_OPS.match(text, i)
            if m and not (ch == "\\" and text.startswith("\\\\", i)):
                sides.append(text[start:i].strip())
                ops.append(m.group(0))
                start = i = m.end()
                continue
        i += 2 if ch == "\\" and i + 1 < len(text) and not text[i + 1].isalpha() else 1
    sides.append(text[start:].strip())
    return sides, ops


_NAME_COMMANDS = re.compile(
    r"\\(?:angle|measuredangle|overline|overrightarrow|overleftrightarrow|vec|mathbf|bar|hat|widehat|triangle|"
    r"operatorname|Delta|theta|alpha|beta|gamma|phi|varphi|lambda|mu|sigma|omega|rho|tau|psi|xi|eta|zeta|"
    r"epsilon|varepsilon|frac|left|right|prime|Gamma|Omega|Phi|Psi|Theta|Sigma|Lambda)(?![A-Za-z])")


def is_name(lhs: str) -> bool:
    """Left-hand sides that name the answer: `x`, `a_{37}`, `(p,q)`, `AB`, `|AB|`, `f(x)`, `V_1:V_2`, `\\frac{NO}{BO}`."""
    s = lhs.strip()
    if not s or len(s) > 60:
        return False
    s = re.sub(r"\\text\s*\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"_\{[^{}]*\}|_\\?[A-Za-z0-9]+", "", s)
    s = re.sub(r"\^\s*\{?\s*(?:\\prime|')+\s*\}?|'", "", s)
    s = _NAME_COMMANDS.sub(" ", s)
    s = re.sub(r"([A-Za-z])\s*\([^()=]*\)", r"\1", s)   # f(x), W(n), f(2)
    return bool(re.fullmatch(r"[A-Za-z\s(),|:{}/]+", s)) and bool(re.search(r"[A-Za-z]", s))


def normalize_name(name: str) -> str:
    name = re.sub(r"\\text\s*\{([^{}]*)\}", r"\1", name)
    return re.sub(r"[\s{}]|\\left|\\right", "", name)


# -- top level ---------------------------------------------------------------------------------------------
def parse_answer(raw: str, options: ParseOptions, role: str = "answer") -> tuple[Answer, ...]:
    """All acceptable readings of one answer. `role` is "answer" (a model output: hedges are checked) or
    "reference" (a chain is its last side; a consistent `\\approx` keeps each side as a reading).

    Raises Unparseable, Rejected or Hedged."""
    if options.guard and len(raw) > 4 * options.limits.max_chars:  # before cleaning: its regexes are linear
        raise Rejected(f"answer is {len(raw)} characters long (limit {options.limits.max_chars})")
    text = clean(raw)
    if not text:
        raise Unparseable("empty answer")
    if options.guard:
        reason = check_text(text, options.limits)
        if reason:
            raise Rejected(reason)
    text = _MOD_SUFFIX.sub("", text).strip() or text
    if options.percent == "either":
        base, has_percent = split_percent(text)
        if has_percent and base:
            plain = _parse_top(base, replace(options, percent="off"), role)
            return plain + tuple(scale(a, Fraction(1, 100)) for a in plain)
    return _parse_top(text, options, role)


def _parse_top(text: str, options: ParseOptions, role: str) -> tuple[Answer, ...]:
    text = _plain_braces(text)
    number = read_number(text)
    if number is not None:
        answer = Answer("number", number.value, number.exact, text=text, places=number.places, sig=number.sig)
        if _GROUPED.fullmatch(text):  # `70,110`: 70110, or the two solutions 70 and 110 against a list
            parts = tuple(Answer("number", Fraction(int(p)), text=p) for p in text.split(","))
            answer = replace(answer, alt=(Answer("list", parts, text=text),))
        return (answer,)
    comma = decimal_comma_reading(text)
    text = _CONNECTOR_TEXT.sub(r" \1 ", text)
    text = _join_top_level_groups(text)  # `f(2) = 1,440`: one number (inside brackets `(12,102)` is a pair)
    groups = [g for g in split_top(_AND_OR.sub(";", text), ";")]
    if len(groups) == 1 and len(split_top(text, ",")) == 1:
        return _parse_element(text, options, role)
    elements: list[Answer] = []
    for group in groups:
        if not group:
            raise Unparseable("empty element in a list")
        parts = split_top(group, ",")
        if not all(parts):
            raise Unparseable("empty element in a list")
        parsed = [_single(_parse_element(p, options, role)) for p in parts]
        names = [a.name for a in parsed]
        if len(parsed) > 1 and all(names) and len(set(map(normalize_name, names))) == len(names):
            elements.append(Answer("list", tuple(parsed), text=group, ordered=True))  # p=5, q=2
        else:
            elements.extend(parsed)
        if len(elements) > MAX_ELEMENTS:
            raise Rejected(f"more than {MAX_ELEMENTS} elements")
    flat = _dedupe(_flatten(elements))
    if len(flat) == 1:
        return (flat[0],)
    answer = Answer("list", tuple(flat), text=text)
    if comma is not None:
        answer = replace(answer, alt=(Answer("number", comma.value, False, text=text, places=comma.places,
                                             sig=comma.sig),))
    return (answer,)


_GROUPED = re.compile(r"-?[1-9]\d{0,2}(?:,\d{3})+")
_GROUPED_INSIDE = re.compile(r"(?<![\d,.])[1-9]\d{0,2}(?:,\d{3})+(?![\d,])")
_CONNECTOR_TEXT = re.compile(r"\\(?:text|textnormal|mbox)\s*\{\s*((?:and|or|et|ou|und|oder|,|;))\s*\}")
_AND_OR = re.compile(r"\s*,?\s*(?<![A-Za-z\\])(?:and|or|und|oder|et|ou)(?![a-z])\s*|\s*;\s*")


def _join_top_level_groups(text: str) -> str:
    out, last = [], 0
    for m in _GROUPED_INSIDE.finditer(text):
        depth = sum(1 if ch in "([{" else -1 if ch in ")]}" else 0 for ch in text[:m.start()])
        if depth == 0:
            out.append(text[last:m.start()] + m.group(0).replace(",", ""))
            last = m.end()
    return "".join(out) + text[last:]


def _plain_braces(text: str) -> str:
    """`{1,3}` is TeX grouping (it prints `1,3`), not the set `\\{1,3\\}`: read it as the bare list."""
    while text.startswith("{") and text.endswith("}"):
        depth = 0
        for i, ch in enumerate(text):
            depth += 1 if ch == "{" else -1 if ch == "}" else 0
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def _dedupe(elements: list[Answer]) -> list[Answer]:
    """A solution listed twice is one solution (`(3,17,3,7)` repeated in a list of tuples)."""
    seen, out = set(), []
    for a in elements:
        key = (a.kind, a.value, a.exact, a.name)
        try:
            if key in seen:
                continue
            seen.add(key)
        except TypeError:  # unhashable value: keep it
            pass
        out.append(a)
    return out


def _single(readings: tuple[Answer, ...]) -> Answer:
    return readings[0]


def _flatten(elements: list[Answer]) -> list[Answer]:
    """Lists inside lists and `\\pm` sets inside a solution list become elements of one list."""
    import sympy

    out = []
    for a in elements:
        if a.kind == "list" and not a.ordered:
            out.extend(_flatten(list(a.value)))
        elif a.kind == "expr" and isinstance(a.value, sympy.FiniteSet) and ("\\pm" in a.text or "\\mp" in a.text):
            out.extend(Answer("expr", v, text=str(v), name=a.name) for v in a.value.args)
        else:
            out.append(a)
    return out


def _parse_element(text: str, options: ParseOptions, role: str) -> tuple[Answer, ...]:
    """One element: a value, `name = value`, an equation, or a chain / hedge of values."""
    sides, ops = split_chain(text)
    if len(sides) == 1:
        return (parse_value(text, options),)
    if not sides[0]:  # `= 5`, `\approx 8.24`
        sides, ops = sides[1:], ops[1:]
    name = ""
    if sides and ops and is_name(sides[0]) and len(sides) > 1:
        name, sides, ops = sides[0], sides[1:], ops[1:]
    if not sides or not all(sides):
        raise Unparseable(f"incomplete equation {text[:60]!r}")
    if len(sides) == 1:
        value = parse_value(sides[0], options)
        return (replace(value, name=name, source=text),)
    hedge = any(_HEDGE_OPS.match(op) for op in ops)
    if not name and not hedge and len(sides) == 2 and re.search(r"[A-Za-z]", _strip_commands(text)):
        return (_equation(text, options),)   # 2x + 4y - 3 = 0, x^2/4 + y^2/3 = 1
    if role == "reference":
        last = replace(parse_value(sides[-1], options), name=name, source=text)
        try:
            ranked = _consistent_sides(sides, ops, hedge, options)
        except Unparseable:  # a trusted `=` chain that contradicts itself (`1 = \\zzz = x = 0`): its last side;
            if hedge:        # `12 \\approx 13` as a reference is a data bug (invalid_reference)
                raise
            return (last,)
        readings = [replace(a, name=name, source=text) for a in ranked]
        return tuple(readings) + ((last,) if last not in readings else ())
    ranked = _consistent_sides(sides, ops, hedge, options)
    return (replace(ranked[0], name=name, source=text),)


def _consistent_sides(sides: list[str], ops: list[str], hedge: bool, options: ParseOptions) -> list[Answer]:
    """The sides of a chain, most precise first, after checking that they state one value (Hedged if not)."""
    parsed = []
    for side in sides:
        try:  # `0.56 = 56\%`: inside a chain a percent sign means a fraction, whatever the policy
            parsed.append(parse_value(side, options, percent="equal_fraction"))
        except Unparseable:
            continue
    if not parsed:
        raise Unparseable(f"cannot parse any side of {' = '.join(sides)[:60]!r}")
    constant = [a for a in parsed if _is_constant(a)]
    checked = parsed if hedge else constant
    from graders.mathcheck.compare import consistent

    for i, a in enumerate(checked):
        for b in checked[i + 1:]:
            if not consistent(a, b, approx=hedge):
                raise Hedged(a.text, b.text, next((op for op in ops if _HEDGE_OPS.match(op)), "="))
    return sorted(constant or parsed[-1:], key=_precision, reverse=True)


def _strip_commands(text: str) -> str:
    return re.sub(r"\\[A-Za-z]+", " ", text)


def _equation(text: str, options: ParseOptions) -> Answer:
    from graders.mathcheck.values import to_sympy

    return Answer("expr", to_sympy(text, options), text=text, decimals=decimal_table(text))


def _is_constant(answer: Answer) -> bool:
    if answer.kind in ("number", "text", "ratio"):
        return True
    value = answer.value
    return hasattr(value, "free_symbols") and not value.free_symbols


def _precision(answer: Answer) -> tuple[int, int]:
    """Exact values rank first, then decimals by digits shown; the later side wins ties (sorted is stable)."""
    if answer.kind == "number" and not answer.exact:
        return (0, answer.places)
    if answer.kind == "number" and answer.value.denominator == 1:
        return (1, 0)
    return (2, 0)


@functools.lru_cache(maxsize=8192)
def _parse_reference_cached(raw: str, options: ParseOptions) -> tuple[str, Any]:
    try:
        return "ok", parse_answer(raw, options, role="reference")
    except Rejected as exc:
        return "rejected", str(exc)
    except Hedged as exc:
        return "hedged", str(exc)
    except Unparseable as exc:
        return "unparseable", str(exc)


def parse_reference(raw: str, options: ParseOptions) -> tuple[Answer, ...]:
    """`parse_answer` for references, cached per worker process (references repeat across samples)."""
    kind, value = _parse_reference_cached(raw, options)
    if kind == "ok":
        return value
    raise (Rejected if kind == "rejected" else Unparseable)(value)
