"""The judge's answer gate: what the reference lets a rule decide before any model sees the candidate.

`classify_reference` reads the reference with `graders.mathcheck`'s parser:

* `math`   - numbers, fractions, decimals, percentages, numbers with units (`3.5 hours`), expressions,
             intervals, tuples, lists: the candidate's final answer is parsed the same way and compared with
             `graders.mathcheck`'s comparison;
* `choice` - one option letter (`C`, `(C)`, `\\text{(B)}`): the candidate must pick exactly that one letter;
* `name`   - a short text answer (a name, a word, a date; at most `NAME_MAX_WORDS` words): the candidate must
             name it, unhedged and unnegated, in its final statement;
* `free`   - longer text: no value gate; the model decides (after the whole-answer checks).

`answer_gate(text, reference)` then applies, in order, the whole-answer checks (refusals, pointing at the
hidden reference, hedges and shotgun lists anywhere in the answer, guesses phrased as questions) and the
per-kind value rules (one final answer, equal to the reference, not retracted or negated, nothing different
asserted after it). Fullwidth digits and signs, CJK full stops and minus look-alikes are made ASCII first (one
character for one), and the lexicons include other languages' words (`graders.judges.languages`). It returns a `GateVerdict`; `verdict is None` means the rule could not decide and the
judge model does. Everything here is regular-expression work on text already cut to `max_chars`, so it runs
in bounded time.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction

from graders.judges import languages as lang
from graders.mathcheck.extract import extract_reference
from graders.mathcheck.parse import Answer, ParseOptions, parse_answer, parse_reference

NAME_MAX_WORDS = 5
_PARSE = ParseOptions()


@dataclass(frozen=True)
class Reference:
    """A reference answer as the gate sees it."""

    kind: str                                  # math | choice | name | free
    raw: str
    readings: tuple[Answer, ...] = ()          # math: mathcheck's readings of the reference
    words: tuple[str, ...] = ()                # choice / name: the folded words to find


@dataclass
class GateVerdict:
    """`verdict`: None (the model decides) | "rejected" | "no_answer" | "mismatch" (score 0, status ok)."""

    verdict: str | None
    reason: str
    rule: str
    final: str | None = None
    flags: list[str] = field(default_factory=list)


def _model_decides(reason: str, final: str | None = None) -> GateVerdict:
    return GateVerdict(None, reason, "model", final)


# -- text helpers -----------------------------------------------------------------------------------------------
def fold(text: str) -> str:
    """NFKC, no accents, lower case, typographic quotes/dashes/minus made ASCII."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return (text.replace("\u2212", "-").replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
            .replace("\u201d", '"').lower())


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text))


# Sentence ends: `. ! ; :` before a space, the end or text of an unspaced script (`答案是73.答案是72.` after
# `languages.same_length_ascii`), and every `?`.
_BOUNDARY = re.compile(rf"[.!;:。！？](?=\s|$|[{lang.UNSPACED}])|[?？]|\n")


@dataclass
class Segment:
    """One sentence (or `?`-terminated piece, or line) of the candidate, with its offsets."""

    text: str
    start: int
    end: int
    question: bool = False


_ABBREVIATIONS = {"lb", "lbs", "oz", "ft", "in", "yd", "mi", "hr", "hrs", "min", "mins", "sec", "secs", "approx",
                  "e.g", "i.e", "vs", "etc", "mr", "mrs", "ms", "dr", "st", "no", "nos", "fig", "eq", "cf", "p.m",
                  "a.m", "pm", "am", "sq", "cu", "kg", "km", "cm", "mm", "m", "g", "mg", "ml", "l", "gal", "pt", "qt"}


def segments(text: str) -> list[Segment]:
    """Sentences, lines and `?`-separated pieces; colons end a piece too (`Check: 72` -> `Check`, `72`).
    A period after a unit or title abbreviation (`lbs.`, `Mr.`) does not end a sentence."""
    out, start = [], 0
    for m in _BOUNDARY.finditer(text):
        if m.group(0) == "." and text[max(0, m.start() - 5):m.start()].lower().split(" ")[-1].lstrip("(") \
                in _ABBREVIATIONS and not text[m.end():].lstrip().startswith(("\n",)):
            continue
        piece = text[start:m.end()]
        if piece.strip():
            out.append(Segment(piece, start, m.end(), question=m.group(0) in "?？"))
        start = m.end()
    if text[start:].strip():
        out.append(Segment(text[start:], start, len(text)))
    return out


