"""Robust rules for IFEval's word-, letter- and language-level ids (keywords, case, language, counts, commas).

Every checker receives `robust_text.normalise(response)`. `gamed` examples are responses the reference
counts as followed although they do not follow the instruction; `honest` ones must stay followed. Both
are asserted by tests/test_instructions_robust.py and listed in docs/instructions.md.
"""
from __future__ import annotations

import unicodedata
from collections import Counter

import regex

from graders.instructions.ifeval_keywords import compare
from graders.instructions.language import detect_language
from graders.instructions.registry import robust
from graders.instructions.robust_text import (
    count_words, find_comma, fold, fold_confusables, sentences, words)

_NOT_WORD_BEFORE = r"(?<![\p{L}\p{N}\p{M}])"
_NOT_WORD_AFTER = r"(?![\p{L}\p{N}\p{M}])"


def _word_start_pattern(keyword: str) -> regex.Pattern[str]:
    return regex.compile(_NOT_WORD_BEFORE + regex.escape(fold(keyword.strip())))


def _whole_word_pattern(word: str) -> regex.Pattern[str]:
    return regex.compile(_NOT_WORD_BEFORE + regex.escape(fold(word.strip())) + r"(?:s|es|'s|’s)?" + _NOT_WORD_AFTER)


# -- keywords ----------------------------------------------------------------------------------------------
@robust(
    "keywords:existence",
    prepare=lambda kw: {"patterns": tuple(_word_start_pattern(k) for k in kw["keywords"])},
    rule="every keyword, as literal text (not a regex), starts a word of the folded response (case, accents "
         "and look-alike letters folded): 'grow' is found in 'growing', 'art' is not found in 'start'",
    gamed=(({"keywords": ["art"]}, "We start the day."), ({"keywords": ["war"]}, "The software is fine.")),
    honest=(({"keywords": ["grow", "intern"]}, "Interns grow fast."), ({"keywords": ["c++"]}, "I like C++ a lot.")))
def keywords_existence(text: str, *, patterns: tuple[regex.Pattern[str], ...]) -> bool:
    folded = fold(text)
    return all(p.search(folded) for p in patterns)


@robust(
    "keywords:frequency",
    prepare=lambda kw: {"pattern": _word_start_pattern(kw["keyword"]), "frequency": kw["frequency"],
                        "relation": kw["relation"]},
    rule="occurrences of the keyword (literal text) at the start of a word of the folded response, compared "
         "with `frequency`; zero-width characters, look-alike letters and accents don't hide an occurrence",
    gamed=(({"keyword": "war", "frequency": 2, "relation": "less than"}, "war, w\u200bar and wаr"),
           ({"keyword": "war", "frequency": 2, "relation": "at least"}, "Software warms nothing."),
           ({"keyword": "story", "frequency": 2, "relation": "less than"}, "A story, a ｓtory, a stóry.")),
    honest=(({"keyword": "war", "frequency": 2, "relation": "at least"}, "War and wars."),))
def keywords_frequency(text: str, *, pattern: regex.Pattern[str], frequency: int, relation: str) -> bool:
    return compare(sum(1 for _ in pattern.finditer(fold(text))), relation, frequency)


@robust(
    "keywords:forbidden_words",
    prepare=lambda kw: {"patterns": tuple(_whole_word_pattern(w) for w in sorted(set(kw["forbidden_words"])))},
    rule="no forbidden word (literal text, with an optional plural/possessive s, es, 's) appears as a whole "
         "word of the folded response: zero-width characters, soft hyphens, look-alike letters (Cyrillic, "
         "Greek, Lisu, fullwidth, mathematical ...) and accents don't hide it",
    gamed=(({"forbidden_words": ["very"]}, "It was v\u200bery fine."),
           ({"forbidden_words": ["very"]}, "It was vеry fine."),  # Cyrillic е
           ({"forbidden_words": ["very"]}, "It was ｖｅｒｙ fine."),
           ({"forbidden_words": ["very"]}, "It was ve\u0301ry fine."),
           ({"forbidden_words": ["very"]}, "It was ve\u00adry fine."),
           ({"forbidden_words": ["rock"]}, "They rocks.")),
    honest=(({"forbidden_words": ["rock"]}, "The rocket flew."), ({"forbidden_words": ["can"]}, "Canada is big.")))
