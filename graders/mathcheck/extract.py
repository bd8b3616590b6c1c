"""Finding the final answer inside a model output (and inside a reference): the extraction cascade.

Each step returns an `Extraction` (the answer text(s) and where they sit) or None; the cascade takes the first
step that finds something. Steps, in the default order:

  boxed         the last `\\boxed{}`, joined with the boxes before it when only connectors separate them
                (`\\boxed{1}, \\boxed{2} and \\boxed{3}`); a retraction (`no, wait`) between boxes breaks the group
  gsm8k         the text after the last `#### `
  answer_is     a final-answer sentence ("the final answer is", "Answer:", "la réponse est", "Antwort:", "答案是" ...)
  full          the whole output, when it is one short line that is not prose (skipped if it does not parse)
  final_span    the last `$..$` / `\\(..\\)` / `\\[..\\]` span (or spans joined by and/or/commas) of the final
                sentence, unless a bare number follows it there
  final_number  the last number of the final sentence
Opt-in: `last_number` (the last number anywhere) and `{"regex": ...}`.

Only the final sentence is ever read by the last two steps, so a number buried earlier in the output never
scores (math-verify issue #65); boilerplate such as "I hope it is correct." and chat tokens are skipped.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable

from graders.mathcheck.spans import (
    Found, Spans, final_sentence, find_boxes, find_spans, looks_like_prose, numbers_in, sentences, strip_chat_tail,
    strip_math_delimiters,
)
from graders.mathcheck.box_context import read_boxes
from graders.mathcheck.spans import find_boxed  # noqa: F401 - public name kept here

DEFAULT_CASCADE = ("boxed", "gsm8k", "answer_is", "full", "final_span", "final_number")
# `full` inside a cascade only takes short one-line outputs: a whole chain of thought is not an answer.
FULL_IN_CASCADE_MAX_CHARS = 200
MAX_ANSWER_MARKERS = 20          # final-answer sentences examined, from the last one back

_GSM8K_RE = re.compile(r"####\s*([^\n]*)")
_ANSWER_WORDS = (
    r"final\s+answer|(?:the\s+)?answer|r[ée]ponse(?:\s+finale)?|respuesta(?:\s+final)?|antwort|"
    r"risposta(?:\s+finale)?|resposta(?:\s+final)?|ответ|答案|最终答案|答え|정답"
)
_ANSWER_IS_RE = re.compile(
    r"(?<![Oo]ur )(?<![Mm]y )(?<![Yy]our )(?<![Cc]heck )(?<![Cc]hecking )(?<![Tt]his )(?<![Tt]hat )"
    rf"(?:{_ANSWER_WORDS})\s*(?:\*\*)?\s*(?:(?:ist|is|est|es|lautet|è|é)(?![A-Za-z])|是|为|は|:|：|=|—|-(?=\s))\s*(?:\*\*)?\s*:?\s*"
    r"|\*\*\s*final\s+answer\s*:?\s*\*\*\s*:?\s*",
    re.IGNORECASE,
)
_COPULA = re.compile(r"\s(?:is|are|equals|est|es|ist|è|é)\s|=|:|是|为")
_CONNECTOR_WORDS = {"and", "or", "et", "ou", "und", "oder", "y", "e", "и", "или", "和", "或", "quad", "qquad"}
_RETRACTION = re.compile(
    r"(?<![A-Za-z])(?:no|not|nope|wait|actually|correction|wrong|mistake|oops|sorry|instead|rather|but|"
    r"however|hmm|recheck|redo|check|nein|non)(?![A-Za-z])", re.IGNORECASE)
_GAP_NOISE = re.compile(r"\\text\s*\{([^{}]*)\}|\\(?:quad|qquad|,|;|!| )|\\[\[\]()]|[$&]|\\\\")


@dataclass
class Extraction:
    """What one step found: the answer text(s) (several for a group of boxes) and where they sit."""

    method: str
    answers: list[str]
    start: int = 0
    end: int = 0
    detail: str = ""
    hedge: str = ""                       # non-empty: why this finding is not an answer (grade 0)
    others: list[str] = field(default_factory=list)   # the other values offered (for the hedge check)

    @property
    def text(self) -> str:
        return ", ".join(self.answers)


# -- boxes -------------------------------------------------------------------------------------------------
def _gap_joins(gap: str) -> bool:
    """Do only connectors separate two boxes (`, `, ` and `, `\\quad\\text{and}\\quad`, "for part (b) and")?"""
    if len(gap) > 80 or _RETRACTION.search(gap):
        return False
    words = re.findall(r"[^\W\d_]+|\d+", _GAP_NOISE.sub(lambda m: f" {m.group(1) or ''} ", gap))
    if not words:
        return True
    return len(words) <= 6 and any(w.lower() in _CONNECTOR_WORDS for w in words)


def box_group(text: str, allow_unclosed: bool = False) -> list[Found]:
    """The last box and the boxes joined to it by connectors (identical neighbours merged)."""
    boxes = [b for b in find_boxes(text, allow_unclosed) if b.content]
    if not boxes:
        return []
    group = [boxes[-1]]
    for prev in reversed(boxes[:-1]):
        if not _gap_joins(text[prev.end:group[0].start]):
            break
        if prev.content != group[0].content:
            group.insert(0, prev)
        else:
            group[0] = Found(prev.start, group[0].end, group[0].content, "box")
    return group


def extract_boxed(text: str) -> Extraction | None:
    group = box_group(text)
    if not group:
        return None
    found = Extraction("boxed", [b.content for b in group], group[0].start, group[-1].end,
                       detail=f"{len(group)} boxes" if len(group) > 1 else "")
    context = read_boxes(text, found.start, found.end, found.answers)
    if context is not None:
        if context.operand:   # `\boxed{72}^2`: the box is a term of the answer, not the answer
            found.hedge = f"the box is an operand of {context.operand!r}, not the answer"
        else:                 # `-\boxed{72}`: the sign in front belongs to the answer
            found.answers, found.start = context.answers, context.start
    return found


def extract_all_boxes(text: str) -> Extraction | None:
    boxes = [b for b in find_boxes(text) if b.content]
    return Extraction("boxed", [b.content for b in boxes], boxes[0].start, boxes[-1].end) if boxes else None


# -- `####` and final-answer sentences ----------------------------------------------------------------------
def extract_gsm8k(text: str) -> Extraction | None:
    """The last `#### value`; the values of earlier `####` lines are kept in `others` (several different ones
    are several answers)."""
    found = [(m, strip_math_delimiters(m.group(1).strip().rstrip("."))) for m in _GSM8K_RE.finditer(text)]
    found = [(m, v) for m, v in found if v]
    if not found:
        return None
    m, value = found[-1]
    return Extraction("gsm8k", [value], m.start(1), m.end(1), others=[v for _, v in found[:-1] if v != value])


def candidates(text: str, start: int, end: int, spans: Spans) -> list[Found]:
    """Math spans and bare numbers inside text[start:end], in order (the places an answer can be)."""
    inside = [s for s in spans.within(start, end) if s.content]
    return sorted(inside + numbers_in(text, start, end, spans), key=lambda f: f.start)


def _span_group(text: str, spans: Spans, last: Found) -> list[Found]:
    """`$1$, $2$ and $3$`: the spans joined to `last` by commas and and/or only."""
    group = [last]
    for prev in reversed([s for s in spans if s.end <= last.start]):
        gap = text[prev.end:group[0].start]
        if not re.fullmatch(r"[\s,;]*(?:(?:and|or|et|ou|und|oder|y)[\s,;]*)?", gap, re.IGNORECASE) or not prev.content:
            break
        group.insert(0, prev)
    return group


def _answer_like(text: str) -> bool:
    return bool(text) and _bare_answer(text)


_QUOTES = re.compile(r'^(?:\\"|["“”«»\'`])+|(?:\\"|["“”«»\'`])+(?=[.!?]?$)')


def _pick_in_tail(text: str, start: int, end: int, spans: Spans, method: str) -> Extraction | None:
    """The answer in a final-answer sentence tail text[start:end]."""
    for _ in range(3):
        while start < end and text[start] in " *:\t":
            start += 1
        raw = _QUOTES.sub("", text[start:end].strip().replace("**", ""))
        value = strip_math_delimiters(raw)
        if value and _answer_like(value) and not _ends_inside_span(spans, start, end):
            return Extraction(method, [value], start, end)
        found = candidates(text, start, end, spans)
        if found and not text[start:found[0].start].strip(" *:(\t"):
            first = found[0]
            if first.kind != "number":
                group = _span_group_forward(text, spans, first, end)
                return Extraction(method, [", ".join(g.content for g in group)], first.start, group[-1].end)
            return Extraction(method, [first.content], first.start, first.end)
        copula = _first_outside(_COPULA, text, start, end, spans)
        if copula is None:
            break
        start = copula
    found = candidates(text, start, end, spans)
    if found:
        return Extraction(method, [found[-1].content], found[-1].start, found[-1].end)
    return None


def _ends_inside_span(spans: Spans, start: int, end: int) -> bool:
    return any(s is not None and s.start < pos for pos in (start, end) for s in [spans.covering(pos)])


def _span_group_forward(text: str, spans: Spans, first: Found, end: int) -> list[Found]:
    group = [first]
    for nxt in spans.within(first.end, end):
        gap = text[group[-1].end:nxt.start]
        if not re.fullmatch(r"[\s,;]*(?:(?:and|or|et|ou|und|oder|y)[\s,;]*)?", gap, re.IGNORECASE) or not nxt.content:
            break
        group.append(nxt)
    return group


def _first_outside(pattern: re.Pattern, text: str, start: int, end: int, spans: Spans) -> int | None:
    for m in pattern.finditer(text, start, end):
        if not spans.covering(m.start()):
            return m.end()
    return None


_METHOD = re.compile(r"to\s+(?:simply\s+|just\s+|first\s+)?[a-z]")


def extract_answer_is(text: str) -> Extraction | None:
    """The answer of the last final-answer sentence ("the answer is ...", "Final Answer: ...", "Réponse : ...")."""
    text = strip_chat_tail(text)
    spans = find_spans(text)
    matches = [m for m in _ANSWER_IS_RE.finditer(text) if not spans.covering(m.start())]
    bounds = sentences(text, spans)
    ends = [e for _, e in bounds]
    for m in reversed(matches[-MAX_ANSWER_MARKERS:]):
        group = box_group(text[m.end():])
        if group:
            offset = m.end()
            return Extraction("answer_is", [b.content for b in group], offset + group[0].start, offset + group[-1].end)
        start = m.end()
        while start < len(text) and text[start] in " \t*:":
            start += 1
        if text[start:start + 1] == "\n":  # a heading (`**Final Answer**`): the answer is on the next line
            start += 1
        k = bisect_right(ends, start)
        end = ends[k] if k < len(ends) else len(text)
        end = min(end, text.find("\n", start) if "\n" in text[start:end].rstrip() else end)
        if text[start:end].rstrip().endswith(("?", "？")):
            continue  # "Is the answer 18?" asks, it does not answer
        if _METHOD.match(text, start, start + 24):
            continue  # "the answer is to divide the cost by 20": a method, not an answer
        found = _pick_in_tail(text, start, end, spans, "answer_is")
        if found:
            return found
    return None


# -- the final sentence ---------------------------------------------------------------------------------------
# an output cut off mid-sentence (a token limit) ends on an operator, a colon or a word that needs more after it:
# its final sentence states nothing (`... which gives us 2x = 3x - `, `Now, add 10 liters and 15 liters: `)
_UNFINISHED = re.compile(
    r"(?:[-+*/×÷=:,;(\[{\\^]|(?<![A-Za-z])(?:and|or|of|the|a|an|to|by|with|from|into|than|is|are|was|were|be|"
    r"which|if|we|gives?|equals?|plus|minus|add|subtract|multiply|divide|divided|multiplied|subtracting|adding|"
    r"multiplying|dividing))\s*$", re.IGNORECASE)     # not "times", "it", "so", "then": `84 times`, `solve it`


def _final(text: str):
    text = strip_chat_tail(text)
    if _UNFINISHED.search(text[-40:]):
        return text, None, []
    where = final_sentence(text)
    if where is None:
        return text, None, []
    return text, where, find_spans(text)


def _is_question(text: str, where: tuple[int, int]) -> bool:
    """A final sentence that asks (`Is it 18?`, an echoed question) states no answer."""
    return text[where[0]:where[1]].rstrip().rstrip("*").endswith(("?", "？"))


def extract_final_span(text: str) -> Extraction | None:
    text, where, spans = _final(text)
    if where is None or _is_question(text, where):
        return None
    start, end = where
    found = candidates(text, start, end, spans)
    if not found or found[-1].kind == "number":
        return None
    group = _span_group(text, [c for c in found if c.kind != "number"], found[-1])
    return Extraction("final_span", [", ".join(g.content for g in group)], group[0].start, group[-1].end)


def extract_final_number(text: str) -> Extraction | None:
    text, where, spans = _final(text)
    if where is None or _is_question(text, where):
        return None
    start, end = where
    equals = [m.end() for m in re.finditer(r"(?<![<>!=])=(?!=)", text[start:end])
              if not spans.covering(start + m.start())]
    if equals:  # `9 + 6 = 15 liters out of the 24 liters`: the result after the last `=`
        after = numbers_in(text, start + equals[-1], end, spans)
        if after:
            return Extraction("final_number", [after[0].content], after[0].start, after[0].end, detail="after =")
    numbers = numbers_in(text, start, end, spans)
    if not numbers:
        return None
    last = numbers[-1]
    return Extraction("final_number", [last.content], last.start, last.end)


def extract_last_number(text: str) -> Extraction | None:
    numbers = numbers_in(text, spans=Spans())
    if not numbers:
        return None
    return Extraction("last_number", [numbers[-1].content], numbers[-1].start, numbers[-1].end)


def extract_full(text: str) -> Extraction | None:
    value = strip_math_delimiters(text)
    return Extraction("full", [value], 0, len(text)) if value else None


@dataclass(frozen=True)
class RegexExtractor:
    """`{"regex": pattern, "group": 1}`: the given group of the last match."""

    pattern: re.Pattern
    group: int | str = 1

    def __call__(self, text: str) -> Extraction | None:
        for m in reversed(list(self.pattern.finditer(text))):
            try:
                key = self.group if self.pattern.groups else 0
                value, start, end = m.group(key), m.start(key), m.end(key)
            except IndexError:
                value, start, end = m.group(0), m.start(), m.end()
            if value and value.strip():
                return _inside(value, start) or Extraction("regex", [strip_math_delimiters(value)], start, end)
        return None


_MARKED = re.compile(r"\\(?:boxed|fbox)\s*\{|####")


def _inside(value: str, offset: int) -> Extraction | None:
    """What a region the regex captured says when it is itself a small output (`<answer>\\boxed{72}. Hmm, that's
    wrong: -72</answer>`, `<answer>#### 71 \\approx 72</answer>`, `<answer>72 clips</answer>`): the default
    cascade read inside it, so its hedges, retractions and markers count as they would anywhere else. A bare
    answer is taken as it is.
    Unmarked prose with several different numbers (`Total = -72 clips. Units check: 72`) is not one answer:
    the region was asked to hold the answer, not the working."""
    if not _MARKED.search(value) and _bare_answer(value.strip()):
        return None
    for found in iter_extractions(value, DEFAULT_CASCADE):
        found.detail = "inside the regex match"     # its method names the step that found it there
        if found.method in ("final_span", "final_number"):
            values = {n.content.lstrip("+").replace(",", "") for n in numbers_in(value)}
            values |= {s.content.strip() for s in find_spans(value)}
            if len(values) > 1:
                found.hedge = f"the matched answer region holds several values in prose ({', '.join(sorted(values)[:4])})"
        found.start, found.end = found.start + offset, found.end + offset
        return found
    return None


_BY_NAME: dict[str, Callable[[str], Extraction | None]] = {
    "boxed": extract_boxed,
    "gsm8k": extract_gsm8k,
    "answer_is": extract_answer_is,
    "final_span": extract_final_span,
    "final_number": extract_final_number,
    "last_number": extract_last_number,
    "full": extract_full,
}


def iter_extractions(text: str, steps: tuple):
    """Every step's finding, in cascade order (`full` inside a cascade only for a short line of non-prose)."""
    in_cascade = len(steps) > 1
    for step in steps:
        if isinstance(step, RegexExtractor):
            found = step(text)
        else:
            if step == "full" and in_cascade:
                short = text.strip()
                if "\n" in short or len(short) > FULL_IN_CASCADE_MAX_CHARS or not _bare_answer(short):
                    continue
            found = _BY_NAME[step](text)
            if step == "boxed" and found is not None:
                later = extract_answer_is(text)   # "Final Answer: ..." after the last box overrides the box
                if later is not None and later.start >= found.end and re.search(r"[\d\\$^]", later.text):
                    found = later
        if found is not None:
            found.answers = [a.strip() for a in found.answers if a and a.strip()]
            if found.answers:
                yield found