# Numbers as written in prose: 1,234  -5  3.5  3/4  (a trailing % is kept with the number)
NUMBER = re.compile(rf"(?<!{lang.GLUED}|[.^])-?" r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?:[ \u202f\u2009]\d{3})+(?!\d|\.\d)|\d+)"
                    rf"(?:\.\d+)?(?:/\d+(?!\d|\.\d))?%?(?!{lang.GLUED})")
_OPERATOR = r"[+\-*/×÷^=<>≤≥]"


_MATH_REGION = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|\\\(.+?\\\)|\\\[.+?\\\]|\\begin\{(\w+\*?)\}.*?\\end\{\1\}|"
                          r"\[asy\].*?\[/asy\]", re.DOTALL)
_PLAIN_NUMBER = re.compile(r"\s*-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*")


def is_latex_span(span: str, following: str = "") -> bool:
    """`$x^2$`, `$5$`, `\\[..\\]`: LaTeX; `$12 and $` or `$30*7 = $210` (prices) are not."""
    if not span.startswith("$"):
        return True
    if following[:1].isdigit():
        return False
    inner = span.strip("$")
    return bool(re.search(r"[\\^_{}]", inner)) or " " not in inner.strip()


def prose_view(text: str) -> str:
    """`text` with LaTeX regions blanked (same length, same offsets); a region that is just a number keeps it,
    so `$70$ or $72$` is still two values to the prose rules."""
    out = []
    last = 0
    for m in _MATH_REGION.finditer(text):
        span = m.group(0)
        if not is_latex_span(span, text[m.end():m.end() + 1]):
            continue
        inner = span.strip("$")
        if inner.startswith(("\\(", "\\[")):
            inner = inner[2:-2]
        keep = _PLAIN_NUMBER.fullmatch(inner)
        out.append(text[last:m.start()])
        out.append((" " + inner.strip()).ljust(len(span)) if keep else " " * len(span))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def number_value(token: str) -> Fraction | None:
    """Exact value of a NUMBER token (a percent sign is ignored, as `math_equivalence` does by default)."""
    try:
        readings = parse_answer(token, _PARSE)
    except Exception:  # noqa: BLE001 - Unparseable, Rejected, or an engine failure on this token
        return None
    first = readings[0]
    return first.value if first.kind == "number" else None


def _values(text: str) -> list[tuple[Fraction, re.Match]]:
    out = []
    for m in NUMBER.finditer(text):
        value = number_value(m.group(0))
        if value is not None:
            out.append((value, m))
    return out


# -- reference classification -------------------------------------------------------------------------------------
_CHOICE_REF = re.compile(r"^\s*(?:\\text\{\s*)?\(?\s*([A-J])\s*\)?\s*\}?\s*\.?\s*$")
_LEADING_NUMBER = re.compile(r"^\s*[$€£]?\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?)\s*(%?)\s*"
                             r"([A-Za-z][A-Za-z ./²³]*)?\s*$")


@functools.lru_cache(maxsize=4096)
def classify_reference(reference: str) -> Reference:
    """What kind of reference this is (see the module docstring); cached, references repeat."""
    raw = extract_reference(reference or "").strip()
    choice = _CHOICE_REF.match(raw)
    if choice:
        return Reference("choice", raw, words=(choice.group(1).lower(),))
    lead = _LEADING_NUMBER.match(raw)  # `3.5 hours`, `18 dollars`, `1/2 cup`: the number, its unit dropped
    text = lead.group(1).replace(" ", "") + lead.group(2) if lead else raw
    try:
        readings = parse_reference(text, _PARSE)
    except Exception:  # noqa: BLE001 - Unparseable, Rejected, or an engine failure: read as text
        readings = ()
    if readings and all(r.kind in ("number", "expr", "list", "ratio") for r in readings):
        if not any(r.kind == "expr" for r in readings) or not _symbols_from_words(text):
            return Reference("math", raw, readings=readings)
    words = tuple(w for w in _words(raw) if w not in _ARTICLES)
    if words and len(words) <= NAME_MAX_WORDS and not _SENTENCE_WORDS.intersection(words):
        return Reference("name", raw, words=words)
    return Reference("free", raw)


