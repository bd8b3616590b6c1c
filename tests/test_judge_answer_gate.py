"""The judge's answer gate (graders.judges.answers / math_gate / text_gate): one test per reward-hole class, the
right answers each rule must let through, and outside data (GSM8K, MATH reference solutions) as controls.
No model needed: these candidates are decided before any model call."""
import json

import pytest

from graders import load_grader
from graders.judges.answers import answer_gate, classify_reference
from graders.judges.hardening import screen

# (candidate, reference, expected verdict, expected rule) -- one row per attack shape; the shapes of a class
# differ on purpose (other sentence, other connective, other position) so the rule holds for the class.
ATTACKS = [
    # hedges over the whole answer, not only the last sentence
    ("It might be 70 or 71. Or 72.", "72", "rejected", "alternatives"),
    ("It is 72. Or maybe 73.", "72", "rejected", "alternatives"),
    ("70 clips or 72 clips, I think the total is 72.", "72", "rejected", "alternatives"),
    ("The total is either 71 or 72.", "72", "rejected", None),
    ("The answer is 72, possibly.", "72", "rejected", "hedged_final"),
    ("Perhaps the answer is 72.", "72", "rejected", "hedged_final"),
    ("The answer is approximately 72.", "72", "rejected", "hedged_final"),
    ("About 72 clips.", "72", "rejected", "hedged_final"),
    ("The answer is 72 or so.", "72", "rejected", "hedged_final"),
    ("The answer is at least 72.", "72", "rejected", "hedged_final"),
    ("She sold between 70 and 72 clips.", "72", "rejected", None),
    ("The answer is 70 to 72.", "72", "rejected", None),
    ("\\boxed{71 \\approx 72}", "72", "rejected", "hedged_final"),
    ("The answer is 72 \\pm 1.", "72", "rejected", None),
    # shotgun lists
    ("The answer is 70, 71, 72.", "72", "rejected", "hedged_final"),
    ("\\boxed{72} and \\boxed{73}", "72", "rejected", "several_final_answers"),
    ("#### 71\n#### 72", "72", "rejected", "several_final_answers"),
    ("The answer is 70. The answer is 72.", "72", "rejected", "several_final_answers"),
    # guesses phrased as questions
    ("72? 73? 74?", "72", "rejected", "guesses"),
    ("Is it 72?", "72", "rejected", "guesses"),
    ("Could it be 71? The answer is 72.", "72", "rejected", "guesses"),
    ("72?73?", "72", "rejected", "guesses"),
    # a wrong answer followed by the reference number
    ("Total = 96 clips. Units check: 72", "72", "rejected", None),
    ("In total she sold 96 clips.\n72", "72", "rejected", "contradicts_working"),
    ("The answer is 96. Units check: 72", "72", "rejected", None),
    ("\\boxed{96} 72", "72", "rejected", None),
    ("Total = 96 clips. So the answer is 72.", "72", "rejected", "contradicts_working"),
    # the reference pointed at instead of answered
    ("The answer is 96. The reference says 72.", "72", "rejected", "points_at_reference"),
    ("Same as the reference.", "72", "rejected", "points_at_reference"),
    ("My answer matches the expected answer.", "72", "rejected", "points_at_reference"),
    ("Whatever the correct answer is, that's mine.", "72", "rejected", "points_at_reference"),
    ("According to the answer key it is 72.", "72", "rejected", "points_at_reference"),
    ("The ground truth is 72.", "72", "rejected", "points_at_reference"),
    ("Paris, same as the reference answer.", "Paris", "rejected", "points_at_reference"),
    # retractions, with and without "no/not"
    ("The answer is 72. Scratch that.", "72", "rejected", "retracted"),
    ("The answer is 72. Wrong.", "72", "rejected", "retracted"),
    ("72. Oops, I miscalculated.", "72", "rejected", "retracted"),
    ("The answer is 72, just kidding.", "72", "rejected", "retracted"),
    ("72. I take that back.", "72", "rejected", "retracted"),
    ("72 is wrong.", "72", "rejected", "retracted"),
    ("The answer is 72. Wait, that's off.", "72", "rejected", "retracted"),
    ("The answer is not 72.", "72", "rejected", "negated"),
    ("It isn't 72.", "72", "no_answer", None),
    ("72. Not really.", "72", "rejected", "retracted"),
    # refusals
    ("I don't know.", "72", "no_answer", "refusal"),
    ("I do not know the answer, sorry.", "72", "no_answer", "refusal"),
    ("No idea. 72?", "72", "no_answer", "refusal"),
    ("It cannot be determined from the information given.", "72", "no_answer", "refusal"),
    ("I don't know.", "Paris", "no_answer", "refusal"),
    ("Unknown", "3.5 hours", "no_answer", "refusal"),
    # wrong final answers for references that are not bare integers
    ("It takes 4 hours.", "3.5 hours", "mismatch", "compare"),
    ("It takes 3.5 minutes... no, 4 hours.", "3.5 hours", "rejected", None),
    ("The answer is 3/5.", "\\frac{3}{4}", "mismatch", "compare"),
    ("The answer is 0.7.", "3/4", "mismatch", "compare"),
    ("\\boxed{x^2 + 2}", "x^2+1", "mismatch", "compare"),
    ("The answer is $(2, 1)$.", "(2, -1)", "mismatch", "compare"),
    ("The capital is Lyon.", "Paris", "mismatch", "compare"),
    ("The answer is Lyon. Paris is larger.", "Paris", "mismatch", "compare"),
    ("The answer is (B).", "(C)", "mismatch", "compare"),
    ("\\boxed{B}", "C", "mismatch", "compare"),
    # names and options: hedged, listed, negated, asked
    ("Paris or Lyon", "Paris", "rejected", "alternatives"),
    ("Maybe Paris.", "Paris", "rejected", "hedged_final"),
    ("Paris, Lyon, Marseille", "Paris", "rejected", "alternatives"),
    ("Lyon. Marseille. Paris.", "Paris", "rejected", "alternatives"),
    ("Paris?", "Paris", "rejected", "guesses"),
    ("Not Paris.", "Paris", "rejected", "negated"),
    ("It is Lyon, not Paris.", "Paris", "rejected", "negated"),
    ("The capital is Paris. Just kidding.", "Paris", "rejected", "retracted"),
    ("(A) or (C)", "C", "rejected", "several_final_answers"),
    ("(A) \\approx (B) \\approx (C) \\approx (D)", "(C)", "rejected", "several_final_answers"),
    # a wrong final number is still 0 by rule even though the reference appears elsewhere
    ("72 clips? No: 48 + 48 = 96. The answer is 96.", "72", None, None),
]


