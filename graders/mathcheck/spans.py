"""Scanning text for the places an answer can sit: boxes, math spans, sentences and bare numbers.

Everything here is a linear scan or a regex without nested quantifiers, so hostile outputs cost linear time.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*")
# a bare number in prose: 1,234.5  1 234  2,74  .5  3/4  1 1/2, with an optional percent sign or word
NUMBER_RE = re.compile(
    r"(?<![\w.,/^_])[-−]?(?:\d+\s+\d+\s*/\s*\d+(?![\d.,])"
    r"|(?:\d{1,3}(?:(?:,\\!|\{,\}|,)\d{3})+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d/])|\d+)(?:[.,]\d+)?(?:\s*/\s*\d+)?"
    r"|\.\d+)(?:\s*(?:\\?%|percent(?:age)?\b|pct\b))?",
    re.IGNORECASE,
)
CHAT_TOKENS = re.compile(r"<\|[^|<>]{1,40}\|>.*\Z|</s>.*\Z|\[/?INST\].*\Z", re.DOTALL)
BOILERPLATE = re.compile(
    r"^\W*(?:i\s+hope\s+(?:it|this)\s+is\s+correct|hope\s+(?:this|it)\s+helps|let\s+me\s+know\b.*|"
    r"(?:thank\s+you|thanks)\b.*|good\s+luck\b.*|feel\s+free\b.*|please\s+let\s+me\s+know\b.*)\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Found:
    """A piece of the text: where it starts and ends, and its content (delimiters removed)."""

    start: int
    end: int
    content: str
    kind: str = ""          # box | $$ | \[ | $ | \( | number


class Spans(list):
    """Math spans in order (they never overlap), with logarithmic position queries."""

    def _starts(self) -> list[int]:
        starts = self.__dict__.get("starts")
        if starts is None or len(starts) != len(self):
            starts = self.__dict__["starts"] = [s.start for s in self]
        return starts

    def covering(self, pos: int) -> Found | None:
        """The span that contains position `pos` (start inclusive, end exclusive), if any."""
        i = bisect_right(self._starts(), pos) - 1
        return self[i] if i >= 0 and self[i].start <= pos < self[i].end else None

    def within(self, start: int, end: int) -> list[Found]:
        """The spans that lie entirely inside text[start:end]."""
        starts = self._starts()
        out = []
        for i in range(bisect_left(starts, start), len(self)):
            if self[i].start >= end:
                break
            if self[i].end <= end:
                out.append(self[i])
        return out


def closing_braces(text: str) -> dict[int, int]:
    """Index of each `{` -> index of its matching `}` (one linear pass; `\\{` and `\\}` are not braces)."""
    matches, stack = {}, []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and text[i + 1:i + 2] in ("{", "}"):
            i += 2
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            matches[stack.pop()] = i
        i += 1
    return matches


def find_boxes(text: str, allow_unclosed: bool = False) -> list[Found]:
    """Every `\\boxed{...}` / `\\fbox{...}` (and `\\boxed 5`) in order. An unclosed box is ignored (a truncated
    output), unless `allow_unclosed` (references: the rest of the text is the content)."""
    found: list[Found] = []
    closing = None
    pos = 0
    while True:
        m = _BOX_RE.search(text, pos)
        if not m:
            return found
        i = m.end()
        if i < len(text) and text[i] == "{":
            if closing is None:
                closing = closing_braces(text)
            end = closing.get(i)
            if end is None:
                if allow_unclosed:
                    found.append(Found(m.start(), len(text), text[i + 1:].strip(), "box"))
                    return found
                pos = i + 1
                continue
            found.append(Found(m.start(), end + 1, text[i + 1:end].strip(), "box"))
            pos = end + 1
        else:
            word = re.match(r"[^\s$.,;]+", text[i:i + 200])
            if word and m.group(0).endswith(" "):
                found.append(Found(m.start(), i + word.end(), word.group(0), "box"))
            pos = i + 1


def find_boxed(text: str) -> list[str]:
    """Contents of every closed box, in order of appearance."""
    return [b.content for b in find_boxes(text)]


def _one_line(content: str) -> bool:
    """Inline math stays on one line, except for a line break inside a `{...}` group."""
    if "\n" not in content:
        return True
    head = content[:content.index("\n")]
    return head.count("{") > head.count("}")


def _unescaped(text: str, token: str, start: int, stop_at_newline: bool) -> int:
    """Index of the next `token` not preceded by a backslash, or -1."""
    i = start
    while True:
        j = text.find(token, i)
        if j < 0:
            return -1
        if stop_at_newline and not _one_line(text[start:j]):
            return -1
        if j > 0 and text[j - 1] == "\\" and token[0] == "$":
            i = j + 1
            continue
        return j


def find_spans(text: str) -> Spans:
    """Math spans `$$..$$`, `\\[..\\]` (may span lines), `$..$`, `\\(..\\)` (one line), in order.

    A `$` followed by a digit whose "span" reads like prose is a currency sign, not math (`costs $5 and $6`)."""
    spans = Spans()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in "[(":
                close = "\\]" if nxt == "[" else "\\)"
                j = text.find(close, i + 2)
                if j >= 0 and (nxt == "[" or _one_line(text[i + 2:j])):
                    spans.append(Found(i, j + 2, text[i + 2:j].strip(), "\\" + nxt))
                    i = j + 2
                    continue
            i += 2
            continue
        if ch == "$":
            if text.startswith("$$", i):
                j = _unescaped(text, "$$", i + 2, False)
                if j >= 0:
                    spans.append(Found(i, j + 2, text[i + 2:j].strip(), "$$"))
                    i = j + 2
                    continue
                i += 2
                continue
            j = _unescaped(text, "$", i + 1, True)
            if j > i + 1:
                content = text[i + 1:j]
                currency = content[:1].isdigit() and (looks_like_prose(content) or text[j + 1:j + 2].isdigit())
                if not currency:  # `costs $5 and $6`, `170*$65=$11050`: dollar signs, not math
                    spans.append(Found(i, j + 1, content.strip(), "$"))
                    i = j + 1
                    continue
            i += 1
            continue
        i += 1
    return spans


_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_TEXT_ARG = re.compile(r"\\(?:text|textbf|textit|mathrm|mbox|operatorname|begin|end)\s*\{[^{}]*\}")
NOT_PROSE_WORDS = {
    "pi", "sqrt", "exp", "log", "ln", "sin", "cos", "tan", "sec", "csc", "cot", "oo", "inf", "infty", "infinity",
    "abs", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "frac", "mod", "gcd", "lcm", "and", "or", "pm",
    "cm", "mm", "km", "ft", "in", "kg", "mg", "lb", "lbs", "oz", "ml", "sec", "min", "hr", "hrs", "mph", "deg",
    "pct", "percent", "dollars", "cents", "units", "degrees",
}


def looks_like_prose(text: str) -> bool:
    """Two or more plain words (outside `\\text{}` and LaTeX commands; `AB`, `CD` are names): a sentence."""
    text = _TEXT_ARG.sub(" ", text)
    words = [w for w in _WORD.findall(text) if w.lower() not in NOT_PROSE_WORDS and not w.isupper()]
    return len(words) >= 2


_SENTENCE_END = re.compile(r"(?<!\d)[.!?](?=\s|$)|(?<=\d)[.!?](?=\s+[A-Z\\$]|\s*\n|\s*$)|\n\s*\n|\n")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|approx|p\.m|a\.m|Dr|Mr|Mrs|Ms|St|Fig|eq|Eq|No|lbs?|oz|ft|in|hrs?|mins?|secs?|yds?"
    r"|pts|cm|mm|km|kg|mg|sq|cu|mi|gal|qt|pt|tsp|tbsp)|\b[A-Za-z])$")


def sentences(text: str, spans: Spans | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence: cut at `.`/`!`/`?` before a space, and at line ends, never inside a
    math span, inside a number (`3.5`) or after an abbreviation (`e.g.`, `p.m.`)."""
    spans = find_spans(text) if spans is None else spans
    inside = [(s.start, s.end) for s in spans]
    cuts = []
    k = 0
    for m in _SENTENCE_END.finditer(text):
        pos = m.start()
        while k < len(inside) and inside[k][1] <= pos:
            k += 1
        if k < len(inside) and inside[k][0] <= pos < inside[k][1]:
            continue
        if text[pos] == "." and _ABBREVIATION.search(text[max(0, pos - 7):pos]):
            continue
        cuts.append(m.end())
    out, start = [], 0
    for cut in cuts + [len(text)]:
        if text[start:cut].strip():
            out.append((start, cut))
        start = cut
    return out


