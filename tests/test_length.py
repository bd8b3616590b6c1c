"""`length`: DAPO's soft overlong punishment against verl's reference formula, the target band, the three units,
offline tokenizers, and padding attacks (a floor counts what a reader sees)."""
import json
import statistics

import pytest

from graders import SpecError, load_grader
from graders.types.length import overlong_score

GSM_ANSWER = ("Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\n"
              "#### 72")


def dapo_spec(max_length=100, buffer_length=20, **extra):
    return {"type": "length", "unit": "characters",
            "overlong": {"max_length": max_length, "buffer_length": buffer_length, **extra}}


def verl_overlong_reward(length: int, max_resp_len: int, buffer_len: int, penalty_factor: float = 1.0) -> float:
    """verl's DAPO reward manager (recipe/dapo, `overlong_buffer`), as written there."""
    expected_len = max_resp_len - buffer_len
    exceed_len = length - expected_len
    return min(-exceed_len / buffer_len * penalty_factor, 0)


def dapo_paper_reward(length: int, l_max: int, l_cache: int) -> float:
    """DAPO paper, eq. 13 (soft overlong punishment)."""
    if length <= l_max - l_cache:
        return 0.0
    if length <= l_max:
        return ((l_max - l_cache) - length) / l_cache
    return -1.0


