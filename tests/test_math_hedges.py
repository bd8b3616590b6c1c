"""Issue 11's reward holes in `math_equivalence`, closed for both shipped specs (grader_specs/math.json and
gsm8k.json) and the default spec: every case here is an output a policy could use to get reward it did not earn.

* hedges: an answer that states two different values is not an answer (every hedge operator and word);
* unparseable answers never fall back to a lossy text comparison;
* a decimal against an exact value must round to it (no 7-significant-digit tolerance);
* contradictory chains score 0.
"""
import json

import pytest

from graders import load_grader
from grader_specs import FOLDER


def spec(name):
    if name == "default":
        return load_grader({"type": "math_equivalence", "reference": "{{ item.answer }}", "timeout_s": 10})
    return load_grader(FOLDER / f"{name}.json")


def scores(grader, rows):
    return [r.score for r in grader.grade_batch([(out, {"answer": ref}) for out, ref in rows])]


HEDGE_OPERATORS = [r"\approx", r"\sim", r"\simeq", r"\cong", r"\thickapprox", "≈", "~", r"\equiv"]


@pytest.mark.parametrize("name", ["math", "gsm8k", "default"])
@pytest.mark.parametrize("op", HEDGE_OPERATORS)
def test_every_hedge_operator_with_two_values_scores_zero_on_either_side(name, op):
    g = spec(name)
    rows = [(rf"\boxed{{12 {op} 13}}", "12"), (rf"\boxed{{12 {op} 13}}", "13"),
            (rf"#### 17 {op} 18", "#### 17"), (rf"#### 17 {op} 18", "#### 18")]
    assert scores(g, rows) == [0.0] * 4


@pytest.mark.parametrize("name", ["math", "gsm8k", "default"])
def test_hedge_chains_over_ranges_choices_intervals_and_expressions(name):
    g = spec(name)
    chain = r" \approx ".join(str(n) for n in range(0, 101))
    rows = [(rf"\boxed{{{chain}}}", str(n)) for n in (0, 1, 50, 99, 100)]
    rows += [(r"\boxed{(A) \approx (B) \approx (C) \approx (D) \approx (E)}", r"\text{(C)}"),
             (r"\boxed{[1,2] \approx [3,4]}", "[1,2]"), (r"\boxed{[1,2] \sim [3,4]}", "[3,4]"),
             (r"\boxed{x+1 \approx x+2}", "x+1"), (r"\boxed{x+1 \approx x+2}", "x+2"),
             (r"\boxed{\frac{1}{3} \approx 1.3}", r"\frac{1}{3}")]
    assert scores(g, rows) == [0.0] * len(rows)


def test_a_fixed_hedge_output_scores_nothing_on_math_and_gsm8k(shared_data):
    """The issue's attack: one fixed output shape that scored 1 on about half of MATH and most of GSM8K."""
    math_rows = [json.loads(x) for x in (shared_data / "math/test.jsonl").read_text().splitlines()[:300]]
    gsm_rows = [json.loads(x) for x in (shared_data / "gsm8k/test.jsonl").read_text().splitlines()[:300]]
    chain = r" \approx ".join(str(n) for n in range(-10, 201))
    for name, rows in (("math", math_rows), ("gsm8k", gsm_rows), ("default", math_rows + gsm_rows)):
        got = scores(spec(name), [(rf"\boxed{{{chain}}}" if name != "gsm8k" else f"#### {chain}", r["answer"])
                                  for r in rows])
        assert sum(got) == 0, name


@pytest.mark.parametrize("name", ["math", "default"])
def test_consistent_approximations_still_score(name):
    g = spec(name)
    rows = [(r"\boxed{\frac{2}{3} \approx 0.67}", r"\frac{2}{3}"), (r"\boxed{\sqrt{2} \approx 1.414}", r"\sqrt{2}"),
            (r"\boxed{\pi \approx 3.14}", r"\pi"), (r"\boxed{x \approx 11}", "11"), (r"\boxed{x = 70 + 3 = 73}", "73")]
    assert scores(g, rows) == [1.0] * len(rows)


