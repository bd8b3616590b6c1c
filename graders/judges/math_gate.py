"""The answer gate for math references: read ONE final answer from the whole candidate, or refuse to.

Rules, in order (each names the class of answers it closes; see docs/judges.md, "Answer gate"):

1. markers agree     every explicit final answer (`\\boxed{}`, `####`, "the answer is / answer: / final
                     answer") must give the same value; two different ones -> rejected.
2. final value       the last marker's value, else the last value-bearing sentence's value (its last number
                     that is not an operand of + - * / ^; for non-number references its last math span).
3. alternatives      anywhere in the answer, two different values joined by or / either / and/or / vs /
                     ≈ / ~ / ± / `\\approx` / `\\sim` / `\\pm` -> rejected; a sentence that opens with an
                     alternative ("Or 72.", "Maybe 73.") and holds a value -> rejected.
4. guesses           a question that is not a wh-question and ends in a value ("72? 73?", "Is it 72?") ->
                     rejected when that value differs from the final one or the final answer is itself a question.
5. hedged final      uncertainty or inexactness around the final value (might, maybe, about, at least, between,
                     "72 or so", a range) -> rejected; a list of values as the final answer -> rejected.
6. negated / retracted
                     a negation right before or after the final value ("not 72", "72 is wrong"), or any later
                     sentence that withdraws or doubts it, with or without a negation ("Scratch that.", "Oops.",
                     "Wait, that's off.") -> rejected.
7. nothing after     a different value asserted after the final answer -> rejected.
8. own working       a final value that appears nowhere earlier although the working already stated a total /
                     result / answer with a different value ("Total = 96 clips. Units check: 72") -> rejected.
9. compare           the final value parsed by `graders.mathcheck` and compared with the reference; different ->
                     mismatch (score 0 by rule). Equal -> the model decides.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from graders.judges.answers import (
    _ALT_OPENER, _ALTERNATIVE, _INEXACT, _JUDGMENT, _MATH_NAMES, _RETRACT, _UNCERTAIN, _WH_QUESTION, NUMBER,
    GateVerdict, Reference, _model_decides, _sentence_end, _values, is_latex_span, number_value, prose_view, segments,
)
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
_INEXACT_AFTER = re.compile(r"-?ish\b|\+(?!\s*[\d$(])|(?:\s+[A-Za-z]+(?=\s))?\s*,?\s*(?:or\s+(?:so|more|less|fewer|"
                            r"thereabouts)|at\s+(?:least|most)|max(?:imum)?|min(?:imum)?|tops|give\s+or\s+take|"
                            r"more\s+or\s+less|plus\s+or\s+minus|approx(?:imately)?|roughly)\b", re.IGNORECASE)
# A value written as excluded ("72, not 96", "instead of 96") is not the answer.
_EXCLUDED = re.compile(r"(?:\bnot|n't|\bnever|\binstead\s+of|\brather\s+than|\bother\s+than|\bexcept)\s*[$€£]?\s*$",
                       re.IGNORECASE)
_CLAUSE_START = re.compile(r"(?:[,;(]|\.\.\.|…|\s[-–—]\s|\s(?:but|though|although|however|yet)\b)\s*", re.IGNORECASE)
_CLAUSE_END = re.compile(r",?\s+(?:which|that|since|because|as|so|given|for|when|where|after|by|with|from|"
                         r"if|while|hence|thus|therefore|meaning|i\.e\.|e\.g\.)\b|\s\(|[;,]\s", re.IGNORECASE)
_CONCLUSION = re.compile(r"(?<![\w'])(?:total|totals|totaling|totalling|altogether|overall|in\s+all|final|"
                         r"answer|in\s+the\s+end)(?![\w'])", re.IGNORECASE)
_BACK_REFERENCE = re.compile(r"(?<![\w'])(?:that|this|it|above|previous|earlier|last|answer|result|number|value|"
                             r"figure|total|calculation|math|one)(?![\w'])", re.IGNORECASE)


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


def _markers(text: str) -> list[tuple[int, int, int, str]]:
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


def _non_operand_values(text: str, start: int, end: int):
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


def _read_statement(text: str, prose: str, vstart: int, vend: int, ref: Reference) -> tuple[Final | None, str]:
    """Parse the value of one answer statement; (None, reason) when it holds several values."""
    whole = _parse_whole(text[vstart:vend])
    if whole is not None and whole[0].kind in ("number", "expr", "list", "ratio"):
        if len(whole) > 1 and not all(_equal(whole[:1], (w,)) for w in whole[1:]):
            return None, "two different values joined by an approximation sign"
        if whole[0].kind == "list" and ref.readings[0].kind != "list":
            return None, f"a list of values ({text[vstart:vend].strip()[:40]})"
        return Final(text[vstart:vend], whole, vstart, vend, vstart, vend, ""), ""
    s, e = _value_part(prose, vstart, vend)
    values = _non_operand_values(prose, s, e)
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


def _whole_parses_as_list(text: str) -> bool:
    readings = _parse(text)
    return bool(readings) and readings[0].kind == "list"


def _equal(a: tuple[Answer, ...], b: tuple[Answer, ...]) -> bool:
    """`graders.mathcheck`'s equivalence; if it fails on an input, the written forms are compared instead."""
    try:
        return any(answers_equal(x, y, _COMPARE_POLICY) for x in a for y in b)
    except Exception:  # noqa: BLE001 - an engine failure must not become an exception in a grade
        return any(_written(x) == _written(y) for x in a for y in b)