def keywords_forbidden_words(text: str, *, patterns: tuple[regex.Pattern[str], ...]) -> bool:
    folded = fold(text)
    return not any(p.search(folded) for p in patterns)


@robust(
    "keywords:letter_frequency",
    prepare=lambda kw: {"letter": fold(kw["letter"].strip()), "let_frequency": kw["let_frequency"],
                        "let_relation": kw["let_relation"]},
    rule="occurrences of the letter in the folded response (look-alikes such as Cyrillic е and accented é "
         "count as e), compared with `let_frequency`",
    gamed=(({"letter": "e", "let_frequency": 2, "let_relation": "less than"}, "Thе quееn slеpt."),
           ({"letter": "e", "let_frequency": 2, "let_relation": "less than"}, "Thé quéén slépt.")),
    honest=(({"letter": "#", "let_frequency": 2, "let_relation": "at least"}, "#a #b"),))
def keywords_letter_frequency(text: str, *, letter: str, let_frequency: int, let_relation: str) -> bool:
    folded = fold(text)
    count = Counter(folded)[letter] if len(letter) == 1 else folded.count(letter)
    return compare(count, let_relation, let_frequency)


@robust(
    "punctuation:no_comma",
    rule="no character that reads as a comma: ',' and its fullwidth, small, ideographic, Arabic, reversed, "
         "raised, low-9-quote, cedilla and combining-comma-below forms (letters such as ș are not commas)",
    gamed=(({}, "One， two"), ({}, "One‚ two"), ({}, "One、two"), ({}, "One ̦two"), ({}, "One ، two"),
           ({}, "One ⹁ two"), ({}, "One﹐two")),
    honest=(({}, "Bucureşti și Timișoara"),))
def no_comma(text: str) -> bool:
    return find_comma(text) is None


# -- language and case -------------------------------------------------------------------------------------
@robust(
    "language:response_language",
    rule="langdetect (seed 0) says `language`; a response langdetect can't read (no letters) does not follow",
    gamed=(({"language": "ko"}, "12345 !!! ???"), ({"language": "ko"}, "\u3164\u3164\u3164 42")),
    honest=(({"language": "de"}, "Das ist ein kurzer Satz auf Deutsch, und er ist ganz einfach."),))
def response_language(text: str, *, language: str) -> bool:
    return detect_language(text) == language


def _latin_letters_of_case(text: str, upper: bool) -> bool:
    """Every letter, after folding look-alikes onto ASCII, is a Latin letter of the required case; small
    capitals (ᴀ ʙ) and letter-like symbols (🇭) read by their name. At least one letter."""
    seen = False
    for char in fold_confusables(text):
        name = unicodedata.name(char, "")
        if not char.isalpha():
            # a symbol that shows a letter: regional indicators (🇭) show capitals
            shows_capital = "CAPITAL" in name or name.startswith("REGIONAL INDICATOR")
            if "LETTER" in name and shows_capital != upper:
                return False
            continue
        seen = True
        if not name.startswith("LATIN ") or ("CAPITAL" in name) != upper:
            return False
    return seen


def _english(text: str) -> bool:
    return detect_language(fold_confusables(text)) == "en"


@robust(
    "change_case:english_capital",
    rule="every letter is a Latin capital (look-alikes folded first; uncased letters such as Lisu or ǀ and "
         "non-Latin letters don't pass), there is a letter, and langdetect says 'en' (no exception pass)",
    gamed=(({}, "Ⅻ Ⅳ Ⅸ"), ({}, "THIS IS ENGǀISH TEXT ǀIKE A ǀETTER")),
    honest=(({}, "THIS IS ALL IN CAPITAL LETTERS AND WRITTEN IN ENGLISH."),))
def english_capital(text: str) -> bool:
    return _latin_letters_of_case(text, upper=True) and _english(text)


@robust(
    "change_case:english_lowercase",
    rule="every letter is a Latin lowercase letter after folding look-alikes (uncased capitals such as Lisu "
         "ꓧ, small capitals ᴀ ʙ, non-Latin letters don't pass), there is a letter, and langdetect says 'en'",
    gamed=(({}, "ꓧello ꓪorld, this is ꓮlice writing in english to my friend."),
           ({}, "ʜᴇʟʟᴏ this is written in english for my friend."),
           ({}, "🇭ello my friend, this letter is written in english for you."),
           ({}, "ⅻ ⅳ ⅸ")),
    honest=(({}, "this is all in lowercase letters and written in english."),
            ({}, "i visited the café and met my naïve friend in english class.")))
