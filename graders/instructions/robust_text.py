"""Text rules of the robust semantics: what the checks see, what a word is, which characters are look-alikes.

The reference checks read code points; a policy under RL pressure learns to satisfy them with text that does
not read that way (zero-width characters, blank-rendering letters, fullwidth or look-alike punctuation,
letters of another script). Robust checks run on `normalise(response)`:

1. blank-rendering fillers that are letters or symbols (HANGUL FILLER, BRAILLE PATTERN BLANK, ...) become a
   space, every other default-ignorable code point (zero-width space/joiners, soft hyphen, bidi marks,
   variation selectors, tag characters, ...) and every control character but tab and newline is deleted;
2. line separators (CR LF, CR, VT, FF, NEL, U+2028/2029 ...) become `\\n`;
3. HTML comments (`<!-- ... -->`, or `<!--` to the end) are deleted: rendered markdown doesn't show them;
4. NFKC (fullwidth and mathematical letters, ligatures, small/fullwidth commas, `…`, no-break spaces, ...).

Checks where a look-alike would *hide* something (a forbidden word, a comma, a capital letter) also fold
characters onto the ASCII character they imitate, using Unicode's confusables data (UTS #39, shipped by
the `confusable-homoglyphs` package), and drop combining marks: `fold()`.
"""
from __future__ import annotations

import functools
import json
import unicodedata
from importlib import resources

import regex

# letters/symbols that render as an empty space of normal width: they read as a space, not as nothing
_BLANK_FILLERS = "\u115f\u1160\u3164\uffa0\u2800"
_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_TRANSLATE = str.maketrans({**{c: " " for c in _BLANK_FILLERS}, **{c: "\n" for c in _LINE_BREAKS}})
_INVISIBLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\x00-\x08\x0e-\x1f\x7f-\x9f]+")
_HTML_COMMENT = regex.compile(r"<!--.*?(?:-->|\Z)", regex.S)
# explicit embeddings, overrides and isolates: the displayed order is no longer the order of the text checked
_BIDI_CONTROLS = regex.compile(r"[\u202a-\u202e\u2066-\u2069]")

WORD = regex.compile(r"(?:[\p{L}\p{N}]\p{M}*)+(?:['’\-](?:[\p{L}\p{N}]\p{M}*)+)*")
_CONTENT = regex.compile(r"[\p{L}\p{N}]")
_LETTER = regex.compile(r"\p{L}")
_MARKS = regex.compile(r"\p{M}+")


def normalise(text: str) -> str:
    """The text every robust check reads (steps 1-4 of the module docstring)."""
    text = text.replace("\r\n", "\n").translate(_TRANSLATE)
    text = _HTML_COMMENT.sub("", _INVISIBLE.sub("", text))
    return unicodedata.normalize("NFKC", text)


def has_bidi_controls(text: str) -> bool:
    """True when explicit bidi formatting (U+202A-202E, U+2066-2069) could reorder what a reader sees."""
    return _BIDI_CONTROLS.search(text) is not None


def has_content(text: str) -> bool:
    """Some letter or digit (content, as opposed to punctuation, markup or blanks)."""
    return _CONTENT.search(text) is not None


def has_letter(text: str) -> bool:
    return _LETTER.search(text) is not None


def words(text: str) -> list[str]:
    """Words: runs of letters/digits (with their combining marks), joined by inner ' ’ or -. `_ _ _` has none."""
    return WORD.findall(text)