def _written(answer: Answer) -> str:
    return re.sub(r"[\s${}]|\\[dt]?frac|\\left|\\right", "", answer.text or str(answer.value)).lower()



def _reject(rule: str, reason: str, final: str | None = None) -> GateVerdict:
    return GateVerdict("rejected", reason, rule, final)


def math_gate(text: str, ref: Reference) -> GateVerdict:
    """Apply rules 1-9 of the module docstring to a candidate for a math reference."""
    prose = prose_view(text)
    finals: list[Final] = []
    for stmt_start, vstart, vend, kind in _markers(text):
        final, problem = _read_statement(text, prose, vstart, vend, ref)
        if problem:
            return _reject("hedged_final", f"{problem}: not one answer")
        if final is not None:
            final.statement_start, final.source = stmt_start, kind
            finals.append(final)
    if finals:
        for earlier in finals[:-1]:
            if not _equal(earlier.readings, finals[-1].readings):
                return _reject("several_final_answers", f"several different final answers "
                               f"({earlier.value_text.strip()!r} and {finals[-1].value_text.strip()!r})")
        final = finals[-1]
    else:
        final, problem = _last_sentence_value(text, prose, ref)
        if problem:
            return _reject("hedged_final", f"{problem}: not one answer")
        if final is None:
            if ref.readings[0].kind == "number":
                return GateVerdict("no_answer", "no numeric final answer (the reference is a number)", "no_value")
            return _model_decides("the final answer could not be located (no \\boxed{}, 'answer:', math span "
                                  "or number); decided by model")
    shown = final.value_text.strip()
    for check in (_alternatives, _guesses, _hedged_final, _negated_final, _after_final, _own_working):
        verdict = check(prose, final, ref)
        if verdict is not None:
            verdict.final = shown
            return verdict
    if not _equal(ref.readings, final.readings):
        return GateVerdict("mismatch", f"final answer {shown!r} != reference {ref.raw!r}", "compare", shown)
    return _model_decides(f"gate passed: final answer {shown!r} equals the reference; decided by model", shown)


