"""Robust semantics of `instruction_following`: every gaming class closed, in both semantics.

For each class: the reference semantics keeps the reference verdict ("followed", the hole), the robust
semantics closes it ("not followed"), and an honest response of the same shape stays followed. Grader-level
cases go through `load_grader`, so they run in the worker pool like production grades.
"""
import json
import random
import unicodedata

import pytest

from graders import load_grader
from graders.instructions import InstructionError, all_instructions, bind
from graders.instructions.robust_text import (
    comma_characters, confusable_table, fold, loose_variants, normalise, sentences, words)
from graders.spec import SpecError

IFEVAL = {i: d for i, d in all_instructions().items() if d.source == "ifeval"}
ROBUST = {i: d for i, d in all_instructions().items() if d.robust is not None}
GAMED = [(i, kw, text) for i, d in ROBUST.items() for kw, text in d.robust.gamed]
HONEST = [(i, kw, text) for i, d in ROBUST.items() for kw, text in d.robust.honest]


def grader(semantics, *instructions, **spec):
    return load_grader({"type": "instruction_following", "semantics": semantics,
                        "instructions": list(instructions), **spec})


def both(instruction, response, **spec):
    """(reference score, robust score) of one inline instruction through the grader."""
    return tuple(grader(s, instruction, **spec).grade(response).score for s in ("reference", "robust"))


# -- every id, every listed example ------------------------------------------------------------------------
def test_every_ifeval_id_has_a_robust_rule():
    assert len(IFEVAL) == 25
    assert all(d.robust is not None and d.robust.rule for d in IFEVAL.values())
    assert len(GAMED) >= 60


@pytest.mark.parametrize("instruction_id,kwargs,text", GAMED, ids=[f"{i}-{n}" for n, (i, _, _) in enumerate(GAMED)])
def test_gamed_response_follows_reference_but_not_robust(instruction_id, kwargs, text):
    assert bind(instruction_id, kwargs)(text) is True, "the example must be a hole of the reference"
    assert bind(instruction_id, kwargs, semantics="robust")(text) is False


@pytest.mark.parametrize("instruction_id,kwargs,text", HONEST, ids=[f"{i}-{n}" for n, (i, _, _) in enumerate(HONEST)])
def test_honest_response_follows_robust(instruction_id, kwargs, text):
    assert bind(instruction_id, kwargs, semantics="robust")(text) is True


SUPPORTED = sorted(i for i, d in all_instructions().items() if not d.unsupported)


@pytest.mark.parametrize("instruction_id", SUPPORTED)
def test_documented_examples_hold_in_robust_mode(instruction_id):
    defn = all_instructions()[instruction_id]
    check = bind(instruction_id, defn.example_kwargs, semantics="robust")
    assert check(defn.example_pass) is True
    assert check(defn.example_fail) is False


# -- the classes named in the issue, through the grader ----------------------------------------------------
@pytest.mark.parametrize("response", ["12345 !!! ???", "\u3164\u3164\u3164", "😀 😀 42"])
def test_letter_free_text_does_not_pass_a_language_check(response):
    assert both({"id": "language:response_language", "language": "ko"}, response)[0] == 1.0
    assert grader("robust", {"id": "language:response_language", "language": "ko"}).grade(response).score == 0.0


@pytest.mark.parametrize("comma", ["，", "‚", "﹐", "、", "،", "⹁", "⸴", "꓾", "\u0326", "¸", "٫"])
def test_comma_look_alikes_are_commas(comma):
    response = f"One{comma} two and three"
    assert both({"id": "punctuation:no_comma"}, response) == (1.0, 0.0)


def test_letters_named_comma_are_not_commas():
    assert grader("robust", {"id": "punctuation:no_comma"}).grade("Bucureşti și Timișoara ʻokina").score == 1.0


@pytest.mark.parametrize("response", [
    "ꓧello ꓪorld, this is ꓮlice writing in english to my friend.",   # Lisu: uncased capitals
    "ʜᴇʟʟᴏ this is written in english for my friend.",                 # small capitals are lowercase code points
])
def test_uncased_or_small_capital_look_alikes_fail_lowercase(response):
    assert both({"id": "change_case:english_lowercase"}, response) == (1.0, 0.0)


def test_lowercase_look_alikes_fail_english_capital():
    response = "THIS IS ENGǀISH TEXT ǀIKE A ǀETTER"  # ǀ: an uncased letter that looks like l
    assert both({"id": "change_case:english_capital"}, response) == (1.0, 0.0)