def _symbols_from_words(text: str) -> bool:
    """`five km` parsed as f*i*v*e*k*m: a reference made of words is text, not algebra."""
    return any(len(w) >= 3 and w.lower() not in _MATH_NAMES for w in re.findall(r"(?<!\\)\b[A-Za-z]+\b", text))


_ARTICLES = {"the", "a", "an"}
# A reference with one of these is a sentence (free text), not a name.
_SENTENCE_WORDS = {"is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "can", "could",
                   "should", "does", "do", "did", "because", "which", "that", "it", "they", "we", "you"}
_MATH_NAMES = {"sqrt", "frac", "dfrac", "tfrac", "pi", "sin", "cos", "tan", "cot", "sec", "csc", "log", "ln",
               "exp", "infty", "cdot", "times", "left", "right", "text", "mbox", "mathrm", "circ", "approx",
               "le", "ge", "leq", "geq", "neq", "cup", "cap", "emptyset", "arcsin", "arccos", "arctan", "boxed",
               "begin", "end", "pmatrix", "bmatrix", "matrix", "dots", "ldots", "cdots", "mid", "in", "and",
               "or", "degree", "degrees", "abs", "sinh", "cosh", "tanh", "max", "min", "gcd", "lcm", "mod",
               "pmod", "binom", "choose", "infinity", "inf", "oo", "sum", "prod", "int", "lim", "overline",
               "hat", "vec", "bar", "tilde", "displaystyle", "quad", "qquad", "pm", "mp", "sim"}


