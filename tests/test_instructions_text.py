"""Text utilities: NLTK Punkt with English parameters offline, word tokens, loose variants."""
import pytest

from graders.instructions.language import detect_language
from graders.instructions.text import (
    count_sentences, count_words, loose_variants, punkt_sentences, punkt_tokenizer, word_tokenize)


def test_punkt_uses_nltk_english_parameters():
    params = punkt_tokenizer()._params
    assert len(params.abbrev_types) == 156
    assert {"dr", "mr", "mrs", "u.s", "inc", "jan"} <= params.abbrev_types
    assert "e.g" not in params.abbrev_types  # trained on news text: NLTK splits after "e.g." too
    assert type(punkt_tokenizer()).__module__ == "nltk.tokenize.punkt"  # NLTK's algorithm, not a re-implementation


@pytest.mark.parametrize("text,expected", [
    ("Hello world. How are you? I am fine!", 3),
    ("Dr. Smith met Mr. Jones at 5 p.m. on Monday. They talked.", 2),
    ("The U.S. economy grew. Prices rose.", 2),
    ("It costs $3.50 today. Tomorrow it may not.", 2),
    ("Wait... what happened", 1),
    ("no punctuation at all", 1),
    ("", 0),
])
def test_count_sentences(text, expected):
    assert count_sentences(text) == expected


def test_nltk_splits_a_question_mark_after_an_abbreviation():
    # the standalone `punkt` package keeps "P.S.?" together; NLTK (the reference) does not
    assert punkt_sentences("Start with P.S.?") == ["Start with P.S.", "?"]


@pytest.mark.parametrize("text,expected", [
    ("don't stop", 3), ("e-mail me @ 5pm", 4), ("naïve café", 2), ("   ", 0), ("snake_case_word", 1),
])
def test_count_words_is_word_character_runs(text, expected):
    assert count_words(text) == expected


def test_word_tokenize_matches_nltk_treebank_rules():
    assert word_tokenize("I can't go. THE END.") == ["I", "ca", "n't", "go", ".", "THE", "END", "."]
    assert word_tokenize('He said "NO".') == ["He", "said", "``", "NO", "''", "."]


def test_loose_variants_are_the_eight_reference_variants():
    variants = loose_variants("first *line*\nmiddle\nlast")
    assert len(variants) == 8
    assert variants[0] == "first *line*\nmiddle\nlast"
    assert variants[1] == "first line\nmiddle\nlast"
    assert variants[2] == "middle\nlast" and variants[3] == "first *line*\nmiddle" and variants[4] == "middle"
    assert variants[5:] == ["middle\nlast", "first line\nmiddle", "middle"]


def test_language_detection_is_deterministic_and_none_on_no_features():
    text = "Questo è un testo scritto in italiano per verificare il rilevamento della lingua."
    assert {detect_language(text + "!" * i) for i in range(5)} == {"it"}
    assert detect_language("1234 5678") is None


def test_docs_list_every_instruction_and_are_fresh():
    from graders.instructions import all_instructions
    from instruction_fixtures import make_instruction_docs

    text = make_instruction_docs.DOC.read_text(encoding="utf-8")
    assert make_instruction_docs.render(text) == text, \
        "docs/instructions.md is stale: run python tools/make_instruction_docs.py"
    for instruction_id in all_instructions():
        assert f"| `{instruction_id}` |" in text