@pytest.mark.parametrize("filler", ["\u3164", "\u115f", "\u1160", "\uffa0"])  # letters (Lo) that render blank
def test_blank_fillers_are_not_words(filler):
    padded = " ".join([filler] * 50) + " short answer"
    assert both({"id": "length_constraints:number_words", "num_words": 40, "relation": "at least"}, padded) == \
        (1.0, 0.0)
    joined = filler.join(["one", "two", "three", "four"])  # reads as four words, one \w+ run
    assert both({"id": "length_constraints:number_words", "num_words": 3, "relation": "less than"}, joined) == \
        (1.0, 0.0)


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e",
                                       "\u034f", "\U000e0020", "\x00", "\x08"])
def test_invisible_characters_neither_hide_forbidden_words_nor_make_words(invisible):
    assert both({"id": "keywords:forbidden_words", "forbidden_words": ["very"]}, f"It is ve{invisible}ry good.") \
        == (1.0, 0.0)
    split = invisible.join("abcdefghij")
    assert both({"id": "length_constraints:number_words", "num_words": 5, "relation": "at least"}, split)[1] == 0.0


@pytest.mark.parametrize("disguise", ["vеry", "ｖｅｒｙ", "𝐯𝐞𝐫𝐲", "ve\u0301ry", "VΕRY", "v\u0336e\u0336r\u0336y\u0336"])
def test_look_alike_letters_and_marks_do_not_hide_forbidden_words(disguise):
    assert both({"id": "keywords:forbidden_words", "forbidden_words": ["very"]}, f"It was {disguise} good.") == \
        (1.0, 0.0)


def test_underscores_are_not_400_words():
    assert both({"id": "length_constraints:number_words", "num_words": 400, "relation": "at least"},
                "_ " * 400) == (1.0, 0.0)


@pytest.mark.parametrize("response", ["42", '"a string"', "true", "null", "[]", "{}", "```json\n[]\n```", "[NaN]"])
def test_scalars_and_empty_containers_are_not_json(response):
    assert both({"id": "detectable_format:json_format"}, response) == (1.0, 0.0)


@pytest.mark.parametrize("response", ['{"name": "x"}', "```json\n[1, 2]\n```", '```JSON\n{"a": {"b": "c"}}\n```'])
def test_real_json_is_json_in_both(response):
    assert both({"id": "detectable_format:json_format"}, response) == (1.0, 1.0)


@pytest.mark.parametrize("response", ["[] [] []", "[ ] [ ] [ ]", "[\u200b] [.] [!]", "[1] [2] [3]",
                                      "[a](http://x) [b](http://y) [c](http://z)"])
def test_empty_brackets_are_not_placeholders(response):
    assert both({"id": "detectable_content:number_placeholders", "num_placeholders": 3}, response) == (1.0, 0.0)


@pytest.mark.parametrize("response", ["*\u200b* *\u200b*", "* . * * , *", "**\u200b** *\u2060*"])
def test_invisible_or_empty_emphasis_is_not_a_highlight(response):
    assert both({"id": "detectable_format:number_highlighted_sections", "num_highlights": 2}, response) == (1.0, 0.0)


# -- grader-level rules ------------------------------------------------------------------------------------
@pytest.mark.parametrize("response", ["\u200b", "...", "*** ;;; ***", "\u3164\u3164", "\u2800 \u2800"])
def test_response_without_letters_or_digits_is_no_answer_in_robust(response):
    ref = grader("reference", {"id": "punctuation:no_comma"}).grade(response)
    rob = grader("robust", {"id": "punctuation:no_comma"}).grade(response)
    assert ref.status == "ok" and ref.score == 1.0
    assert rob.status == "no_answer" and rob.score == 0.0
    assert rob.children["punctuation:no_comma"].score == 0.0


def test_loose_mode_only_forgives_short_first_and_last_lines():
    fewer = {"id": "length_constraints:number_words", "num_words": 20, "relation": "less than"}
    long_line = " ".join(["word"] * 60)
    response = f"Short answer here.\n{long_line}"
    assert [grader(s, fewer, mode="loose").grade(response).score for s in ("reference", "robust")] == [1.0, 0.0]
    commas = "Sure, here it is, as you asked:\nno commas in this part\nHope that helps, bye!"
    no_comma = {"id": "punctuation:no_comma"}
    assert [grader(s, no_comma, mode="loose").grade(commas).score for s in ("reference", "robust")] == [1.0, 1.0]
    assert grader("robust", no_comma, mode="strict").grade(commas).score == 0.0


