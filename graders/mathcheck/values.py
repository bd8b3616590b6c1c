"""Parsing one value (no lists, chains or names; see parse.py): plain numbers without sympy, text answers,
ratios, simple tuples / intervals / sets, and everything else through latex2sympy2_extended (LaTeX) or a
whitelisted sympy `parse_expr` (plain text such as `pi/2`, `-1 + exp(16)`). Parsing never evaluates; the
guard checks the tree before any comparison does."""
from __future__ import annotations

import functools
import keyword
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from graders.mathcheck.guard import GuardLimits, check_expr
from graders.mathcheck.normalize import (
    BASE_NUMBER, ELLIPSIS, MATH_WORDS, TEXT_MACRO, normalize_text, read_number, split_percent, split_unit,
)
from graders.mathcheck.spans import strip_math_delimiters


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
    """One parsed answer. kind: number | expr | list | ratio | text.

    A list is `ordered` when it is a group of named values (`p=5, q=2`). `name` is the left-hand side of an
    assignment (`(p,q) = (3,2)` -> name `(p,q)`, value `(3,2)`); `source` keeps the whole `name = value` text.
    `decimals` lists the decimal literals written in the answer as (value, places, significant digits), so
    that the rounding policy can be applied to decimals inside tuples, intervals and matrices. `alt` holds
    another reading of the same text (a decimal comma: `2,74`)."""

    kind: str
    value: Any
    exact: bool = True            # numbers: False when written as a decimal
    unit: str = ""
    text: str = ""                # the cleaned source
    places: int = 0               # decimal numbers: digits shown after the point
    sig: int = 0                  # decimal numbers: significant digits shown
    name: str = ""
    source: str = ""
    ordered: bool = False
    decimals: tuple = ()
    alt: tuple = ()


# -- sympy parsing ------------------------------------------------------------------------------------------
_PLAIN_CHARS = re.compile(r"[0-9A-Za-z+\-*/^().\s!=]+")
_WORD = re.compile(r"[A-Za-z]+")
_DECIMAL_LITERAL = re.compile(r"(?<![\w.])\d*\.\d+(?:[eE][+-]?\d+)?")


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

    return NormalizationConfig(basic_latex=True, units=False, malformed_operators=False, nits=False,
                               boxed="none", equations=False)


def _parse_latex(text: str, strip_units: bool):
    from latex2sympy2_extended import latex2sympy

    return latex2sympy(text, normalization_config=_latex_configs(strip_units))


def to_sympy(text: str, options: ParseOptions):
    """Parse with sympy's `parse_expr` (plain text) or latex2sympy; guard the tree. Raises Unparseable/Rejected."""
    expr = None
    if _plain_ok(text):
        try:
            expr = _post(_parse_plain(text))
        except Exception:  # noqa: BLE001 - sympy raises many types; fall back to the LaTeX parser
            expr = None
    if expr is None:
        try:
            expr = _post(_parse_latex(text, options.units == "strip"))
        except RecursionError:
            raise Rejected("answer nested too deeply to parse") from None
        except Exception as exc:  # noqa: BLE001
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise Unparseable(f"cannot parse {text[:60]!r}: {first[:80]}") from None
    if options.guard:
        reason = check_expr(expr, options.limits)
        if reason:
            raise Rejected(reason)
    return expr


def _post(expr):
    """Symbol `i` is the imaginary unit on both sides (latex2sympy keeps it as a symbol); matrix sums and
    products are carried out (`A + B` written as the answer is the matrix it equals)."""
    import sympy

    if isinstance(expr, sympy.MatrixExpr) and not isinstance(expr, sympy.MatrixBase):
        expr = expr.doit()
    if isinstance(expr, sympy.MatrixBase):
        return sympy.ImmutableMatrix(expr).xreplace({s: sympy.I for s in expr.free_symbols if s.name == "i"})
    if isinstance(expr, sympy.Basic):
        i_symbols = [s for s in expr.free_symbols if s.name == "i"]
        if i_symbols:
            expr = expr.xreplace({s: sympy.I for s in i_symbols})
    return expr


# -- one value ---------------------------------------------------------------------------------------------
def split_top(text: str, seps: str) -> list[str]:
    """Split at the characters `seps` outside brackets, braces and environments."""
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if text.startswith("\\begin{", i):
                depth += 1
            elif text.startswith("\\end{", i):
                depth -= 1
            if text[i + 1:i + 2] in ("{", "}"):
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