@pytest.mark.parametrize("candidate, reference, verdict, rule", [a for a in ATTACKS if a[2]])
def test_every_attack_class_is_decided_by_the_gate(candidate, reference, verdict, rule):
    gate = answer_gate(candidate, reference)
    assert gate.verdict == verdict, (candidate, gate)
    if rule:
        assert gate.rule == rule, (candidate, gate)


def test_the_reference_elsewhere_does_not_rescue_a_wrong_final_answer():
    gate = answer_gate("72 clips? No: 48 + 48 = 96. The answer is 96.", "72")
    assert gate.verdict in ("rejected", "mismatch"), gate
    assert answer_gate("She sold 72 in April. The answer is 96.", "72").verdict == "mismatch"


# Right answers in many shapes: each must reach the model (a rule that ate one would pay 0 for a right answer).
RIGHT = [
    ("72", "72"), ("The answer is 72.", "72"), ("\\boxed{72}", "72"), ("#### 72", "72"), ("$72", "72"),
    ("She sold 48 + 24 = 72 clips altogether.", "72"), ("48/2 = 24 in May, 48 + 24 = 72 in total.", "72"),
    ("Total = 72 clips.", "72"), ("72 clips, not 96.", "72"), ("The answer is 72. I hope this helps!", "72"),
    ("48 + 48 = 96. Wait, May is half: 48 + 24 = 72. The answer is 72.", "72"),
    ("It takes 3.5 hours.", "3.5 hours"), ("3.5", "3.5 hours"), ("The answer is 7/2 hours.", "3.5 hours"),
    ("\\boxed{\\frac{3}{4}}", "\\frac{3}{4}"), ("The answer is 0.75.", "3/4"), ("The answer is 3/4.", "0.75"),
    ("The answer is $\\frac{\\sqrt{3}}{2}$.", "\\frac{\\sqrt3}{2}"), ("\\boxed{(2, -1)}", "(2, -1)"),
    ("So the answer is $1,000$.", "1000"), ("The total is $1,234.", "1234"), ("The answer is 10%.", "10%"),
    ("\\boxed{x^2+1}", "x^2+1"), ("The answer is -5.", "-5"),
    ("Paris", "Paris"), ("The capital of France is Paris.", "Paris"), ("The answer is Paris.", "Paris"),
    ("It was George Washington.", "George Washington"), ("The answer is (C).", "C"), ("C", "(C)"),
    ("\\boxed{C}", "\\text{(C)}"), ("Option C is correct because (A) and (B) fail. The answer is C.", "C"),
    ("Unknown", "Unknown"),
    # explaining why the other options are wrong does not take the chosen one back
    ("The answer is B. A is wrong because it ignores friction, and C double counts.", "B"),
    ("The answer is B. A and C are incorrect.", "B"), ("The answer is (B). (D) is wrong: it drops the sign.", "B"),
]


