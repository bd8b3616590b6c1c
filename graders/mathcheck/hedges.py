"""Other values offered around an extracted answer (hedges) and answers taken back (retractions).

A model that writes `17 or 18`, `\\boxed{72}, or maybe 73`, `It might be -18. Or 18.` or `between 12 and 13`
offers two values; one that writes `The answer is not 18`, `18 is wrong` or `18. Scratch that.` takes its
answer back. Only bare values right next to the answer count: a restatement (`half of 1, or 1/2`) or an
"Or:" paragraph with another derivation is neither.
"""
from __future__ import annotations

import re

from graders.mathcheck.extract import Extraction, candidates
from graders.mathcheck.spans import Found, find_spans

HEDGE_WORDS = re.compile(
    r"(?<![A-Za-z])(?:or|maybe|perhaps|possibly|probably|ou|oder|vielleicht|peut-être|quizás|quizas|tal\s+vez|"
    r"talvez|forse)(?![A-Za-z])|或者|或|\\approx|\\sim(?![a-z])|\\lor|≈|(?<=\s)~(?=\s)",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"(?<![A-Za-z])(?:between|entre|zwischen|from)(?![A-Za-z])", re.IGNORECASE)

_FILLER = r"(?:\s*(?:maybe|perhaps|possibly|probably|even|rather|also|it(?:'s|\s+is|\s+could\s+be|\s+might\s+be)|the\s+answer\s+is|is)\b)*"
_AFTER_HEDGE = re.compile(rf"(?:[\s,.;:)($]|\\[)\]])*(?:\*\*)?\s*(?P<word>{HEDGE_WORDS.pattern}){_FILLER}[\s:,]*",
                          re.IGNORECASE)
_UNSURE = re.compile(r"(?<![A-Za-z])(?:maybe|perhaps|possibly|probably|(?:could|might|may)\s+(?:also\s+)?be|guess|"
                     r"not\s+sure|vielleicht|peut-être|quizás)(?![A-Za-z])", re.IGNORECASE)
_HEDGE_GAP = re.compile(r"[\s$]*(?:or|ou|oder|o|或|或者)[\s$]*|\s*[.!?;]\s*(?:Or|OR|Maybe|Perhaps|Possibly)\b[\s,:$]*")
_RELATION = re.compile(r"[=<>]|\\(?:le|ge|leq|geq|ne|neq|in|approx|sim)(?![A-Za-z])")


def _value_like(found: Found, text: str) -> bool:
    """A bare value, not a relation and not an operand inside a computation (`192 / 1.2 or 160`)."""
    if len(found.content) > 40 or _RELATION.search(found.content):
        return False
    if found.kind != "number":  # a span: a value has a digit or a constant (`PP'` is a name, `x` a variable)
        return bool(re.search(r"\d|\\(?:pi|infty|sqrt|frac)", found.content))
    if text[found.start - 1:found.start].isalpha() or text[found.end:found.end + 1].isalpha():
        return False  # `1.2Y`
    before = text[max(0, found.start - 3):found.start].rstrip()
    after = text[found.end:found.end + 3].lstrip()
    return not (before[-1:] in tuple("+-*/=^×÷·") or after[:1] in tuple("+-*/=^×÷·"))


def offered_alternatives(text: str, found: Extraction) -> list[tuple[str, str]]:
    """Other values offered right next to the extracted answer, as (hedge word, value) pairs: `17 or 18`,
    `\\boxed{72}, or maybe 73`, `The answer is 72. Or 73.`, `between 12 and 13`. Only a bare value directly
    before or after the answer counts (an "Or:" paragraph with another derivation is not a hedge)."""
    if found.method in ("full", "regex") or found.end <= found.start or found.end > len(text):
        return []
    spans = find_spans(text)
    pairs = []
    head = text[max(0, found.start - 60):found.start]
    before = [c for c in candidates(text, max(0, found.start - 60), found.start, spans) if c.end <= found.start]
    if before and _value_like(before[-1], text):
        gap = text[before[-1].end:found.start]
        restated = before[-1].content.rstrip().endswith(",")   # `$\frac{5}{4},$ or $\boxed{..}$`: "that is"
        m = None if restated else (_HEDGE_GAP.fullmatch(gap) or (
            _UNSURE.search(gap) if len(gap) <= 30 and "\n\n" not in gap else None))
        if m:  # `17 or 18`, `-18. Or 18.`, `-18, but it could be 18` (not the restatement `half of 1, or 1/2`)
            pairs.append((m.group(0).strip(" .,;$"), before[-1].content))
        elif re.fullmatch(r"\s*(?:and|et|und|y|to|à|bis|–)\s*", gap) and _BETWEEN.search(
                text[max(0, before[-1].start - 12):before[-1].start]):
            pairs.append(("between", before[-1].content))
    tail = text[found.end:found.end + 80].split("\n\n")[0]
    m = _AFTER_HEDGE.match(tail)
    after = [c for c in candidates(text, found.end, found.end + len(tail), spans) if c.start >= found.end]
    if m:
        nxt = next((c for c in after if c.start == found.end + m.end()), None)
        if nxt is not None and _value_like(nxt, text):
            pairs.append((m.group("word"), nxt.content))
    if after and _BETWEEN.search(head[-14:]) and _value_like(after[0], text) and re.fullmatch(
            r"\s*(?:and|et|und|y|to|à|bis|–)\s*", text[found.end:after[0].start]):
        pairs.append(("between", after[0].content))
    return pairs


_NEGATED_BEFORE = re.compile(r"(?<![A-Za-z])(?:not|never|isn't|is\s+not|n't)\s+(?:\w+\s+)?(?:\$|\\\(|\*\*)?\s*$",
                             re.IGNORECASE)
WITHDRAWN_AFTER = re.compile(
    r"^[\s$).,;:*]*(?:\\\)|\\\])?[\s$).,;:*]*(?:(?:wait|hmm+|oh|um|actually|no)[\s,!.:;]+)?(?:"
    r"(?:is|was|seems|must\s+be)\s+(?:wrong|incorrect|not\s+(?:right|correct|the\s+answer))|"
    r"(?:actually|wait)[\s,]*no\b|no[\s,]+wait|scratch\s+that|just\s+kidding|i\s+take\s+(?:that|it)\s+back|"
    r"oops|i\s+(?:made\s+a\s+mistake|miscalculated)|never\s*mind|that(?:'s|\s+is)\s+(?:wrong|incorrect)|"
    r"hmm,?\s+that(?:'s|\s+is)\s+(?:wrong|not\s+right))", re.IGNORECASE)


def withdrawn(text: str, found: Extraction) -> str:
    """The phrase that takes the extracted answer back (`The answer is not 18`, `18 is wrong`, `18. Scratch that.`,
    `The answer is 18. Actually no, ...`), or ""."""
    if found.method in ("full", "regex") or found.end <= found.start or found.end > len(text):
        return ""
    head = text[max(0, found.start - 30):found.start]
    m = _NEGATED_BEFORE.search(head)
    if m:
        return m.group(0).strip()
    m = WITHDRAWN_AFTER.match(text[found.end:found.end + 120])
    return m.group(0).strip(" .,;:$*") if m else ""