def count_words(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


# -- confusables -------------------------------------------------------------------------------------------
def _kind(char: str) -> int:
    return 0 if char.isalpha() else 1 if unicodedata.category(char) == "Nd" else 2


def _target_rank(source: str, target: str) -> tuple[int, int, int]:
    """Prefer a target of the same kind (letter, digit, other), then of the same case (uncased look-alikes
    such as Lisu letters read as capitals), then the lowest code point."""
    wants_upper = source.isupper() or not source.islower()
    case = 0 if not target.isalpha() or target.isupper() == wants_upper else 1
    return (0 if _kind(source) == _kind(target) else 1, case, ord(target))


@functools.lru_cache(maxsize=1)
def confusable_table() -> dict[int, str]:
    """Non-ASCII character -> the printable ASCII character it imitates (UTS #39 confusables, one-to-one
    entries only; ASCII characters are never remapped, so `1`, `l` and `I` stay distinct)."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json")
                      .read_text(encoding="utf-8"))
    candidates: dict[str, list[str]] = {}
    for key, entries in data.items():
        if len(key) != 1 or not 33 <= ord(key) < 127:
            continue
        for entry in entries:
            char = entry["c"].strip("\u200e\u200f")
            if len(char) == 1 and ord(char) > 127:
                candidates.setdefault(char, []).append(key)
    return {ord(c): min(keys, key=lambda k: _target_rank(c, k)) for c, keys in candidates.items()}


def fold_confusables(text: str) -> str:
    """Map look-alike characters onto the ASCII character they imitate (case preserved where it exists)."""
    return text.translate(confusable_table())


def strip_marks(text: str) -> str:
    """Compatibility-decompose and drop combining marks (é -> e, v\u0301ery -> very, ｒ -> r)."""
    return unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFKD", text)))


@functools.lru_cache(maxsize=64)  # several keyword checks fold the same response (and loose variants)
def fold(text: str) -> str:
    """Case-, mark- and look-alike-insensitive form for matching words and letters: `veｒу` -> `very`."""
    return fold_confusables(strip_marks(text)).casefold()


# -- commas ------------------------------------------------------------------------------------------------
_EXTRA_COMMAS = "\u201a\u201e\u2e42\u060d\u066b\u066c\u00b8\u0327\u0375\u02cf"  # low-9 quotes, Arabic separators, cedilla, ...


@functools.lru_cache(maxsize=1)
def comma_characters() -> frozenset[str]:
    """Every character that reads as a comma: ',' and whatever folds onto it, every punctuation/symbol/mark
    named COMMA (ideographic, Arabic, reversed, combining comma below ...; letters such as ʻokina, marks
    above a letter and quotation-mark ornaments excluded), and the low quotation marks and cedillas."""
    chars = {","} | {chr(c) for c, t in confusable_table().items() if t == ","} | set(_EXTRA_COMMAS)
    for code in range(0x80, 0x30000):
        char = chr(code)
        name = unicodedata.name(char, "")
        # quotation-mark ornaments and marks above a letter look like quotes/apostrophes, not commas
        if ("COMMA" in name and unicodedata.category(char)[0] in "PSM" and "QUOTATION" not in name
                and "ABOVE" not in name):
            chars.add(char)
    return frozenset(chars)


def find_comma(text: str) -> str | None:
    """The first comma-like character of `text` (after NFKC-composing marks into letters such as ș), or None."""
    commas = comma_characters()
    for char in unicodedata.normalize("NFKC", text):
        if char in commas:
            return char
    return None


# -- sentences ---------------------------------------------------------------------------------------------
_TERMINALS = regex.compile(r"[^\P{Sentence_Terminal}.!?]")
# "one.Two": a terminal glued to a capitalised word after a lowercase word (not "e.g.Bob", "U.S.Army")
_GLUED = regex.compile(r"(?<=\p{Ll}\p{Ll}[.!?])(?=\p{Lu}\p{Ll})")


_HEADING = regex.compile(r"^\s*(?:<<[^<>]*>>|#+\s[^.!?]*)\s*$")
HEADING_MAX_WORDS = 12


def _is_heading(line: str) -> bool:
    return _HEADING.match(line) is not None and count_words(line) <= HEADING_MAX_WORDS


def sentences(text: str) -> list[str]:
    """Sentences that contain a letter: a line break ends a sentence, every Unicode sentence terminal
    (。 । ؟ ...) counts as '. ', a terminal glued to the next capitalised word ("one.Two") still ends a
    sentence, then NLTK's English Punkt splits each line. A title or heading line (`<<...>>` or `# ...`
    without a terminal, at most 12 words) is not a sentence."""
    from graders.instructions.text import punkt_sentences

    text = _GLUED.sub(" ", _TERMINALS.sub(". ", text))
    return [s for line in text.split("\n") if line.strip() and not _is_heading(line)
            for s in punkt_sentences(line) if has_letter(s)]


# -- loose variants ----------------------------------------------------------------------------------------
LOOSE_LINE_MAX_WORDS = 25
LOOSE_LINE_MAX_CHARS = 250


def _droppable(line: str) -> bool:
    return len(line) <= LOOSE_LINE_MAX_CHARS and count_words(line) <= LOOSE_LINE_MAX_WORDS


def loose_variants(response: str) -> list[str]:
    """IFEval's 8 loose variants, except that a first or last line is only dropped when it is short enough to
    be a preamble or a sign-off (at most 25 words and 250 characters): a long first line is content, and
    dropping it would let a policy put anything there."""
    lines = response.split("\n")
    first = _droppable(lines[0]) and len(lines) > 1
    last = _droppable(lines[-1]) and len(lines) > 1
    remove_first = "\n".join(lines[1:]).strip() if first else response
    remove_last = "\n".join(lines[:-1]).strip() if last else response
    remove_both = "\n".join(lines[1 if first else 0:len(lines) - 1 if last else len(lines)]).strip()
    variants = [response, remove_first, remove_last, remove_both]
    return list(dict.fromkeys(variants + [v.replace("*", "") for v in variants]))