def english_lowercase(text: str) -> bool:
    return _latin_letters_of_case(text, upper=False) and _english(text)


def _is_capital(char: str) -> bool:
    return char.isupper() or "CAPITAL" in unicodedata.name(char, "")  # small capitals (ʟ) are Ll code points


def _capital_words(text: str) -> int:
    count = 0
    for word in words(fold_confusables(text)):
        letters = [c for c in word if c.isalpha()]
        if len(letters) >= 2 and all(_is_capital(c) for c in letters):
            count += 1
    return count


@robust(
    "change_case:capital_word_frequency",
    rule="words (robust definition) with at least 2 letters, all capitals after folding look-alikes (so "
         "'I', 'A' and digit runs are not capital words; Lisu ꓧꓰꓡꓡꓳ is HELLO, small capitals are capitals), "
         "compared with `capital_frequency`",
    gamed=(({"capital_frequency": 3, "capital_relation": "at least"}, "I think I know I can."),
           ({"capital_frequency": 2, "capital_relation": "less than"}, "ꓧꓰꓡꓡꓳ and ꓪꓳꓣꓡꓓ"),
           ({"capital_frequency": 2, "capital_relation": "less than"}, "HELʟO and WORʟD")),
    honest=(({"capital_frequency": 2, "capital_relation": "at least"}, "The USA and the UK agreed."),
            ({"capital_frequency": 1, "capital_relation": "less than"}, "I think I can.")))
def capital_word_frequency(text: str, *, capital_frequency: int, capital_relation: str) -> bool:
    return compare(_capital_words(text), capital_relation, capital_frequency)


# -- counts ------------------------------------------------------------------------------------------------
@robust(
    "length_constraints:number_words",
    rule="words are runs of letters/digits (with their accents) joined by inner ' ’ -; underscores, "
         "punctuation, blank-rendering fillers and zero-width characters are not words and don't split "
         "words; compared with `num_words`",
    gamed=(({"num_words": 5, "relation": "at least"}, "_ _ _ _ _ _"),
           ({"num_words": 5, "relation": "at least"}, "a\u200bb\u200bc\u200bd\u200be"),
           ({"num_words": 5, "relation": "at least"}, "\u3164 \u3164 \u3164 \u3164 \u3164 ok"),
           ({"num_words": 3, "relation": "less than"}, "one\u3164two\u3164three\u3164four")),
    honest=(({"num_words": 3, "relation": "at least"}, "We have 42 cats."),))
def number_words(text: str, *, num_words: int, relation: str) -> bool:
    return compare(count_words(text), relation, num_words)


RUN_ON_WORDS = 50


@robust(
    "length_constraints:number_sentences",
    rule="Punkt sentences that contain a letter; a line break also ends a sentence (a <<title>> or '# heading' "
         "line of at most 12 words is none), every Unicode sentence terminal (。 ! ? । ...) ends one like '.', "
         "and so does a '.' glued to the next capitalised word; for 'less than', a sentence counts once per "
         "started 50 words (a run-on without full stops is not one sentence); compared with `num_sentences`",
    gamed=(({"num_sentences": 3, "relation": "at least"}, "Ok. . . . ."),
           ({"num_sentences": 2, "relation": "less than"}, "First line here\nSecond line here\nThird line"),
           ({"num_sentences": 2, "relation": "less than"}, "One sentence。Two sentence。Three"),
           ({"num_sentences": 2, "relation": "less than"}, "One sentence.Two sentence.Three"),
           ({"num_sentences": 2, "relation": "less than"}, " ".join(["word"] * 120))),
    honest=(({"num_sentences": 2, "relation": "at least"}, "Dr. Smith came. He sat."),
            ({"num_sentences": 3, "relation": "less than"}, "<<A Title>>\n## A heading\nOne sentence. Two.")))
def number_sentences(text: str, *, num_sentences: int, relation: str) -> bool:
    found = sentences(text)
    if relation == "less than":  # leaving out the full stops doesn't make fewer sentences
        return sum(max(1, -(-count_words(s) // RUN_ON_WORDS)) for s in found) < num_sentences
    return len(found) >= num_sentences
