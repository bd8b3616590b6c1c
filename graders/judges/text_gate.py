"""The answer gate for option-letter and short-name references (see `graders.judges.answers`).

* choice: exactly one option letter (the marked one, if the answer marks one: "the answer is (C)",
  `\\boxed{C}`), equal to the reference's; several different letters or a list of letters after the marker ->
  rejected; a letter with a sign or an operator (`-(B)`, `(B)+1`) is not that option.
* name: the reference's words must be named (whole words, articles ignored; in the marked answer if there is
  one: a box's content, a `####` line, an "answer is" sentence, also in other languages), not hedged, listed
  with alternatives or in a set, asked as a question, negated ("not Paris", "instead of Paris") or taken back
  afterwards; not part of a longer name (`Paris City`; a box holds the reference's words only); no bare name
  after the final answer (`\\boxed{Paris} London`) and no other name concluded by the working before a first
  mention ("In total she has London. Paris"); never named -> score 0 by rule.
"""
from __future__ import annotations

import re

from graders.judges import languages as lang
from graders.judges.answers import (
    _ALT_OPENER, _ALTERNATIVE, _ARTICLES, _JUDGMENT, _RETRACT, _UNCERTAIN, _WH_QUESTION, GateVerdict, Reference,
    _model_decides, _words, fold, segments,
)
from graders.judges.math_final import final_markers
from graders.judges.math_gate import _CONCLUSION


_ANSWER_MARKER = re.compile(r"(?<![\w])(?:(?:my|the|our)\s+)?(?:final\s+|correct\s+|right\s+)?(?:answer|choice|option)"
                            r"\s*(?:\*\*)?\s*(?:is|was|would\s+be|will\s+be|should\s+be|must\s+be|=|:)\s*(?:\*\*)?"
                            r"|\\(?:boxed|fbox)\s*\{|####|" + lang.ANSWER_MARKER, re.IGNORECASE)
_LETTER = re.compile(r"\\(?:boxed|fbox)\s*\{\s*(?:\\text\{)?\s*\(?([A-J])\)?\s*\}?\s*\}|\(([A-J])\)|(?<![\w\\])([A-J])\)|"
                     r"(?i:\b(?:option|choice|letter|answer(?:\s+is)?)\s*[:=]?\s*)\(?([A-J])(?![\w'])|"
                     r"^[^\w\n]*([A-J])[^\w\n]*$", re.MULTILINE)
# an option letter as the subject of a sentence: `A is wrong`, `A and C are incorrect`, `(C) was a trap`
# (a bare `I` is the pronoun: `I was wrong` judges the answer)
_SUBJECT_LETTER = re.compile(r"(?:\(([A-J])\)|(?<![\w'])([A-HJ]))(?=\s*(?:,|\band\b|\bor\b|\bis\b|\bare\b|\bwas\b|\bwere\b))")
_NEGATED_BEFORE = re.compile(r"(?:other\s+than|except(?:\s+for)?|unlike|besides|apart\s+from|rather\s+than|"
                             r"instead\s+of|anything\s+but|not\s+even)\s*$", re.IGNORECASE)


def _letters(piece: str) -> list[tuple[str, int]]:
    """The option letters in `piece`. A letter with a sign or an operator attached (`-(B)`, `(B)+1`) keeps it
    (`-B`, `B+`): it is not the option."""
    out = []
    for m in _LETTER.finditer(piece):
        letter = next(g for g in m.groups() if g)
        sign = piece[:m.start()].rstrip(" \t$")[-1:]
        after = re.match(r"[\s)}\]$]*([-+*/^])\s*[\d(]", piece[m.end():])
        out.append(((sign if sign in tuple("+-*/^") else "") + letter + (after.group(1) if after else ""), m.start()))
    return out


_LETTER_LIST = re.compile(r"\s*(?:\\\{|\[)?\s*[-+]?\s*\(?[A-J]\)?(?:\s*(?:,|/|&|\bor\b|\band\b)\s*[-+]?\s*\(?[A-J]\)?"
                          r"(?![\w']))+")


