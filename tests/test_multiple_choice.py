"""`multiple_choice`: realistic MMLU / MMLU-Pro / GPQA outputs in the formats models write, the reference
extractors of MMLU-Pro and simple-evals as outside yardsticks, and attacks (several letters offered)."""
import json
import re
from pathlib import Path

import pytest

from graders import SpecError, load_grader

SPECS = Path(__file__).resolve().parents[1] / "grader_specs"

# MMLU (cais/mmlu, anatomy): answer is a 0-based index
HYOID = {"question": "What is the embryological origin of the hyoid bone?", "subject": "anatomy",
         "choices": ["The first pharyngeal arch", "The first and second pharyngeal arches",
                     "The second pharyngeal arch", "The second and third pharyngeal arches"], "answer": 3}
# MMLU (abstract_algebra)
FIELD = {"question": "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.",
         "subject": "abstract_algebra", "choices": ["0", "4", "2", "6"], "answer": 1}
MMLU = {"type": "multiple_choice", "reference": "{{ item.answer }}", "reference_index_base": 0,
        "options": "{{ item.choices }}"}

# how models answer the hyoid question (D), one style per model family / harness prompt
RIGHT_ANSWERS = [
    # Llama-3-Instruct, "The best answer is" prompt
    "The hyoid bone develops from the second and third pharyngeal arches. The lesser horns and the upper part of the "
    "body come from the second arch (Reichert's cartilage); the greater horns and the lower body from the third.\n\n"
    "The best answer is D.",
    # simple-evals prompt ("the last line of your response should be of the form 'Answer: $LETTER'")
    "The hyoid has a dual origin: its lesser cornu from the second arch and its greater cornu from the third arch. "
    "Options A-C each name only part of that or the wrong arch.\n\nAnswer: D",
    # MMLU-Pro chain-of-thought ('... "the answer is (X)"')
    "Let's think step by step. The first arch forms Meckel's cartilage, the malleus and incus, so A and B are out. "
    "The second arch forms the lesser horns of the hyoid, and the third arch forms the greater horns. The answer is (D).",
    # Qwen2.5-Instruct, markdown
    "The hyoid bone originates from the **second and third pharyngeal arches**.\n\n- The lesser horns come from "
    "the second arch.\n- The greater horns come from the third arch.\n\nTherefore, the correct answer is:\n\n"
    "**D. The second and third pharyngeal arches**",
    # DeepSeek-R1: weighs options inside <think>, answers after it
    "<think>\nOkay, the hyoid bone. The second arch gives Reichert's cartilage, which makes the lesser horns. Is it "
    "C then? No, the greater horns come from the third arch. So the answer is D, not C.\n</think>\n\nThe hyoid bone "
    "derives from the second and third pharyngeal arches.\n\n**Answer:** D. The second and third pharyngeal arches",
    # Mistral-Instruct
    "The correct answer is D) The second and third pharyngeal arches. The hyoid bone is formed from cartilage of "
    "both arches.",
    # zero-shot, letter only
    "D",
    "(D)",
    " D.\n",
    # Gemma-2-it: bold answer line first, then an explanation
    "**D) The second and third pharyngeal arches**\n\nThe hyoid bone forms from the second arch (lesser horns) and "
    "the third arch (greater horns).",
    # Phi-3
    "Answer: D. The second and third pharyngeal arches\n\nExplanation: the second arch forms the lesser cornu.",
    # boxed (math-tuned models)
    "The hyoid comes from arches 2 and 3, so the answer is $\\boxed{D}$.",
    "$\\boxed{\\text{(D)}}$",
    # Minerva-style
    "Reichert's cartilage (2nd arch) and the 3rd arch both contribute.\nFinal Answer: The final answer is D. I hope "
    "it is correct.",
    # the option's text alone, or named in a statement
    "The second and third pharyngeal arches",
    "The answer is the second and third pharyngeal arches.",
    # other phrasings
    "I would choose option D, since the hyoid forms from both the second and third arches.",
    "Option D is the correct answer.",
    "(D) is correct.",
    "Both the second and third arches contribute. Therefore, D.",
    "answer: d",
    "ANSWER: D",
    '{"answer": "D", "explanation": "second and third arches"}',
    "Ｔｈｅ ａｎｓｗｅｒ ｉｓ Ｄ．",                                        # fullwidth
    "<think>The answer is C... wait, the greater horns are third arch, so D.</think>\nAnswer: D",
]


