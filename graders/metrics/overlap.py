"""N-gram overlap metrics, each a thin adapter over a well-kept library. Scores are in [0, 1].

- `bleu`: sacrebleu `sentence_bleu` / 100 with sacrebleu's sentence-level defaults: `13a` tokenisation,
  case-sensitive, `exp` smoothing (an n-gram order with no match contributes precision
  `1 / (2^k * total_n)` for the k-th such order, as in the NIST mteval script) and effective order
  (orders longer than the hypothesis are ignored, so a 2-word output can still score).
- `gleu`: Google-BLEU (Wu et al. 2016) via nltk `sentence_gleu`, n-grams 1..4, on the same `13a`
  tokens as `bleu`: min(n-gram precision, n-gram recall) over all orders pooled. Needs no corpora.
- `meteor`: nltk `meteor_score` (alpha 0.9, beta 3, gamma 0.5, lower-cased, 13a tokens) with the
  exact and Porter-stem matching stages only. METEOR's third stage (WordNet synonyms) needs the WordNet
  corpus, which is not on PyPI and can't be downloaded at run time; we run without it so scores are the
  same on every machine. Synonyms therefore don't match: "big"/"large" score as different words.
- `rouge_1`..`rouge_5`, `rouge_l`: rouge-score's F-measure (`rougeN`, and `rougeL` = sentence-level LCS,
  no summary-level splitting), no stemming. rouge-score's default tokeniser deletes every non-ASCII
  character (so "café" becomes "caf" and Chinese text scores 0); we pass a tokeniser that keeps
  Unicode letters and digits and is identical to the default on ASCII text. For `rouge_l` the LCS
  length comes from rapidfuzz's bit-parallel `LCSseq` on those tokens instead of rouge-score's
  pure-Python O(n*m) table (3000 x 3000 tokens: 16 s there, 5 ms here); the F-measure is the same
  (`tests/test_text_similarity.py` checks equality against rouge-score).
"""
from __future__ import annotations

import functools
import re

import sacrebleu
from nltk.translate.gleu_score import sentence_gleu
from nltk.translate.meteor_score import meteor_score
from rapidfuzz.distance import LCSseq
from rouge_score import rouge_scorer, scoring, tokenizers
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

ROUGE_METRICS = {f"rouge_{n}": f"rouge{n}" for n in range(1, 6)} | {"rouge_l": "rougeL"}

_tokenize_13a = Tokenizer13a()
_WORD = re.compile(r"[^\W_]+")


def words_13a(text: str) -> list[str]:
    """The tokens sacrebleu's default (`13a`, mteval-v13a) tokeniser produces."""
    return _tokenize_13a(text).split()


def bleu(candidate: str, reference: str) -> float:
    # sacrebleu reports 100.00000000000004 for identical strings: trim the float noise
    return min(1.0, sacrebleu.sentence_bleu(candidate, [reference]).score / 100.0)


def gleu(candidate: str, reference: str) -> float:
    return float(sentence_gleu([words_13a(reference)], words_13a(candidate), min_len=1, max_len=4))


class _NoSynonyms:
    """Stands in for nltk's WordNet reader: no word has synonyms (METEOR exact + stem stages only)."""

    def synsets(self, *args, **kwargs) -> list:
        return []


_NO_SYNONYMS = _NoSynonyms()


def meteor(candidate: str, reference: str) -> float:
    return float(meteor_score([words_13a(reference)], words_13a(candidate), wordnet=_NO_SYNONYMS))


class UnicodeRougeTokenizer(tokenizers.Tokenizer):
    """rouge-score's default tokenisation (lower-case, split on non-alphanumerics) that keeps non-ASCII letters."""

    def tokenize(self, text: str) -> list[str]:
        return _WORD.findall(text.lower())


_ROUGE_TOKENIZER = UnicodeRougeTokenizer()


def rouge_l(candidate: str, reference: str) -> float:
    """rouge-score's `rougeL` F-measure, with the LCS length from rapidfuzz (bit-parallel)."""
    cand, ref = _ROUGE_TOKENIZER.tokenize(candidate), _ROUGE_TOKENIZER.tokenize(reference)
    if not cand or not ref:
        return 0.0
    lcs = LCSseq.similarity(cand, ref)
    return float(scoring.fmeasure(lcs / len(cand), lcs / len(ref)))


@functools.lru_cache(maxsize=None)
def _rouge_scorer(rouge_type: str) -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer([rouge_type], use_stemmer=False, tokenizer=_ROUGE_TOKENIZER)


def rouge(candidate: str, reference: str, metric: str) -> float:
    """F-measure of `metric` (`rouge_1`..`rouge_5`, `rouge_l`)."""
    rouge_type = ROUGE_METRICS[metric]
    if rouge_type == "rougeL":
        return rouge_l(candidate, reference)
    # rouge-score's argument order is (target, prediction)
    return float(_rouge_scorer(rouge_type).score(reference, candidate)[rouge_type].fmeasure)