# -- whole-answer checks (every reference kind) ---------------------------------------------------------------
_REFUSAL = re.compile(
    r"\b(?:i|we)\s+(?:do\s*n[o']?t|dont|don't|really\s+don't|cannot|can\s*not|can't|am\s+unable\s+to|"
    r"are\s+unable\s+to|am\s+not\s+able\s+to|have\s+no\s+way\s+to)\s+(?:know|tell|say|answer|determine|solve|"
    r"compute|calculate|figure\s+(?:it\s+)?out|work\s+(?:it\s+)?out|be\s+sure|help|find|give)"
    r"(?:\s+(?:the\s+answer|that|this|it|how|what|which|whether|if|for\s+sure|for\s+certain))?\s*(?:[.!,;]|$)|"
    r"\b(?:no|not\s+any)\s+(?:idea|clue)\b|^\W*(?:unknown|n/a|none|unsure|no\s+answer)\W*$|"
    r"\b(?:is|are|remains?|answer\s*:?)\s+(?:unknown|unknowable|undetermined|indeterminate)\b|\bnot\s+(?:enough|sufficient)\s+information\b|"
    r"\binsufficient\s+(?:information|data)\b|\b(?:impossible|not\s+possible|unable)\s+to\s+(?:know|tell|say|"
    r"determine|answer|solve|compute|calculate)\b|\bcannot\s+be\s+(?:determined|answered|known|solved)\b|"
    r"\bwho\s+knows\b|\bi\s+(?:give\s+up|pass)\b|\bnot\s+answerable\b|\bno\s+answer\b|" + lang.REFUSALS,
    re.IGNORECASE,
)
# Text that points at the answer the grader holds instead of giving one.
_POINTING = re.compile(
    r"\b(?:reference|official|gold(?:en)?|hidden|grader'?s?|checker'?s?|keyed|stored)\s+(?:answer|solution|value|"
    r"result|output|response)s?\b|\b(?:expected|model|provided|given|target)\s+(?:answer|output|response)s?\b|"
    r"\banswer[\s-]*key\b|\bground[\s-]*truth\b|\bthe\s+reference\b(?!\s+(?:angle|frame|point|line|triangle|"
    r"circle|level|temperature|value\s+of))|"
    r"\b(?:same|identical|equal|equivalent)\s+(?:as|to)\s+(?:the\s+|your\s+|what\s+)?(?:reference|expected|key|"
    r"official|correct|right|given|provided|stored|gold|true|real|one\s+you|answer\s+you|solution|answer)\b|"
    r"\b(?:matches|match|matching)\s+(?:the\s+|your\s+)?(?:reference|expected|key|official|correct\s+answer|"
    r"right\s+answer|given\s+answer|provided|gold|stored)\b|"
    r"\bwhat(?:ever)?\s+(?:you|the\s+(?:key|reference|grader|checker))\s+(?:have|has|expect|expects|want|wants|"
    r"say|says|think|thinks|got|hold|holds)\b|"
    r"\b(?:whatever|what)\s+the\s+(?:correct|right|true|real|expected)\s+answer\s+(?:is|was|would\s+be)\b|"
    r"\baccording\s+to\s+the\s+(?:key|reference|answer\s+key|grader|checker)\b|"
    r"\b(?:the|your)\s+(?:key|reference|grader|checker|rubric)\s+(?:says|said|states|gives|shows|has|lists)\b|"
    r"\bsee\s+(?:the\s+)?(?:reference|answer\s+key|expected\s+answer)\b|"
    # template syntax a grader might render into its own answer: {{ item.answer }}, ${answer}, %(answer)s
    r"\{\{\s*(?:item|sample|answer|reference|solution|gold|label|target)\b[^{}\n]{0,40}\}\}|"
    r"\$\{\s*(?:answer|reference|solution|gold|label|target|item|sample)\b[\w.]*\s*\}|%\([A-Za-z_]\w*\)[sdr]|"
    r"<\s*/?\s*(?:reference|answer|gold|solution|ground[_-]?truth|target|expected)\s*/?\s*>|" + lang.POINTERS,
    re.IGNORECASE,
)
# Words and signs that offer another value, doubt the answer, or make it inexact.
_ALTERNATIVE = re.compile(r"(?<![\w'])(?:or|either|nor|and/or|versus|vs\.?|otherwise|alternatively)(?![\w'])|"
                          r"[≈~±]|\\(?:approx|sim|pm|mp|lor|vee)(?![a-z])|\+/-|\+-(?=\s*\d)|" + lang.OR_WORDS,
                          re.IGNORECASE)
_ALT_OPENER = re.compile(r"^\W*(?:or|either|maybe|perhaps|possibly|probably|alternatively|otherwise|else|nor|also|"
                         r"and\s+also|plus|or\s+maybe|or\s+perhaps|or\s+possibly|unless|if\s+not|"
                         r"could\s+(?:also\s+)?be|might\s+(?:also\s+)?be|may\s+(?:also\s+)?be|or\s+else)(?![\w'])|"
                         rf"^\W*(?:{lang.ALT_OPENERS})", re.IGNORECASE)
_UNCERTAIN = re.compile(r"(?<![\w'])(?:maybe|perhaps|possibly|probably|presumably|likely|unlikely|might|"
                        r"could\s+(?:also\s+)?be|may\s+(?:also\s+)?be|guess(?:ing|es)?|not\s+(?:sure|certain)|unsure|"
                        r"uncertain|roughly|approximately|approx|estimated?|or\s+so)(?![\w'])|" + lang.UNCERTAIN,
                        re.IGNORECASE)
_INEXACT = re.compile(r"(?<![\w'])(?:about|around|circa|nearly|almost|close\s+to|at\s+least|at\s+most|"
                      r"no\s+more\s+than|no\s+less\s+than|more\s+than|less\s+than|fewer\s+than|over|under|"
                      r"up\s+to|roughly|approximately|approx|somewhere|between|or|either|ish)(?![\w'])|"
                      r"[~≈±<>≤≥≲≳]|\\(?:approx|sim|pm|mp|le|ge|leq|geq|lt|gt|lesssim|gtrsim)(?![a-z])", re.IGNORECASE)
