"""`format` (ours): the R1-style format reward, `<think>...</think>` then `<answer>...</answer>`.

    {"type": "format", "name": "r1_format"}                                   # <think>..</think><answer>..</answer>
    {"type": "format", "answer_tag": null}                                    # <think>..</think> then free text
    {"type": "format", "think_prefilled": true}                               # the prompt already opened <think>

Score 1 when the output is, in order: optional whitespace, one `<think>` block (unless `think_prefilled`:
the chat template put `<think>` in the prompt, so the output starts inside the block), whitespace, one
`<answer>` block, and nothing after it but whitespace (`allow_text_after_answer` relaxes that). Else 0,
with the broken rule in `details.rule`.

What a policy can't get paid for: an empty or content-free think block (`min_think_words` words of letters or
digits, default 1, counted on the visible text: zero-width characters, blank-rendering fillers and HTML
comments don't count), an empty answer, a second or nested block, a tag in another case or spacing
(`<Think>`, `< /think>`), text before the think block or after the answer. The check is one linear scan;
it runs in the caller and takes no `timeout_s`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graders.base import Grader
from graders.instructions.robust_text import count_words, normalise
from graders.registry import register
from graders.result import GradeResult

DEFAULT_INPUT = "{{ sample.output_text }}"
TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")


@dataclass
class FormatVerdict:
    """`ok` when the layout holds; else `rule` names what broke it and `reason` says where."""

    ok: bool
    rule: str = ""
    reason: str = ""
    think: str = ""
    answer: str = ""
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    think_tag: str = "think"
    answer_tag: str | None = "answer"
    think_prefilled: bool = False
    allow_text_after_answer: bool = False
    min_think_words: int = 1

    def expected(self) -> list[str]:
        tags = [] if self.think_prefilled else [f"<{self.think_tag}>"]
        tags.append(f"</{self.think_tag}>")
        if self.answer_tag is not None:
            tags += [f"<{self.answer_tag}>", f"</{self.answer_tag}>"]
        return tags

    def canonical_tags(self) -> set[str]:
        names = [n for n in (self.think_tag, self.answer_tag) if n is not None]
        return {f"<{n}>" for n in names} | {f"</{n}>" for n in names}

    def tag_pattern(self) -> re.Pattern[str]:
        """Anything that reads as one of the two tags, in any case or spacing, with or without attributes."""
        names = "|".join(re.escape(n) for n in (self.think_tag, self.answer_tag) if n is not None)
        return re.compile(rf"<\s*/?\s*(?:{names})\b[^<>]*>", re.IGNORECASE)


def _blank(text: str) -> bool:
    return not normalise(text).strip()


def check_layout(text: str, layout: Layout) -> FormatVerdict:
    """The engine: does `text` have the layout? One pass over the tags, then the pieces between them."""
    found = [(m.group(), m.start(), m.end()) for m in layout.tag_pattern().finditer(text)]
    expected = layout.expected()
    canonical = layout.canonical_tags()
    for i, (tag, start, _) in enumerate(found):
        if i >= len(expected):
            return FormatVerdict(False, "repeated_tag", f"extra tag {tag!r} at character {start}")
        if tag != expected[i]:
            if tag in canonical:
                rule, why = "tag_order", "nested, repeated or misplaced tag"
            else:  # <Think>, < /think>, <think id="1">: not the tag the layout names
                rule, why = "malformed_tag", "malformed tag"
            return FormatVerdict(False, rule, f"{why}: {tag!r} at character {start}, expected {expected[i]!r}")
    if len(found) < len(expected):
        return FormatVerdict(False, "missing_tag", f"missing {expected[len(found)]!r}")
    bounds = [0] + [edge for _, start, end in found for edge in (start, end)] + [len(text)]
    pieces = [text[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
    # pieces: before the first tag, inside or between tags ..., after the last tag
    if layout.think_prefilled:
        think, rest = pieces[0], pieces[1:]
    else:
        if not _blank(pieces[0]):
            return FormatVerdict(False, "text_before_think", f"text before {expected[0]!r}")
        think, rest = pieces[1], pieces[2:]
    words = count_words(normalise(think))
    counts = {"think_words": words}
    if words < layout.min_think_words:
        return FormatVerdict(False, "empty_think", f"think block has {words} word(s), needs {layout.min_think_words}",
                             counts=counts)
    if layout.answer_tag is None:
        answer = rest[0]
    else:
        between, answer, after = rest
        if not _blank(between):
            return FormatVerdict(False, "text_between", "text between the think block and the answer", counts=counts)
        if not layout.allow_text_after_answer and not _blank(after):
            return FormatVerdict(False, "text_after_answer", "text after the answer", counts=counts)
    if _blank(answer):
        return FormatVerdict(False, "empty_answer", "the answer is empty", think=think, counts=counts)
    return FormatVerdict(True, think=think, answer=answer, counts=counts)


@register
class FormatGrader(Grader):
    """R1-style format reward: one non-empty think block first, then one non-empty answer; score 1 or 0."""

    type = "format"

    def setup(self) -> None:
        spec = self.spec
        self.input = spec.get("input", DEFAULT_INPUT)
        self.layout = Layout(
            think_tag=spec.get("think_tag", "think"),
            answer_tag=spec.get("answer_tag", "answer"),
            think_prefilled=bool(spec.get("think_prefilled", False)),
            allow_text_after_answer=bool(spec.get("allow_text_after_answer", False)),
            min_think_words=int(spec.get("min_think_words", 1)),
        )
        if self.layout.answer_tag is None and "allow_text_after_answer" in spec:
            raise self.spec_error("allow_text_after_answer", "only applies with an answer_tag (without one, "
                                                             "everything after the think block is the answer)")
        if self.layout.think_tag == self.layout.answer_tag:
            raise self.spec_error("answer_tag", "must differ from think_tag")

    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        verdict = check_layout(self.render(self.input, sample, item), self.layout)
        details: dict[str, Any] = dict(verdict.counts)
        if not verdict.ok:
            return GradeResult(score=0.0, reason=verdict.reason, details={"rule": verdict.rule, **details})
        return GradeResult(score=1.0, reason="think block then answer", details=details)
