"""The answer gate for option-letter and short-name references (see `graders.judges.answers`).

* choice: exactly one option letter (the marked one, if the answer marks one: "the answer is (C)",
  `\\boxed{C}`), equal to the reference's; several different letters -> rejected.
* name: the reference's words must be named (whole words, articles ignored; in the marked answer if there is
  one), not hedged, listed with alternatives, asked as a question, negated ("not Paris", "instead of Paris")
  or taken back afterwards; never named -> score 0 by rule.
"""
from __future__ import annotations

import re

from graders.judges.answers import (
    _ALT_OPENER, _ALTERNATIVE, _ARTICLES, _JUDGMENT, _RETRACT, _UNCERTAIN, _WH_QUESTION, GateVerdict, Reference,
    _model_decides, _sentence_end, _words, fold, segments,
)


_ANSWER_MARKER = re.compile(r"(?<![\w])(?:(?:my|the|our)\s+)?(?:final\s+|correct\s+|right\s+)?(?:answer|choice|option)"
                            r"\s*(?:\*\*)?\s*(?:is|was|would\s+be|will\s+be|should\s+be|must\s+be|=|:)\s*(?:\*\*)?"
                            r"|\\(?:boxed|fbox)\s*\{|####", re.IGNORECASE)
_LETTER = re.compile(r"\\(?:boxed|fbox)\s*\{\s*(?:\\text\{)?\s*\(?([A-J])\)?\s*\}?\s*\}|\(([A-J])\)|(?<![\w\\])([A-J])\)|"
                     r"(?i:\b(?:option|choice|letter|answer(?:\s+is)?)\s*[:=]?\s*)\(?([A-J])(?![\w'])|"
                     r"^[^\w\n]*([A-J])[^\w\n]*$", re.MULTILINE)
_NEGATED_BEFORE = re.compile(r"(?:other\s+than|except(?:\s+for)?|unlike|besides|apart\s+from|rather\s+than|"
                             r"instead\s+of|anything\s+but|not\s+even)\s*$", re.IGNORECASE)


def _letters(piece: str) -> list[tuple[str, int]]:
    return [(next(g for g in m.groups() if g), m.start()) for m in _LETTER.finditer(piece)]


def choice_gate(text: str, ref: Reference) -> GateVerdict:
    """Exactly one option letter (the marked one if the answer marks one), equal to the reference's."""
    marked = []
    for m in _ANSWER_MARKER.finditer(text):
        end = text.find("\n", m.end())
        window = text[m.start():(end if end >= 0 else len(text))][:80]
        found = _letters(window)
        if found:
            marked.append((found[0][0], m.start() + found[0][1]))
    letters = marked or _letters(text)
    distinct = sorted({letter for letter, _ in letters})
    if not distinct:
        return GateVerdict("no_answer", "no option letter in the answer (the reference is an option)", "no_value")
    if len(distinct) > 1:
        return GateVerdict("rejected", f"several different options ({', '.join(distinct)})", "several_final_answers")
    letter, pos = letters[-1]
    verdict = _statement_checks(text, pos, pos + 1, ref)
    if verdict is not None:
        return verdict
    if letter.lower() != ref.words[0]:
        return GateVerdict("mismatch", f"option {letter} != reference {ref.raw!r}", "compare", letter)
    return _model_decides(f"gate passed: option {letter} is the reference's; decided by model", letter)


def _word_spans(text: str) -> list[tuple[str, int, int]]:
    return [(fold(m.group(0)), m.start(), m.end()) for m in re.finditer(r"[^\W_]+", text)]


def name_mentions(text: str, ref: Reference) -> list[tuple[int, int]]:
    """Where the reference's words occur in `text` as a whole-word sequence (articles skipped, or run together:
    `4:30 PM` names `4:30 p.m.`)."""
    spans = [s for s in _word_spans(text) if s[0] not in _ARTICLES]
    target, out = "".join(ref.words), []
    for i in range(len(spans)):
        joined, j = "", i
        while j < len(spans) and len(joined) < len(target):
            joined += spans[j][0]
            j += 1
        if joined == target:
            out.append((spans[i][1], spans[j - 1][2]))
    return out


