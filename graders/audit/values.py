"""Writing answers the way models do, and wrong values next to a reference (near misses, alternatives)."""
from __future__ import annotations

import re
from fractions import Fraction

from graders.audit.context import number_parts

# how models mark a final answer; `{}` is the answer text
FORMS = {
    "bare": "{}",
    "boxed": "\\boxed{{{}}}",
    "answer_is": "The answer is {}.",
    "hash": "#### {}",
    "bold": "**The answer is \\boxed{{{}}}**",   # markdown around the box: a right answer, not an operand
}
CONTROL_FORMS = ("bare", "boxed", "answer_is", "hash", "bold")
SOLUTION_FORM = "We work through the problem step by step and check each quantity.\nTherefore, the final answer is {}."


def in_forms(value: str, forms: tuple[str, ...] = ("bare", "boxed", "answer_is", "hash")) -> list[tuple[str, str]]:
    return [(name, FORMS[name].format(value)) for name in forms]


def _fmt_number(value: Fraction, decimals: int) -> str:
    if decimals:
        return f"{float(value):.{decimals}f}"
    return str(int(value)) if value.denominator == 1 else f"{float(value):g}"


def numeric_value(answer: str) -> tuple[Fraction, int] | None:
    """(value, decimals shown) of a plain number reference (`72`, `-3.5`, `1,234`), else None."""
    parts = number_parts(answer)
    if parts is None:
        return None
    sign, whole, frac = parts
    value = Fraction(int(whole + frac), 10 ** len(frac)) * (-1 if sign else 1)
    return value, len(frac)


def near_misses(answer: str) -> list[tuple[str, str]]:
    """(what changed, wrong value) close to the reference: sign, off by one, decimal point, dropped and
    swapped digits; for text, a truncation, an extension and a negation."""
    answer = answer.strip()
    parsed = numeric_value(answer)
    out: list[tuple[str, str]] = []
    if parsed is not None:
        value, decimals = parsed
        step = Fraction(1, 10 ** decimals) if decimals else Fraction(1)
        out += [("sign", _fmt_number(-value, decimals)), ("plus one", _fmt_number(value + step, decimals)),
                ("minus one", _fmt_number(value - step, decimals)),
                ("times ten", _fmt_number(value * 10, decimals)), ("decimal point", _fmt_number(value / 10, decimals + 1))]
        digits = answer.lstrip("-$ ").replace(",", "")
        if len(digits.replace(".", "")) >= 2:
            out.append(("dropped last digit", digits[:-1].rstrip(".")))
            out.append(("dropped first digit", digits[1:].lstrip(".") or "0"))
            core = digits.replace(".", "")
            if len(set(core)) > 1:
                swapped = core[1] + core[0] + core[2:]
                if "." in digits:
                    point = digits.index(".")
                    swapped = swapped[:point] + "." + swapped[point:]
                out.append(("swapped digits", swapped))
        if decimals == 0 and value.denominator == 1 and abs(value) >= 10:
            out.append(("digit inserted", str(int(value)) + "0" if int(value) % 10 else str(int(value)) + "1"))
    elif (option := _option(answer)) and len(option[1]) == 1 and option[1].upper() in "ABCDEFGHIJ":
        opening, letter, closing = option         # an option letter: the other letters are its near misses
        out += [(f"letter {p}", opening + p + closing) for p in other_letters(letter)[:3]]
        out.append(("prefixed", "not " + answer))
    elif _mathy(answer):
        # an expression: change its value, never its spelling (a cut brace or a trailing letter can read the same)
        changed = _bump_last_digit(answer)
        if changed:
            out.append(("digit changed", changed))
        if "," not in answer:
            out.append(("sign", answer[1:] if answer.startswith("-") else f"-{answer}"))
            out.append(("plus one", f"{answer}+1"))
        else:
            out.append(("element added", answer[:-1] + ", 0" + answer[-1] if answer[-1:] in ")]}" else answer + ", 0"))
    else:
        if len(answer) >= 3:
            out.append(("truncated", answer[:-1]))
        out.append(("extended", answer + "s" if not answer.endswith("s") else answer + "es"))
        out.append(("prefixed", "not " + answer))
        if " " in answer:
            out.append(("first word only", answer.split()[0]))
        else:
            out.append(("superstring", answer + " City"))
    seen, unique = {_canon(answer)}, []
    for what, value in out:
        key = _canon(value)
        if key not in seen and value.strip():
            seen.add(key)
            unique.append((what, value))
    return unique


def _bump_last_digit(text: str) -> str | None:
    for i in range(len(text) - 1, -1, -1):
        if text[i].isdigit():
            return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
    return None


def _mathy(text: str) -> bool:
    return any(c.isdigit() for c in text) or any(c in text for c in "\\^_{}()[]=+/*<>|")


def _canon(text: str) -> str:
    parsed = numeric_value(text)
    if parsed is not None:
        return f"num:{parsed[0]}"
    return " ".join(text.lower().split())


# `B`, `(B)`, `[B]`, `B)`: an option letter as multiple-choice answers write it
_OPTION = re.compile(r"^(?P<open>\(|\[)?(?P<letter>[A-Za-z])(?P<close>(?(open)[)\]]|\)?))$")


def _option(text: str) -> tuple[str, str, str] | None:
    m = _OPTION.match(text)
    if m is None or (m.group("open") or "") + m.group("close") not in ("", "()", "[]", ")"):
        return None
    return m.group("open") or "", m.group("letter"), m.group("close")


def other_letters(letter: str) -> list[str]:
    """Other letters, nearest first. For an option letter (A-J) only option letters, and for one of A-D those of
    a four-option question first; for any other letter (a variable) the next ones of the alphabet."""
    at = ord(letter.upper()) - 65
    if at >= 10:
        return [chr((at + k) % 26 + 65) for k in (1, 2)]
    near = [at + k for d in range(1, 10) for k in (-d, d) if 0 <= at + k < 10]
    return [chr(65 + i) for i in sorted(near, key=lambda i: (at <= 3 and i > 3, abs(i - at)))]


def wrong_values(answer: str, count: int = 2) -> list[str]:
    """`count` different wrong answers to offer next to the reference (the nearest misses first)."""
    parsed = numeric_value(answer.strip())
    if parsed is not None:
        picks = [v for what, v in near_misses(answer) if what in ("plus one", "minus one", "sign", "times ten")]
    elif option := _option(answer.strip()):   # an option letter (or a variable): other letters, same marks
        opening, letter, closing = option
        picks = [opening + (p.lower() if letter.islower() else p) + closing for p in other_letters(letter)]
    elif _mathy(answer):
        picks = [v for _, v in near_misses(answer)]
    else:
        alternatives = ["London", "Berlin", "Madrid"] if not _mathy(answer) else []
        picks = [v for v in alternatives if v.lower() != answer.lower()] + [v for _, v in near_misses(answer)]
    return picks[:count]
