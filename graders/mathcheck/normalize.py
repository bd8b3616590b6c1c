"""Text-level normalisation of one answer: LaTeX noise, number formats, `\\frac12`-style arguments, matrix
environments, degrees, percent signs, units, plain numbers (the fast path that needs no sympy) and the
string form used for text answers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from graders.mathcheck.spans import find_boxed, strip_math_delimiters

# -- cleaning -------------------------------------------------------------------------------------------
_SPACES = re.compile(
    r"\\\\|\\[,;:! ]|~|\\quad|\\qquad|\\displaystyle|\\left(?=[^a-zA-Z])|\\right(?=[^a-zA-Z])|\\middle"
    r"|\\bigl|\\bigr|\\Bigl|\\Bigr|\\big|\\Big"
)
_PHANTOM = re.compile(r"\\[hv]?phantom\s*(?:\{[^{}]*\}|\S)")
_DIGIT_GROUPS = re.compile(r"(?<![\d.])\d{1,3}(?:(?:,|\{,\})\d{3})+(?![\d,])")
# `11,\! 111,\! 100`, `1\,000`, `1{,}000`: thousands written with LaTeX spacing
_LATEX_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:(?:,\s*\\!\s*|\\[,!]\s*|\{,\}|,\\,)\d{3})+(?!\d)")
_SPACE_THOUSANDS = re.compile(r"(?<![\d.,/])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d/]|\s*\d)")
_FONT = re.compile(
    r"\\(?:mathrm|mathbf|mathit|mathsf|mathnormal|boldsymbol|textbf|textit|textrm|textsf|mbox|bm|operatorname)"
    r"\s*\{([^{}]*)\}"
)
TEXT_MACRO = re.compile(r"\\(?:text|textnormal|hbox)\s*\{([^{}]*)\}")
_PERCENT = re.compile(
    r"\s*(?:\\%|%|\\text\{\s*\\?%\s*\}|\s?\\?percent(?:age)?|\s?\\text\{\s*percent(?:age)?\s*\}|\s?pct)\s*$",
    re.IGNORECASE)
_DEGREE = re.compile(r"\s*(?:\^\s*\{?\s*\\circ\s*\}?|°|\\circ|\\degree)\s*$")
_TEXT_UNIT = re.compile(r"\s*\\(?:text|textnormal|textrm|mbox|mathrm)\s*\{\s*([A-Za-z][A-Za-z .]*)\}\s*(\^\s*\{?\s*[23]\s*\}?)?\s*$")
_PLAIN_UNIT = re.compile(r"(?<=[\d}])\s*([A-Za-z][A-Za-z.]+(?:\s+[A-Za-z][A-Za-z.]*)?)\s*(\^\s*\{?\s*[23]\s*\}?|[²³])?\s*$")
_CURRENCY = re.compile(r"^(?:US)?[$€£¥₹₽₩]\s*|\s*(?:[$€£¥₹₽₩]|\\euro|\\pounds|\\yen)\s*$")
BASE_NUMBER = re.compile(r"(-?[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)?)_\{?(\d+)\}?")
ELLIPSIS = re.compile(r"\\[lc]?dots|\.\.\.|…")
AND_OR = re.compile(r"\s*,?\s*(?<![A-Za-z\\])(?:and|or)(?![a-z])\s*")
_ANSWER_LABEL = re.compile(r"^(?:final\s+answer|answer)\s*[:=]\s*", re.IGNORECASE)
_MATRIX_ENV = re.compile(r"\\begin\{(?:bmatrix|Bmatrix|matrix|smallmatrix|array)\}(?:\{[^{}]*\})?")
_MATRIX_END = re.compile(r"\\end\{(?:bmatrix|Bmatrix|matrix|smallmatrix|array)\}")
_TRIG = re.compile(r"\\(?:sin|cos|tan|sec|csc|cot)(?![a-z])")
_DEGREE_INSIDE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:\^\s*\{?\s*\\circ\s*\}?|°)")
_MIXED = re.compile(r"(-?)(\d+)\s+(?:(\d+)\s*/\s*(\d+)|\\frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\})")
MATH_WORDS = {"pi", "sqrt", "exp", "log", "ln", "sin", "cos", "tan", "sec", "csc", "cot", "oo", "inf", "infty",
              "infinity", "abs", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "frac", "mod", "gcd", "lcm"}
# units stripped (policy strip) or required (policy require) when written as plain words after a number
KNOWN_UNITS = {
    "cm", "mm", "m", "km", "in", "inch", "inches", "ft", "feet", "foot", "yd", "yard", "yards", "mile", "miles",
    "g", "kg", "mg", "lb", "lbs", "pound", "pounds", "oz", "ounce", "ounces", "l", "ml", "liter", "liters",
    "litre", "litres", "s", "sec", "second", "seconds", "min", "minute", "minutes", "h", "hr", "hrs", "hour",
    "hours", "day", "days", "week", "weeks", "month", "months", "year", "years", "dollar", "dollars", "cent",
    "cents", "degree", "degrees", "deg", "unit", "units", "sq", "square", "cubic", "meter", "meters", "metre",
    "metres", "mph", "kmh", "people", "students", "apples", "times", "ways", "cups", "pages", "points", "yuan",
    "euro", "euros", "rupees", "cookies", "eggs", "items", "books", "marbles", "pieces", "miles",
}
_GLUED_UNIT = re.compile(r"(?<=\d)(?:[A-Za-z]+|[²³])+$")


def _tex_arg(text: str, i: int) -> tuple[str, int] | None:
    """One TeX macro argument at text[i:] (spaces skipped): a {group}, a (group) for `\\sqrt(2)`, or one token."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return None
    if text[i] in "{(":
        opener, closer = text[i], "}" if text[i] == "{" else ")"
        depth = 0
        for j in range(i, len(text)):
            depth += 1 if text[j] == opener else -1 if text[j] == closer else 0
            if depth == 0:
                return text[i + 1:j], j + 1
        return None
    m = re.match(r"\\[A-Za-z]+|[^\s{}()\\]", text[i:])
    return (m.group(0), i + m.end()) if m else None