def test_robust_loose_variants_keep_long_lines():
    long_line = " ".join(["w"] * 30)
    assert loose_variants(f"{long_line}\nmiddle\nshort") == [
        f"{long_line}\nmiddle\nshort", f"{long_line}\nmiddle"]
    assert "middle\nshort" in loose_variants(f"preamble:\nmiddle\nshort")


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2067", "\u202b"])
def test_bidi_reordering_is_rejected_in_robust(control):
    response = f"It is {control}yrev good."  # RLO makes 'yrev' display as 'very'
    rob = grader("robust", {"id": "keywords:forbidden_words", "forbidden_words": ["very"]}).grade(response)
    assert rob.status == "rejected" and rob.score == 0.0
    assert grader("reference", {"id": "keywords:forbidden_words", "forbidden_words": ["very"]}).grade(response) \
        .score == 1.0


def test_html_comments_hide_nothing():
    response = "Hello there <!-- [name] [place] [date] -->"
    assert both({"id": "detectable_content:number_placeholders", "num_placeholders": 3}, response) == (1.0, 0.0)
    hidden = "A poem about the sea. <!-- river bridge"
    assert both({"id": "keywords:existence", "keywords": ["river"]}, hidden) == (1.0, 0.0)


def test_default_semantics_is_robust_and_validated():
    g = load_grader({"type": "instruction_following", "instructions": ["punctuation:no_comma"]})
    assert g.semantics == "robust" and g.isolation == "process"
    assert g.grade("One， two").score == 0.0
    with pytest.raises(SpecError):
        load_grader({"type": "instruction_following", "semantics": "lenient"})


def test_item_driven_rows_grade_in_both_semantics(shared_data):
    rows = [json.loads(line) for line in (shared_data / "ifeval" / "input_data.jsonl").read_text().splitlines()]
    row = next(r for r in rows if r["key"] == 1107)  # no commas + two responses
    gamed = "Joke one here，yes.\n******\nJoke one here，yes!"
    results = [load_grader({"type": "instruction_following", "semantics": s}).grade(gamed, row)
               for s in ("reference", "robust")]
    assert [r.sub_scores for r in results] == [
        {"punctuation:no_comma": 1.0, "combination:two_responses": 1.0},
        {"punctuation:no_comma": 0.0, "combination:two_responses": 0.0}]


# -- the hard deadline -------------------------------------------------------------------------------------
def test_instruction_following_has_a_hard_deadline():
    # the reference's Treebank tokenizer costs ~0.2 ms per sentence: ~10 s of CPU on this response
    slow = "A. " * 60_000
    g = load_grader({"type": "instruction_following", "semantics": "reference", "timeout_s": 1,
                     "instructions": [{"id": "change_case:capital_word_frequency", "capital_frequency": 5,
                                       "capital_relation": "at least"}]})
    results = g.grade_batch([slow, "ONE TWO THREE FOUR FIVE SIX"])
    assert results[0].status == "timeout" and results[0].score == 0.0
    assert results[0].elapsed_ms < 5_000
    assert results[1].status == "ok" and results[1].score == 1.0


# -- the text rules themselves ------------------------------------------------------------------------------
def test_confusable_table_maps_only_non_ascii_onto_ascii():
    table = confusable_table()
    assert all(code > 127 and len(target) == 1 and 33 <= ord(target) < 127 for code, target in table.items())
    assert fold("ꓧеllo ΤΗΕ ｗｏｒｌｄ") == "hello the world"
    assert fold("l1I") == "l1i"  # ASCII is never remapped: 1, l and I stay distinct


def test_comma_class_covers_named_commas_but_not_letters():
    commas = comma_characters()
    for char in ",，、،⹁꓾‚¸":
        assert char in commas
    for char in "șʻ'\"“”.":
        assert char not in commas


def test_words_and_sentences():
    assert words("_ _ don't e-mail 42 café ㅤ") == ["don't", "e-mail", "42", "café", "ㅤ"]
    assert words(normalise("ㅤ_ㅤ\u200b")) == []
    assert len(sentences("One. Two\nthree four\n. . .\nFive。Six")) == 5
    assert len(sentences("<<Title>>\n# Heading\nBody one. Body two.")) == 2


