"""The answer gate for math references: read ONE final answer from the whole candidate, or refuse to.

Rules, in order (each names the class of answers it closes; see docs/judges.md, "Answer gate"):

1. markers agree     every explicit final answer (`\\boxed{}`, `####`, "the answer is / answer: / final
                     answer", and the same in other languages: "答案是", "Ответ:", "Die Antwort ist" ...) must give
                     the same value; two different ones -> rejected. Inside a marked answer, a question mark, a
                     hedge (or, ~, \\lor, oder, 或, probably ...) or two values -> rejected; a box that is an operand
                     of an expression around it (`-\\boxed{72}`, `\\boxed{72}^2`) -> rejected.
2. final value       the last marker's value, else the last value-bearing sentence's value (its last number
                     that is not an operand of + - * / ^, or the expression when every number is one: `72^2`;
                     for non-number references its last math span). A minus after a word or a command is the
                     value's sign (`or -72`), `72!` is a factorial, a short all-math answer is read whole.
3. alternatives      anywhere in the answer, two different values joined by or / either / and/or / vs /
                     ≈ / ~ / ± / `\\approx` / `\\sim` / `\\pm` / `\\lor` (or an "or" of another language), one of
                     them the final answer -> rejected; a sentence that opens with an alternative ("Or 72.",
                     "Maybe 73.") and holds a value -> rejected.
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
                     result / answer with a different value ("Total = 96 clips. Units check: 72"; for an
                     expression answer, an expression in its own variables) -> rejected.
9. compare           the final value parsed by `graders.mathcheck` and compared with the reference; different ->
                     mismatch (score 0 by rule). Equal -> the model decides.
"""
from __future__ import annotations

import re

from graders.judges import languages as lang
from graders.judges.answers import (
    _ALT_OPENER, _ALTERNATIVE, _INEXACT, _JUDGMENT, _MATH_NAMES, _RETRACT, _UNCERTAIN, _WH_QUESTION, NUMBER, GateVerdict,
    Reference, _model_decides, _sentence_end, _values, number_value, prose_view, segments,
)
from graders.judges.math_final import (
    EXPRESSION, Final, box_in_expression, final_markers, last_sentence_value, non_operand_values,
    read_statement, readings_or_none, same_value, value_part,
)
from graders.mathcheck.parse import Answer

_INEXACT_AFTER = re.compile(r"-?ish\b|\+(?!\s*[\d$(])|(?:\s+[A-Za-z]+(?=\s))?\s*,?\s*(?:or\s+(?:so|more|less|fewer|"
                            r"thereabouts)|at\s+(?:least|most)|max(?:imum)?|min(?:imum)?|tops|give\s+or\s+take|"
                            r"more\s+or\s+less|plus\s+or\s+minus|approx(?:imately)?|roughly)\b", re.IGNORECASE)
_CLAUSE_START = re.compile(r"(?:[,;(，；]|\.\.\.|…|\s[-–—]\s|\s(?:but|though|although|however|yet)\b)\s*", re.IGNORECASE)
_OR_BETWEEN_VALUES = re.compile(lang.OR_BETWEEN_VALUES)
_CONCLUSION = re.compile(r"(?<![\w'])(?:total|totals|totaling|totalling|altogether|overall|in\s+all|final|"
                         r"answer|in\s+the\s+end)(?![\w'])", re.IGNORECASE)


def _reject(rule: str, reason: str, final: str | None = None) -> GateVerdict:
    return GateVerdict("rejected", reason, rule, final)


def math_gate(text: str, ref: Reference) -> GateVerdict:
    """Apply rules 1-9 of the module docstring (1-2 read in `math_final`) to a candidate for a math reference."""
    prose = prose_view(text)
    finals: list[Final] = []
    for stmt_start, vstart, vend, kind in final_markers(text):
        region = text[vstart:vend] if kind != "answer-is" else text[slice(*value_part(prose, vstart, vend))]
        if "?" in region or kind == "answer-is" and text[vend:vend + 1] == "?":
            return _reject("guesses", f"a question inside the final answer ({region.strip()[:40]!r})")
        final, problem = read_statement(text, prose, vstart, vend, ref, kind)
        if problem:
            return _reject("hedged_final", f"{problem}: not one answer")
        hedge = _hedge_in(region, ref) if final is not None else None
        if hedge:  # `\boxed{either \pi or -\pi}`: whatever the values are, a hedge inside the answer
            return _reject("hedged_final", f"a hedge inside the final answer ({hedge!r})")
        if final is not None:
            final.statement_start, final.source = stmt_start, kind
            finals.append(final)
    if finals:
        for earlier in finals[:-1]:
            if not same_value(earlier.readings, finals[-1].readings):
                return _reject("several_final_answers", f"several different final answers "
                               f"({earlier.value_text.strip()!r} and {finals[-1].value_text.strip()!r})")
        final = finals[-1]
        if final.source == "boxed" and box_in_expression(text, final.statement_start, final.statement_end):
            return _reject("box_in_expression", "the boxed value is an operand of an expression around the box "
                           f"({text[max(0, final.statement_start - 3):final.statement_end + 4].strip()!r})")
    else:
        final, problem = last_sentence_value(text, prose, ref)
        if problem:
            return _reject("hedged_final", f"{problem}: not one answer")
        if final is None:
            if ref.readings[0].kind == "number":
                return GateVerdict("no_answer", "no numeric final answer (the reference is a number)", "no_value")
            if not _has_math(text, ref):
                return GateVerdict("no_answer", "no math at all in the answer (the reference is math)", "no_value")
            unsure = _hedge_in(text, ref) or (_RETRACT.search(text) or re.search(r"\?", text) or [None])[0]
            if unsure:  # the rules can't read the answer, so any hedge, retraction or question decides
                return _reject("alternatives", f"no readable final answer, and a hedge or retraction ({unsure!r})")
            return _model_decides("the final answer could not be located (no \\boxed{}, 'answer:', math span "
                                  "or number); decided by model")
    shown = final.value_text.strip()
    for check in (_alternatives, _guesses, _hedged_final, _negated_final, _after_final, _own_working):
        verdict = check(prose, final, ref)
        if verdict is not None:
            verdict.final = shown
            return verdict
    if not same_value(ref.readings, final.readings):
        return GateVerdict("mismatch", f"final answer {shown!r} != reference {ref.raw!r}", "compare", shown)
    return _model_decides(f"gate passed: final answer {shown!r} equals the reference; decided by model", shown)


