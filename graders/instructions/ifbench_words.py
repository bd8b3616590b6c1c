"""IFBench `words:*` and `sentence:*` constraints (allenai/IFBench semantics, ported check by check)."""
from __future__ import annotations

import string
from collections import Counter

from graders.instructions.registry import Param, instruction
from graders.instructions.text import STRIP_CHARS, remove_punctuation, split_into_sentences, word_tokenize

_S = "ifbench"
_ALPHABET = string.ascii_lowercase
_VOWELS = frozenset("aeiou")
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")
_PRIMES = frozenset([2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97])


@instruction(
    "words:alphabet", source=_S,
    rule="after removing punctuation, word initials follow the alphabet from the first word's initial, "
         "wrapping z -> a; a non-letter first initial fails",
    example=({}, "Yellow zebras are big.", "Yellow zebras can dance."))
def alphabet(text: str) -> bool:
    words = remove_punctuation(text).strip(STRIP_CHARS).split()
    if not words:
        return False
    letter = words[0][0].lower()
    if letter not in _ALPHABET:
        return False
    for word in words[1:]:
        word = word.strip(STRIP_CHARS).lower()
        if not word:
            continue
        letter = _ALPHABET[(_ALPHABET.index(letter) + 1) % 26]
        if word[0] != letter:
            return False
    return True


@instruction(
    "words:vowel", source=_S,
    rule="a single line (after strip) using at most 3 distinct vowels among a, e, i, o, u",
    example=({}, "A cat sat and ran at a tan mat.", "A cat sat on the mat quietly."))
def vowel(text: str) -> bool:
    lines = text.strip().split("\n")
    if len(lines) != 1:
        return False
    return len({c for c in lines[0].lower() if c in _VOWELS}) <= 3


@instruction(
    "words:consonants", source=_S,
    rule="every lowercased whitespace token contains two adjacent consonants",
    example=({}, "Strong black frogs jump.", "Strong frogs a jump."))
def consonants(text: str) -> bool:
    for word in text.lower().strip().split():
        if not any(word[i] in _CONSONANTS and word[i + 1] in _CONSONANTS for i in range(len(word) - 1)):
            return False
    return True


@instruction(
    "words:palindrome", source=_S,
    rule="at least 10 tokens (punctuation removed, lowercased) that are palindromes of 5+ characters",
    example=({}, "level radar civic kayak refer rotor madam stats tenet racecar", "level radar civic kayak"))
def palindrome(text: str) -> bool:
    words = remove_punctuation(text).lower().split()
    return sum(1 for w in words if len(w) >= 5 and w == w[::-1]) >= 10


@instruction(
    "words:prime_lengths", source=_S,
    rule="after removing punctuation, every whitespace token has a prime length (up to 97)",
    example=({}, "We ate three plums.", "I ate three plums."))
def prime_lengths(text: str) -> bool:
    return all(len(w) in _PRIMES for w in remove_punctuation(text).split())


@instruction(
    "words:start_verb", source=_S,
    rule="the first `nltk.word_tokenize` token is POS-tagged as a verb (VB*)",
    unsupported="needs NLTK's averaged_perceptron_tagger_eng model, which is a download")
def start_verb(text: str) -> bool:  # pragma: no cover - never bound
    raise NotImplementedError


@instruction(
    "words:odd_even_syllables", source=_S,
    rule="consecutive words (punctuation removed, lowercased) alternate odd/even syllable counts (`syllapy.count`)",
    example=({}, "cat apple dog window", "cat dog apple window"))
def odd_even_syllables(text: str) -> bool:
    import syllapy

    parity = [syllapy.count(w) % 2 for w in remove_punctuation(text).lower().split() if w.strip()]
    return all(parity[i] != parity[i + 1] for i in range(len(parity) - 1))


@instruction(
    "words:last_first", source=_S,
    rule="(IFBench regex sentences) the last word of each sentence equals, case-insensitively, the first word "
         "of the next",
    example=({}, "I like tea. Tea is warm.", "I like tea. Coffee is warm."))
def last_first(text: str) -> bool:
    sentences = split_into_sentences(text)
    for i in range(len(sentences) - 1):
        current = sentences[i].rstrip(STRIP_CHARS).split()
        following = sentences[i + 1].lstrip(STRIP_CHARS).split()
        if not current or not following:
            return False
        if current[-1].lower() != following[0].lower():
            return False
    return True


