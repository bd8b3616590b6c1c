"""Reading ONE final answer from a math candidate: rules 1-2 of `graders.judges.math_gate`.

The explicit final-answer markers (`\\boxed{}`, `####`, "the answer is / answer: / final answer") and the value
each one gives, else the value of the last value-bearing sentence; values are parsed by `graders.mathcheck` and
compared with its equivalence (`same_value`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from graders.judges import languages as lang
from graders.judges.answers import NUMBER, _MATH_NAMES, Reference, _sentence_end, _values, is_latex_span, segments
from graders.mathcheck.box_context import TEXT_GROUP
from graders.mathcheck.compare import ComparePolicy, answers_equal
from graders.mathcheck.parse import Answer, Hedged, ParseOptions, Rejected, Unparseable, parse_answer

_PARSE = ParseOptions()
_COMPARE_POLICY = ComparePolicy()
_MARKER = re.compile(
    r"\\(?:boxed|fbox)\s*\{|####|(?<![\w])(?:(?:my|the|our)\s+)?(?:final\s+|correct\s+|right\s+)?answer\s*"
    r"(?:\*\*)?\s*(?:is|was|would\s+be|will\s+be|should\s+be|must\s+be|equals|=|:)\s*(?:\*\*)?\s*:?|"
    + lang.ANSWER_MARKER,
    re.IGNORECASE,
)
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$([^$]+)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
# A value written as excluded ("72, not 96", "instead of 96") is not the answer.
_EXCLUDED = re.compile(r"(?:\bnot|n't|\bnever|\binstead\s+of|\brather\s+than|\bother\s+than|\bexcept|"
                       rf"{lang.NEGATIONS})\s*[$€£]?\s*$", re.IGNORECASE)
# a unit word right after a number and before a separator or the end (`3.5 hours, 3.6 hours`, `3.5 hours+1`)
_UNIT_AFTER_NUMBER = re.compile(r"(?<=\d)\s+(?!(?:" + "|".join(sorted(_MATH_NAMES)) + r")\b)[A-Za-z]{2,}\.?"
                                r"(?=\s*(?:$|[,;/)\]}+\-*^=]|\\\}))")
_TRAILING_PUNCTUATION = re.compile(r"(?:[.,;:]|(?<![\d)\]}!])!)+$")
_CLAUSE_END = re.compile(r",?\s+(?:which|that|since|because|as|so|given|for|when|where|after|by|with|from|"
                         r"if|while|hence|thus|therefore|meaning|i\.e\.|e\.g\.)\b|\s\(|[;,]\s", re.IGNORECASE)


@dataclass
class Final:
    """The candidate's final answer as read: where it is and what it says."""

    value_text: str          # the answer text that was parsed
    readings: tuple[Answer, ...]
    start: int               # span of the value in the candidate
    end: int
    statement_start: int     # span of the statement (marker or sentence) that holds it
    statement_end: int
    source: str              # boxed | #### | answer-is | sentence


def _closing_brace(text: str, open_index: int) -> int:
    depth = 0
    for i in range(open_index, len(text)):
        if text[i] == "{" and text[i - 1:i] != "\\":
            depth += 1
        elif text[i] == "}" and text[i - 1:i] != "\\":
            depth -= 1
            if depth == 0:
                return i
    return -1


def final_markers(text: str) -> list[tuple[int, int, int, str]]:
    """(statement start, value start, value end, kind) of every explicit final-answer marker."""
    out = []
    for m in _MARKER.finditer(text):
        token = m.group(0)
        if token.startswith("\\"):
            close = _closing_brace(text, m.end() - 1)
            if close < 0:
                continue
            out.append((m.start(), m.end(), close, "boxed"))
        elif token == "####":
            line_end = text.find("\n", m.end())
            out.append((m.start(), m.end(), line_end if line_end >= 0 else len(text), "####"))
        else:
            end = _sentence_end(text, m.end())
            if re.search(r"\\(?:boxed|fbox)\s*\{", text[m.end():end]):
                continue  # "the answer is ... \boxed{..}": the box is the marker
            out.append((m.start(), m.end(), end, "answer-is"))
    return out


