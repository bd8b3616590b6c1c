"""A box inside a larger expression: what stands right before and after `\\boxed{...}`.

* A **sign** with nothing to operate on before it is the answer's sign: `-\\boxed{72}`, `x = -\\boxed{72}`,
  `The answer is $-\\boxed{72}$` are -72 (and `\\pm\\boxed{3}` is ±3). Not a sign: a markdown bullet at a line
  start (`- \\boxed{72}`), a dash between words (`Answer - \\boxed{72}`, `--`).
* An **operator after the box** takes the box as its operand: `\\boxed{72}^2`, `\\boxed{5}! = 120`,
  `\\boxed{6} \\cdot 2`, `\\boxed{72} + 1`, `\\boxed{2}\\sqrt{3}`; the box is then not the answer, and the grade
  is 0 (1 of the 12,500 MATH solutions writes this: `\\boxed{\\frac{284}{3}}\\pi`). A degree, a prime, an
  ordinal or a unit is no operator (`\\boxed{72}^\\circ`, `\\boxed{3}^{rd}`, `\\boxed{72}\\text{ cm}`,
  `\\boxed{25}\\frac{\\text{miles}}{\\text{hour}}`), and an exclamation mark ending a sentence is no factorial
  (`The answer is \\boxed{72}!`).
* An operator **with a value before it** (`= -\\frac{3}{2} - \\boxed{2}`, `22 = 11\\cdot\\boxed{2}`,
  `355\\boxed{680}` for the last three digits) makes the box a marked term or factor of a computation, which is
  how MATH's solutions mark the answer (3 of 12,498 solutions, each meaning the box): the box is read as is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from graders.mathcheck.spans import find_boxes

_SIGN_BEFORE = re.compile(r"(?P<sign>[-+−]|\\(?:pm|mp)(?![A-Za-z]))(?P<gap>[ \t]*)(?:\$\$?|\\\(|\\\[)?[ \t]*$")
_BULLET = re.compile(r"(?:^|\n)[ \t]*$")
# what a binary operator follows: a value (a digit, a closing bracket, a one-letter variable, a constant,
# a factorial or prime); `\text{...}` groups hold words, so a sign after them is the value's
_OPERAND_END = re.compile(r"(?:[\d)\]}!'|]|(?<![A-Za-z\\])[A-Za-z]|\\(?:pi|infty|right[)\]|.]|\}))$")
TEXT_GROUP = re.compile(r"\\(?:text\w*|mathrm|mbox|operatorname)\s*\{[^{}]*\}$")
_SPACED_SIGN_AFTER = re.compile(r"(?:[=(\[{]|\\(?:left|le|ge|leq|geq|approx)[(\[]?)$")
_NOT_AN_OPERATOR = (r"\^\s*\{?\s*(?:\\circ|\\prime|'|\\text|\\mathrm|st\b|nd\b|rd\b|th\b)|"
                    r"\\[dt]?frac\s*\{\s*\\(?:text|mathrm)")     # `\boxed{25}\frac{\text{miles}}{\text{hour}}`
# an operator counts only with an operand after it: `**\boxed{72}**` is markdown bold, `\boxed{72}/` a slash
_OPERAND = r"[ \t]*(?:[\d(.]|\\(?:[dt]?frac|sqrt|pi|left|exp|log|ln|sin|cos|tan)(?![A-Za-z])|[A-Za-z](?![A-Za-z]))"
_NUMERIC_OPERAND = r"[ \t]*(?:[\d(.]|\\(?:[dt]?frac|sqrt|pi)(?![A-Za-z]))"
_OPERATOR_AFTER = re.compile(
    rf"[ \t]*(?!{_NOT_AN_OPERATOR})(?:\^|\*\*(?=[\d(])|\*(?!\*)(?={_NUMERIC_OPERAND})|/(?={_NUMERIC_OPERAND})|"
    rf"(?:[×÷·]|\\(?:cdot|times|div|pm|mp)(?![A-Za-z]))(?={_OPERAND})|[-+−][ \t]*[\d\\(.]|"
    r"!(?=[ \t]*(?:=|\$|\\\)|\\\]|[-+*/^\d(]|\\(?:cdot|times)))|"
    r"(?<=})(?:\d|\((?=[ \t]*[-+\d\\(.])|\\(?:sqrt|pi|frac|dfrac|tfrac)(?![A-Za-z])))")


@dataclass
class BoxContext:
    """The boxed answers with their signs, where the answer starts (at its sign), and an operand problem."""

    answers: list[str]
    start: int
    operand: str = ""      # non-empty: the box is an operand of this expression (not the answer)


def read_boxes(text: str, start: int, end: int, answers: list[str]) -> BoxContext | None:
    """The boxes of an extraction text[start:end] read with their context; None when it holds no box."""
    boxes = [b for b in find_boxes(text[:end]) if b.start >= start and b.content]
    if not boxes:
        return None
    out, first = list(answers), start
    for box in boxes:
        after = _OPERATOR_AFTER.match(text, box.end)
        if after:
            shown = text[max(start, box.start):after.end() + 12].strip()
            return BoxContext(out, first, operand=shown)
        sign = _sign_before(text, box.start)
        if sign is not None and box.content in out:
            symbol, at = sign
            k = out.index(box.content)
            out[k] = symbol + (f"({box.content})" if re.search(r"[-+−,=;]|\\[pm]{2}(?![A-Za-z])", box.content)
                               else f" {box.content}")
            first = min(first, at)
    return BoxContext(out, first)


def _sign_before(text: str, box_start: int) -> tuple[str, int] | None:
    """(the sign, its index) when a sign without anything to operate on stands right before the box."""
    m = _SIGN_BEFORE.search(text, max(0, box_start - 12), box_start)
    if m is None:
        return None
    symbol = {"−": "-"}.get(m.group("sign"), m.group("sign"))
    lead = text[:m.start()]
    spaced = bool(m.group("gap"))
    if _BULLET.search(lead) and spaced:
        return None                                  # `- \boxed{72}`: a markdown bullet
    stripped = lead.rstrip()
    if stripped.endswith(("-", "—", "–")):
        return None                                  # `--`: a dash
    if _OPERAND_END.search(stripped) and not TEXT_GROUP.search(stripped):
        return None                                  # `-\frac{3}{2} - \boxed{2}`: a marked term of a computation
    if spaced and stripped and not _SPACED_SIGN_AFTER.search(stripped):
        return None                                  # `Answer - \boxed{72}`: a dash between words
    return symbol, m.start()