def fix_macro_args(text: str) -> str:
    """Brace the arguments of `\\frac` and `\\sqrt` the way TeX reads them: `\\frac12` -> `\\frac{1}{2}`,
    `\\sqrt3` -> `\\sqrt{3}`; also `\\sqrt(2)` -> `\\sqrt{2}` (math-verify silently dropped it: `4\\sqrt(2)` == 4)."""
    out, i = [], 0
    for m in re.finditer(r"\\(frac|sqrt)(?![A-Za-z])", text):
        if m.start() < i:
            continue
        j = m.end()
        index = ""
        if m.group(1) == "sqrt":
            k = j
            while k < len(text) and text[k] == " ":
                k += 1
            if k < len(text) and text[k] == "[":
                close = text.find("]", k)
                if close < 0:
                    continue
                index, j = text[k:close + 1], close + 1
        args = []
        for _ in range(2 if m.group(1) == "frac" else 1):
            arg = _tex_arg(text, j)
            if arg is None:
                break
            args.append(fix_macro_args(arg[0]))
            j = arg[1]
        else:
            out.append(text[i:m.start()] + "\\" + m.group(1) + index + "".join("{" + a + "}" for a in args))
            i = j
    out.append(text[i:])
    return "".join(out)


def _space(m: re.Match) -> str:
    token = m.group(0)
    return token if token == "\\\\" else "" if token == "\\!" else " "


def _unwrap_matrix(text: str) -> str:
    """`\\left[\\begin{array}{cc}..\\end{array}\\right]`, `(\\begin{pmatrix}..\\end{pmatrix})` -> the matrix."""
    m = re.fullmatch(r"[(\[]\s*(\\begin\{pmatrix\}.*\\end\{pmatrix\})\s*[)\]]", text, re.DOTALL)
    if m and m.group(1).count("\\begin{") == 1:
        return m.group(1)
    return text