def strip_chat_tail(text: str) -> str:
    """Remove a trailing chat-template token and what follows it (`<|im_start|>user ...`, `</s>`)."""
    return CHAT_TOKENS.sub("", text)


def final_sentence(text: str) -> tuple[int, int] | None:
    """The last sentence of the output that is not boilerplate ("I hope it is correct.", "Let me know ...")."""
    text = strip_chat_tail(text)
    for start, end in reversed(sentences(text)):
        if not BOILERPLATE.match(text[start:end].strip()):
            return start, end
    return None


def numbers_in(text: str, start: int = 0, end: int | None = None, spans: Spans | None = None) -> list[Found]:
    """Bare numbers in text[start:end] that are not inside a math span."""
    end = len(text) if end is None else end
    spans = find_spans(text) if spans is None else spans
    out = []
    for m in NUMBER_RE.finditer(text, start, end):
        if spans.covering(m.start()):
            continue
        out.append(Found(m.start(), m.end(), m.group(0).strip(), "number"))
    return out


def strip_math_delimiters(text: str) -> str:
    """`$x$`, `$$x$$`, `\\[x\\]`, `\\(x\\)` and `**x**` -> `x`; trailing sentence punctuation removed."""
    text = text.strip()
    changed = True
    for _ in range(8):  # a few layers at most: `$$$$...` must not cost quadratic time
        if not changed:
            break
        changed = False
        for left, right in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
            if len(text) > len(left) + len(right) and text.startswith(left) and text.endswith(right):
                inner = text[len(left):-len(right)]
                if left == "$" and "$" in inner.replace("\\$", ""):
                    continue  # `$a$ and $b$`: two spans, not one
                text = inner.strip()
                changed = True
        if text.startswith("**") and text.endswith("**") and len(text) > 4:
            text = text[2:-2].strip()
            changed = True
        if text.endswith((".", "。")) and not text.endswith(".."):
            text, changed = text[:-1].rstrip(), True
    return text