def choice_gate(text: str, ref: Reference) -> GateVerdict:
    """Exactly one option letter (the marked one if the answer marks one), equal to the reference's."""
    marked = []
    for m in _ANSWER_MARKER.finditer(text):
        end = text.find("\n", m.end())
        window = text[m.start():(end if end >= 0 else len(text))][:80]
        found = _letters(window)
        if found:
            marked.append((found[0][0], m.start() + found[0][1]))
        if _LETTER_LIST.match(text, m.end()):
            return GateVerdict("rejected", f"several options ({text[m.end():m.end() + 30].strip()!r})",
                               "several_final_answers")
    letters = marked or _letters(text)
    distinct = sorted({letter for letter, _ in letters})
    if not distinct:
        return GateVerdict("no_answer", "no option letter in the answer (the reference is an option)", "no_value")
    if len(distinct) > 1:
        return GateVerdict("rejected", f"several different options ({', '.join(distinct)})", "several_final_answers")
    letter, pos = letters[-1]
    verdict = _statement_checks(text, pos, pos + 1, ref, option=letter)
    if verdict is not None:
        return verdict
    at = text.find(letter, pos)
    glued = _glued_name(text, 0, at, at + 1) if at >= 0 else None
    if glued:
        return GateVerdict("mismatch", f"names {glued!r}, not option {ref.raw!r}", "compare", glued)
    if letter.lower() != ref.words[0]:  # also `-B` for (B)
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
    """The short text reference must be named, once decided: in the marked answer if there is one (a box's
    content, a `####` line, an "answer is" sentence), as itself (not inside a list, a set or a longer name)."""
    mentions = name_mentions(text, ref)
    regions = [(vs, ve, kind) for _, vs, ve, kind in final_markers(text)]
    if regions:
        named = [any(vs <= a < ve for a, _ in mentions) for vs, ve, _ in regions]
        if not named[-1]:
            said = text[regions[-1][0]:regions[-1][1]].strip()[:60]
            return GateVerdict("mismatch", f"final answer {said!r} does not name the reference {ref.raw!r}",
                               "compare", said)
        if not all(named):
            return GateVerdict("rejected", "several different final answers", "several_final_answers")
        vs, ve, kind = regions[-1]
        start, end = next((a, b) for a, b in reversed(mentions) if vs <= a < ve)
    elif not mentions:
        return GateVerdict("mismatch", f"the answer never names the reference {ref.raw!r}", "compare")
    else:
        start, end = mentions[-1]
        seg = next((s for s in segments(text) if s.start <= start < s.end), None)
        vs, ve, kind = (seg.start, seg.end, "sentence") if seg else (0, len(text), "sentence")
    verdict = _statement_checks(text, start, end, ref) or _region_checks(text, vs, ve, kind, start, end, ref)
    if verdict is not None:
        return verdict
    short = [seg for seg in segments(text) if 0 < len(seg.text.split()) <= 3]
    if len({" ".join(_words(s.text)) for s in short}) >= 2 and any(s.start <= start < s.end for s in short):
        return GateVerdict("rejected", "several short answers in a row", "alternatives")
    verdict = _named_elsewhere(text, start, mentions, ref) or _named_after(text, ve, ref)
    if verdict is not None:
        return verdict
    return _model_decides(f"gate passed: the answer names {ref.raw!r}; decided by model", text[start:end])


# capitalised words that don't make a name longer ("The answer Is Paris", "Paris In France")
_FUNCTION_WORDS = {"the", "a", "an", "is", "was", "are", "in", "of", "and", "at", "to", "on", "for", "by", "with",
                   "it", "its", "i", "so", "answer", "final", "from", "because", "since", "as", "therefore", "which",
                   "that", "this"}
_LATEX_WORD = re.compile(r"\\[A-Za-z]+")
_SEPARATORS = re.compile(r"\s*(?:[,;/|&]|\\[{}]|\band\b)\s*")


def _region_checks(text: str, vs: int, ve: int, kind: str, start: int, end: int, ref: Reference) -> GateVerdict | None:
    """The marked answer (or the sentence) at text[vs:ve] must give the reference alone: not asked (`\\boxed{
    Paris?}`), not in a list or set (`The answer is London, Paris.`, `\\{Paris, London\\}`), not part of a longer
    name (`Paris City`)."""
    region = text[vs:ve]
    if kind in ("boxed", "####") and "?" in region:
        return GateVerdict("rejected", f"a question inside the final answer ({region.strip()[:40]!r})", "guesses")
    listed = not re.search(r"[,;/|&]|\band\b", ref.raw)
    items = [p for p in _SEPARATORS.split(_LATEX_WORD.sub(" ", region).strip().rstrip(".!")) if p.strip(" {}[]()")]
    if listed and len(items) >= 2 and (kind in ("boxed", "####") or all(len(p.split()) <= 3 for p in items)):
        return GateVerdict("rejected", f"the answer is a list ({region.strip()[:60]!r})", "alternatives")
    if kind in ("boxed", "####"):
        extra = [w for w in _words(_LATEX_WORD.sub(" ", region)) if w not in ref.words and w not in _ARTICLES]
        if extra:
            return GateVerdict("mismatch", f"final answer {region.strip()[:60]!r} is not {ref.raw!r}", "compare",
                               region.strip()[:60])
        return None
    glued = _glued_name(text, vs, start, end)
    if glued:
        return GateVerdict("mismatch", f"names {glued!r}, not {ref.raw!r}", "compare", glued)
    return None


