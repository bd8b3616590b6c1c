"""IFEval `length_constraints:*`: sentences (English Punkt), words (`\\w+`), paragraphs (`***` or blank lines)."""
from __future__ import annotations

import re

from graders.instructions.ifeval_keywords import compare
from graders.instructions.registry import InstructionError, Param, instruction
from graders.instructions.text import count_sentences, count_words

_PARAGRAPH_DIVIDER = re.compile(r"\s?\*\*\*\s?")


@instruction(
    "length_constraints:number_sentences", source="ifeval",
    params=(Param("num_sentences", "int"), Param("relation", "relation")),
    rule="number of NLTK English Punkt sentences compared with `num_sentences` ('less than': <, 'at least': >=)",
    example=({"num_sentences": 2, "relation": "less than"}, "Just one sentence here.",
             "First sentence. Second sentence."))
def number_sentences(text: str, *, num_sentences: int, relation: str) -> bool:
    return compare(count_sentences(text), relation, num_sentences)


@instruction(
    "length_constraints:number_paragraphs", source="ifeval", params=(Param("num_paragraphs", "int"),),
    rule="split on the markdown divider `re.split(r'\\s?\\*\\*\\*\\s?')`; blank first/last parts are dropped, a "
         "blank part in the middle fails; the count must equal `num_paragraphs`",
    example=({"num_paragraphs": 2}, "First part.\n***\nSecond part.", "First part.\n***\n***\nSecond part."))
def number_paragraphs(text: str, *, num_paragraphs: int) -> bool:
    paragraphs = _PARAGRAPH_DIVIDER.split(text)
    count = len(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            if index == 0 or index == len(paragraphs) - 1:
                count -= 1
            else:
                return False
    return count == num_paragraphs


@instruction(
    "length_constraints:number_words", source="ifeval",
    params=(Param("num_words", "int"), Param("relation", "relation")),
    rule="number of `\\w+` tokens (NLTK `RegexpTokenizer(r'\\w+')`) compared with `num_words` "
         "('less than': <, 'at least': >=); \"don't\" is 2 words",
    example=({"num_words": 5, "relation": "at least"}, "one two three four five", "one two three four"))
def number_words(text: str, *, num_words: int, relation: str) -> bool:
    return compare(count_words(text), relation, num_words)


def _prepare_nth(kw: dict) -> dict:
    if not 1 <= kw["nth_paragraph"] <= kw["num_paragraphs"]:
        raise InstructionError("length_constraints:nth_paragraph_first_word",
                               f"nth_paragraph must be in 1..num_paragraphs ({kw['num_paragraphs']}), "
                               f"got {kw['nth_paragraph']}")
    return {**kw, "first_word": kw["first_word"].lower()}


_FIRST_WORD_STOPS = frozenset(".,?!'\"")


@instruction(
    "length_constraints:nth_paragraph_first_word", source="ifeval", prepare=_prepare_nth,
    params=(Param("num_paragraphs", "int"), Param("nth_paragraph", "int", minimum=1), Param("first_word", "str")),
    rule="paragraphs are split on '\\n\\n' and blank ones are not counted; the count must equal "
         "`num_paragraphs` and the nth part's first whitespace token (leading ' and \" removed, cut at the first "
         "of . , ? ! ' \", lowercased) must equal `first_word`",
    example=({"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "then"}, "First.\n\nThen, more.",
             "First.\n\nAfter that, more."))
def nth_paragraph_first_word(text: str, *, num_paragraphs: int, nth_paragraph: int, first_word: str) -> bool:
    paragraphs = text.split("\n\n")
    count = sum(1 for p in paragraphs if p.strip())
    if nth_paragraph > count:
        return False
    # the reference indexes the raw split list (blank parts included) with the non-blank count as bound
    paragraph = paragraphs[nth_paragraph - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    found = ""
    for letter in word:
        if letter in _FIRST_WORD_STOPS:
            break
        found += letter.lower()
    return count == num_paragraphs and found == first_word