def _last_sentence_value(text: str, prose: str, ref: Reference) -> tuple[Final | None, str]:
    """Rule 2 without a marker: the value of the last sentence that has one (a LaTeX span or a number; after an
    `=` the first value that follows it)."""
    for seg in reversed(segments(text)):
        spans = [m for m in _MATH_SPAN.finditer(text, seg.start, seg.end) if is_latex_span(m.group(0), text[m.end():m.end() + 1])]
        candidates = [(m.start(g), m.end(g)) for m in spans for g in range(1, 5) if m.group(g)]
        values = _non_operand_values(prose, seg.start, seg.end) or [
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


def _distinct_from(values, readings) -> list:
    """The `(value, ...)` tuples whose value is not the final answer."""
    return [v for v in values if not _equal((Answer("number", v[0]),), readings)]


def _alternatives(text: str, final: Final, ref: Reference) -> GateVerdict | None:
    """Rule 3: alternative values anywhere."""
    for seg in segments(text):
        values = _non_operand_values(text, seg.start, seg.end)
        for (v1, _, e1), (v2, s2, _) in zip(values, values[1:]):
            between = text[e1:s2]
            if v1 != v2 and _ALTERNATIVE.search(between) and _is_filler(between):
                return _reject("alternatives", f"offers alternative answers ({seg.text.strip()[:60]!r})")
        if values and _ALT_OPENER.match(seg.text) and len(seg.text.split()) <= 6 and (
                seg.start >= final.statement_start or
                                                        _distinct_from(values, final.readings)):
            return _reject("alternatives", f"adds an alternative answer ({seg.text.strip()[:60]!r})")
    return None


def _is_filler(between: str) -> bool:
    """Only a connective and a few words between two values ("70 clips or maybe 71"), no working."""
    return not re.search(r"[\d=+*/×÷^]", between) and len(re.findall(r"[^\W\d_]+", between)) <= 4


def _guesses(text: str, final: Final, ref: Reference) -> GateVerdict | None:
    """Rule 4: values offered as questions."""
    for seg in segments(text):
        if not seg.question or _WH_QUESTION.match(seg.text):
            continue
        values = _non_operand_values(text, seg.start, seg.end)
        if not values:
            continue
        if seg.start <= final.start < seg.end or _distinct_from(values, final.readings):
            return _reject("guesses", f"guesses phrased as questions ({seg.text.strip()[:60]!r})")
    return None


def _clause_bounds(text: str, final: Final) -> tuple[int, int]:
    start = max(text.rfind(c, final.statement_start, final.start) for c in ",;(") + 1
    start = max(start, final.statement_start)
    end_match = re.compile(r"[,;)]|[.!?](?=\s|$)|\n").search(text, final.end)
    end = end_match.start() if end_match else len(text)
    return start, max(end, final.end)


def _segment_of(text: str, pos: int):
    return next((seg for seg in segments(text) if seg.start <= pos < seg.end), None)


def _lead_in(text: str, final: Final) -> str:
    """The words that lead to the final value: from the sentence start or the last digit/operator before it."""
    seg = _segment_of(text, final.statement_start if final.source != "sentence" else final.start)
    before = text[seg.start if seg else 0:final.start]
    cut = max((m.end() for m in re.finditer(r"[\d=+*/×÷^]", before)), default=0)
    return before[cut:]


def _lead_out(text: str, final: Final) -> str:
    """The rest of the final sentence after the value, up to the next digit or operator."""
    rest = text[final.end:_sentence_end(text, final.end)]
    cut = re.search(r"[\d=+*/×÷^]", rest)
    return rest[:cut.start()] if cut else rest


def _hedged_final(text: str, final: Final, ref: Reference) -> GateVerdict | None:
    """Rule 5: uncertainty in the words leading to or following the final value; inexactness or a range at it."""
    lead_in, lead_out = _lead_in(text, final), _lead_out(text, final)
    uncertain = _UNCERTAIN.search(lead_in) or _UNCERTAIN.search(lead_out)
    if uncertain and not _UNCERTAIN.search(ref.raw):
        return _reject("hedged_final", f"the final answer is hedged ({uncertain.group(0).strip()!r})")
    start, end = _clause_bounds(text, final)
    before = " ".join(lead_in.split()[-3:])
    inexact = _INEXACT.search(before) or _INEXACT_AFTER.match(text, final.end)
    if inexact and not _INEXACT.search(ref.raw):
        return _reject("hedged_final", f"the final answer is inexact ({inexact.group(0).strip()!r})")
    if (re.search(r"(?:\d\s*(?:to|through|thru|–|—|-|and)|between|from)\s*[$€£]?\s*$", text[start:final.start],
                  re.IGNORECASE) and not re.search(r"[+*/×÷^=]\s*[^+*/×÷^=]*$", text[start:final.start])
            or re.match(r"\s*(?:to|through|thru|–|—)\s*[$€£]?\s*\d", text[final.end:end], re.IGNORECASE)):
        return _reject("hedged_final", "the final answer is a range")
    return None


def _negated_final(text: str, final: Final, ref: Reference) -> GateVerdict | None:
    """Rule 6a: a negation right before the final value, or anything withdrawing it in the rest of its sentence."""
    before = " ".join(_lead_in(text, final).split()[-4:])
    hit = _RETRACT.search(before)
    if hit:
        return _reject("negated", f"the final answer is negated ({hit.group(0)!r})")
    rest = text[final.end:max(final.end, final.statement_end, _sentence_end(text, final.end))]
    judged = _JUDGMENT.search(" ".join(rest.split()[:3]))
    if judged:
        return _reject("retracted", f"the final answer is judged wrong in the same sentence ({judged.group(0)!r})")
    for clause in _CLAUSE_START.finditer(rest):
        opening = " ".join(rest[clause.end():].split()[:3])
        hit = _withdrawal(opening, final)
        if hit:
            return _reject("retracted", f"the final answer is withdrawn in the same sentence ({hit!r})")
    return None


def _withdrawal(piece: str, final: Final) -> str | None:
    """A judgment that withdraws or doubts the final answer in `piece` ("Scratch that.", "72 is wrong", "Oops");
    a bare negation counts only in a short piece ("Not really.", "No.")."""
    judged = _JUDGMENT.search(piece)
    if judged:
        return judged.group(0)
    if len(piece.split()) > 5:
        return None
    for hit in _RETRACT.finditer(piece):
        contrast = re.match(r"[\s,:]*(?:the\s+)?[$€£]?\s*(-?\d[\d,./]*)", piece[hit.end():])
        if hit.group(0).lower() in ("not", "no", "never") and contrast:
            value = number_value(contrast.group(1).rstrip(".,"))
            if value is not None and _distinct_from([(value,)], final.readings):
                continue  # "72, not 96": a contrast with another value, not a retraction
        return hit.group(0)
    return None


def _after_final(text: str, final: Final, ref: Reference) -> GateVerdict | None:
    """Rules 6b and 7: what follows the final statement must not doubt it or assert a different value."""
    tail_start = max(final.end, final.statement_end)
    for seg in segments(text[tail_start:]):
        if _withdrawal(seg.text, final):
            return _reject("retracted", f"takes the final answer back ({seg.text.strip()[:60]!r})")
        if _ALT_OPENER.match(seg.text) and len(seg.text.split()) <= 6 or (seg.question and NUMBER.search(seg.text)):
            return _reject("alternatives", f"adds an alternative after the final answer ({seg.text.strip()[:60]!r})")
        values = _non_operand_values(text, tail_start + seg.start, tail_start + seg.end)
        if len(seg.text.split()) <= 4 and _distinct_from(values, final.readings):
            return _reject("value_after_final", f"asserts a different value after the final answer "
                           f"({seg.text.strip()[:60]!r})")
    return None


def _own_working(text: str, final: Final, ref: Reference) -> GateVerdict | None:
    """Rule 8: a final value from nowhere after working that concluded something else."""
    if final.source == "sentence":
        seg = _segment_of(text, final.start)
        statement_start = seg.start if seg else final.statement_start
    else:
        statement_start = final.statement_start
    derived = text[statement_start:final.start]
    if re.search(r"[=+*/×÷^-]\s*[$€£]?\s*$", derived) or re.search(r"\d\s*[+*/×÷^-]\s*[$€£]?\s*\d", derived):
        return None  # worked out in its own statement ("... = 72")
    prior = text[:statement_start]
    if any(_equal((Answer("number", v),), final.readings) for v, _ in _values(text[:final.start])):
        return None  # the final value was derived or stated before: a restatement
    concluded = None
    for seg in segments(prior):
        for clause_start, clause in _clauses(seg.text):
            cue = _CONCLUSION.search(clause)
            if not cue:
                continue
            values = _non_operand_values(prior, seg.start + clause_start + cue.end(),
                                         seg.start + clause_start + len(clause))
            if values and len(prior[seg.start + clause_start + cue.end():values[-1][1]].split()) <= 6:
                concluded = (values[-1], clause)
    if concluded is not None and _distinct_from([concluded[0]], final.readings):
        return _reject("contradicts_working", f"the final value appears from nowhere after the working concluded "
                       f"{concluded[1].strip()[:50]!r}")
    return None


def _clauses(sentence: str):
    start = 0
    for m in re.finditer(r"[,;]\s", sentence):
        yield start, sentence[start:m.start()]
        start = m.end()
    yield start, sentence[start:]
