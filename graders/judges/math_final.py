"""Reading ONE final answer from a math candidate: rules 1-2 of `graders.judges.math_gate`.

The explicit final-answer markers (`\\boxed{}`, `####`, "the answer is / answer: / final answer") and the value
each one gives, else the value of the last value-bearing sentence; values are parsed by `graders.mathcheck` and
compared with its equivalence (`same_value`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from graders.judges.answers import NUMBER, _MATH_NAMES, Reference, _sentence_end, _values, is_latex_span, segments
from graders.mathcheck.compare import ComparePolicy, answers_equal
from graders.mathcheck.parse import Answer, ParseOptions, Rejected, Unparseable, parse_answer

_PARSE = ParseOptions()
_COMPARE_POLICY = ComparePolicy()
_MARKER = re.compile(
    r"\\(?:boxed|fbox)\s*\{|####|(?<![\w])(?:(?:my|the|our)\s+)?(?:final\s+|correct\s+|right\s+)?answer\s*"
    r"(?:\*\*)?\s*(?:is|was|would\s+be|will\s+be|should\s+be|must\s+be|equals|=|:)\s*(?:\*\*)?\s*:?",
    re.IGNORECASE,
)
_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$([^$]+)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
# A value written as excluded ("72, not 96", "instead of 96") is not the answer.
_EXCLUDED = re.compile(r"(?:\bnot|n't|\bnever|\binstead\s+of|\brather\s+than|\bother\s+than|\bexcept)\s*[$€£]?\s*$",
                       re.IGNORECASE)
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


def _value_part(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim an answer statement to its value: cut trailing clauses ("72, which is ...", "72 because ...")."""
    first = NUMBER.search(text, start, end)
    scan_from = first.end() if first else start
    cut = _CLAUSE_END.search(text, scan_from, end)
    return start, (cut.start() if cut else end)


def non_operand_values(text: str, start: int, end: int):
    """Values in text[start:end] that are not operands of + - * / ^ (`72` in `48 + 24 = 72`)."""
    out = []
    for value, m in _values(text[start:end]):
        before = text[start:start + m.start()].rstrip(" \t$€£")[-1:]
        after = text[start + m.end():end].lstrip(" \t$€£")[:1]
        if before and before in "+-*/×÷^" or after and after in "+-*/×÷^" or m.group(0).startswith("-") and \
                text[start:start + m.start()].rstrip(" \t$€£")[-1:].isalnum():
            continue
        out.append((value, start + m.start(), start + m.end()))
    return out


def _parse(text: str) -> tuple[Answer, ...] | None:
    text = re.sub(r"[.,;:!]+$", "", re.sub(r"^[,;:!\s]+", "", text.strip())).strip()
    if not text:
        return None
    lead = re.fullmatch(r"[$€£]?\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?%?)\s*([A-Za-z][A-Za-z .'-]*)?",
                        text)
    if lead:  # "72 clips in total": the number
        text = lead.group(1)
    try:
        return parse_answer(text, _PARSE)
    except (Unparseable, Rejected):
        return None
    except Exception:  # noqa: BLE001 - an engine failure on one input: the gate cannot read it
        return None


def _parse_whole(span: str) -> tuple[Answer, ...] | None:
    """The whole answer span as one math object, when it is math rather than prose."""
    span = span.strip().strip(".,;:!").strip()
    if span.startswith("$") and span.endswith("$") and is_latex_span(span):
        span = span.strip("$")
    if not span or len(span) > 200 or any(w.lower() not in _MATH_NAMES
                                          for w in re.findall(r"(?<![\\A-Za-z])[A-Za-z]{2,}", span)):
        return None  # prose ("not 71", "72 clips"): read by the prose rules instead
    return _parse(span)


def read_statement(text: str, prose: str, vstart: int, vend: int, ref: Reference) -> tuple[Final | None, str]:
    """Parse the value of one answer statement; (None, reason) when it holds several values."""
    whole = _parse_whole(text[vstart:vend])
    if whole is not None and whole[0].kind in ("number", "expr", "list", "ratio"):
        if len(whole) > 1 and not all(same_value(whole[:1], (w,)) for w in whole[1:]):
            return None, "two different values joined by an approximation sign"
        if whole[0].kind == "list" and ref.readings[0].kind != "list":
            return None, f"a list of values ({text[vstart:vend].strip()[:40]})"
        return Final(text[vstart:vend], whole, vstart, vend, vstart, vend, ""), ""
    s, e = _value_part(prose, vstart, vend)
    values = non_operand_values(prose, s, e)
    if len({v for v, _, _ in values}) >= 2:
        shown = ", ".join(prose[a:b].strip() for _, a, b in values[:5])
        return None, f"several values in one final answer ({shown})"
    spans = [m for m in _MATH_SPAN.finditer(text, s, e) if is_latex_span(m.group(0), text[m.end():m.end() + 1])]
    candidates = [(m.start(g), m.end(g)) for m in spans for g in range(1, 5) if m.group(g)]
    candidates += [(a, b) for _, a, b in values]
    for a, b in sorted(candidates, key=lambda c: c[0]):
        readings = _parse(text[a:b])
        if readings is not None:
            return Final(text[a:b], readings, a, b, vstart, vend, ""), ""
    return None, ""


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
    for seg in reversed(segments(text)):
        spans = [m for m in _MATH_SPAN.finditer(text, seg.start, seg.end) if is_latex_span(m.group(0), text[m.end():m.end() + 1])]
        candidates = [(m.start(g), m.end(g)) for m in spans for g in range(1, 5) if m.group(g)]
        values = non_operand_values(prose, seg.start, seg.end) or [
            (v, seg.start + m.start(), seg.start + m.end()) for v, m in _values(prose[seg.start:seg.end])]
        candidates += [(a, b) for _, a, b in values]
        if not candidates and len(text.strip()) <= 80 and "\n" not in text.strip():
            candidates = [(0, len(text))]
        candidates = sorted(c for c in candidates if not _EXCLUDED.search(prose[seg.start:c[0]]))
        equals = seg.start + seg.text.rfind("=")
        after_equals = [c for c in candidates if "=" in seg.text and c[0] > equals]
        for a, b in (after_equals[:1] + candidates[::-1]):
            readings = _parse_whole(text[a:b]) if (a, b) == (0, len(text)) else _parse(text[a:b])
            if readings is not None:
                return Final(text[a:b], readings, a, b, seg.start, seg.end, "sentence"), ""
    return None, ""