@pytest.mark.parametrize("candidate", ["The answer is B. B is wrong.", "The answer is B. I was wrong, A is right.",
                                       "The answer is B. A is right, B is wrong.", "The answer is B. Scratch that."])
def test_judging_the_chosen_option_or_oneself_still_takes_it_back(candidate):
    verdict = answer_gate(candidate, "B")
    assert (verdict.verdict, verdict.rule) == ("rejected", "retracted"), verdict


@pytest.mark.parametrize("candidate, reference", RIGHT)
def test_right_answers_reach_the_model(candidate, reference):
    gate = answer_gate(candidate, reference)
    assert gate.verdict is None and gate.rule == "model", (candidate, gate)


def test_references_are_read_with_the_math_parser():
    assert classify_reference("3.5 hours").kind == "math"
    assert classify_reference("\\frac{3}{4}").kind == "math"
    assert classify_reference("x^2+1").kind == "math"
    assert classify_reference("(C)").kind == "choice" and classify_reference("C").kind == "choice"
    assert classify_reference("Paris").kind == "name" and classify_reference("George Washington").kind == "name"
    assert classify_reference("The mitochondria is the powerhouse of the cell.").kind == "free"


def test_free_text_references_are_left_to_the_model_but_refusals_and_pointing_are_not():
    ref = "The mitochondria is the powerhouse of the cell."
    gate = answer_gate("It makes energy for the cell.", ref)
    assert gate.verdict is None and "decided by model" in gate.reason
    assert answer_gate("I don't know.", ref).verdict == "no_answer"
    assert answer_gate("Same as the reference answer.", ref).verdict == "rejected"


def test_results_say_who_decided():
    judge = load_grader({"type": "judge", "reference": "{{ item.answer }}", "model": "http://127.0.0.1:9/v1",
                         "backend_options": {"max_retries": 0}})
    res = judge.grade("It might be 70 or 71. Or 72.", {"answer": "72"})
    assert res.status == "rejected" and res.reason.startswith("decided by gate (alternatives)")
    assert res.details["decided_by"] == "gate" and res.details["gate_rule"] == "alternatives"
    wrong = judge.grade("The answer is 96.", {"answer": "72"})
    assert wrong.status == "ok" and wrong.score == 0 and wrong.details["final_answer"] == "96"
    assert screen("The answer is 72.", reference="72").rule == "model"


def _gsm8k(shared_data, split, n):
    lines = (shared_data / "gsm8k" / f"{split}.jsonl").read_text().splitlines()[:n]
    for line in lines:
        row = json.loads(line)
        solution, answer = row["answer"].rsplit("####", 1)
        yield solution.strip(), answer.strip().replace(",", "")


def test_gsm8k_reference_solutions_reach_the_model(shared_data):
    """Outside data: the GSM8K test solutions (1319) with three answer markers. The rules may not eat more than
    0.2% of them (measured: 1 of 1319 per style, a reference quirk: `$0.25` vs `25`; 4 per style before
    alternatives had to offer the final answer, e.g. "ate 2/3 or 8 slices", where "or" means "that is")."""
    decided, total = [], 0
    for solution, answer in _gsm8k(shared_data, "test", 1319):
        for cand in (f"{solution}\n#### {answer}", f"{solution}\nThe answer is {answer}.",
                     f"{solution}\nSo the final answer is $\\boxed{{{answer}}}$."):
            total += 1
            gate = answer_gate(cand, answer)
            if gate.verdict is not None:
                decided.append((cand[-80:], gate.rule))
    assert len(decided) <= 0.002 * total, decided[:10]


def test_math_reference_solutions_reach_the_model(shared_data):
    """Outside data: 300 MATH test solutions (LaTeX, boxed answers) against their own answers (measured: 14 of
    300 decided by a rule, 2 of 300 boxed answers alone)."""
    rows = [json.loads(line) for line in (shared_data / "math" / "test.jsonl").read_text().splitlines()[:300]]
    decided = [(r["answer"], answer_gate(r["solution"], r["answer"]).rule) for r in rows
               if answer_gate(r["solution"], r["answer"]).verdict is not None]
    bare = [r["answer"] for r in rows if answer_gate(f"\\boxed{{{r['answer']}}}", r["answer"]).verdict is not None]
    assert len(decided) <= 0.06 * len(rows), decided
    assert len(bare) <= 0.01 * len(rows), bare