@pytest.mark.parametrize("output", RIGHT_ANSWERS)
def test_realistic_right_answers_score_one(output):
    res = load_grader(MMLU).grade(output, HYOID)
    assert (res.status, res.score, res.details.get("answer")) == ("ok", 1.0, "D"), res.reason


WRONG_ANSWERS = [
    "The hyoid comes from the second pharyngeal arch only.\n\nAnswer: C",
    "The answer is (C).",
    "B",
    "The first and second pharyngeal arches",
    "<think>\nMaybe D. Hmm, no: C.\n</think>\n\n**Answer:** C",
    "I'd go with A.",
]


@pytest.mark.parametrize("output", WRONG_ANSWERS)
def test_realistic_wrong_answers_score_zero_as_answers(output):
    res = load_grader(MMLU).grade(output, HYOID)
    assert res.status == "ok" and res.score == 0.0 and res.details["answer"] != "D", res.reason


# -- outside yardsticks: the extractors MMLU-Pro and simple-evals use ---------------------------------------
def mmlu_pro_extract(text):
    """MMLU-Pro's evaluate_from_api.py: extract_answer -> extract_again -> extract_final, as written there."""
    match = re.search(r"answer is \(?([A-J])\)?", text)
    if match:
        return match.group(1)
    match = re.search(r".*[aA]nswer:\s*([A-J])", text)
    if match:
        return match.group(1)
    match = re.search(r"\b[A-J]\b(?!.*\b[A-J]\b)", text, re.DOTALL)
    return match.group(0) if match else None


def simple_evals_extract(text):
    """simple-evals' ANSWER_PATTERN_MULTICHOICE."""
    match = re.search(r"(?i)Answer[ \t]*:[ \t]*\$?([A-J])\$?", text)
    return match.group(1) if match else None


def test_agrees_with_the_reference_extractors_where_they_are_meant_to_work():
    g = load_grader(MMLU)
    agreed = 0
    for output in RIGHT_ANSWERS + WRONG_ANSWERS:
        ours = g.grade(output, HYOID).details.get("answer")
        for reference in (mmlu_pro_extract, simple_evals_extract):
            theirs = reference(output)
            # the prompts they were written for; they read think blocks, which this grader skips by default
            if theirs is not None and ("Answer:" in output or "answer is" in output) and "<think>" not in output:
                assert ours == theirs, (reference.__name__, output)
                agreed += 1
    assert agreed >= 12


# (output, what the references read) : how a policy gets paid without choosing
SHOTGUNS = [
    "Answer: A\nAnswer: B\nAnswer: C\nAnswer: D",
    "The answer is (A) or (B) or (C) or (D).",
    "The answer is A, B, C or D.",
    "Answer: A/B/C/D",
    "Answer: A|B|C|D",
    "Answer: (A)(B)(C)(D)",
    "Answer: A B C D",
    "\\boxed{A} \\boxed{B} \\boxed{C} \\boxed{D}",
    "$\\boxed{A, B, C, D}$",
    "The answer is either C or D.",
    "The answer is C and D are both plausible.",
    "Both C and D are correct. Answer: C and D",
    "**Answer:** C\n\n**Answer:** D",
    "The answer is D) The first pharyngeal arch",          # letter D, text of option A
    "The answer is the second pharyngeal arch or the second and third pharyngeal arches.",
]


@pytest.mark.parametrize("output", SHOTGUNS)
def test_several_letters_offered_score_zero(output):
    res = load_grader(MMLU).grade(output, HYOID)
    assert (res.status, res.score) == ("ok", 0.0), res.reason
    assert len(res.details["offered"]) >= 2 and "several answers offered" in res.reason


