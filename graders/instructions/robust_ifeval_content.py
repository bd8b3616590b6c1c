"""Robust rules for IFEval's structure ids: placeholders, postscript, bullets, highlights, sections, JSON,
title, paragraphs, two responses, the constrained answer, quotation, repeat/end phrases.

The common thread: a structure counts only when it holds content (a letter, or a letter or digit where
numbers are natural), so empty or invisible scaffolding (`[]`, `*<zero-width>*`, `<< >>`, `- `) earns
nothing. Every checker receives `robust_text.normalise(response)`.
"""
from __future__ import annotations

import json

import regex

from graders.instructions.registry import robust
from graders.instructions.robust_text import fold, has_content, has_letter, normalise, words

_WHITESPACE = regex.compile(r"\s+")


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


# -- detectable_content ------------------------------------------------------------------------------------
_PLACEHOLDER = regex.compile(r"\[([^\[\]\n]*)\](?!\()")


@robust(
    "detectable_content:number_placeholders",
    rule="at least `num_placeholders` one-line [...] whose text has a letter; a markdown link [text](url) is "
         "not a placeholder",
    gamed=(({"num_placeholders": 3}, "[] [] []"), ({"num_placeholders": 3}, "[ ] [.] [\u200b]"),
           ({"num_placeholders": 2}, "See [1] and [2]."), ({"num_placeholders": 2}, "[a](http://x) [b](http://y)")),
    honest=(({"num_placeholders": 2}, "Dear [name], see you at [place]."),))
def number_placeholders(text: str, *, num_placeholders: int) -> bool:
    return sum(1 for m in _PLACEHOLDER.finditer(text) if has_letter(m.group(1))) >= num_placeholders


def _prepare_postscript(kw: dict) -> dict:
    marker = kw["postscript_marker"].strip()
    if marker == "P.P.S":
        core = r"p\.\s?p\.\s?s\.?"
    elif marker == "P.S.":
        core = r"p\.\s?s\."
    else:
        core = regex.escape(normalise(marker).casefold())
    return {"pattern": regex.compile(r"^[ \t>*_#]*" + core, regex.M)}


@robust(
    "detectable_content:postscript", prepare=_prepare_postscript,
    rule="a line starts (after spaces and markdown > * _ #) with the marker ('P.S.': p.s. with an optional "
         "space, 'P.P.S': p.p.s; case-insensitive; other markers literal), text with a letter follows it, and "
         "text with a letter precedes it (a postscript follows a body)",
    gamed=(({"postscript_marker": "P.S."}, "The text goes on p.s. without a postscript."),
           ({"postscript_marker": "P.S."}, "Main text.\n\nP.S."),
           ({"postscript_marker": "P.P.S"}, "Main text.\nP.P.S ...")),
    honest=(({"postscript_marker": "P.S."}, "Main text.\n\n**P.S.** One more thing."),
            ({"postscript_marker": "P.P.S"}, "Body.\nP.S. one\nP.P.S two")))
def postscript(text: str, *, pattern: regex.Pattern[str]) -> bool:
    folded = text.casefold()
    for match in pattern.finditer(folded):
        if has_letter(folded[match.end():]) and has_letter(folded[:match.start()]):
            return True
    return False


# -- detectable_format -------------------------------------------------------------------------------------
_BULLET = regex.compile(r"^[ \t]*[*\-+•◦‣▪▫●○■□–—⁃∙·][ \t]+(.*)$", regex.M)


@robust(
    "detectable_format:number_bullet_lists",
    rule="lines starting (after indentation) with a bullet (* - + • ◦ ‣ ▪ ● ■ – — ...) then a space, whose "
         "text has a letter or digit, must be exactly `num_bullets`; a rule line (---, * * *), an empty bullet "
         "or *emphasis* at a line start is not a bullet",
    gamed=(({"num_bullets": 3}, "* one\n*\u200b\n- "), ({"num_bullets": 2}, "* a\n* b\n• c\n• d"),
           ({"num_bullets": 2}, "* only item\n---\ntext")),
    honest=(({"num_bullets": 2}, "* first\n  - second\n**Note:** done."), ({"num_bullets": 2}, "• one\n• two")))
def number_bullet_lists(text: str, *, num_bullets: int) -> bool:
    return sum(1 for m in _BULLET.finditer(text) if has_content(m.group(1))) == num_bullets


_CONSTRAINED = regex.compile(r"my\s+answer\s+is\s+(yes|no|maybe)\s*\.", regex.I)


