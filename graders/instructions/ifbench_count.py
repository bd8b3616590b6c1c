"""IFBench `count:*` and `ratio:*` constraints (allenai/IFBench semantics, ported check by check)."""
from __future__ import annotations

import re

from graders.instructions.registry import Param, instruction
from graders.instructions.stopwords import ENGLISH_STOPWORDS
from graders.instructions.text import (
    STRIP_CHARS, count_words, remove_punctuation, split_into_sentences)

_WORD_RE = re.compile(r"\w+")
_CONJUNCTIONS = frozenset(["and", "but", "for", "nor", "or", "so", "yet"])
_PERSON_NAMES = (
    "Emma", "Liam", "Sophia", "Jackson", "Olivia", "Noah", "Ava", "Lucas", "Isabella", "Mason", "Mia", "Ethan",
    "Charlotte", "Alexander", "Amelia", "Benjamin", "Harper", "Leo", "Zoe", "Daniel", "Chloe", "Samuel", "Lily",
    "Matthew", "Grace", "Owen", "Abigail", "Gabriel", "Ella", "Jacob", "Scarlett", "Nathan", "Victoria", "Elijah",
    "Layla", "Nicholas", "Audrey", "David", "Hannah", "Christopher", "Penelope", "Thomas", "Nora", "Andrew",
    "Aria", "Joseph", "Claire", "Ryan", "Stella", "Jonathan",
)
_PRONOUNS = frozenset([
    "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
    "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself", "they",
    "them", "their", "theirs", "themselves",
])
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_S = "ifbench"


@instruction(
    "count:word_count_range", source=_S, params=(Param("min_words", "int"), Param("max_words", "int")),
    rule="`min_words <= number of \\w+ tokens <= max_words`",
    example=({"min_words": 3, "max_words": 5}, "one two three four", "one two"))
def word_count_range(text: str, *, min_words: int, max_words: int) -> bool:
    return min_words <= count_words(text) <= max_words


@instruction(
    "count:unique_word_count", source=_S, params=(Param("N", "int"),),
    rule="at least N distinct lowercased whitespace tokens, each stripped of punctuation",
    example=({"N": 3}, "Red, blue, green.", "Red red red."))
def unique_word_count(text: str, *, N: int) -> bool:
    return len({w.strip(STRIP_CHARS) for w in text.lower().split()}) >= N


@instruction(
    "ratio:stop_words", source=_S, params=(Param("percentage", "number"),),
    rule="stop words (NLTK English list) are at most `percentage` % of the \\w+ tokens; an empty response fails",
    example=({"percentage": 40}, "Quick brown foxes jump over lazy dogs.", "It is what it is and that is that."))
def stop_words(text: str, *, percentage: float) -> bool:
    tokens = _WORD_RE.findall(text)
    if not tokens:
        return False
    stops = sum(1 for t in tokens if t.lower() in ENGLISH_STOPWORDS)
    return stops / len(tokens) * 100 <= percentage


@instruction(
    "ratio:sentence_type", source=_S,
    rule="(IFBench regex sentences) sentences ending in '.' are exactly twice those ending in '?'",
    example=({}, "I like tea. It is warm. Do you?", "I like tea. Do you? Why?"))
def sentence_type(text: str) -> bool:
    sentences = split_into_sentences(text)
    return sum(s.endswith(".") for s in sentences) == 2 * sum(s.endswith("?") for s in sentences)


@instruction(
    "ratio:sentence_balance", source=_S,
    rule="as many sentences end in '.' as in '?' and as in '!'",
    example=({}, "It rains. Is it cold? Wow!", "It rains. It pours. Wow!"))
def sentence_balance(text: str) -> bool:
    sentences = split_into_sentences(text)
    dots = sum(s.endswith(".") for s in sentences)
    return dots == sum(s.endswith("?") for s in sentences) == sum(s.endswith("!") for s in sentences)


@instruction(
    "count:conjunctions", source=_S, params=(Param("small_n", "int"),),
    rule="at least small_n distinct whitespace tokens whose punctuation-stripped lowercase form is a "
         "coordinating conjunction (and, but, for, nor, or, so, yet); distinctness is on the raw token",
    example=({"small_n": 2}, "Tea and cake, but no coffee.", "Tea and cake and scones."))
def conjunctions(text: str, *, small_n: int) -> bool:
    found = {w for w in text.split() if w.strip(STRIP_CHARS).lower() in _CONJUNCTIONS}
    return len(found) >= small_n