def value_part(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim an answer statement to its value: cut trailing clauses ("72, which is ...", "72 because ...")."""
    first = NUMBER.search(text, start, end)
    scan_from = first.end() if first else start
    for cut in _CLAUSE_END.finditer(text, scan_from, end):
        inside = text[start:cut.start()]
        if sum(inside.count(c) for c in "([{") <= sum(inside.count(c) for c in ")]}"):
            return start, cut.start()  # not inside `\\{3.5 hours, 3.6 hours\\}` or `(2, -1)`
    return start, end


# What a binary minus follows: a number, a closing bracket or a one-letter variable (`x - 72`, `(a+b) -72`).
# After a word or a command (`or -72`, `is -72`, `\\sim -72`) or punctuation the minus is the value's sign.
_MINUEND = re.compile(r"(?:\d|[)\]}]|(?<![A-Za-z\\])[A-Za-z])$")


def non_operand_values(text: str, start: int, end: int):
    """Values in text[start:end] that are not operands of + - * / ^ (`72` in `48 + 24 = 72`); a minus sign that
    is not a subtraction stays with its value (`72 or -72` offers two values)."""
    out = []
    for value, m in _values(text[start:end]):
        lead = text[start:start + m.start()].rstrip(" \t$€£")
        before, after = lead[-1:], text[start + m.end():end].lstrip(" \t$€£")[:1]
        if before and before in "+-*/×÷^" or after and after in "+-*/×÷^" or m.group(0).startswith("-") and \
                _MINUEND.search(lead) and not TEXT_GROUP.search(lead):
            continue
        out.append((value, start + m.start(), start + m.end()))
    return out


def readings_or_none(text: str) -> tuple[Answer, ...] | None:
    """`parse_value`, with two values joined by a hedge read as no value (for callers that only look)."""
    try:
        return parse_value(text)
    except Hedged:
        return None


def parse_value(text: str) -> tuple[Answer, ...] | None:
    """mathcheck's readings of one answer text, None if it is not math; raises `Hedged` for two values joined
    by a hedge (`72 \\sim -72`). A `!` after a digit or bracket is a factorial (`72!`), as in `math_equivalence`."""
    text = re.sub(_TRAILING_PUNCTUATION, "", re.sub(r"^[,;:!\s]+", "", text.strip())).strip()
    if not text:
        return None
    lead = re.fullmatch(r"[$€£]?\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?%?)\s*([A-Za-z][A-Za-z .'-]*)?",
                        text)
    if lead:  # "72 clips in total": the number
        text = lead.group(1)
    try:
        return parse_answer(text, _PARSE)
    except Hedged:
        raise
    except (Unparseable, Rejected):
        return None
    except Exception:  # noqa: BLE001 - an engine failure on one input: the gate cannot read it
        return None


def _parse_whole(span: str) -> tuple[Answer, ...] | None:
    """The whole answer span as one math object, when it is math rather than prose."""
    span = re.sub(_TRAILING_PUNCTUATION, "", span.strip().lstrip(".,;:!")).strip()
    if span.startswith("$") and span.endswith("$") and is_latex_span(span):
        span = span.strip("$")
    span = _UNIT_AFTER_NUMBER.sub("", span)  # `3.5 hours, 3.6 hours` is the list `3.5, 3.6`
    if not span or len(span) > 200 or any(w.lower() not in _MATH_NAMES
                                          for w in re.findall(r"(?<![\\A-Za-z])[A-Za-z]{2,}", span)):
        return None  # prose ("not 71", "72 clips"): read by the prose rules instead
    return parse_value(span)


def read_statement(text: str, prose: str, vstart: int, vend: int, ref: Reference,
                   kind: str = "") -> tuple[Final | None, str]:
    """Parse the value of one answer statement; (None, reason) when it holds several values. mathcheck's
    `Hedged` (`72 \\sim -72`) is such a reason, unless the statement was cut at the `!` of a chain (`7! = 5040`).
    A box or `####` line is the answer as a whole: no trailing clause is cut from it."""
    cut_at_bang = text[vend:vend + 1] == "!"
    if kind == "answer-is":  # the sentence ended at the `!` of `72!`
        vend = _with_factorial(text, vend)
    try:
        whole = _parse_whole(text[vstart:vend])
    except Hedged:
        if not cut_at_bang:
            return None, "two different values joined by a hedge"
        whole = None
    if whole is not None and whole[0].kind in ("number", "expr", "list", "ratio"):
        if len(whole) > 1 and not all(same_value(whole[:1], (w,)) for w in whole[1:]):
            return None, "two different values joined by an approximation sign"
        if whole[0].kind == "list" and ref.readings[0].kind != "list":
            return None, f"a list of values ({text[vstart:vend].strip()[:40]})"
        return Final(text[vstart:vend], whole, vstart, vend, vstart, vend, ""), ""
    s, e = (vstart, vend) if kind in ("boxed", "####") else value_part(prose, vstart, vend)
    values = non_operand_values(prose, s, e)
    if len({v for v, _, _ in values}) >= 2:
        shown = ", ".join(prose[a:b].strip() for _, a, b in values[:5])
        return None, f"several values in one final answer ({shown})"
    spans = [m for m in _MATH_SPAN.finditer(text, s, e) if is_latex_span(m.group(0), text[m.end():m.end() + 1])]
    candidates = [(m.start(g), m.end(g)) for m in spans for g in range(1, 5) if m.group(g)]
    candidates += [(a, b) for _, a, b in values]
    for a, b in sorted(candidates, key=lambda c: c[0]):
        b = _with_factorial(text, b)
        readings = readings_or_none(text[a:b])
        if readings is not None:
            return Final(text[a:b], readings, a, b, vstart, vend, ""), ""
    return None, ""


def _expression_around(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The arithmetic around an operand (`72^2`, `2 * 36`, `48 + 24`, `x^2+2`) within text[lo:hi]: when every
    number of a sentence is an operand, the sentence's value is the expression, not its last number."""
    for m in EXPRESSION.finditer(text, lo, hi):
        if m.start() <= start and end <= m.end():
            start, end = m.start(), m.end()
            break
    while start < end and (text[start] in " ." or text[start] == "(" and text.count("(", start, end) >
                                                                          text.count(")", start, end)):
        start += 1
    while end > start and (text[end - 1] in " ." or text[end - 1] == ")" and text.count(")", start, end) >
                                                                            text.count("(", start, end)):
        end -= 1
    return start, end


EXPRESSION = re.compile(r"(?:[\d.+\-*/×÷^()! ]|(?<![A-Za-z\\])[A-Za-z](?![A-Za-z]))+")


def _with_factorial(text: str, end: int) -> int:
    """`72!` is a factorial (as `math_equivalence` reads it), not 72 and an exclamation mark."""
    while text[end:end + 1] == "!" and text[end - 1:end] in tuple("0123456789)]}!"):
        end += 1
    return end


_OPERATOR_BEFORE = re.compile(r"(?:(?:[-+*/×÷·^]|\\(?:cdot|times|div|pm|mp))\s*\$?\s*|(?<![\\A-Za-z])\d\$?)$")
_OPERATOR_AFTER = re.compile(r"\s*\$?\s*(?!\^\s*\{?\s*\\circ)(?:[*/×÷·^!]|\\(?:cdot|times|div|pm|mp)(?![A-Za-z])|[-+]\s*[\d\\(.])")
_BULLET = re.compile(r"(?:^|\n)[ \t]*[-+*][ \t]+$")


def box_in_expression(text: str, start: int, close: int) -> bool:
    """`-\\boxed{72}`, `2\\boxed{36}`, `\\boxed{72}^2`, `\\boxed{72}!`: the boxed value is an operand of an
    expression around the box, so the box alone is not the answer (a markdown bullet `- \\boxed{72}` is fine)."""
    before = text[max(0, start - 20):start]
    if _OPERATOR_BEFORE.search(before) and not _BULLET.search(before):
        return True
    return bool(_OPERATOR_AFTER.match(text, close + 1))


def same_value(a: tuple[Answer, ...], b: tuple[Answer, ...]) -> bool:
    """`graders.mathcheck`'s equivalence; if it fails on an input, the written forms are compared instead."""
    try:
        return any(answers_equal(x, y, _COMPARE_POLICY) for x in a for y in b)
    except Exception:  # noqa: BLE001 - an engine failure must not become an exception in a grade
        return any(_written(x) == _written(y) for x in a for y in b)


def _written(answer: Answer) -> str:
    return re.sub(r"[\s${}]|\\[dt]?frac|\\left|\\right", "", answer.text or str(answer.value)).lower()


def last_sentence_value(text: str, prose: str, ref: Reference) -> tuple[Final | None, str]:
    """Rule 2 without a marker: the value of the last sentence that has one (a LaTeX span or a number; after an
    `=` the first value that follows it)."""
    if len(text.strip()) <= 80 and "\n" not in text.strip():  # a short answer that is all math (`3.5 hours+1`)
        try:
            whole = _parse_whole(text)
        except Hedged:
            return None, "two different values joined by a hedge"
        if whole is not None and whole[0].kind in ("number", "expr", "list", "ratio"):
            return Final(text, whole, 0, len(text), 0, len(text), "sentence"), ""
    for seg in reversed(segments(text)):
        spans = [m for m in _MATH_SPAN.finditer(text, seg.start, seg.end) if is_latex_span(m.group(0), text[m.end():m.end() + 1])]
        candidates = [(m.start(g), m.end(g)) for m in spans for g in range(1, 5) if m.group(g)]
        values, operands = non_operand_values(prose, seg.start, seg.end), []
        if not values:  # every number an operand (`72^2`, `48 + 24`): the expression, else its last number
            operands = [(seg.start + m.start(), seg.start + m.end()) for _, m in _values(prose[seg.start:seg.end])]
            values = [(None, *_expression_around(prose, a, b, seg.start, seg.end)) for a, b in operands]
        candidates += [(a, b) for _, a, b in values]
        if not candidates and len(text.strip()) <= 80 and "\n" not in text.strip():
            candidates = [(0, len(text))]
        candidates = sorted(c for c in candidates if not _EXCLUDED.search(prose[seg.start:c[0]]))
        equals = seg.start + seg.text.rfind("=")
        after_equals = [c for c in candidates if "=" in seg.text and c[0] > equals]
        operands = [c for c in operands if not _EXCLUDED.search(prose[seg.start:c[0]])]
        for a, b in (after_equals[:1] + candidates[::-1] + operands[::-1]):
            b = _with_factorial(text, b)
            try:
                readings = _parse_whole(text[a:b]) if (a, b) == (0, len(text)) else parse_value(text[a:b])
            except Hedged:
                if (a, b) == (0, len(text)):
                    return None, "two different values joined by a hedge"
                readings = None
            if readings is not None:
                return Final(text[a:b], readings, a, b, seg.start, seg.end, "sentence"), ""
    return None, ""