@robust(
    "detectable_format:constrained_response",
    rule="'My answer is yes.', '... no.' or '... maybe.' (case and spacing free) appears, and only one of the "
         "three: hedging with two options does not follow",
    gamed=(({}, "My answer is yes. My answer is no."), ({}, "My answer is yes.\nMy answer is maybe.")),
    honest=(({}, "my answer is Yes. It is clear."),))
def constrained_response(text: str) -> bool:
    return len({m.group(1).casefold() for m in _CONSTRAINED.finditer(text)}) == 1


_HIGHLIGHT = regex.compile(r"(?<![*\\])(\*{1,3})(?=[^\s*])([^\n*]+?)(?<=[^\s*\\])\1(?!\*)")


@robust(
    "detectable_format:number_highlighted_sections",
    rule="markdown emphasis *x*, **x** or ***x*** on one line, hugging its text (no space inside the stars, "
         "as markdown requires; escaped \\* is no star) and with a letter or digit, counted at least "
         "`num_highlights` times",
    gamed=(({"num_highlights": 2}, "*\u200b* and *\u200b*"), ({"num_highlights": 2}, "* . * and *!*"),
           ({"num_highlights": 1}, "2 * 3 * 4"), ({"num_highlights": 1}, "\\*not emphasis\\*")),
    honest=(({"num_highlights": 3}, "*one*, **two** and ***three***"),))
def number_highlighted_sections(text: str, *, num_highlights: int) -> bool:
    return sum(1 for m in _HIGHLIGHT.finditer(text) if has_content(m.group(2))) >= num_highlights


def _prepare_sections(kw: dict) -> dict:
    spliter = normalise(kw["section_spliter"].strip())
    return {"pattern": regex.compile(r"^[ \t#*>_]*" + regex.escape(spliter) + r"[ \t]?\d+", regex.M),
            "num_sections": kw["num_sections"]}


@robust(
    "detectable_format:multiple_sections", prepare=_prepare_sections,
    rule="`<section_spliter> <number>` at the start of a line (after spaces and markdown # * > _; "
         "case-sensitive, literal) opens a section; sections with a letter before the next one count, at "
         "least `num_sections`",
    gamed=(({"section_spliter": "SECTION", "num_sections": 3}, "SECTION 1 SECTION 2 SECTION 3 text"),
           ({"section_spliter": "SECTION", "num_sections": 2}, "SECTION 1\nSECTION 2\n")),
    honest=(({"section_spliter": "Section", "num_sections": 2}, "## Section 1: Intro\ntext\n**Section 2**\nmore"),))
def multiple_sections(text: str, *, pattern: regex.Pattern[str], num_sections: int) -> bool:
    marks = list(pattern.finditer(text))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return sum(1 for m, end in zip(marks, ends) if has_letter(text[m.end():end])) >= num_sections


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


@robust(
    "detectable_format:json_format",
    rule="after the reference's fence stripping, strict JSON (no NaN/Infinity) that is a non-empty object "
         "or array holding some letter or digit; a bare number, string, true/false/null, [] or {} is not",
    gamed=(({}, "42"), ({}, '"text"'), ({}, "null"), ({}, "[]"), ({}, "```json\n{}\n```"), ({}, '[[""]]'),
           ({}, "[NaN]")),
    honest=(({}, '```json\n{"a": 1}\n```'), ({}, '[{"name": "x"}]')))
def json_format(text: str) -> bool:
    text = (text.strip().removeprefix("```json").removeprefix("```Json").removeprefix("```JSON")
            .removeprefix("```").removesuffix("```").strip())
    try:
        value = json.loads(text, parse_constant=_no_constant)
        dumped = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        return False
    return isinstance(value, (dict, list)) and bool(value) and has_content(dumped)


_TITLE = regex.compile(r"<<([^<>\n]*)>>")


@robust(
    "detectable_format:title",
    rule="some <<title>> on one line whose text has a letter",
    gamed=(({}, "<<\u200b>>\nRoses are red."), ({}, "<<...>>\nRoses are red."), ({}, "<<123>>\nRoses.")),
    honest=(({}, "<<My Poem>>\nRoses are red."),))
def title(text: str) -> bool:
    return any(has_letter(m.group(1)) for m in _TITLE.finditer(text))


# -- length_constraints (paragraph structure) ---------------------------------------------------------------
_DIVIDER = regex.compile(r"(?<!\S)\*\*\*(?!\S)")