@instruction(
    "count:person_names", source=_S, params=(Param("N", "int"),),
    rule="at least N of IFBench's 50 fixed first names (Emma, Liam, ...) occur as substrings (case-sensitive)",
    example=({"N": 2}, "Emma met Liam.", "Emma met a friend."))
def person_names(text: str, *, N: int) -> bool:
    return sum(1 for name in _PERSON_NAMES if name in text) >= N


@instruction(
    "ratio:overlap", source=_S, params=(Param("reference_text", "str"), Param("percentage", "number")),
    rule="character-trigram overlap |T(response) & T(reference)| / |T(response)| is within percentage ± 2 "
         "(percent); a response shorter than 3 characters fails",
    example=({"reference_text": "the cat sat on the mat", "percentage": 100}, "the cat sat",
             "a dog ran far away"))
def overlap(text: str, *, reference_text: str, percentage: float) -> bool:
    grams = set(zip(text, text[1:], text[2:]))
    if not grams:
        return False
    ref = set(zip(reference_text, reference_text[1:], reference_text[2:]))
    share = len(grams & ref) / len(grams) * 100
    return percentage - 2 <= share <= percentage + 2


@instruction(
    "count:numbers", source=_S, params=(Param("N", "int"),),
    rule="after removing punctuation, exactly N `\\d+` runs (so '3.14' is one number)",
    example=({"N": 2}, "I have 3 cats and 12 fish.", "I have 3 cats."))
def numbers(text: str, *, N: int) -> bool:
    return len(re.findall(r"\d+", remove_punctuation(text))) == N


@instruction(
    "count:punctuation", source=_S,
    rule="contains '!?' or '?!' or '‽', and after removing one interrobang pair every one of . , ! ? ; : appears",
    example=({}, "Really?! Yes, it works; note: done. Wow! Why?", "Really?! Yes, it works."))
def punctuation(text: str) -> bool:
    marks = {".", ",", "!", "?", ";", ":"}
    if not ("!?" in text or "?!" in text or "‽" in text):
        return False
    rest = text.replace("?!", "", 1)
    if len(rest) == len(text):
        rest = text.replace("!?", "", 1)
    for char in rest:
        marks.discard(char)
    return not marks


@instruction(
    "count:words_japanese", source=_S, params=(Param("N", "int", minimum=1),),
    rule="every Nth whitespace token (punctuation-stripped, non-empty, not all digits) contains a Japanese "
         "character (hiragana, katakana or CJK ideograph)",
    example=({"N": 2}, "I 猫 like 犬 very 本", "I 猫 like dogs"))
def words_japanese(text: str, *, N: int) -> bool:
    for i, word in enumerate(text.split()):
        word = word.strip(STRIP_CHARS)
        if (i + 1) % N == 0 and word and not word.isdigit() and not _JAPANESE.search(word):
            return False
    return True


@instruction(
    "count:pronouns", source=_S, params=(Param("N", "int"),),
    rule="at least N personal pronoun tokens (after '/' -> ' ', lowercasing and removing punctuation)",
    example=({"N": 3}, "I told her that we agree.", "The team agreed."))
def pronouns(text: str, *, N: int) -> bool:
    words = remove_punctuation(text.replace("/", " ").lower()).split()
    return sum(1 for w in words if w in _PRONOUNS) >= N


@instruction(
    "count:keywords_multiple", source=_S,
    params=tuple(Param(f"keyword{i}", "str") for i in range(1, 6)),
    rule="case-insensitive substring counts: keyword1 exactly once, keyword2 twice, keyword3 three times, "
         "keyword4 five times, keyword5 seven times",
    example=({"keyword1": "ant", "keyword2": "bee", "keyword3": "cow", "keyword4": "dog", "keyword5": "elk"},
             "ant " + "bee " * 2 + "cow " * 3 + "dog " * 5 + "elk " * 7, "ant bee cow dog elk"))
def keywords_multiple(text: str, *, keyword1: str, keyword2: str, keyword3: str, keyword4: str,
                      keyword5: str) -> bool:
    lower = text.lower()
    wanted = zip((keyword1, keyword2, keyword3, keyword4, keyword5), (1, 2, 3, 5, 7))
    return all(lower.count(k.strip().lower()) == n for k, n in wanted)


@instruction(
    "ratio:sentence_words", source=_S,
    rule="(IFBench regex sentences) exactly 3 sentences, all with the same stripped character length",
    example=({}, "Cats nap. Dogs run. Owls fly.", "Cats nap. Dogs run fast. Owls fly."))
def sentence_words(text: str) -> bool:
    sentences = split_into_sentences(text)
    if len(sentences) != 3:
        return False
    size = len(sentences[0].strip())
    return all(len(s.strip()) == size for s in sentences)
