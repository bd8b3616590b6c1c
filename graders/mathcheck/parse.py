"""Turning one extracted answer string into something comparable.

Pipeline: clean the LaTeX (delimiters, `\\left`, `\\dfrac`, `\\text{}`, `\\sqrt(2)` ...), pull out the percent
sign and units (per policy), guard the text, then classify: plain number (fast path, no sympy), ratio
(`1:2`), text answer (`Evelyn`, `(C)`), bare comma list (`10, 4, -2`), or a sympy object parsed by
latex2sympy2_extended (LaTeX) or by a whitelisted sympy `parse_expr` (plain text such as `pi/2`,
`-1 + exp(16)`, `3*x-1*y+13=0`). Parsing never evaluates: the guard checks the tree before comparison.
"""
from __future__ import annotations

import functools
import keyword
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from graders.mathcheck.extract import strip_math_delimiters
from graders.mathcheck.guard import GuardLimits, check_expr, check_text
from graders.mathcheck.normalize import (  # noqa: F401 - normalize_text: re-exported
    AND_OR, BASE_NUMBER, ELLIPSIS, MATH_WORDS, TEXT_MACRO, clean, normalize_text, parse_number, split_percent,
    split_unit,
)


class Unparseable(ValueError):
    """The answer string could not be turned into a math object."""


class Rejected(ValueError):
    """The guard stopped the answer before sympy saw it."""


@dataclass(frozen=True)
class ParseOptions:
    percent: str = "off"          # off | equal_fraction | either
    units: str = "strip"          # strip | require
    guard: bool = True
    limits: GuardLimits = field(default_factory=GuardLimits)


@dataclass(frozen=True)
class Answer:
    """One parsed answer. kind: number | expr | list | ratio | text."""

    kind: str
    value: Any
    exact: bool = True            # numbers: False when written as a decimal (compared with tolerance)
    unit: str = ""
    text: str = ""                # the cleaned source, for the last-resort string comparison


# -- sympy parsing ------------------------------------------------------------------------------------------
_PLAIN_CHARS = re.compile(r"[0-9A-Za-z+\-*/^().\s!=]+")
_WORD = re.compile(r"[A-Za-z]+")


def _plain_ok(text: str) -> bool:
    if not _PLAIN_CHARS.fullmatch(text) or re.search(r"[A-Za-z_]\s*\.|\.\s*[A-Za-z_]|==|\*\*\*", text):
        return False
    return all((len(w) == 1 or w.lower() in MATH_WORDS) and not keyword.iskeyword(w) for w in _WORD.findall(text))


@functools.lru_cache(maxsize=1)
def _plain_tools():
    import sympy
    from sympy.parsing.sympy_parser import (
        convert_xor, factorial_notation, implicit_multiplication_application, standard_transformations,
    )

    names = {"e": sympy.E, "i": sympy.I, "pi": sympy.pi, "ln": sympy.log, "log": sympy.log, "oo": sympy.oo,
             "inf": sympy.oo, "infty": sympy.oo, "infinity": sympy.oo, "abs": sympy.Abs, "sqrt": sympy.sqrt,
             "exp": sympy.exp}
    transforms = standard_transformations + (convert_xor, factorial_notation, implicit_multiplication_application)
    return names, transforms


def _parse_plain(text: str):
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    names, transforms = _plain_tools()
    sides = text.lower().split("=")
    if len(sides) > 2:
        raise Unparseable("chained equation")
    parsed = [parse_expr(side, local_dict=dict(names), transformations=transforms, evaluate=False) for side in sides]
    if len(parsed) == 2:
        return sympy.Eq(parsed[0], parsed[1], evaluate=False)
    return parsed[0]


@functools.lru_cache(maxsize=4)
def _latex_configs(strip_units: bool):
    from latex2sympy2_extended import NormalizationConfig

    return NormalizationConfig(basic_latex=True, units=strip_units, malformed_operators=False, nits=False,
                               boxed="none", equations=False)


def _parse_latex(text: str, strip_units: bool):
    from latex2sympy2_extended import latex2sympy

    return latex2sympy(text, normalization_config=_latex_configs(strip_units))