@robust(
    "length_constraints:number_paragraphs",
    rule="split on *** standing alone (whitespace around it, so ***bold*** is not a divider); parts without "
         "a letter count as blank (allowed first/last, fail in the middle); the count must equal "
         "`num_paragraphs`",
    gamed=(({"num_paragraphs": 3}, "Text.\n***\n.\n***\nMore."), ({"num_paragraphs": 3}, "A\n***\n\u200b\n***\nB")),
    honest=(({"num_paragraphs": 2}, "A ***very*** good start.\n***\nSecond part."),))
def number_paragraphs(text: str, *, num_paragraphs: int) -> bool:
    parts = _DIVIDER.split(text)
    count = 0
    for index, part in enumerate(parts):
        if has_letter(part):
            count += 1
        elif 0 < index < len(parts) - 1:
            return False
    return count == num_paragraphs


_BLANK_LINE = regex.compile(r"\n[^\S\n]*\n")
_FIRST_WORD = regex.compile(r"[\p{L}\p{N}\p{M}]+")


@robust(
    "length_constraints:nth_paragraph_first_word",
    rule="paragraphs are separated by blank lines (spaces allowed) and need a letter; their count must equal "
         "`num_paragraphs` and the nth paragraph's first word (letters/digits, skipping markdown and quotes; "
         "case-insensitive) must equal `first_word`",
    gamed=(({"num_paragraphs": 3, "nth_paragraph": 1, "first_word": "first"}, "First para.\n\n.\n\n..."),),
    honest=(({"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"}, "Intro.\n \n**Then**, more."),))
def nth_paragraph_first_word(text: str, *, num_paragraphs: int, nth_paragraph: int, first_word: str) -> bool:
    paragraphs = [p for p in _BLANK_LINE.split(text) if has_letter(p)]
    if len(paragraphs) != num_paragraphs or nth_paragraph > len(paragraphs):
        return False
    word = _FIRST_WORD.search(paragraphs[nth_paragraph - 1])
    return word is not None and word.group(0).casefold() == normalise(first_word).casefold()


# -- combination / startend --------------------------------------------------------------------------------
@robust(
    "combination:two_responses",
    rule="split on '******'; parts without a letter or digit count as blank (allowed only first and last); "
         "exactly 2 parts left, with different words (case, punctuation and look-alikes ignored)",
    gamed=(({}, "Answer one.\n******\nAnswer one!"), ({}, "Answer.\n******\n\u200b"), ({}, "A b.\n******\na B")),
    honest=(({}, "Answer one.\n******\nAnswer two."),))
def two_responses(text: str) -> bool:
    parts = text.split("******")
    valid = []
    for index, part in enumerate(parts):
        if has_content(part):
            valid.append(part)
        elif 0 < index < len(parts) - 1:
            return False
    return len(valid) == 2 and words(fold(valid[0])) != words(fold(valid[1]))


@robust(
    "combination:repeat_prompt",
    prepare=lambda kw: {"prompt": _collapse(normalise(kw["prompt_to_repeat"])).casefold()},
    rule="the response starts with the prompt, both normalised, whitespace runs collapsed, case-insensitive",
    honest=(({"prompt_to_repeat": "Write a  haiku."}, "Write a haiku.\nLeaves fall..."),))
def repeat_prompt(text: str, *, prompt: str) -> bool:
    return _collapse(text).casefold().startswith(prompt)


_CLOSING = "\"'*_”’» \t\n"


@robust(
    "startend:end_checker",
    prepare=lambda kw: {"phrase": _collapse(normalise(kw["end_phrase"])).strip(_CLOSING).casefold()},
    rule="the response ends with the phrase, both normalised, whitespace collapsed, case-insensitive, "
         "ignoring closing quotes and markdown (\" ' * _ ” ’ ») after it",
    honest=(({"end_phrase": "Is there anything else I can help with?"},
             "Done. **Is there anything else I can help with?**"),))
def end_checker(text: str, *, phrase: str) -> bool:
    return _collapse(text).strip(_CLOSING).casefold().endswith(phrase)


@robust(
    "startend:quotation",
    rule="the stripped response starts and ends with a double quotation mark (\" or “ ”) and the text "
         "between them has a letter or digit",
    gamed=(({}, '""'), ({}, '"\u200b"'), ({}, '". . ."')),
    honest=(({}, "“A quoted answer.”"),))
def quotation(text: str) -> bool:
    text = text.strip()
    if len(text) < 2 or (text[0], text[-1]) not in (('"', '"'), ("“", "”")):
        return False
    return has_content(text[1:-1])