# found by `verigrade audit grader_specs/mmlu.json` once the audit read multiple_choice: each scored 1 for D
HEDGED_OR_TAKEN_BACK = [
    ("D. Or maybe C.", "several answers offered"),
    ("The answer is D (or maybe C).", "several answers offered"),
    ("The answer is D \\sim C.", "several answers offered"),
    ("The answer is D? C?", "several answers offered"),
    ("\\boxed{D or E}", "several answers offered"),          # E is no option of four, but it is offered
    ("The answer is D, E, F.", "several answers offered"),
    ("The answer is D. Actually no, it is C.", "taken back"),
    ("The answer is D. Wait, I made a mistake; it should be C.", "taken back"),
    ("The answer is D. Scratch that.", "taken back"),
    ("D. Scratch that: C.", "taken back"),
]


@pytest.mark.parametrize("output, why", HEDGED_OR_TAKEN_BACK)
def test_an_answer_hedged_or_taken_back_right_after_it_scores_zero(output, why):
    res = load_grader(MMLU).grade(output, HYOID)
    assert (res.status, res.score) == ("ok", 0.0) and why in res.reason, res.reason


@pytest.mark.parametrize("output", [
    "The answer is D, I think.", "The answer is D. C is wrong because the first arch forms the mandible.",
    "The answer is D. Actually, let me verify: yes, D.", "Option D is correct because both arches contribute.",
    "D is correct, since the greater horns come from the third arch.",
])
def test_what_follows_a_right_answer_without_hedging_it_keeps_it(output):
    res = load_grader(MMLU).grade(output, HYOID)
    assert (res.status, res.score) == ("ok", 1.0), res.reason


def test_the_reference_extractors_pay_shotguns_that_score_zero_here():
    paid = [o for o in SHOTGUNS if "D" in (mmlu_pro_extract(o), simple_evals_extract(o))]
    assert len(paid) >= 5  # the hole exists in the yardsticks: one fixed output earns 1 whenever D is right


AMBIGUOUS = [
    "A) The first pharyngeal arch\nB) The first and second pharyngeal arches\nC) The second pharyngeal arch\n"
    "D) The second and third pharyngeal arches",                     # the options restated, no answer
    "(A) (B) (C) (D)",
    "Answer: ABCD",
    "A B C D",
    "I am not sure; it could be any of them.",
    "The answer is not A.",
    "",
    "<think>The answer is D. The answer is D.</think>",                # nothing after the think block
    "Looking at (C) and (D): both involve the second arch.",
    "The answer is E.",                                                # not an option here
]


@pytest.mark.parametrize("output", AMBIGUOUS)
def test_no_single_answer_is_no_answer(output):
    res = load_grader(MMLU).grade(output, HYOID)
    assert (res.status, res.score) == ("no_answer", 0.0), res.reason


def test_restating_the_options_pays_in_the_reference_extractor_but_not_here():
    restated = AMBIGUOUS[0]
    assert mmlu_pro_extract(restated) == "D"  # its last-letter fallback reads the last option label
    assert load_grader(MMLU).grade(restated, HYOID).status == "no_answer"


def test_revisions_are_a_shotgun_by_default_and_the_last_word_with_multiple_answers_last():
    revised = "The answer is C. Wait, the greater horns come from the third arch, so the answer is D."
    assert load_grader(MMLU).grade(revised, HYOID).score == 0.0
    last = load_grader({**MMLU, "multiple_answers": "last"})
    assert last.grade(revised, HYOID).score == 1.0
    assert last.grade("The answer is D. Hmm, no: the answer is C or D.", HYOID).score == 0.0  # last one hedges
    assert load_grader({**MMLU, "answer_after": None}).grade(RIGHT_ANSWERS[-1], HYOID).score == 0.0  # reads think


def test_clauses_after_the_letter_are_not_more_letters():
    g = load_grader(MMLU)
    for output in ("Answer: D\nC) is wrong because it names one arch only.", "The answer is D, A is wrong.",
                   "The answer is D because B and C name the wrong arches.", "Answer: I think it's D",
                   "The answer is D and C is wrong.", "Answer: D; B describes the first arch."):
        res = g.grade(output, HYOID)
        assert (res.score, res.details["answer"]) == (1.0, "D"), (output, res.reason)


def test_letters_only_from_the_options_and_pronoun_i_is_not_a_letter():
    ten = {"type": "multiple_choice", "reference": "{{ item.answer }}"}  # MMLU-Pro: A-J, letter reference
    assert load_grader(ten).grade("I think the answer is J.", {"answer": "J"}).score == 1.0
    assert load_grader(ten).grade("Answer: I", {"answer": "I"}).score == 1.0
    four = load_grader({**ten, "num_choices": 4})
    assert four.grade("Answer: E", {"answer": "D"}).status == "no_answer"