def _to_sympy(text: str, options: ParseOptions):
    errors = []
    if _plain_ok(text):
        try:
            return _post(_parse_plain(text))
        except Exception as exc:  # noqa: BLE001 - sympy raises many types; fall back to the LaTeX parser
            errors.append(f"{type(exc).__name__}")
    try:
        return _post(_parse_latex(text, options.units == "strip"))
    except RecursionError:
        raise Rejected("answer nested too deeply to parse") from None
    except Exception as exc:  # noqa: BLE001
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unparseable(f"cannot parse {text[:60]!r}: {first[:80]}") from None


def _post(expr):
    """Symbol `i` is the imaginary unit on both sides (latex2sympy keeps it as a symbol)."""
    import sympy

    if isinstance(expr, sympy.MatrixBase):
        return sympy.ImmutableMatrix(expr).xreplace({s: sympy.I for s in expr.free_symbols if s.name == "i"})
    if isinstance(expr, sympy.Basic):
        i_symbols = [s for s in expr.free_symbols if s.name == "i"]
        if i_symbols:
            expr = expr.xreplace({s: sympy.I for s in i_symbols})
    return expr


# -- top level ----------------------------------------------------------------------------------------------
def _split_top(text: str, seps: str) -> list[str]:
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and text[i + 1:i + 2] in ("{", "}"):
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in seps and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _is_text_answer(text: str) -> bool:
    stripped = TEXT_MACRO.sub(r"\1", text)
    if re.fullmatch(r"\(\s*[A-Za-z]\s*\)", stripped):
        return True
    if not re.fullmatch(r"[A-Za-z][A-Za-z \-']*", stripped):
        return False
    words = re.findall(r"[A-Za-z]+", stripped)
    return any(len(w) >= 3 and w.lower() not in MATH_WORDS for w in words)


def parse_answer(raw: str, options: ParseOptions) -> tuple[Answer, ...]:
    """All readings of one answer (several under `percent: either` or for `A \\approx B`).

    Raises Unparseable / Rejected."""
    if options.guard and len(raw) > 4 * options.limits.max_chars:  # before cleaning: its regexes are linear
        raise Rejected(f"answer is {len(raw)} characters long (limit {options.limits.max_chars})")
    text = clean(raw)
    if not text:
        raise Unparseable("empty answer")
    if options.guard:
        reason = check_text(text, options.limits)
        if reason:
            raise Rejected(reason)
    sides = [side.strip() for side in re.split(r"\\approx|\\sim(?![a-z])", text)]
    if len(sides) > 1:  # `\frac23 \approx 0.67` may be matched by either side; `\approx 8.24` is 8.24
        readings = tuple(r for side in sides if side for r in _readings(side, options))
        if not readings:
            raise Unparseable("empty answer")
        return readings
    return _readings(text, options)


def _readings(text: str, options: ParseOptions) -> tuple[Answer, ...]:
    text, has_percent = split_percent(text)
    text, unit = split_unit(text)
    text, has_percent2 = split_percent(text)
    has_percent = has_percent or has_percent2
    base = _parse_core(text, options, unit)
    if not has_percent or options.percent == "off":
        return (base,)
    scaled = _scale(base, Fraction(1, 100))
    return (scaled,) if options.percent == "equal_fraction" else (base, scaled)


def _parse_core(text: str, options: ParseOptions, unit: str = "") -> Answer:
    wholly_text = TEXT_MACRO.fullmatch(text.strip())
    text = TEXT_MACRO.sub(r"\1", text).strip()
    text = strip_math_delimiters(text)
    if not text:
        raise Unparseable("empty answer")
    number = parse_number(text)
    if number is not None:
        return Answer("number", number[0], exact=number[1], unit=unit, text=text)
    if wholly_text or ELLIPSIS.search(text) or _is_text_answer(text) or BASE_NUMBER.fullmatch(text):
        # `\text{4:30 p.m.}`, `1, 2, \ldots, n`, `Evelyn`, `2112_6` (digits in base 6): compared as text
        return Answer("text", normalize_text(text), unit=unit, text=text)
    if ":" in text and "\\colon" not in text:
        parts = _split_top(text, ":")
        if len(parts) > 1 and all(parts):
            try:
                return Answer("ratio", tuple(_parse_core(p, options) for p in parts), unit=unit, text=text)
            except Unparseable:
                return Answer("text", normalize_text(text), unit=unit, text=text)
    bracketed = _parse_bracketed(text, options)
    if bracketed is not None:
        return Answer("expr", bracketed, unit=unit, text=text)
    list_text = AND_OR.sub(",", text)
    parts = _split_top(list_text, ",;")
    if len(parts) > 1 and all(parts):
        return Answer("list", tuple(_parse_core(p, options) for p in parts), unit=unit, text=text)
    expr = _to_sympy(text, options)
    if options.guard:
        reason = check_expr(expr, options.limits)
        if reason:
            raise Rejected(reason)
    return Answer("expr", expr, unit=unit, text=text)


