"""Finding the final answer inside a model output (and inside a reference).

Every extractor takes the output text and returns the answer strings it found (most extractors return at
most one; `boxed` returns every `\\boxed{}` so the `multiple_answers` policy can decide). An empty list
means "this extractor found nothing" and the cascade moves on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

EXTRACTORS = ("boxed", "gsm8k", "answer_is", "last_number", "regex", "full")
DEFAULT_CASCADE = ("boxed", "gsm8k", "answer_is", "full")
# `full` inside a cascade only takes short one-line outputs: a whole chain of thought is not an answer.
FULL_IN_CASCADE_MAX_CHARS = 200

_BOXED_RE = re.compile(r"\\(?:boxed|fbox)\s*")
_GSM8K_RE = re.compile(r"####\s*([^\n]*)")
_ANSWER_IS_RE = re.compile(
    r"(?:final\s+answer\s*(?:is|:|=)|the\s+answer\s+is|answer\s*:)\s*(?:\*\*)?\s*:?\s*",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?|(?<![\w.])-?\.\d+")
_MATH_ENVS = ((r"$$", r"$$"), (r"\[", r"\]"), (r"\(", r"\)"), ("$", "$"))


def _closing_braces(text: str) -> dict[int, int]:
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


def find_boxed(text: str) -> list[str]:
    """Contents of every `\\boxed{...}` / `\\fbox{...}` (and `\\boxed 5`), in order of appearance."""
    found = []
    closing = None
    pos = 0
    while True:
        m = _BOXED_RE.search(text, pos)
        if not m:
            return found
        i = m.end()
        if i < len(text) and text[i] == "{":
            if closing is None:
                closing = _closing_braces(text)
            end = closing.get(i)
            if end is None:  # unclosed box: truncated output, nothing trustworthy inside
                pos = i + 1
                continue
            found.append(text[i + 1:end].strip())
            pos = end + 1
        else:
            word = re.match(r"[^\s$.,;]+", text[i:i + 200])
            if word and m.group(0).endswith(" "):
                found.append(word.group(0))
            pos = i + 1


def strip_math_delimiters(text: str) -> str:
    """`$x$`, `$$x$$`, `\\[x\\]`, `\\(x\\)` -> `x`; trailing sentence punctuation removed."""
    text = text.strip()
    changed = True
    for _ in range(8):  # a few layers at most: `$$$$...` must not cost quadratic time
        if not changed:
            break
        changed = False
        for left, right in _MATH_ENVS:
            if len(text) > len(left) + len(right) and text.startswith(left) and text.endswith(right):
                text = text[len(left):-len(right)].strip()
                changed = True
        if text.startswith("**") and text.endswith("**") and len(text) > 4:
            text = text[2:-2].strip()
            changed = True
        if text.endswith(".") and not text.endswith(".."):
            text, changed = text[:-1].rstrip(), True
    return text


def extract_boxed(text: str) -> list[str]:
    return find_boxed(text)


def extract_gsm8k(text: str) -> list[str]:
    matches = _GSM8K_RE.findall(text)
    for value in reversed(matches):
        value = strip_math_delimiters(value.strip().rstrip("."))
        if value:
            return [value]
    return []


def extract_answer_is(text: str) -> list[str]:
    """The text after the last "the answer is" / "final answer:" / "answer:" up to the end of its sentence."""
    matches = list(_ANSWER_IS_RE.finditer(text))
    for m in reversed(matches):
        tail = text[m.end():]
        boxed = find_boxed(tail)
        if boxed:
            return [boxed[0]]
        tail = tail.split("\n", 1)[0]
        tail = _cut_sentence(tail)
        tail = strip_math_delimiters(tail.replace("**", ""))
        if tail:
            return [tail]
    return []


def _cut_sentence(tail: str) -> str:
    """Cut at the first sentence end outside math (`. ` not preceded by a digit-dot-digit)."""
    in_math = False
    for i, ch in enumerate(tail):
        if ch == "$":
            in_math = not in_math
        elif not in_math and ch == "." and (i + 1 == len(tail) or tail[i + 1] == " "):
            if not (i > 0 and tail[i - 1].isdigit() and i + 1 < len(tail) and tail[i + 1].isdigit()):
                return tail[:i]
    return tail


def extract_last_number(text: str) -> list[str]:
    matches = _NUMBER_RE.findall(text)
    return [matches[-1]] if matches else []


def extract_full(text: str) -> list[str]:
    text = strip_math_delimiters(text)
    return [text] if text else []


@dataclass(frozen=True)
class RegexExtractor:
    """`{"regex": pattern, "group": 1}`: the given group of the last match."""

    pattern: re.Pattern
    group: int | str = 1

    def __call__(self, text: str) -> list[str]:
        matches = list(self.pattern.finditer(text))
        for m in reversed(matches):
            try:
                value = m.group(self.group) if self.pattern.groups else m.group(0)
            except IndexError:
                value = m.group(0)
            if value and value.strip():
                return [strip_math_delimiters(value)]
        return []


_BY_NAME: dict[str, Callable[[str], list[str]]] = {
    "boxed": extract_boxed,
    "gsm8k": extract_gsm8k,
    "answer_is": extract_answer_is,
    "last_number": extract_last_number,
    "full": extract_full,
}


def extract_answers(text: str, steps: tuple) -> tuple[str, list[str]]:
    """Run the extraction steps in order; return `(method, answers)` of the first that finds something."""
    in_cascade = len(steps) > 1
    for step in steps:
        if isinstance(step, RegexExtractor):
            found, name = step(text), "regex"
        else:
            name = step
            if name == "full" and in_cascade:
                short = text.strip()
                if "\n" in short or len(short) > FULL_IN_CASCADE_MAX_CHARS:
                    continue
            found = _BY_NAME[name](text)
        found = [f for f in found if f.strip()]
        if found:
            return name, found
    return "", []


def extract_reference(text: str) -> str:
    """A reference may be plain (`42`, `\\frac{1}{2}`), in `$...$`, boxed, or a GSM8K solution (`#### 42`)."""
    boxed = find_boxed(text)
    if boxed:
        return boxed[-1]
    gsm = extract_gsm8k(text)
    if gsm:
        return gsm[0]
    return strip_math_delimiters(text)