def _glued_name(text: str, vs: int, start: int, end: int) -> str | None:
    """`Paris City`, `New Paris`: a capitalised word right next to the mention makes it a longer name."""
    after = re.match(r"[ \t]+([A-Z][\w'-]*)", text[end:])
    if after and after.group(1).lower() not in _FUNCTION_WORDS:
        return text[start:end + after.end()]
    before = re.search(r"([A-Z][\w'-]*)[ \t]+$", text[vs:start])
    if before and before.group(1).lower() not in _FUNCTION_WORDS and text[vs:vs + before.start()].strip():
        return text[vs + before.start():end]
    return None


_INTERJECTIONS = {"thanks", "thank", "done", "cheers", "ok", "okay", "sure", "great", "good", "hope", "yes", "correct",
                  "right", "indeed", "exactly", "qed", "end"}


def _named_after(text: str, answer_end: int, ref: Reference) -> GateVerdict | None:
    """Rule 7 for names: a bare name after the final answer (the marked one, else the sentence naming the
    reference): `\\boxed{Paris} London`, `Paris.\\nLondon` say something else last."""
    for piece in segments(text[answer_end:].lstrip("}")):
        words = re.findall(r"[^\W\d_][\w'-]*", _LATEX_WORD.sub(" ", piece.text))
        if 0 < len(words) <= 4 and all(w[0].isupper() for w in words) and not {w.lower() for w in words} & (
                _INTERJECTIONS | set(ref.words)):
            return GateVerdict("rejected", f"names something else after the final answer ({piece.text.strip()[:40]!r})",
                               "value_after_final")
    return None


def _named_elsewhere(text: str, start: int, mentions: list[tuple[int, int]], ref: Reference) -> GateVerdict | None:
    """Rule 8 for names: a first mention after working that concluded another name ("In total she has London.
    Paris") is not the answer of that working."""
    if any(a < start for a, _ in mentions):
        return None
    seg = next((s for s in segments(text) if s.start <= start < s.end), None)
    prior = text[:seg.start if seg else start]
    for piece in segments(prior):
        cue = _CONCLUSION.search(piece.text)
        if not cue:
            continue
        rest = piece.text[cue.end():]
        name = re.search(r"(?<![\w'])([A-Z][\w'-]+)", " ".join(rest.split()[:6]))
        if name and name.group(1).lower() not in _FUNCTION_WORDS:
            return GateVerdict("rejected", f"the answer appears from nowhere after the working concluded "
                               f"{piece.text.strip()[:50]!r}", "contradicts_working")
    return None


def _statement_checks(text: str, start: int, end: int, ref: Reference, option: str | None = None) -> GateVerdict | None:
    """Hedges, alternatives, lists, questions, negations and retractions around a text answer at [start, end).
    `option`: the answer is this option letter, so a later sentence judging other options only (`A is wrong
    because ...`, the usual way to explain a choice) does not take it back."""
    seg = next((s for s in segments(text) if s.start <= start < s.end), None)
    sentence = seg.text if seg else text
    ref_folded = fold(ref.raw)
    if seg and seg.question and not _WH_QUESTION.match(seg.text):
        return GateVerdict("rejected", f"the answer is a question ({sentence.strip()[:60]!r})", "guesses")
    for pattern, rule in ((_UNCERTAIN, "hedged_final"), (_ALTERNATIVE, "alternatives")):
        hit = pattern.search(fold(sentence)) or pattern.search(sentence)  # accents and Hangul kept in the second
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
        if hit and option is not None:
            subject = later.text[:hit.start()]
            judged = {letter.strip("+-*/^") for letter, _ in _letters(subject)} | {a or b for a, b in _SUBJECT_LETTER.findall(subject)}
            if judged and option.strip("+-*/^") not in judged:
                continue  # "A is wrong because ...": another option judged, the answer stands
        if hit:
            return GateVerdict("rejected", f"takes the answer back ({later.text.strip()[:60]!r})", "retracted")
    return None
