"""Robust rules for the IFBench ids where the response-level normalisation is not enough.

Word counts use the robust word definition (`_ _ _` is no words), and structures need content: a template
label needs text after it, a list needs items, sub-bullets need bullets. Every other IFBench id runs its
reference rule on `robust_text.normalise(response)`; docs/instructions.md lists what that leaves open.
"""
from __future__ import annotations

import regex

from graders.instructions.ifbench_format import title_case as reference_title_case
from graders.instructions.registry import robust
from graders.instructions.robust_text import count_words, has_letter, words
from graders.instructions.stopwords import ENGLISH_STOPWORDS
from graders.instructions.text import word_tokenize


@robust(
    "count:word_count_range",
    rule="`min_words <= words <= max_words` with the robust word definition (letters/digits; `_`, fillers and "
         "zero-width characters are not words)",
    gamed=(({"min_words": 5, "max_words": 9}, "_ _ _ _ _ _"), ({"min_words": 2, "max_words": 3}, "a\u200bb\u200bc")),
    honest=(({"min_words": 3, "max_words": 5}, "We've got 3 e-mails."),))
def word_count_range(text: str, *, min_words: int, max_words: int) -> bool:
    return min_words <= count_words(text) <= max_words


@robust(
    "count:unique_word_count",
    rule="at least N distinct words (robust definition, case-insensitive)",
    gamed=(({"N": 3}, "red red\u200b red\u200c"), ({"N": 3}, "red ─ ═")),
    honest=(({"N": 3}, "Red, blue, green."),))
def unique_word_count(text: str, *, N: int) -> bool:
    return len({w.casefold() for w in words(text)}) >= N


@robust(
    "ratio:stop_words",
    rule="stop words (NLTK English list) are at most `percentage` % of the words (robust definition; "
         "underscore runs don't dilute the ratio); a response without words fails",
    gamed=(({"percentage": 50}, "it is what it is _ _ _ _ _ _ _"),),
    honest=(({"percentage": 40}, "Quick brown foxes jump over lazy dogs."),))
def stop_words(text: str, *, percentage: float) -> bool:
    tokens = words(text)
    if not tokens:
        return False
    return sum(1 for t in tokens if t.lower() in ENGLISH_STOPWORDS) / len(tokens) * 100 <= percentage


_LABELS = ("My Answer:", "My Conclusion:", "Future Outlook:")
_LABEL = regex.compile("|".join(regex.escape(label) for label in _LABELS))


@robust(
    "format:output_template",
    rule="'My Answer:', 'My Conclusion:' and 'Future Outlook:' each appear with text holding a letter after "
         "them (before the next label)",
    gamed=(({}, "My Answer: My Conclusion: Future Outlook:"), ({}, "My Answer: -\nMy Conclusion: .\nFuture Outlook: 42")),
    honest=(({}, "My Answer: yes\nMy Conclusion: good\nFuture Outlook: bright"),))
def output_template(text: str) -> bool:
    marks = list(_LABEL.finditer(text))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    filled = {m.group(0) for m, end in zip(marks, ends) if has_letter(text[m.end():end])}
    return filled == set(_LABELS)


@robust(
    "format:list",
    rule="the separator occurs at least twice and at least 2 of the parts after a separator hold a letter",
    gamed=(({"sep": "SEPARATOR"}, "SEPARATOR SEPARATOR"), ({"sep": "SEP"}, "SEP . SEP ! SEP")),
    honest=(({"sep": "SEPARATOR"}, "SEPARATOR apples SEPARATOR pears"),))
def special_list(text: str, *, sep: str) -> bool:
    parts = text.split(sep)
    return len(parts) >= 3 and sum(1 for p in parts[1:] if has_letter(p)) >= 2


_BULLET_LINE = regex.compile(r"^[ \t]*([*-])[ \t]+(.*)$", regex.M)


@robust(
    "format:sub-bullets",
    rule="at least one '* ' bullet line; every bullet is followed, before the next one, by a '- ' sub-bullet "
         "line; bullets and sub-bullets hold a letter (a response with no bullet does not follow)",
    gamed=(({}, "No bullets at all here."), ({}, "* -\n* -")),
    honest=(({}, "* Fruit\n  - apple\n* Veg\n  - leek"),))
def sub_bullets(text: str) -> bool:
    bullets = 0
    pending = False
    for match in _BULLET_LINE.finditer(text):
        if not has_letter(match.group(2)):
            return False
        if match.group(1) == "*":
            if pending:
                return False
            bullets += 1
            pending = True
        else:
            pending = False
    return bullets > 0 and not pending


@robust(
    "format:title_case",
    rule="the reference rule (no token like 'word' or 'wORD'), and some token of 2+ letters is in title form "
         "(a capital, then lowercase): all-capital text is not title case",
    gamed=(({}, "THE QUICK BROWN FOX."),),
    honest=(({}, "The Quick Brown Fox."),))
def title_case(text: str) -> bool:
    return reference_title_case(text) and any(
        len(t) > 1 and t[0].isupper() and t[1:].islower() for t in word_tokenize(text))
