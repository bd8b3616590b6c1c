"""The pure parts of `graders.mathcheck` in-process: extraction, the guard, number parsing, the reference cache."""
import pytest

from graders.mathcheck import GuardLimits, ParseOptions
from graders.mathcheck.extract import extract_answers, extract_reference, find_boxed
from graders.mathcheck.guard import check_expr, check_text, power_depth
from graders.mathcheck.normalize import clean, parse_number
from graders.mathcheck.parse import Rejected, Unparseable, _parse_reference_cached, parse_answer, parse_reference

LIMITS = GuardLimits()


@pytest.mark.parametrize("text, boxed", [
    (r"a \boxed{1} b \boxed{\frac{1}{2}} c", ["1", r"\frac{1}{2}"]),
    (r"\boxed{\{1, 2\}}", [r"\{1, 2\}"]),
    (r"\fbox{7}", ["7"]),
    (r"\boxed 5.", ["5"]),
    (r"\boxed{unclosed", []),
    (r"\boxed{a{b}c}", ["a{b}c"]),
])
def test_find_boxed(text, boxed):
    assert find_boxed(text) == boxed


@pytest.mark.parametrize("text, steps, method, found", [
    ("work\n#### 1,234\n", ("gsm8k",), "gsm8k", ["1,234"]),
    ("The final answer is $\\frac{3}{4}$. I hope it is correct.", ("answer_is",), "answer_is", [r"\frac{3}{4}"]),
    ("so the answer is 3.5 apples. Then more.", ("answer_is",), "answer_is", ["3.5 apples"]),
    ("Final Answer: **73**", ("answer_is",), "answer_is", ["73"]),
    ("1 then 2 then -3.5", ("last_number",), "last_number", ["-3.5"]),
    ("  $x^2$  ", ("full",), "full", ["x^2"]),
    ("long reasoning\nwithout any marker", ("boxed", "gsm8k", "answer_is", "full"), "", []),
    ("42", ("boxed", "gsm8k", "answer_is", "full"), "full", ["42"]),
    (r"\boxed{1} ... The answer is 2", ("answer_is", "boxed"), "answer_is", ["2"]),
])
def test_extract_answers(text, steps, method, found):
    assert extract_answers(text, steps) == (method, found)


@pytest.mark.parametrize("reference, answer", [
    ("42", "42"), ("$\\frac12$", "\\frac12"), ("so \\boxed{7} done", "7"), ("a\nb\n#### 18", "18"),
])
def test_extract_reference(reference, answer):
    assert extract_reference(reference) == answer


@pytest.mark.parametrize("text, depth", [
    ("2^3", 1), ("2^{3^4}", 2), ("9**9**9", 2), ("9^{9^{9^{9}}}", 3), ("e^{x^2}", 2), ("x+1", 0),
])
def test_power_depth(text, depth):
    assert power_depth(text) == depth


@pytest.mark.parametrize("text, word", [
    ("9^{9^{9^{9}}}", "tower"), ("9**9**9", "digits"), ("2003^{2002^{2001}}", "digits"),
    ("10001!", "factorial"), ("(10^{10})!", "factorial"), (r"\binom{10^{11}}{10^{10}}", "binomial"),
    ("(" * 60 + ")" * 60, "nested"), ("1" * 1001, "characters"), (r"\exp(\exp(\exp(3)))", "exponential"),
    ("2^{40000}", "digits"),
])
def test_guard_rejects_text(text, word):
    reason = check_text(text, LIMITS)
    assert reason and word in reason


@pytest.mark.parametrize("text", [
    "2^{10000}", "10000!", r"\frac{1}{2004!}", r"\binom{2006}{1003}", "x^{2^{n}}", r"\frac{2^{2005}+1}{3\cdot2^{2006}}",
])
def test_guard_accepts_large_but_reasonable_text(text):
    assert check_text(text, LIMITS) is None


def test_guard_checks_the_parsed_tree():
    import sympy

    huge = sympy.Pow(2, sympy.Pow(10, 9, evaluate=False), evaluate=False)
    assert "digits" in check_expr(huge, LIMITS)
    assert check_expr(sympy.factorial(sympy.Integer(2004), evaluate=False), LIMITS) is None
    assert "digits" in check_expr(sympy.factorial(sympy.Pow(10, 6, evaluate=False)), LIMITS)
    with pytest.raises(Rejected):
        parse_answer(r"\frac{1}{2^{-40000}}", ParseOptions())


@pytest.mark.parametrize("text, value", [
    ("1,234", (1234, True)), ("-0.5", (-0.5, False)), ("2.5e-7", (2.5e-7, False)), ("3/4", (0.75, True)),
    (r"-\frac{3}{4}", (-0.75, True)), (r"1.5 \times 10^{-3}", (0.0015, False)), ("abc", None), ("1,23", None),
])
def test_parse_number(text, value):
    got = parse_number(text)
    assert (got if got is None else (float(got[0]), got[1])) == value


@pytest.mark.parametrize("raw, cleaned", [
    (r"$\left( \dfrac{1}{2}, 3 \right)$", r"( \frac{1}{2}, 3 )"),
    (r"\frac12", r"\frac{1}{2}"), (r"4\sqrt(2)", r"4\sqrt{2}"), (r"\mathrm{e}^{x}", "e^{x}"),
    (r"5{,}525", "5525"), (r"\text{(E)},", r"\text{(E)}"), ("Answer: 5", "5"),
])
def test_clean(raw, cleaned):
    assert clean(raw) == cleaned


def test_reference_parses_are_cached_and_failures_too():
    options = ParseOptions()
    _parse_reference_cached.cache_clear()
    first = parse_reference(r"\frac{\pi}{7}", options)
    assert parse_reference(r"\frac{\pi}{7}", options) is first
    with pytest.raises(Unparseable):
        parse_reference(r"\frac{", options)
    with pytest.raises(Unparseable):
        parse_reference(r"\frac{", options)
    info = _parse_reference_cached.cache_info()
    assert (info.hits, info.misses) == (2, 2)