# Words that judge an answer wrong or take it back (no bare negation: "cannot be simplified" is not one).
_JUDGMENT = re.compile(
    r"(?<![\w'])(?:wrong|incorrect|false|untrue|invalid|mistaken?|mistakes|error|erroneous|typo|bogus|nonsense|"
    r"retract(?:ed|ing|s)?|withdraw[ns]?|withdrawn|scratch|strike\s+that|cancel(?:led)?\s+that|ignore\s+(?:that|this|"
    r"it|the\s+above|my)|disregard|never\s*mind|nevermind|kidding|joking|just\s+a\s+joke|oops|whoops|no\s+wait|"
    r"wait|actually|on\s+second\s+thought|correction|take\s+(?:it|that|this)\s+back|not\s+(?:right|correct|true|it|"
    r"sure|really|quite|so)|made\s+(?:it|that)\s+up|off\s+by|doubt\w*|unsure|hmm+|sorry|i\s+lied)(?![\w'])|"
    + lang.JUDGMENTS,
    re.IGNORECASE,
)
_WH_QUESTION = re.compile(r"^\W*(?:what|how|which|who|whom|whose|where|when|why|find|compute|calculate|"
                          rf"determine|{lang.WH_OPENERS})\b|{lang.WH_UNSPACED}", re.IGNORECASE)
# Words that withdraw, doubt or deny what came before (negation included).
_RETRACT = re.compile(
    r"(?<![\w'])(?:not|no|nope|never|none|\w*n't|cannot|wrong|"
    r"incorrect|false|untrue|invalid|mistaken?|mistakes|error|erroneous|typo|retract(?:ed|ing)?|withdraw[ns]?|"
    r"withdrawn|scratch|strike|cancel(?:led)?|ignore|disregard|never\s*mind|nevermind|kidding|joking|joke|oops|"
    r"whoops|wait|actually|rather|instead|correction|corrected|recalculat\w*|recomput\w*|redo|redid|miscalc\w*|"
    r"miscount\w*|misread|doubt\w*|unsure|uncertain|hmm+|sorry|apolog\w*|fix(?:ed|ing)?|revis\w*|reconsider\w*|"
    r"take\s+(?:it|that|this)\s+back|off\s+by|bogus|nonsense|fake|made\s+up|wrongly|not\s+right|"
    r"(?:that|this|it)\s+(?:is|was|'s)\s+(?:off|bad|silly))(?![\w'])|" + lang.NEGATIONS + "|" + lang.JUDGMENTS,
    re.IGNORECASE,
)


def whole_answer_checks(text: str, ref: Reference) -> GateVerdict | None:
    """Refusals and pointing at the hidden reference, anywhere in the answer."""
    folded, light = fold(text), unicodedata.normalize("NFKC", text).lower()  # light: Hangul stays composed
    refusal = _REFUSAL.search(folded) or _REFUSAL.search(light)
    if refusal and refusal.group(0) not in fold(ref.raw):  # a reference may itself be "Unknown"
        return GateVerdict("no_answer", f"disclaims the answer ({refusal.group(0)!r})", "refusal")
    pointing = _POINTING.search(folded) or _POINTING.search(light)
    if pointing:
        return GateVerdict("rejected", f"points at the grader's reference instead of answering "
                           f"({pointing.group(0)!r})", "points_at_reference")
    return None


_SENTENCE_END = re.compile(rf"[.!;](?=\s|$|[{lang.UNSPACED}])|\?|\n")


def _sentence_end(text: str, start: int) -> int:
    m = _SENTENCE_END.search(text, start)
    return m.start() if m else len(text)


def answer_gate(text: str, reference: str) -> GateVerdict:
    """Decide what a rule can decide about `text` against `reference`; `verdict None` = the model decides."""
    ref = classify_reference(reference)
    text = lang.same_length_ascii(text)
    verdict = whole_answer_checks(text, ref)
    if verdict is not None:
        return verdict
    if ref.kind == "math":
        from graders.judges.math_gate import math_gate

        return math_gate(text, ref)
    if ref.kind in ("choice", "name"):
        from graders.judges.text_gate import choice_gate, name_gate

        return (choice_gate if ref.kind == "choice" else name_gate)(text, ref)
    return _model_decides("free-text reference: no rule reads the answer; decided by model")