@pytest.mark.parametrize("name", ["gsm8k", "default"])
def test_several_values_for_one_reference_score_zero(name):
    g = spec(name)
    rows = [("The answer is 3 or 4.", "3"), ("The answer is 3 or 4.", "4"), ("So x=3, x=4.\n#### 3, 4", "3"),
            ("She has 17 or 18 apples.", "17"), ("She has 17 or 18 apples.", "18"),
            ("The answer is 72. Or maybe 73.", "72"), ("The answer is between 12 and 13.", "12"),
            (r"So it is $\boxed{3}$, or maybe $\boxed{4}$.", "3"), (r"\boxed{3}, \boxed{4}", "4"),
            ("The answer is 72, or 73.", "73")]
    assert scores(g, rows) == [0.0] * len(rows)


@pytest.mark.parametrize("name", ["math", "default"])
def test_several_boxes_for_one_value_score_zero(name):
    g = spec(name)
    rows = [(r"\boxed{3}, \boxed{4}", "3"), (r"\boxed{3}, \boxed{4}", "4"), (r"\boxed{3} or \boxed{4}", "4"),
            (r"\boxed{x=3, x=4}", "3"), (r"\boxed{3 \text{ or } 4}", "4"), (r"\boxed{\pm 2021}", "2021")]
    assert scores(g, rows) == [0.0] * len(rows)


@pytest.mark.parametrize("name", ["math", "gsm8k", "default"])
def test_unparseable_answers_do_not_fall_back_to_lossy_text(name):
    g = spec(name)
    wrap = (lambda s: f"#### {s}") if name == "gsm8k" else (lambda s: rf"\boxed{{{s}}}")
    rows = [(wrap("(1.2"), "12"), (wrap("1.2)"), "12"), (wrap("(12"), "12.0"), (wrap(r"\frac{1}{}2"), "12")]
    assert scores(g, rows) == [0.0] * len(rows)


def test_text_answers_still_compare_as_text():
    g = spec("math")
    rows = [(r"\boxed{\text{Evelyn}}", r"\text{Evelyn}"), (r"\boxed{(C)}", r"\text{(C)}"),
            (r"\boxed{4:30 p.m.}", r"\text{4:30 p.m.}"), (r"\boxed{4:30 pm}", r"\text{4:30 p.m.}")]
    assert scores(g, rows) == [1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("name", ["math", "gsm8k", "default"])
def test_decimals_must_round_to_the_exact_value(name):
    g = spec(name)
    wrap = (lambda s: f"#### {s}") if name == "gsm8k" else (lambda s: rf"\boxed{{{s}}}")
    wrong = [("123456800.0", "123456789"), ("1000000.9", "1000000"), ("72.4", "72"), ("0.3334", r"\frac{1}{3}"),
             ("3.1415", r"\pi"), ("99.9999999", "100")]
    right = [("72.0", "72"), ("72.00", "72"), ("0.3333", r"\frac{1}{3}"), ("3.1416", r"\pi"), ("0.75", r"\frac34")]
    assert scores(g, [(wrap(a), r) for a, r in wrong]) == [0.0] * len(wrong)
    assert scores(g, [(wrap(a), r) for a, r in right]) == [1.0] * len(right)


@pytest.mark.parametrize("name", ["math", "gsm8k", "default"])
def test_contradictory_chains_score_zero(name):
    g = spec(name)
    wrap = (lambda s: f"#### {s}") if name == "gsm8k" else (lambda s: rf"\boxed{{{s}}}")
    rows = [(wrap("72 = x = 73"), "72"), (wrap("72 = x = 73"), "73"), (wrap("x = 72 = 73"), "73"),
            (wrap("70 + 2 = 73"), "73"), (wrap("x = 5 + 5 + 1 = 7 = 11"), "11")]
    assert scores(g, rows) == [0.0] * len(rows)


def test_hedged_results_say_why():
    result = spec("default").grade(r"\boxed{12 \approx 13}", {"answer": "12"})
    assert (result.status, result.score) == ("ok", 0.0) and "hedged" in result.reason