def name_gate(text: str, ref: Reference) -> GateVerdict:
    """The short text reference must be named, once decided: in the marked answer if there is one."""
    mentions = name_mentions(text, ref)
    markers = list(_ANSWER_MARKER.finditer(text))
    if markers:
        ends = [_sentence_end(text, m.end()) for m in markers]
        named = [any(m.end() <= a < e for a, _ in mentions) for m, e in zip(markers, ends)]
        if not named[-1]:
            said = text[markers[-1].end():ends[-1]].strip()[:60]
            return GateVerdict("mismatch", f"final answer {said!r} does not name the reference {ref.raw!r}",
                               "compare", said)
        if not all(named):
            return GateVerdict("rejected", "several different final answers", "several_final_answers")
        start, end = next((a, b) for a, b in reversed(mentions) if markers[-1].end() <= a < ends[-1])
    elif not mentions:
        return GateVerdict("mismatch", f"the answer never names the reference {ref.raw!r}", "compare")
    else:
        start, end = mentions[-1]
    verdict = _statement_checks(text, start, end, ref)
    if verdict is not None:
        return verdict
    short = [seg for seg in segments(text) if 0 < len(seg.text.split()) <= 3]
    if len({" ".join(_words(s.text)) for s in short}) >= 2 and any(s.start <= start < s.end for s in short):
        return GateVerdict("rejected", "several short answers in a row", "alternatives")
    return _model_decides(f"gate passed: the answer names {ref.raw!r}; decided by model", text[start:end])


def _statement_checks(text: str, start: int, end: int, ref: Reference) -> GateVerdict | None:
    """Hedges, alternatives, lists, questions, negations and retractions around a text answer at [start, end)."""
    seg = next((s for s in segments(text) if s.start <= start < s.end), None)
    sentence = seg.text if seg else text
    ref_folded = fold(ref.raw)
    if seg and seg.question and not _WH_QUESTION.match(seg.text):
        return GateVerdict("rejected", f"the answer is a question ({sentence.strip()[:60]!r})", "guesses")
    for pattern, rule in ((_UNCERTAIN, "hedged_final"), (_ALTERNATIVE, "alternatives")):
        hit = pattern.search(fold(sentence))
        if hit and not pattern.search(ref_folded):
            return GateVerdict("rejected", f"the answer is hedged ({hit.group(0)!r})", rule)
    clause_start = max(text.rfind(c, seg.start if seg else 0, start) for c in ",;(") + 1
    before = text[max(clause_start, seg.start if seg else 0):start]
    hit = _RETRACT.search(" ".join(before.split()[-4:])) or _NEGATED_BEFORE.search(before)
    if hit:
        return GateVerdict("rejected", f"the answer is negated ({hit.group(0).strip()!r})", "negated")
    seg_end = seg.end if seg else len(text)
    after = " ".join(text[end:seg_end].split()[:5])
    if _JUDGMENT.search(after) or (len(after.split()) <= 3 and _RETRACT.search(after)):
        return GateVerdict("rejected", f"the answer is withdrawn ({after!r})", "retracted")
    items = [p for p in re.split(r"\s*(?:[,;/|&]|\band\b)\s*", sentence.strip().rstrip(".!")) if p.strip()]
    if len(items) >= 2 and all(len(p.split()) <= 3 for p in items) and not re.search(r"[,;/|&]|\band\b", ref.raw):
        return GateVerdict("rejected", f"the answer is a list ({sentence.strip()[:60]!r})", "alternatives")
    for later in segments(text[seg_end:]):
        if _ALT_OPENER.match(later.text) or later.question:
            return GateVerdict("rejected", f"adds an alternative after the answer ({later.text.strip()[:60]!r})",
                               "alternatives")
        hit = _JUDGMENT.search(later.text) or (len(later.text.split()) <= 5 and _RETRACT.search(later.text))
        if hit:
            return GateVerdict("rejected", f"takes the answer back ({later.text.strip()[:60]!r})", "retracted")
    return None