def clean(text: str) -> str:
    """Normalise LaTeX noise and number formats that carry no mathematical meaning."""
    text = strip_math_delimiters(text)
    boxed = find_boxed(text)
    if boxed:
        text = boxed[-1]
    text = _ANSWER_LABEL.sub("", text)
    text = text.replace("−", "-").replace("×", "\\times ").replace("÷", "\\div ").replace("≤", "\\le ").replace(
        "≥", "\\ge ").replace("≠", "\\ne ").replace("∞", "\\infty ").replace("π", "\\pi ").replace("√", "\\sqrt")
    text = _LATEX_THOUSANDS.sub(lambda m: re.sub(r"\D", "", m.group(0)), text)
    text = _SPACES.sub(_space, text)
    text = _PHANTOM.sub("", text)
    if "{,}" in text or re.search(r"\{\d{1,3},\d{3}", text):  # 5{,}525 and \frac{12}{5,525}: digit groups
        text = _DIGIT_GROUPS.sub(lambda m: re.sub(r"\{,\}|,", "", m.group(0)), text)
    text = re.sub(r"\\[dtc]frac", r"\\frac", text)
    for _ in range(3):
        text = _FONT.sub(r"\1", text)
    text = fix_macro_args(text)
    text = _MATRIX_ENV.sub(r"\\begin{pmatrix}", text)
    text = _MATRIX_END.sub(r"\\end{pmatrix}", text)
    if _TRIG.search(text) and _DEGREE_INSIDE.search(text):  # \sin(90^\circ - x): degrees inside trig functions
        text = _DEGREE_INSIDE.sub(r"(\1\\cdot\\frac{\\pi}{180})", text)
    text = text.replace("\\$", "").replace("$", "").replace("\\dollar", "")
    text = re.sub(r"\s+", " ", text).strip().rstrip(",;").strip()
    text = _SPACE_THOUSANDS.sub(lambda m: re.sub(r"\s", "", m.group(0)), text)
    text = _unwrap_matrix(text)
    return strip_math_delimiters(text)


def split_percent(text: str) -> tuple[str, bool]:
    m = _PERCENT.search(text)
    if m and m.start() > 0:
        return text[:m.start()].strip(), True
    return text, False


def split_unit(text: str) -> tuple[str, str]:
    """`5\\text{ cm}^2` -> (`5`, `cm^2`); `90^\\circ` -> (`90`, `degree`); `12 dollars`, `10weeks` -> (`12`, `dollar`)."""
    stripped = _CURRENCY.sub("", text).strip()
    if stripped != text and stripped and parse_number(stripped.replace(" ", "")) is not None:
        return stripped, "dollar" if "$" in text else ""
    m = _DEGREE.search(text)
    if m and m.start() > 0:
        return text[:m.start()].strip(), "degree"
    m = _TEXT_UNIT.search(text)
    if m and m.start() > 0 and text[:m.start()].strip():
        return text[:m.start()].strip(), normalize_unit(m.group(1) + (m.group(2) or ""))
    m = _PLAIN_UNIT.search(text)
    if m and m.start() > 0 and text[:m.start()].strip():
        words = m.group(1).lower().replace(".", "").split()
        glued = not text[m.start():m.start() + 1].isspace()
        if words and all(w in KNOWN_UNITS for w in words) and (not glued or parse_number(text[:m.start()])):
            return text[:m.start()].strip(), normalize_unit(m.group(1) + (m.group(2) or ""))
    m = _GLUED_UNIT.search(text)   # `1,000.99m²`, `12cm³`: a number glued to a squared or cubed unit
    if m and m.group(0)[-1] in "²³" and m.group(0)[:-1].lower() in KNOWN_UNITS | {""} \
            and parse_number(text[:m.start()]):
        return text[:m.start()], normalize_unit(m.group(0))
    return text, ""


def normalize_unit(unit: str) -> str:
    unit = re.sub(r"[\s{}.^]", "", unit.lower()).replace("²", "2").replace("³", "3")
    for long, short in (("degrees", "degree"), ("deg", "degree"), ("inches", "inch"), ("feet", "foot")):
        if unit == long:
            return short
    return unit[:-1] if len(unit) > 3 and unit.endswith("s") else unit


