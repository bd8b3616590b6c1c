"""`format`: the R1-style format reward. Checked against open-r1's format reward on well-formed outputs, and as
an attacker: every layout that pays must have one non-empty think block first and one non-empty answer."""
import re

import pytest

from graders import SpecError, load_grader

R1 = {"type": "format", "name": "r1_format"}

WELL_FORMED = [
    "<think>\nThe train covers 120 km in 2 hours, so 60 km/h.\n</think>\n<answer>\n60\n</answer>",
    "<think>\nLet x be the number of apples. 3x = 12, x = 4.\n</think>\n<answer>\n4\n</answer>",
    "<think>\nParis is the capital of France.\n</think>\n<answer>\nParis\n</answer>\n",
    "<think>\nStep 1: factor.\nStep 2: $x^2-1=(x-1)(x+1)$.\n</think>\n<answer>\n$(x-1)(x+1)$\n</answer>",
]


def open_r1_format_reward(text: str) -> float:
    """open-r1's `format_reward` (src/open_r1/rewards.py), verbatim pattern and flags."""
    pattern = r"^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$"
    return 1.0 if re.match(pattern, text, re.DOTALL | re.MULTILINE) else 0.0


@pytest.mark.parametrize("text", WELL_FORMED)
def test_well_formed_outputs_pay_like_the_reference(text):
    assert open_r1_format_reward(text) == 1.0
    res = load_grader(R1).grade(text)
    assert (res.status, res.score) == ("ok", 1.0), res.reason


def test_spacing_the_reference_refuses_is_fine_here():
    """Newlines are not the format: one-line blocks and blank lines between them pay too."""
    g = load_grader(R1)
    for text in ("<think>2 + 2 = 4</think><answer>4</answer>", "  <think>2+2 is 4.</think>\n\n<answer>4</answer>  "):
        assert open_r1_format_reward(text) == 0.0
        assert g.grade(text).score == 1.0


# (output, rule) : how a policy would try to get the format reward without the format
ATTACKS = [
    ("", "missing_tag"),
    ("The answer is 4.", "missing_tag"),
    ("<answer>4</answer>", "tag_order"),
    ("<think>\n\n</think>\n<answer>\n4\n</answer>", "empty_think"),                    # empty think block
    ("<think>\n...\n</think>\n<answer>\n4\n</answer>", "empty_think"),                 # punctuation only
    ("<think>\n\u200b\u2060\u3164\n</think>\n<answer>\n4\n</answer>", "empty_think"),  # invisible / blank letters
    ("<think>\n<!-- reasoning -->\n</think>\n<answer>\n4\n</answer>", "empty_think"),   # hidden by markdown
    ("<think>\nok\n</think>\n<answer>\n \n</answer>", "empty_answer"),
    ("<think>\nok\n</think>\n<answer>\n\u200b\n</answer>", "empty_answer"),
    ("<think>\nok\n</think>\n<answer>\n4\n</answer>\nActually 5.", "text_after_answer"),
    ("<think>\nok\n</think>\n<answer>\n4\n</answer>\n<answer>\n5\n</answer>", "repeated_tag"),
    ("<think>\na\n</think>\n<think>\nb\n</think>\n<answer>\n4\n</answer>", "tag_order"),
    ("<think>\na <think> b </think>\n</think>\n<answer>\n4\n</answer>", "tag_order"),   # nested
    ("<think>\na <answer>4</answer>\n</think>\n<answer>\n4\n</answer>", "tag_order"),    # answer inside think
    ("Sure! <think>\nok\n</think>\n<answer>\n4\n</answer>", "text_before_think"),
    ("<think>\nok\n</think>\nSo:\n<answer>\n4\n</answer>", "text_between"),
    ("<Think>\nok\n</Think>\n<answer>\n4\n</answer>", "malformed_tag"),
    ("<think>\nok\n< /think>\n<answer>\n4\n</answer>", "malformed_tag"),
    ("<think>\nok\n</think>\n<answer>\n4\n", "missing_tag"),                             # truncated
    ("<think>\nok\n</think >\n<answer>\n4\n</answer>", "malformed_tag"),
]


@pytest.mark.parametrize("text,rule", ATTACKS)
def test_attacks_score_zero_and_name_the_rule(text, rule):
    res = load_grader(R1).grade(text)
    assert (res.status, res.score, res.details["rule"]) == ("ok", 0.0, rule), res.reason