@pytest.mark.parametrize("l_max,l_cache", [(100, 20), (20480, 4096), (10, 10), (7, 1)])
def test_overlong_is_dapo_shifted_by_one(l_max, l_cache):
    for n in range(0, l_max + 50, max(1, l_max // 500)):
        expected = 1.0 + dapo_paper_reward(n, l_max, l_cache)
        assert overlong_score(n, l_max, l_cache) == pytest.approx(expected, abs=1e-12), n
        if n <= l_max:  # verl truncates at max_resp_len, so its formula is only defined up to there
            assert overlong_score(n, l_max, l_cache) == pytest.approx(1.0 + verl_overlong_reward(n, l_max, l_cache))


def test_penalty_factor_follows_verl_and_the_grader_uses_it():
    for n in range(0, 101):
        ours = overlong_score(n, 100, 20, penalty_factor=0.5)
        assert ours == pytest.approx(max(0.0, 1.0 + verl_overlong_reward(n, 100, 20, 0.5)))
    g = load_grader(dapo_spec(penalty_factor=0.5))
    assert [g.grade("x" * n).score for n in (80, 90, 100, 101)] == [1.0, 0.75, 0.5, 0.0]


def test_overlong_grader_scores_characters():
    g = load_grader(dapo_spec())
    results = g.grade_batch(["x" * n for n in (1, 80, 81, 90, 99, 100, 101, 5000)])
    assert [r.score for r in results] == pytest.approx([1, 1, 0.95, 0.5, 0.05, 0, 0, 0])
    assert results[3].details == {"unit": "characters", "length": 90, "visible_length": 90}


def test_dapo_reward_through_multi_gives_the_same_grpo_advantages():
    """`(2 * answer + length) / 3` is DAPO's R_acc + R_length up to a positive affine map."""
    spec = {"type": "multi", "graders": {
        "answer": {"type": "string_check", "input": "{{ sample.output_text }}", "operation": "ends_with",
                   "reference": "#### {{ item.answer }}"},
        "length": dapo_spec(max_length=200, buffer_length=100)}, "calculate_output": "(2 * answer + length) / 3"}
    g = load_grader(spec)
    group = [GSM_ANSWER, "x" * 150 + "\n#### 72", "y" * 190 + "\n#### 71", "#### 72", "#### 12", "z" * 300 + "#### 72"]
    ours = [r.score for r in g.grade_batch([(text, {"answer": "72"}) for text in group])]
    dapo = [(1.0 if text.endswith("#### 72") else -1.0) + dapo_paper_reward(len(text), 200, 100) for text in group]

    def advantages(rewards):
        mean, std = statistics.fmean(rewards), statistics.pstdev(rewards)
        return [(r - mean) / std for r in rewards]

    assert advantages(ours) == pytest.approx(advantages(dapo))


def test_band_scores_inside_and_falls_off_outside():
    g = load_grader({"type": "length", "unit": "words", "band": {"min_length": 4, "max_length": 6, "tolerance": 2}})
    texts = ["one two", "one two three", "one two three four", "a b c d e f", "a b c d e f g", "a b c d e f g h i"]
    assert [g.grade(t).score for t in texts] == [0.0, 0.5, 1.0, 1.0, 0.5, 0.0]
    hard = load_grader({"type": "length", "unit": "words", "band": {"max_length": 3}})
    assert [hard.grade(t).score for t in ("one", "one two three", "one two three four")] == [1.0, 1.0, 0.0]


# -- padding attacks: how would a policy reach a minimum without writing more? ---------------------------------
@pytest.mark.parametrize("padded", [
    "Short." + " " * 500,                                # whitespace
    "Short." + "\u200b" * 500,                           # zero-width spaces
    "Short." + "\u3164" * 500,                           # HANGUL FILLER (a "letter" that renders blank)
    "Short.<!--" + "x" * 500 + "-->",                    # a comment markdown doesn't show
    "Short" + "\u0301" * 500 + ".",                      # combining marks stacked on one letter
    "Short." + "\n" * 500,
    "Short." + "\x00\x01\x02" * 200,                     # control characters
])
def test_invisible_padding_does_not_reach_a_character_floor(padded):
    g = load_grader({"type": "length", "unit": "characters", "band": {"min_length": 100}})
    res = g.grade(padded)
    assert res.score == 0.0 and res.details["visible_length"] <= 7, res.details
    assert res.details["length"] > 100  # the ceiling counts everything: the same padding can't dodge a maximum


def test_content_free_words_do_not_reach_a_word_floor():
    g = load_grader({"type": "length", "unit": "words", "band": {"min_length": 50}})
    for padded in ("answer " + "_ " * 100, "answer " + "- * " * 100, "answer " + "\u200b " * 100,
                   "answer " + "\u3164 " * 100):
        res = g.grade(padded)
        assert res.score == 0.0 and res.details["visible_length"] == 1, (padded[:20], res.details)


def test_invisible_text_cannot_hide_length_from_a_ceiling():
    g = load_grader({"type": "length", "unit": "characters", "band": {"max_length": 50}})
    assert g.grade("ok" + "\u200b" * 100).score == 0.0
    words = load_grader({"type": "length", "unit": "words", "band": {"max_length": 5}})
    assert words.grade("a b c d e f g h").score == 0.0
    assert words.grade("a,b,c,d,e,f,g,h").score == 0.0  # eight words in one chunk still count as eight


def test_empty_output_is_no_answer_never_a_free_full_score():
    g = load_grader(dapo_spec())
    for text in ("", "   \n", "\u200b\u2060", "<!-- -->"):
        res = g.grade(text)
        assert (res.status, res.score) == ("no_answer", 0.0), repr(text)


# -- tokens: a real tokenizer, loaded only from local files ----------------------------------------------------
@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = [GSM_ANSWER, "The quick brown fox jumps over the lazy dog.", "one two three four five"]
    tok.train_from_iterator(corpus, trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
    folder = tmp_path_factory.mktemp("policy")
    tok.save(str(folder / "tokenizer.json"))
    return folder


def test_tokens_are_counted_by_the_named_tokenizer(tokenizer_dir):
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(tokenizer_dir / "tokenizer.json"))
    for name in (str(tokenizer_dir), str(tokenizer_dir / "tokenizer.json")):
        g = load_grader({"type": "length", "unit": "tokens", "tokenizer": name,
                         "overlong": {"max_length": 30, "buffer_length": 10}})
        res = g.grade(GSM_ANSWER)
        n = len(reference.encode(GSM_ANSWER, add_special_tokens=False).ids)
        assert res.details["length"] == n == 27  # 11 + 14 + 2 word and punctuation pieces, counted by hand
        assert res.score == pytest.approx(1.0 + dapo_paper_reward(n, 30, 10))
    batch = g.grade_batch(["one two", "", "one two three four five " * 10])
    assert [(r.status, r.score) for r in batch] == [("ok", 1.0), ("no_answer", 0.0), ("ok", 0.0)]


def test_token_floor_counts_the_visible_text(tokenizer_dir):
    g = load_grader({"type": "length", "unit": "tokens", "tokenizer": str(tokenizer_dir),
                     "band": {"min_length": 5}})
    res = g.grade("one two" + " \u200b" * 50)
    assert res.details["visible_length"] == 2 and res.score == 0.0
    assert g.grade("one two three four five").score == 1.0


def test_a_model_id_is_found_in_the_local_hub_cache_only(tokenizer_dir, tmp_path, monkeypatch):
    import huggingface_hub.constants

    snapshot = tmp_path / "models--acme--policy-7b" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "tokenizer.json").write_bytes((tokenizer_dir / "tokenizer.json").read_bytes())
    (tmp_path / "models--acme--policy-7b" / "refs").mkdir()
    (tmp_path / "models--acme--policy-7b" / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    g = load_grader({"type": "length", "unit": "tokens", "tokenizer": "acme/policy-7b", "band": {"max_length": 3}})
    assert g.grade("one two three").score == 1.0 and g.grade("one two three four").score == 0.0
    with pytest.raises(SpecError) as info:
        load_grader({"type": "length", "unit": "tokens", "tokenizer": "acme/not-downloaded",
                     "band": {"max_length": 3}})
    assert str(info.value).startswith("<spec>: /tokenizer: no tokenizer.json at 'acme/not-downloaded'")
    assert "never downloads" in str(info.value)


def test_spec_errors_name_the_field(tmp_path):
    cases = [
        ({"type": "length", "unit": "tokens", "band": {"max_length": 3}}, "/tokenizer: unit 'tokens' needs a tokenizer"),
        ({"type": "length", "unit": "tokens", "tokenizer": str(tmp_path / "none"), "band": {"max_length": 3}},
         "/tokenizer: no tokenizer.json at"),
        ({"type": "length", "unit": "words", "tokenizer": "x", "band": {"max_length": 3}},
         "/tokenizer: only used with unit 'tokens'"),
        ({"type": "length", "unit": "words"}, "/: give exactly one of 'overlong'"),
        ({"type": "length", "unit": "words", "band": {"max_length": 3}, **dapo_spec()}, "/: give exactly one of"),
        ({"type": "length", "unit": "words", "band": {}}, "/band: needs min_length, max_length or both"),
        ({"type": "length", "unit": "words", "band": {"min_length": 5, "max_length": 3}}, "/band/min_length: must not"),
        (dapo_spec(max_length=10, buffer_length=20), "/overlong/buffer_length: must not exceed max_length"),
        ({**dapo_spec(), "timeout_s": 1}, "/timeout_s: length does not accept timeout_s"),
        ({"type": "length", "unit": "bytes", "band": {"max_length": 3}}, "/unit: 'bytes' is not one of"),
    ]
    for spec, message in cases:
        with pytest.raises(SpecError) as info:
            load_grader(spec)
        assert message in str(info.value), (spec, str(info.value))
    bad = tmp_path / "tokenizer.json"
    bad.write_text(json.dumps({"not": "a tokenizer"}))
    with pytest.raises(SpecError, match="is not a tokenizers tokenizer.json"):
        load_grader({"type": "length", "unit": "tokens", "tokenizer": str(bad), "band": {"max_length": 3}})


def test_shipped_dapo_math_spec_scores_its_examples():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "grader_specs"
    rows = [json.loads(line) for line in (folder / "dapo_math.jsonl").read_text().splitlines() if line.strip()]
    results = load_grader(folder / "dapo_math.json").grade_batch([(r["sample"], r["item"]) for r in rows])
    for row, res in zip(rows, results):
        assert res.status == row["expect"]["status"] and res.score == pytest.approx(row["expect"]["score"], abs=1e-6)
    assert results[2].children["length"].score == pytest.approx(1.0 + dapo_paper_reward(len(rows[2]["sample"]),
                                                                                          4000, 1000))