def normalize_text(text: str) -> str:
    """For comparing answers as strings: lower case, `\\text{}` unwrapped, no spaces or `$`; a choice label
    `(C)` equals `C`. Dots, brackets and digits are kept: `(1.2` is not `12`."""
    text = TEXT_MACRO.sub(r"\1", text)
    text = re.sub(r"[\s${}]|\\(?=[{}])", "", text).lower()
    m = re.fullmatch(r"\(([a-z])\)|\{([a-z]+)\}", text)
    return (m.group(1) or m.group(2)) if m else text


# -- fast path: plain numbers -----------------------------------------------------------------------------
_DECIMAL = re.compile(r"[+-]?(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FRACTION = re.compile(r"([+-]?)\s*(?:\\frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}|(\d+)\s*/\s*(\d+))")
_SCI = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|\*|x)\s*10\s*\^\s*\{?\s*([+-]?\d{1,4})\s*\}?")
_DECIMAL_COMMA = re.compile(r"([+-]?\d+),(\d+)")


@dataclass(frozen=True)
class Number:
    """A plain number: its exact value; for a written decimal, the digits shown (for the rounding policy)."""

    value: Fraction
    exact: bool = True
    places: int = 0        # decimals: digits after the point (scientific notation included)
    sig: int = 0           # decimals: significant digits shown


def _decimal_digits(mantissa: str, exponent: int = 0) -> tuple[int, int]:
    mantissa = mantissa.lstrip("+-").replace(",", "")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    return len(frac) - exponent, max(len(digits), 1 if frac else 0)


def read_number(text: str) -> Number | None:
    """`-1,234.5`, `3/4`, `\\frac{3}{4}`, `2.5e-7`, `1.5 \\times 10^{-3}`, mixed `1 1/2` -> Number, else None."""
    if not text or len(text) > 60:
        return None
    if _DECIMAL.fullmatch(text) and any(ch.isdigit() for ch in text):
        body = text.replace(",", "")
        try:
            value = Fraction(body)
        except (ValueError, ZeroDivisionError):
            return None
        if not any(ch in body for ch in ".eE"):
            return Number(value)
        mantissa, _, exp = body.lower().partition("e")
        places, sig = _decimal_digits(mantissa, int(exp or 0))
        return Number(value, False, places, sig)
    m = _FRACTION.fullmatch(text)
    if m:
        num, den = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
        if int(den) == 0:
            return None
        value = Fraction(int(num), int(den))
        return Number(-value if m.group(1) == "-" else value)
    m = _MIXED.fullmatch(text)
    if m:
        num, den = (m.group(3), m.group(4)) if m.group(3) else (m.group(5), m.group(6))
        if int(den) == 0 or int(num) >= int(den):
            return None
        value = int(m.group(2)) + Fraction(int(num), int(den))
        return Number(-value if m.group(1) else value)
    m = _SCI.fullmatch(text)
    if m:
        value = Fraction(m.group(1)) * Fraction(10) ** int(m.group(2))
        if "." not in m.group(1):
            return Number(value)
        places, sig = _decimal_digits(m.group(1), int(m.group(2)))
        return Number(value, False, places, sig)
    return None


def parse_number(text: str) -> tuple[Fraction, bool] | None:
    """Exact value and exactness of a plain number (compatibility form of `read_number`)."""
    number = read_number(text)
    return None if number is None else (number.value, number.exact)


def decimal_comma_reading(text: str) -> Number | None:
    """`2,74`, `1000,99`, `0,111` read with a decimal comma, when no thousands grouping is possible
    (the part after the comma does not have exactly three digits, or the part before it is 0 / has 4+ digits)."""
    m = _DECIMAL_COMMA.fullmatch(text.strip())
    if not m:
        return None
    whole, frac = m.group(1).lstrip("+-"), m.group(2)
    if len(frac) == 3 and whole != "0" and len(whole) <= 3:
        return None  # 1,234: thousands
    return read_number(f"{m.group(1)}.{frac}")