_NOT_ELEMENT = re.compile(r"[=<>|]|\\(?:mid|in|le|ge|leq|geq|ne|neq|cup|cap|setminus|colon|text)(?![A-Za-z])")


def _enclosing(text: str) -> tuple[str, str, str] | None:
    """(`(`, inner, `]`) when one bracket pair encloses the whole text (`\\{..\\}` and `{..}` give `{`)."""
    for left, right in (("\\{", "\\}"), ("{", "}")):
        if text.startswith(left) and text.endswith(right) and len(text) > len(left) + len(right):
            inner = text[len(left):-len(right)]
            return ("{", inner, "}") if _balanced_inside(inner) else None
    if len(text) > 2 and text[0] in "([" and text[-1] in ")]":
        inner = text[1:-1]
        return (text[0], inner, text[-1]) if _balanced_inside(inner) else None
    return None


def _balanced_inside(inner: str) -> bool:
    depth = 0
    for ch in inner.replace("\\{", "{").replace("\\}", "}"):
        depth += 1 if ch in "([{" else -1 if ch in ")]}" else 0
        if depth < 0:
            return False
    return depth == 0


def _parse_bracketed(text: str, options: ParseOptions):
    """Intervals, tuples and sets of simple elements without the (slow) ANTLR parser; None to fall back."""
    import sympy

    enclosed = _enclosing(text)
    if enclosed is None:
        return None
    left, inner, right = enclosed
    parts = _split_top(inner, ",")
    if len(parts) < 2 or not all(parts) or any(_NOT_ELEMENT.search(p) for p in parts):
        return None  # relations, set-builder notation, LaTeX commands: the full parser knows better
    items = [_parse_core(p, options) for p in parts]
    if any(a.kind not in ("number", "expr") for a in items):
        return None
    values = [answer_to_sympy(a) for a in items]
    if left == "{":
        return sympy.FiniteSet(*values)
    if len(values) == 2 and all(v.is_number and v.is_extended_real for v in values):
        if bool(values[0] < values[1]):
            return sympy.Interval(values[0], values[1], left_open=left == "(", right_open=right == ")")
    if left == "(" or (left == "[" and right == "]"):
        return sympy.Tuple(*values)
    return None


def answer_to_sympy(answer: Answer):
    """A number or expression answer as a sympy object (decimals become 30-digit Floats)."""
    import sympy

    if answer.kind == "number":
        value = sympy.Rational(answer.value.numerator, answer.value.denominator)
        return value if answer.exact else sympy.Float(value, 30)
    return answer.value


def _scale(answer: Answer, factor: Fraction) -> Answer:
    if answer.kind == "number":
        return Answer("number", answer.value * factor, answer.exact, answer.unit, answer.text + "%")
    if answer.kind == "expr":
        import sympy

        try:
            value = sympy.Mul(answer.value, sympy.Rational(factor.numerator, factor.denominator), evaluate=False)
        except TypeError:
            return answer
        return Answer("expr", value, answer.exact, answer.unit, answer.text + "%")
    return answer


@functools.lru_cache(maxsize=8192)
def _parse_reference_cached(raw: str, options: ParseOptions) -> tuple[str, Any]:
    try:
        return "ok", parse_answer(raw, options)
    except Rejected as exc:
        return "rejected", str(exc)
    except Unparseable as exc:
        return "unparseable", str(exc)


def parse_reference(raw: str, options: ParseOptions) -> tuple[Answer, ...]:
    """`parse_answer` for references, cached per worker process (references repeat across samples)."""
    kind, value = _parse_reference_cached(raw, options)
    if kind == "ok":
        return value
    raise (Rejected if kind == "rejected" else Unparseable)(value)