def test_holes_in_the_reference_pattern_are_closed_here():
    """open-r1's pattern pays these (MULTILINE `$` ends at any line; `.*?` accepts nothing and nested tags)."""
    g = load_grader(R1)
    for text in ("<think>\n\n</think>\n<answer>\n\n</answer>",
                 "<think>\nok\n</think>\n<answer>\n4\n</answer>\nActually the answer is 5.",
                 "<think>\n<think>\n</think>\n<answer>\n4\n</answer>"):
        assert open_r1_format_reward(text) == 1.0
        assert g.grade(text).score == 0.0


def test_tag_like_words_are_text_not_tags():
    g = load_grader(R1)
    assert g.grade("<think>I will write <thinking> later.</think><answer>4</answer>").score == 1.0
    assert g.grade("<thinking>ok</thinking><answer>4</answer>").details["rule"] == "tag_order"


def test_no_answer_tag_means_free_text_after_the_think_block():
    g = load_grader({"type": "format", "answer_tag": None})
    assert g.grade("<think>\n6 * 7 = 42\n</think>\n\nThe answer is 42.").score == 1.0
    assert g.grade("<think>\n6 * 7 = 42\n</think>\n\n").details["rule"] == "empty_answer"
    assert g.grade("<think>\n6 * 7\n</think>\n42\n</think>\n43").details["rule"] == "repeated_tag"


def test_prefilled_think_starts_inside_the_block():
    g = load_grader({"type": "format", "think_prefilled": True})
    assert g.grade("6 * 7 = 42\n</think>\n<answer>42</answer>").score == 1.0
    assert g.grade("<think>6 * 7</think><answer>42</answer>").details["rule"] == "tag_order"
    assert g.grade("\n</think>\n<answer>42</answer>").details["rule"] == "empty_think"


def test_options_change_the_layout():
    g = load_grader({"type": "format", "think_tag": "reasoning", "answer_tag": "final",
                     "allow_text_after_answer": True, "min_think_words": 3})
    assert g.grade("<reasoning>two plus two</reasoning><final>4</final> Hope this helps!").score == 1.0
    res = g.grade("<reasoning>two plus</reasoning><final>4</final>")
    assert res.details == {"rule": "empty_think", "think_words": 2}
    assert load_grader({"type": "format", "min_think_words": 0}).grade("<think></think><answer>4</answer>").score == 1


def test_spec_errors_and_refused_timeout():
    with pytest.raises(SpecError, match="/answer_tag: must differ from think_tag"):
        load_grader({"type": "format", "answer_tag": "think"})
    with pytest.raises(SpecError, match="/allow_text_after_answer: only applies with an answer_tag"):
        load_grader({"type": "format", "answer_tag": None, "allow_text_after_answer": True})
    with pytest.raises(SpecError, match="/think_tag: '<think>' does not match"):
        load_grader({"type": "format", "think_tag": "<think>"})
    with pytest.raises(SpecError, match="/timeout_s: format does not accept timeout_s"):
        load_grader({"type": "format", "timeout_s": 1})


def test_linear_on_floods_of_tags_and_near_tags():
    g = load_grader(R1)
    unclosed = g.grade("<think>" + "<think " * 200_000 + "</think><answer>4</answer>")
    assert unclosed.score == 1.0  # `<think` without `>` is text: 200,000 words of it
    assert unclosed.elapsed_ms < 5_000
    flood = g.grade("<think>ok</think>" * 200_000 + "<answer>4</answer>")
    assert flood.details["rule"] == "tag_order" and flood.elapsed_ms < 5_000
    brackets = g.grade("<think>ok</think><answer>" + "< /" * 300_000 + "4</answer>")
    assert brackets.score == 1.0 and brackets.elapsed_ms < 5_000


def shipped_rows(name):
    import json
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "grader_specs"
    rows = [json.loads(line) for line in (folder / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    return load_grader(folder / f"{name}.json"), rows


def test_shipped_r1_format_spec_scores_its_examples():
    g, rows = shipped_rows("r1_format")
    results = g.grade_batch([(r["sample"], r["item"]) for r in rows])
    for row, res in zip(rows, results):
        assert (res.status, res.score) == (row["expect"]["status"], pytest.approx(row["expect"]["score"])), res.reason