def decimal_table(text: str) -> tuple:
    """(value, places, significant digits) of every decimal literal in the text."""
    out = []
    for m in _DECIMAL_LITERAL.finditer(text):
        number = read_number(m.group(0))
        if number is not None and not number.exact:
            out.append((number.value, number.places, number.sig))
    return tuple(out)


def parse_value(text: str, options: ParseOptions, percent: str | None = None) -> Answer:
    """One value with its percent sign and unit (per policy)."""
    text, has_percent = split_percent(text)
    text, unit = split_unit(text)
    if not has_percent:
        text, has_percent = split_percent(text)
    answer = parse_core(text, options, unit)
    mode = options.percent if percent is None else percent
    if has_percent and mode == "equal_fraction":
        return scale(answer, Fraction(1, 100))
    return answer


def parse_core(text: str, options: ParseOptions, unit: str = "") -> Answer:
    wholly_text = TEXT_MACRO.fullmatch(text.strip())
    text = TEXT_MACRO.sub(r"\1", text).strip()
    text = strip_math_delimiters(text)
    if not text:
        raise Unparseable("empty answer")
    number = read_number(text)
    if number is not None:
        return Answer("number", number.value, number.exact, unit, text, number.places, number.sig)
    if wholly_text or ELLIPSIS.search(text) or _is_text_answer(text) or BASE_NUMBER.fullmatch(text):
        # `\text{4:30 p.m.}`, `1, 2, \ldots, n`, `Evelyn`, `2112_6` (digits in base 6): compared as text
        return Answer("text", normalize_text(text), unit=unit, text=text)
    if ":" in text and "\\colon" not in text:
        parts = split_top(text, ":")
        if len(parts) > 1 and all(parts):
            try:
                return Answer("ratio", tuple(parse_core(p, options) for p in parts), unit=unit, text=text)
            except Unparseable:
                return Answer("text", normalize_text(text), unit=unit, text=text)
    bracketed = _parse_bracketed(text, options)
    if bracketed is not None:
        return Answer("expr", bracketed, unit=unit, text=text, decimals=decimal_table(text))
    if _PLUS_MINUS.search(text) and not _enclosing(text):
        values = tuple(parse_core(t, options) for t in _expand_plus_minus(text))
        return Answer("list", values, unit=unit, text=text)
    expr = to_sympy(text, options)
    return Answer("expr", expr, unit=unit, text=text, decimals=decimal_table(text))


_PLUS_MINUS = re.compile(r"\\(?:pm|mp)(?![A-Za-z])|±|∓")


def _expand_plus_minus(text: str) -> list[str]:
    """`\\frac{-1 \\pm \\sqrt{13}}{4}` -> its `+` and `-` versions (every `\\pm` takes the same sign, `\\mp` the
    opposite one, as the notation means)."""
    upper = _PLUS_MINUS.sub(lambda m: "-" if m.group(0) in ("\\mp", "∓") else "+", text)
    lower = _PLUS_MINUS.sub(lambda m: "+" if m.group(0) in ("\\mp", "∓") else "-", text)
    return [upper, lower]


_NOT_ELEMENT = re.compile(r"[=<>|]|\\(?:mid|in|le|ge|leq|geq|ne|neq|cup|cap|setminus|colon|text|pm|mp)(?![A-Za-z])")


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
    parts = split_top(inner, ",;" if left == "(" else ",")
    if len(parts) < 2 or not all(parts) or any(_NOT_ELEMENT.search(p) for p in parts):
        return None  # relations, set-builder notation, LaTeX commands: the full parser knows better
    items = [parse_value(p, options, percent="off") for p in parts]
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


def scale(answer: Answer, factor: Fraction) -> Answer:
    from dataclasses import replace

    if answer.kind == "number":
        value = answer.value * factor
        places = answer.places + 2 if not answer.exact else 0
        return replace(answer, value=value, places=places, text=answer.text + "%")
    if answer.kind == "expr":
        import sympy

        try:
            value = sympy.Mul(answer.value, sympy.Rational(factor.numerator, factor.denominator), evaluate=False)
        except TypeError:
            return answer
        return replace(answer, value=value, text=answer.text + "%")
    return answer
