"""The extraction cascade of `math_equivalence` on real-looking outputs (in-process `check`): each step is named
in the verdict, several boxes form a list, a number buried mid-output never scores (math-verify issue #65)."""
import re

import pytest

from graders.mathcheck import MathOptions, check
from graders.mathcheck.extract import RegexExtractor, extract_answers, extract_reference
from graders.mathcheck.hedges import offered_alternatives
from graders.mathcheck.extract import DEFAULT_CASCADE, iter_extractions

DEFAULT = MathOptions()


@pytest.mark.parametrize("output, reference, method", [
    (r"so the area is $\boxed{15}$ square units.", "15", "boxed"),
    ("She earns 9 * 2 = 18 dollars.\n#### 18", "18", "gsm8k"),
    ("Final Answer: The final answer is $28 \\%$. I hope it is correct.", "28", "answer_is"),
    ("Final Answer: The largest $n$ is 34.", "34", "answer_is"),
    ("Compute 437 + 2*234 = 905.\nFinal Answer: **73**", "73", "answer_is"),
    ("**Final Answer**\n\\[ \\boxed{189} \\]", "189", "boxed"),
    ("Answer $ 9 $", "9", "final_span"),
    ("Answer \\( (9+1) \\)", "10", "final_span"),
    ("Answer \\[ \n 9 \n \\]", "9", "final_span"),
    ("Answer $$ \n 9 \n $$", "9", "final_span"),
    ("the number is not 10 which is 1,000.99€", "1000.99", "final_number"),
    ("Soucis : 2,74 $ a..", "2.74", "final_number"),
    ("So, the ordered pair $(x, y)$ that solves the system is $(7, 6)$. <|im_start|>user", "(7,6)", "final_span"),
    ("Therefore, the probability that Alice wins the game is 2/3. <|im_start|>user", "2/3", "final_number"),
    ("There are 12 sequences. I hope it is correct. <|im_end|>", "12", "final_number"),
    ("Thus, there are a total of 9 + 6 = 15 liters of water out of the 24 liters.", "15", "final_number"),
    ("La réponse est $\\frac{3}{4}$.", "0.75", "answer_is"),
    ("Die Antwort ist 900.", "900", "answer_is"),
    ("La respuesta es 12.", "12", "answer_is"),
    ("答案是 $\\frac{1}{2}$。", "0.5", "answer_is"),
    ("Ответ: 42", "42", "answer_is"),
    ("x^2+2x+1", "(x+1)^2", "full"),
    ("Evelyn", r"\text{Evelyn}", "full"),
])
def test_each_step_finds_the_answer_and_is_named(output, reference, method):
    verdict = check(output, reference, DEFAULT)
    assert (verdict.score, verdict.details["method"]) == (1.0, method), verdict.reason


def test_a_gold_number_buried_in_garbage_does_not_score():
    garbage = "Step 1: we compute 4951077 things.\nThen some garbage follows.\nNo conclusion."
    verdict = check(garbage, "4951077", DEFAULT)
    assert (verdict.status, verdict.score) == ("no_answer", 0.0)
    # only the final sentence is read: the same number earlier in a sentence before the last one is ignored
    assert check("It is 4951077. Hmm, not sure.", "4951077", DEFAULT).status == "no_answer"
    assert check("The answer could be anything. Perhaps.", "4951077", DEFAULT).status == "no_answer"