def _hedge_in(piece: str, ref: Reference) -> str | None:
    """An alternative (or, either, and/or, ~, \\pm, \\lor, oder, 或 ...) or an uncertainty word in `piece`, when the
    reference itself has none."""
    for pattern in (_ALTERNATIVE, _UNCERTAIN):
        # `~` is also LaTeX's no-break space (`10~\text{cm}`): between two values rule 3 reads it
        hit = next((m for m in pattern.finditer(piece) if m.group(0) != "~"), None)
        if hit and not pattern.search(ref.raw):
            return hit.group(0)
    return None


def _has_math(text: str, ref: Reference) -> bool:
    """A digit, LaTeX, a math name (`pi`, `infinity`) or one of the reference's own letters (`x` of `x^2+1`)."""
    if re.search(r"[\d\\$^_=]", text):
        return True
    letters = set(_SYMBOLS.findall(ref.raw))
    words = re.findall(r"[A-Za-z]+", text)
    return any(w.lower() in _MATH_NAMES for w in words if len(w) > 1) or any(w in letters for w in words)


def _distinct_from(values, readings) -> list:
    """The `(value, ...)` tuples whose value is not the final answer."""
    return [v for v in values if not same_value((Answer("number", v[0]),), readings)]


def _alternatives(text: str, final: Final, ref: Reference) -> GateVerdict | None:
    """Rule 3: alternative values anywhere; before the final value only when one of them is the final answer
    (`x is -9 or 3` in the working of a final answer 12 offers nothing)."""
    for seg in segments(text):
        values = non_operand_values(text, seg.start, seg.end)
        for (v1, s1, e1), (v2, s2, _) in zip(values, values[1:]):
            between = text[e1:s2]
            if v1 != v2 and (_ALTERNATIVE.search(between) or _OR_BETWEEN_VALUES.match(between)) and \
                    _is_filler(between) and (len(_distinct_from([(v1,), (v2,)], final.readings)) < 2 or
                                             s1 >= final.end):
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
        values = non_operand_values(text, seg.start, seg.end)
        if not values:
            continue
        if seg.start <= final.start < seg.end or _distinct_from(values, final.readings):
            return _reject("guesses", f"guesses phrased as questions ({seg.text.strip()[:60]!r})")
    return None


_CLAUSE_END = re.compile(rf"[,;)]|[.!?](?=\s|$|[{lang.UNSPACED}])|\n")


def _clause_bounds(text: str, final: Final) -> tuple[int, int]:
    start = max(text.rfind(c, final.statement_start, final.start) for c in ",;(") + 1
    start = max(start, final.statement_start)
    end_match = _CLAUSE_END.search(text, final.end)
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
        values = non_operand_values(text, tail_start + seg.start, tail_start + seg.end)
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
    written = re.escape(re.sub(r"\s", "", final.value_text))
    if any(same_value((Answer("number", v),), final.readings) for v, _ in _values(text[:final.start])) or \
            final.readings[0].kind != "number" and re.search(rf"(?<![\w.^+\-]){written}(?![\w.^])",
                                                              re.sub(r"\s", "", prior)):
        return None  # the final value was derived or stated before: a restatement
    concluded = None
    for seg in segments(prior):
        for clause_start, clause in _clauses(seg.text):
            cue = _CONCLUSION.search(clause)
            if not cue:
                continue
            stated = _stated_values(prior, seg.start + clause_start + cue.end(), seg.start + clause_start + len(clause),
                                    final)
            if stated and len(prior[seg.start + clause_start + cue.end():stated[-1][1]].split()) <= 6:
                concluded = (stated[-1][0], clause)
    if concluded is not None and not same_value(concluded[0], final.readings):
        return _reject("contradicts_working", f"the final value appears from nowhere after the working concluded "
                       f"{concluded[1].strip()[:50]!r}")
    return None


def _stated_values(text: str, start: int, end: int, final: Final) -> list[tuple[tuple[Answer, ...], int, int]]:
    """The values stated in text[start:end]: its numbers that are not operands; for an expression answer also its
    expressions in the answer's own variables (`x^2+2` for `x^2+1`), so rule 8 reads them as it reads numbers."""
    numbers = [((Answer("number", v),), a, b) for v, a, b in non_operand_values(text, start, end)]
    if numbers or final.readings[0].kind == "number":
        return numbers
    own = set(_SYMBOLS.findall(final.value_text))
    out = []
    for m in EXPRESSION.finditer(text, start, end):
        if re.search(r"\d", m.group(0)) and own and set(_SYMBOLS.findall(m.group(0))) == own:
            readings = readings_or_none(m.group(0))
            if readings is not None:
                out.append((readings, m.start(), m.end()))
    return out


_SYMBOLS = re.compile(r"(?<![A-Za-z\\])[A-Za-z](?![A-Za-z])")


def _clauses(sentence: str):
    start = 0
    for m in re.finditer(r"[,;]\s", sentence):
        yield start, sentence[start:m.start()]
        start = m.end()
    yield start, sentence[start:]