def test_random_invisible_insertions_never_change_a_robust_verdict():
    """Zero-width and other default-ignorable characters inserted anywhere leave every verdict as it was."""
    invisibles = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\ufe0f", "\u2063"]
    checks = [bind(i, kw, semantics="robust") for i, kw in [
        ("punctuation:no_comma", {}), ("keywords:forbidden_words", {"forbidden_words": ["river", "cat"]}),
        ("length_constraints:number_words", {"num_words": 12, "relation": "at least"}),
        ("keywords:frequency", {"keyword": "cat", "frequency": 2, "relation": "less than"}),
        ("detectable_format:number_highlighted_sections", {"num_highlights": 1}),
        ("detectable_content:number_placeholders", {"num_placeholders": 1}),
        ("change_case:english_lowercase", {}), ("detectable_format:title", {}),
        ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "at least"})]]
    pieces = ["the", "river", "cat", "Cat", "runs", "*fast*", "[name]", "<<T>>", ",", ".", "\n", "words", "here"]
    rng = random.Random(11)
    for _ in range(300):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        noisy = "".join(c + (rng.choice(invisibles) if rng.random() < 0.3 else "") for c in text)
        assert [c(text) for c in checks] == [c(noisy) for c in checks], (text, noisy)


def test_normalisation_is_nfkc_without_invisibles():
    text = normalise("ｆｕｌｌ\u200bwidth ﬁne\u00a0x\r\ny\u2028z")
    assert text == "fullwidth fine x\ny\nz"
    assert unicodedata.is_normalized("NFKC", text)


@pytest.mark.parametrize("instruction_id,kwargs,response", [
    ("format:no_whitespace", {}, "Spaces\u2800that\u3164render\u2800blank"),
    ("format:thesis", {}, "<i>\u200b</i> Here is why."),
    ("count:keywords_multiple", {"keyword1": "ant", "keyword2": "bee", "keyword3": "cow", "keyword4": "dog",
                                 "keyword5": "elk"},
     "ant an\u200bt bee bee cow cow cow dog dog dog dog dog elk elk elk elk elk elk elk"),
])
def test_normalisation_alone_closes_ifbench_holes(instruction_id, kwargs, response):
    assert all_instructions()[instruction_id].robust is None  # closed by the response normalisation
    assert bind(instruction_id, kwargs)(response) is True
    assert bind(instruction_id, kwargs, semantics="robust")(response) is False


@pytest.mark.parametrize("instruction_id", ["custom:csv_city", "custom:csv_special_character", "custom:csv_quotes"])
def test_csv_field_over_the_csv_limit_is_not_followed(instruction_id):
    # csv.reader raises csv.Error on a field over 131,072 characters (the reference crashes); not followed
    for semantics in ("reference", "robust"):
        assert bind(instruction_id, {}, semantics=semantics)("x" * 140_000) is False


@pytest.mark.parametrize("instruction_id,kwargs,message", [
    ("keywords:existence", {"keywords": ["(unclosed"]}, "not a valid regex"),
    ("keywords:forbidden_words", {"forbidden_words": ["(a+)+"]}, "nested quantifier"),
    ("length_constraints:nth_paragraph_first_word", {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "x"},
     "nth_paragraph"),
    ("length_constraints:number_words", {"num_words": 3}, "missing required kwarg"),
])
def test_a_spec_is_refused_the_same_way_in_both_semantics(instruction_id, kwargs, message):
    for semantics in ("reference", "robust"):
        with pytest.raises(InstructionError, match=message):
            bind(instruction_id, kwargs, semantics=semantics)


def test_robust_changes_few_verdicts_on_ordinary_text(shared_data):
    """On the 2,164 generated responses to IFEval's rows (plain prose, no tricks), strict robust verdicts equal
    the reference ones except for the documented plural rule of forbidden words ('fields' for 'field')."""
    from graders.instructions import bind_instructions, is_followed, prepare_response
    from instruction_fixtures import synthesize

    rows = [json.loads(line) for line in (shared_data / "ifeval" / "input_data.jsonl").read_text().splitlines()]
    changed = []
    for row in rows:
        pairs = list(zip(bind_instructions(row, "reference"), bind_instructions(row, "robust")))
        for text in synthesize(row).values():
            ref, rob = prepare_response(text, "strict", "reference"), prepare_response(text, "strict", "robust")
            for a, b in pairs:
                if is_followed(a.check, ref, "strict") != is_followed(b.check, rob, "strict"):
                    changed.append((row["key"], a.id, is_followed(a.check, ref, "strict")))
    assert {instruction_id for _, instruction_id, _ in changed} <= {"keywords:forbidden_words"}, changed
    assert all(reference_followed for _, _, reference_followed in changed) and len(changed) <= 10, changed