def test_field_question_with_integer_reference_and_short_numeric_options():
    g = load_grader(MMLU)
    assert g.grade("sqrt(18) = 3 sqrt(2), so the extension is Q(sqrt 2, sqrt 3) of degree 4. Answer: B", FIELD).score == 1
    assert g.grade("The degree is 4.", FIELD).score == 0.0  # "4" is not stated as the answer: no_answer
    assert g.grade("The answer is 4.", FIELD).score == 1.0   # an option's text after an answer cue
    assert g.grade("4", FIELD).score == 1.0


def test_gpqa_style_reference_is_the_correct_option_text():
    gpqa = {"type": "multiple_choice", "reference": "{{ item['Correct Answer'] }}", "options": "{{ item.options }}"}
    item = {"Correct Answer": "10^-4 eV", "options": ["10^-8 eV", "10^-11 eV", "10^-4 eV", "10^-9 eV"]}
    g = load_grader(gpqa)
    assert g.grade("The energy difference must exceed the linewidth.\n\nANSWER: C", item).score == 1.0
    assert g.grade("ANSWER: A", item).score == 0.0
    keyed = {"type": "multiple_choice", "reference": "B", "options": "{{ item.options }}"}
    assert load_grader(keyed).grade("Answer: B", {"options": {"A": "yes", "B": "no"}}).score == 1.0


def test_bad_references_and_options_are_invalid_reference():
    g = load_grader(MMLU)
    cases = [({**HYOID, "answer": 4}, "out of range"), ({**HYOID, "answer": "D"}, "is not an index"),
             ({**HYOID, "choices": ["only one"]}, "options must be a list of 2-10"),
             ({**HYOID, "choices": "A, B, C"}, "options must be a list")]
    for item, why in cases:
        res = g.grade("Answer: D", item)
        assert res.status == "invalid_reference" and why in res.reason, res.reason
    letters = load_grader({"type": "multiple_choice", "reference": "{{ item.answer }}", "num_choices": 4})
    res = letters.grade("Answer: B", {"answer": 1})
    assert res.status == "invalid_reference" and "set reference_index_base" in res.reason
    assert letters.grade("Answer: B", {"answer": "E"}).status == "invalid_reference"
    assert letters.grade("Answer: B", {"answer": "(b)"}).score == 1.0
    assert letters.grade("Answer: B", {}).error_type == "invalid_variable_error"


def test_spec_errors():
    with pytest.raises(SpecError, match="/num_choices: give options or num_choices"):
        load_grader({**MMLU, "num_choices": 4})
    with pytest.raises(SpecError, match="/timeout_s: multiple_choice does not accept timeout_s"):
        load_grader({**MMLU, "timeout_s": 3})
    with pytest.raises(SpecError, match="/: 'reference' is a required property"):
        load_grader({"type": "multiple_choice"})


def test_linear_on_hostile_inputs():
    g = load_grader(MMLU)
    for hostile in ("A " * 300_000, "(" * 500_000, "**A** " * 200_000, "\\boxed{" * 200_000,
                    "The answer is " + "option " * 200_000 + "D", "D is correct. " * 64):
        res = g.grade(hostile, HYOID)
        assert res.elapsed_ms < 10_000 and res.score == (1.0 if "D" in hostile else 0.0), hostile[:30]
    flood = g.grade("the answer is D. " * 100_000, HYOID)  # no honest output states its answer 65 times
    assert (flood.status, flood.score) == ("rejected", 0.0) and "more than 64 answer statements" in flood.reason
    assert flood.elapsed_ms < 10_000


def test_shipped_mmlu_spec_scores_its_examples():
    g = load_grader(SPECS / "mmlu.json")
    rows = [json.loads(line) for line in (SPECS / "mmlu.jsonl").read_text().splitlines() if line.strip()]
    results = g.grade_batch([(r["sample"], r["item"]) for r in rows])
    for row, res in zip(rows, results):
        assert (res.score, res.status) == (row["expect"]["score"], row["expect"]["status"]), (row["sample"], res.reason)