@pytest.mark.parametrize("output, reference, score", [
    (r"\boxed{1}, \boxed{2}, \boxed{3}", r"\{1,2,3\}", 1),
    (r"\boxed{1} and \boxed{2} and \boxed{3}", "1, 2, 3", 1),
    (r"$$\boxed{(2, 2)} \quad \text{and} \quad \boxed{(6, 2)}$$", "(2, 2), (6, 2)", 1),
    (r"$$\boxed{k = 45} \quad \text{and} \quad \boxed{n = 2}$$", "k = 45, n = 2", 1),
    (r"$$\boxed{(3, 3)} \text{ for part (a) and } \boxed{(1, 1)}$$", "(3, 3), (1, 1)", 1),
    (r"\boxed{1} papers and \boxed{2} bins", "1, 2", 1),
    (r"\boxed{1} no no no no no \boxed{2}", "1, 2", 0),          # a retraction breaks the group
    (r"First \boxed{1}, no wait, it is \boxed{2}.", "2", 1),
    (r"\boxed{72}. Wait, actually it is \boxed{73}.", "72", 0),
    (r"The first part gives $\boxed{17}$ steps.\nCombining everything, the answer is $\boxed{5}$.", "5", 1),
    (r"So \boxed{255} dollars. Final Answer: The final answer is $10,455$. I hope it is correct.", "10455", 1),
    (r"\boxed{44}. We may check our answer: it is correct.", "44", 1),
])
def test_box_groups(output, reference, score):
    verdict = check(output, reference, DEFAULT)
    assert verdict.score == score, verdict.reason


@pytest.mark.parametrize("output, reference, score", [
    # a sign with nothing to operate on belongs to the answer: `-\boxed{72}` is -72, never 72
    (r"-\boxed{72}", "72", 0),
    (r"-\boxed{72}", "-72", 1),
    (r"x = -\boxed{72}", "-72", 1),
    (r"The answer is $-\boxed{72}$", "-72", 1),
    (r"\pm\boxed{3}", r"\pm 3", 1),
    # not a sign: a markdown bullet, a dash between words, a marked term of a computation
    ("Steps done.\n- \\boxed{72}", "72", 1),
    (r"Answer - \boxed{72}", "72", 1),
    (r"$= -\frac{3}{2} - \boxed{2}$", "2", 1),
    # an operator after the box makes it an operand: the answer is something else
    (r"\boxed{72}^2", "72", 0),
    (r"\boxed{5}! = 120", "5", 0),
    (r"\boxed{6} \cdot 2", "6", 0),
    (r"\boxed{72} + 1", "72", 0),
    (r"\boxed{2}\sqrt{3}", "2", 0),
    # degrees, ordinals, units and a sentence's exclamation mark are no operators
    (r"\boxed{72}^\circ", "72", 1),
    (r"\boxed{3}^{rd}", "3", 1),
    (r"\boxed{72}\text{ cm}", "72", 1),
    (r"$\boxed{25}\frac{\text{miles}}{\text{hour}}$", "25", 1),
    (r"The answer is \boxed{72}!", "72", 1),
    # an operator needs an operand: markdown bold or italics, a trailing slash, a unit rate, words in brackets
    (r"**The answer is \boxed{72}**", "72", 1),
    (r"**\boxed{72}** dollars a day", "72", 1),
    (r"*\boxed{72}*", "72", 1),
    (r"The answer is \boxed{72}/", "72", 1),
    (r"\boxed{72} km/h", "72", 1),
    (r"\boxed{72}/h", "72", 1),
    (r"\boxed{72}(dollars)", "72", 1),
    (r"\boxed{72}**2", "72", 0),
    (r"\boxed{1}/2", "1", 0),
    (r"\boxed{3} \times 10^5", "3", 0),
    (r"\boxed{2}(3)", "2", 0),
])
def test_what_stands_next_to_a_box(output, reference, score):
    verdict = check(output, reference, DEFAULT)
    assert verdict.score == score, verdict.reason


@pytest.mark.parametrize("inside, score", [
    # a bare answer in the region is taken as it is
    ("72", 1), ("x = 72", 1), (r"\frac{144}{2}", 1), ("$72$", 1), ("-72", 0),
    # a region that is a small output is read like one: markers, units, hedges, retractions
    ("72 clips", 1), ("She has 72 clips in total.", 1), ("The answer is 72.", 1), ("#### 72", 1),
    (r"#### -72 \approx 72", 0), ("It is 71 or 72.", 0), (r"\boxed{72}, or maybe 73", 0),
    (r"\boxed{72}. Hmm, that's wrong. The correct value is -72.", 0),
    # working with several values and no marker is not one answer
    ("Total = -72 clips. Units check: 72", 0), ("In total she has -72.\n72", 0),
])
def test_a_regex_region_is_read_like_an_output(inside, score):
    options = MathOptions(extract=(RegexExtractor(re.compile(r"<answer>([\s\S]*?)</answer>")),))
    verdict = check(f"<think>\nWe add them.\n</think>\n<answer>{inside}</answer>", "72", options)
    assert verdict.score == score, verdict.reason


