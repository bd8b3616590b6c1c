"""OpenAI's calculate_output language, parsed with ast under a whitelist; hostile formulas are rejected."""
import math

import pytest

from graders.formula import Formula, FormulaError

V = {"a": 0.5, "b": 0.25, "c": 1.0, "z": 0.0}


@pytest.mark.parametrize("text,expected", [
    ("a + b", 0.75), ("a - b", 0.25), ("a * b", 0.125), ("a / b", 2.0),
    ("a ^ 2", 0.25), ("a ** 2", 0.25), ("2 ^ 3 ^ 2", 512.0),  # power is right-associative
    ("1 + 2 ^ 2", 5.0),  # ^ binds tighter than + (unlike Python's xor)
    ("-a ^ 2", -0.25), ("(a + b) / 2", 0.375), ("0.5 * a + 0.5 * b", 0.375),
    ("min(a, b)", 0.25), ("max(a, b, c)", 1.0), ("abs(b - a)", 0.25),
    ("floor(a + c)", 1.0), ("ceil(b)", 1.0), ("exp(z)", 1.0), ("sqrt(b)", 0.5), ("log(c)", 0.0),
    ("1e-1 * c", 0.1), ("+a", 0.5),
])
def test_evaluates(text, expected):
    assert Formula(text, V.keys())(V) == pytest.approx(expected)


@pytest.mark.parametrize("text", [
    "__import__('os')", "__import__('os').system('echo hi')", "a.__class__", "a if b else c", "[a, b]",
    "lambda: 1", "open('/etc/passwd')", "min(*[a])", "a and b", "a < b", "'text'", "True + a",
    "round(a)", "sqrt(a, b)", "abs()", "min(a, key=b)", "a; b", "import os", "a[0]", "",
    "(" * 300 + "a" + ")" * 300, "a+" * 600 + "a",
])
def test_rejects_hostile_or_unsupported(text):
    with pytest.raises(FormulaError):
        Formula(text, V.keys())


def test_unknown_variable_names_the_graders():
    with pytest.raises(FormulaError, match=r"unknown variable 'd'.*graders: a, b, c, z"):
        Formula("a + d", V.keys())


@pytest.mark.parametrize("text,fragment", [
    ("a / z", "division by zero"), ("log(z)", "math error"), ("sqrt(-1 * a)", "math error"),
    ("10 ^ 10 ^ 10", "math error"), ("exp(1000)", "math error"), ("(-1 * a) ^ 0.5", "non-real"),
])
def test_runtime_errors_name_the_formula(text, fragment):
    f = Formula(text, V.keys())
    with pytest.raises(FormulaError) as info:
        f(V)
    assert fragment in str(info.value) and text in str(info.value)


def test_huge_power_does_not_hang():
    # integers would make 9^9^9 a multi-million-digit computation; floats overflow at once
    with pytest.raises(FormulaError):
        Formula("9 ^ 9 ^ 9 ^ 9", V.keys())(V)


def test_result_is_float_and_finite():
    out = Formula("a * 2", V.keys())(V)
    assert isinstance(out, float) and math.isfinite(out)