@instruction(
    "words:paragraph_last_first", source=_S,
    rule="in every non-blank line, the first and last words (lowercased, outer punctuation stripped) are equal",
    example=({}, "Home is where the heart is home.\nLove conquers all love.", "Home is where the heart is."))
def paragraph_last_first(text: str) -> bool:
    for line in text.split("\n"):
        line = line.strip().lower()
        if not line:
            continue
        words = line.strip(STRIP_CHARS).split()
        if words and words[0] != words[-1]:
            return False
    return True


@instruction(
    "words:no_consecutive", source=_S,
    rule="no two consecutive words (lowercased, punctuation removed) start with the same letter",
    example=({}, "The cat ran home.", "The tall cat ran."))
def no_consecutive(text: str) -> bool:
    words = remove_punctuation(text.lower()).split()
    return all(words[i][0] != words[i + 1][0] for i in range(len(words) - 1))


@instruction(
    "words:repeats", source=_S, params=(Param("small_n", "int"),),
    rule="no word (lowercased, punctuation removed) occurs more than small_n times",
    example=({"small_n": 2}, "The cat and the dog.", "The cat, the dog and the bird."))
def repeats(text: str, *, small_n: int) -> bool:
    counts = Counter(remove_punctuation(text.lower()).split())
    return all(c <= small_n for c in counts.values())


@instruction(
    "words:keywords_specific_position", source=_S,
    params=(Param("keyword", "str"), Param("n", "int", minimum=1), Param("m", "int", minimum=1)),
    rule="(IFBench regex sentences) the n-th sentence's m-th `nltk.word_tokenize` token equals keyword.strip() "
         "(case-sensitive)",
    example=({"keyword": "blue", "n": 2, "m": 3}, "Hello there. The sky blue today.", "Hello there. The blue sky."))
def keywords_specific_position(text: str, *, keyword: str, n: int, m: int) -> bool:
    sentences = split_into_sentences(text)
    if len(sentences) < n:
        return False
    words = word_tokenize(sentences[n - 1])
    return len(words) >= m and words[m - 1] == keyword.strip()


@instruction(
    "words:words_position", source=_S, params=(Param("keyword", "str"),),
    rule="with `nltk.word_tokenize` tokens, the second token and the second-to-last token both equal "
         "keyword.strip()",
    example=({"keyword": "very"}, "A very good day is very.", "A very good day."))
def words_position(text: str, *, keyword: str) -> bool:
    words = word_tokenize(text)
    return len(words) >= 2 and words[1] == words[-2] == keyword.strip()


@instruction(
    "sentence:alliteration_increment", source=_S,
    rule="(IFBench regex sentences) each sentence has strictly more alliterating word pairs than the previous "
         "(a run of k same-initial words scores k)",
    example=({}, "Big bold bears. Silly snakes slide slowly.", "Big bold bears. Cats nap."))
def alliteration_increment(text: str) -> bool:
    previous = -1
    for sentence in split_into_sentences(text):
        words = [w.lstrip(STRIP_CHARS) for w in sentence.lower().split()]
        words = [w for w in words if w]
        score = 0
        in_run = False
        for i in range(len(words) - 1):
            if words[i][0] == words[i + 1][0]:
                score += 1 if in_run else 2
                in_run = True
            else:
                in_run = False
        if score <= previous:
            return False
        previous = score
    return True


@instruction(
    "sentence:keyword", source=_S, params=(Param("word", "str"), Param("N", "int", minimum=1)),
    rule="(IFBench regex sentences) the N-th sentence contains `word`, case-insensitive substring",
    example=({"word": "moon", "N": 2}, "Night fell. The Moon rose.", "Night fell. The sun set. A moon rose."))
def keyword_in_sentence(text: str, *, word: str, N: int) -> bool:
    sentences = split_into_sentences(text)
    if len(sentences) < N:
        return False
    return word.lower() in sentences[N - 1].lower()


@instruction(
    "sentence:increment", source=_S, params=(Param("small_n", "int"),),
    rule="(IFBench regex sentences) each sentence has exactly small_n more words (punctuation removed) than the "
         "previous one",
    example=({"small_n": 1}, "I run. I run fast. I run very fast.", "I run. I run fast. I run."))
def increment(text: str, *, small_n: int) -> bool:
    sentences = split_into_sentences(text)
    if not sentences:
        return False
    previous = len(remove_punctuation(sentences[0]).strip().split())
    for sentence in sentences[1:]:
        count = len(remove_punctuation(sentence).strip().split())
        if count != previous + small_n:
            return False
        previous = count
    return True