_LETTER_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")


def _bare_answer(text: str) -> bool:
    """A whole output that can be the answer itself: math without prose words (`x = 5`, `10 cm`, `\\pi/2`),
    or a short text answer with no digits (`Evelyn`, `odd`)."""
    from graders.mathcheck.normalize import KNOWN_UNITS, MATH_WORDS

    plain = re.sub(r"\\(?:text|begin|end|mathrm|operatorname)\s*\{[^{}]*\}", " ", strip_math_delimiters(text))
    words = [w for w in _LETTER_WORD.findall(plain)
             if w.lower() not in MATH_WORDS and w.lower() not in KNOWN_UNITS and w.lower() not in ("and", "or")]
    if not words:
        return True
    return not re.search(r"\d", plain) and len(words) <= 3 and not looks_like_prose(plain)


def extract_answers(text: str, steps: tuple) -> tuple[str, list[str]]:
    """`(method, answers)` of the first step that finds something (compatibility helper)."""
    for found in iter_extractions(text, steps):
        return found.method, found.answers
    return "", []


# -- references -------------------------------------------------------------------------------------------
_SPANS_ONLY_GAP = re.compile(r"[\s,;.]*(?:(?:and|or|et|ou|und|oder|y)[\s,;.]*)?", re.IGNORECASE)


def extract_reference(text: str) -> str:
    """A reference may be plain (`42`, `\\frac{1}{2}`), in `$...$`, boxed (several boxes are joined), a GSM8K
    solution (`#### 42`), spans joined by and/or (`$21,16$ or $11$`), or a whole worked solution (the
    cascade finds its final answer)."""
    group = box_group(text, allow_unclosed=True)
    if group:
        return ", ".join(b.content for b in group)
    gsm = extract_gsm8k(text)
    if gsm:
        return gsm.answers[0]
    stripped = strip_math_delimiters(text)
    spans = find_spans(text)
    if spans and len(spans) > 1:
        gaps = [text[:spans[0].start]] + [text[a.end:b.start] for a, b in zip(spans, spans[1:])] + \
               [text[spans[-1].end:]]
        if all(_SPANS_ONLY_GAP.fullmatch(g) for g in gaps):
            return ", ".join(s.content for s in spans)
    if not looks_like_prose(stripped) or stripped.startswith("\\text"):
        return stripped
    for step in ("answer_is", "final_span", "final_number"):
        found = _BY_NAME[step](text)
        if found and found.answers:
            return found.text
    return stripped
