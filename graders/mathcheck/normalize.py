"""Text-level normalisation of one answer: LaTeX noise, `\\frac12`-style arguments, percent signs, units,
plain numbers (the fast path that needs no sympy) and the string form used for text answers."""
from __future__ import annotations

import re
from fractions import Fraction

from graders.mathcheck.extract import find_boxed, strip_math_delimiters

# -- cleaning -------------------------------------------------------------------------------------------
_SPACES = re.compile(
    r"\\\\|\\[,;:! ]|~|\\quad|\\qquad|\\displaystyle|\\left(?=[^a-zA-Z])|\\right(?=[^a-zA-Z])|\\middle"
)
_PHANTOM = re.compile(r"\\[hv]?phantom\s*(?:\{[^{}]*\}|\S)")
_DIGIT_GROUPS = re.compile(r"(?<![\d.])\d{1,3}(?:(?:,|\{,\})\d{3})+(?![\d,])")
_FONT = re.compile(
    r"\\(?:mathrm|mathbf|mathit|mathsf|mathnormal|boldsymbol|textbf|textit|textrm|textsf|mbox|bm)\s*\{([^{}]*)\}"
)
TEXT_MACRO = re.compile(r"\\(?:text|textnormal|hbox)\s*\{([^{}]*)\}")
_PERCENT = re.compile(r"\s*(?:\\%|%|\\text\{\s*\\?%\s*\}|\s\\?percent|\s\\text\{\s*percent\s*\})\s*$", re.IGNORECASE)
_DEGREE = re.compile(r"\s*(?:\^\s*\{?\s*\\circ\s*\}?|°|\\circ|\\degree)\s*$")
_TEXT_UNIT = re.compile(r"\s*\\(?:text|mbox|mathrm)\s*\{\s*([A-Za-z][A-Za-z .]*)\}\s*(\^\s*\{?\s*[23]\s*\}?)?\s*$")
_PLAIN_UNIT = re.compile(r"(?<=[\d}])\s+([A-Za-z][A-Za-z.]+(?:\s+[A-Za-z][A-Za-z.]*)?)\s*(\^\s*\{?\s*[23]\s*\}?)?\s*$")
BASE_NUMBER = re.compile(r"(-?[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)?)_\{?(\d+)\}?")
ELLIPSIS = re.compile(r"\\[lc]?dots|\.\.\.|…")
AND_OR = re.compile(r"\s+(?:and|or)\s+|\s*,\s*(?:and|or)\s+")
_ANSWER_LABEL = re.compile(r"^(?:final\s+answer|answer)\s*[:=]\s*", re.IGNORECASE)
MATH_WORDS = {"pi", "sqrt", "exp", "log", "ln", "sin", "cos", "tan", "sec", "csc", "cot", "oo", "inf", "infty",
               "infinity", "abs", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "frac", "mod", "gcd", "lcm"}
# units stripped (policy strip) or required (policy require) when written as plain words after a number
KNOWN_UNITS = {
    "cm", "mm", "m", "km", "in", "inch", "inches", "ft", "feet", "foot", "yd", "yard", "yards", "mile", "miles",
    "g", "kg", "mg", "lb", "lbs", "pound", "pounds", "oz", "ounce", "ounces", "l", "ml", "liter", "liters",
    "s", "sec", "second", "seconds", "min", "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "day", "days",
    "week", "weeks", "month", "months", "year", "years", "dollar", "dollars", "cent", "cents", "degree",
    "degrees", "deg", "unit", "units", "sq", "square", "cubic", "meter", "meters", "metre", "metres", "mph",
    "kmh", "people", "students", "apples", "times", "ways", "cups", "pages", "points",
}


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


def clean(text: str) -> str:
    """Normalise LaTeX noise that carries no mathematical meaning."""
    text = strip_math_delimiters(text)
    boxed = find_boxed(text)
    if boxed:
        text = boxed[-1]
    text = _ANSWER_LABEL.sub("", text)
    text = _SPACES.sub(_space, text)
    text = _PHANTOM.sub("", text)
    if "{,}" in text or re.search(r"\{\d{1,3},\d{3}", text):  # 5{,}525 and \frac{12}{5,525}: digit groups
        text = _DIGIT_GROUPS.sub(lambda m: re.sub(r"\{,\}|,", "", m.group(0)), text)
    text = re.sub(r"\\[dtc]frac", r"\\frac", text)
    for _ in range(3):
        text = _FONT.sub(r"\1", text)
    text = fix_macro_args(text)
    text = text.replace("\\$", "").replace("$", "").replace("\\dollar", "")
    text = re.sub(r"\s+", " ", text).strip().rstrip(",;").strip()
    return strip_math_delimiters(text)


def split_percent(text: str) -> tuple[str, bool]:
    m = _PERCENT.search(text)
    if m and m.start() > 0:
        return text[:m.start()].strip(), True
    return text, False


def split_unit(text: str) -> tuple[str, str]:
    """`5\\text{ cm}^2` -> (`5`, `cm^2`); `90^\\circ` -> (`90`, `degree`); `12 dollars` -> (`12`, `dollar`)."""
    m = _DEGREE.search(text)
    if m and m.start() > 0:
        return text[:m.start()].strip(), "degree"
    m = _TEXT_UNIT.search(text)
    if m and m.start() > 0 and text[:m.start()].strip():
        return text[:m.start()].strip(), normalize_unit(m.group(1) + (m.group(2) or ""))
    m = _PLAIN_UNIT.search(text)
    if m and m.start() > 0 and text[:m.start()].strip():
        words = m.group(1).lower().replace(".", "").split()
        if words and all(w in KNOWN_UNITS for w in words):
            return text[:m.start()].strip(), normalize_unit(m.group(1) + (m.group(2) or ""))
    return text, ""


def normalize_unit(unit: str) -> str:
    unit = re.sub(r"[\s{}.^]", "", unit.lower())
    for long, short in (("degrees", "degree"), ("deg", "degree"), ("inches", "inch"), ("feet", "foot")):
        if unit == long:
            return short
    return unit[:-1] if len(unit) > 3 and unit.endswith("s") else unit


def normalize_text(text: str) -> str:
    """For comparing answers as strings: lower case, no `\\text{}`, spaces, parentheses or `$`."""
    text = TEXT_MACRO.sub(r"\1", text)
    return re.sub(r"[\s$(){}\\.]", "", text).lower()


# -- fast path: plain numbers -----------------------------------------------------------------------------
_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FRACTION = re.compile(r"([+-]?)\s*(?:\\frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}|(\d+)\s*/\s*(\d+))")
_SCI = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|\*|x)\s*10\s*\^\s*\{?\s*([+-]?\d{1,4})\s*\}?")


def parse_number(text: str) -> tuple[Fraction, bool] | None:
    """Exact value and exactness of a plain number (`-1,234.5`, `3/4`, `\\frac{3}{4}`, `2.5e-7`)."""
    if not text or len(text) > 60:
        return None
    if _DECIMAL.fullmatch(text) and any(ch.isdigit() for ch in text):
        body = text.replace(",", "")
        try:
            value = Fraction(body)
        except (ValueError, ZeroDivisionError):
            return None
        exact = not any(ch in body for ch in ".eE")
        return value, exact
    m = _FRACTION.fullmatch(text)
    if m:
        num, den = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
        if int(den) == 0:
            return None
        value = Fraction(int(num), int(den))
        return (-value if m.group(1) == "-" else value), True
    m = _SCI.fullmatch(text)
    if m:
        return Fraction(m.group(1)) * Fraction(10) ** int(m.group(2)), "." not in m.group(1)
    return None