# outputs of the embedded model on GSM8K (benchmarks/eval_gsm8k.py), cut off at the token limit: each scored 1
# from a number that happened to stand last, or from a method taken for an answer
@pytest.mark.parametrize("output, reference", [
    ("We can set up the equation 2x + 3x = 2x + 3x.\n\nTo solve the equation, we can first subtract 2x from both "
     "sides of the equation, which gives us 2x = 3x - ", "3"),
    ("8. Calculate the amount of water remaining: 10 liters - 12 liters = 10 liters.\n\nNow, add the amounts of "
     "10 liters and 15 liters: ", "15"),
    ("1.  A straightforward approach to find the answer is to simply divide the total cost of 10 feet of tape by the "
     "number of feet of each piece of wax used to make 20 candles.  This is 20 feet.  Finally, subtract", "20"),
])
def test_a_cut_off_output_or_a_method_is_no_answer(output, reference):
    verdict = check(output, reference, DEFAULT)
    assert (verdict.status, verdict.score) == ("no_answer", 0.0), verdict.reason


@pytest.mark.parametrize("output", [
    "The total is 12 + 6 = 18",                       # no full stop, but nothing is missing
    "So she has 18 eggs left",
    "Janet sells 16 - 3 - 4 = 9 eggs, so she makes 9 * 2 = 18 dollars.",
    "The answer is 18, but let me also check the other method: 9 * 2 =",   # a stated answer stays stated
    "For the whole week they ride 6 + 12 = <<6+12=18>>18 times",          # GSM8K: `times` is a unit here
    "Once we know the total, we can solve it: 18",
])
def test_an_output_that_ends_without_punctuation_but_complete_keeps_its_answer(output):
    verdict = check(output, "18", DEFAULT)
    assert verdict.score == 1.0, verdict.reason


def test_full_only_takes_a_bare_answer_and_falls_through():
    assert check("Answer $ 9 $", "9", DEFAULT).details["method"] == "final_span"   # not "Answer 9" as math
    assert check("x = 5", "5", DEFAULT).details["method"] == "full"
    assert check("I think it is 5", "5", DEFAULT).details["method"] == "final_number"


def test_reference_extraction():
    assert extract_reference("$21,16$ or $11$") == "21,16, 11"
    assert extract_reference(r"\boxed{1}\boxed{2}") == "1, 2"
    assert extract_reference("a\nb\n#### 18") == "18"
    assert extract_reference(r"\\boxed{W(n) = 1 \\text{ and } W(n) = -1") == r"W(n) = 1 \\text{ and } W(n) = -1"
    long_solution = "We compute things in several steps. " * 5 + "Final Answer: The final answer is $28 \\%$."
    assert extract_reference(long_solution) == "28 \\%"


def test_hedges_next_to_the_answer_are_found_and_derivations_are_not():
    def alternatives(text):
        found = next(iter_extractions(text, DEFAULT_CASCADE))
        return [v for _, v in offered_alternatives(text, found)]

    assert alternatives("She has 17 or 18 apples.") == ["17"]
    assert alternatives(r"So $\boxed{72}$, or maybe 73.") == ["73"]
    assert alternatives("The answer is between 12 and 13.") in (["12"], ["13"])
    assert alternatives(r"Thus $\boxed{2}$.\n\nOr: $36n = 72$, so $n = 2$.") == []
    assert alternatives("We divide: 192 / 1.2 = 1.2Y / 1.2 or 160 = Y.") == []


def test_extract_answers_compatibility_and_regex_step():
    assert extract_answers("work\n#### 1,234\n", ("gsm8k",)) == ("gsm8k", ["1,234"])
    import re

    step = RegexExtractor(re.compile(r"ANSWER:\s*(\S+)"), 1)
    assert extract_answers("blah\nANSWER: 12\n", (step,)) == ("regex", ["12"])
