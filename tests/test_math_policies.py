"""Normalisation policies of `math_equivalence` (issue 10 items 3-6) and the symbolic identity test, in-process.

Each policy is checked in both directions where it is symmetric, with wrong answers of the same shape."""
from dataclasses import replace

import pytest

from graders.mathcheck import ComparePolicy, MathOptions, check
from graders.mathcheck.numeric import identity

DEFAULT = MathOptions()


def score(output, reference, options=DEFAULT):
    return check(output, reference, options).score


def both(a, b, options=DEFAULT):
    return score(a, b, options), score(b, a, options)


# -- named left-hand sides, solution lists, plus-minus, chains ------------------------------------------------
@pytest.mark.parametrize("reference, output, expected", [
    ("(p,q)=(3,2)", "(3,2)", 1), ("(p,q)=(3,2)", "(2,3)", 0),
    ("AB=4,CD=5", "4, 5", 1), ("AB=4,CD=5", "5, 4", 0),
    ("2x+3", "f(x)=2x+3", 1), ("y=2x+3", "f(x)=2x+3", 1), ("y=2x+3", "f(x)=2x+4", 0),
    ("|AB|=1", "1", 1), ("A:B=1", "1", 1), ("V_1:V_2=11:21", "11:21", 1), ("V_1:V_2=11:21", "11:20", 0),
    (r"\frac{NO}{BO}=\frac{1}{\sqrt{6}}", r"\frac{1}{\sqrt{6}}", 1),
    ("p=5,q=2;p=7,q=2", "(5,2),(7,2)", 1), ("p=5,q=2;p=7,q=2", "(5,2),(2,7)", 0),
    ("a_3 = 2, a_{37} = 19", r"a_{37} = 19, \quad a_3 = 2", 1), ("a_3 = 2, a_{37} = 19", "a_{37} = 2, a_3 = 19", 0),
    (r"x = \frac{-1 \pm \sqrt{13}}{4}", r"\frac{-1 - \sqrt{13}}{4}, \frac{-1 + \sqrt{13}}{4}", 1),
    (r"x = \frac{-1 \pm \sqrt{13}}{4}", r"\frac{-1 + \sqrt{13}}{4}", 0),
    (r"1 \pm \sqrt{19}", r"1+\sqrt{19} \text{ and } 1-\sqrt{19}", 1),
    ("z = 1+1 = 2", "2", 1), ("2", "z = 1 + 1 = 2", 1), ("x = 3", "y = 3", 0), ("y = x", "x = y", 1),
    ("(11,7)or(7,11)", r"(7,11),\ (11,7)", 1), ("W(n) = 1 \\text{ and } W(n) = -1", "W(x)=1orW(x)=-1", 1),
    ("n=1, 2, 3", "n=1, 2, 3", 1), ("n=2, 3, 4", "n=1, 2, 3", 0),
])
def test_named_values_lists_and_chains(reference, output, expected):
    assert score(rf"\boxed{{{output}}}", reference) == expected


# -- number formats ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("a, b, expected", [
    ("1 000", "1000", 1), (r"11,\! 111,\! 111,\! 100", "11111111100", 1), (r"32,\! 349", "32349", 1),
    ("32, 349", "32349", 0), (r"1\,000", "1000", 1), ("1{,}000", "1000", 1), ("1,000,000", "1000000", 1),
    ("1000,99", "1000.99", 1), ("2,74", "2.74", 1), ("0,111", "0.111", 1), ("1,22", "1.22", 1),
    ("1,234", "1.234", 0), ("2,74", "2, 74", 1), ("70,110", "70, 110", 1), ("70,110", "70110", 1),
    ("1 1/2", r"\frac{3}{2}", 1), (r"3\frac{1}{2}", r"\frac{7}{2}", 1), ("1 1/2", r"\frac{1}{2}", 0),
    ("10weeks", "10", 1), ("35 cm", "35", 1), ("1,000.99m²", "1000.99", 1), ("€5", "5", 1), (r"\$18.90", "18.9", 1),
    ("3s^2", "3s^3", 0), ("5 m", "5", 0), ("5m", "5", 0),    # single letters are never units: `5m` may be 5*m
])
def test_number_formats(a, b, expected):
    assert both(rf"\boxed{{{a}}}", b)[0] == expected
    assert score(rf"\boxed{{{b}}}", a) == expected


# -- structures ------------------------------------------------------------------------------------------------
PM = r"\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}"


@pytest.mark.parametrize("output, reference, expected", [
    (r"\begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix}", PM, 1),
    (r"\left[\begin{array}{cc}1 & 2 \\ 3 & 4\end{array}\right]", PM, 1),
    (r"\begin{matrix}1 & 2 \\ 3 & 4\end{matrix}", PM, 1),
    (r"\begin{bmatrix}1 & 2 \\ 3 & 5\end{bmatrix}", PM, 0),
    (r"\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix} + \begin{pmatrix}0 & 0 \\ 0 & 0\end{pmatrix}", PM, 1),
    ("[0.5, 1]", r"\begin{pmatrix}0.5 \\ 1\end{pmatrix}", 1), ("(0.5, 1)", r"\begin{pmatrix}0.5 \\ 1\end{pmatrix}", 1),
    ("[1, 0.5]", r"\begin{pmatrix}0.5 \\ 1\end{pmatrix}", 0),
    (r"m \in [\sqrt{2}, +\infty)", r"m \geq \sqrt{2}", 1), (r"m \in (\sqrt{2}, +\infty)", r"m \geq \sqrt{2}", 0),
    ("(0,1)", "0<f(x)<1", 1), ("[0,1)", "0<f(x)<1", 0), (r"0 < x < 1", "(0,1)", 0),
    (r"\cos x", r"\sin(90^\circ - x)", 1), (r"\sin x", r"\sin(90^\circ - x)", 0), (r"\frac{1}{2}", r"\sin 30^\circ", 1),
])
def test_structures(output, reference, expected):
    assert score(rf"\boxed{{{output}}}", reference) == expected


# -- rounding policy --------------------------------------------------------------------------------------------
def test_rounded_decimals_default_policy():
    assert score(r"\boxed{(0.6, 2.6667]}", r"(\frac35, \frac83]") == 1
    assert score(r"\boxed{(0.6, 2.6666]}", r"(\frac35, \frac83]") == 0       # does not round to 8/3
    assert score(r"\boxed{0.3333}", r"\frac13") == 1
    assert score(r"\boxed{0.33}", r"\frac13") == 0                          # 2 significant digits < 4
    assert score(r"\boxed{0.3334}", r"\frac13") == 0
    assert score(r"\boxed{1.4142}", r"\sqrt{2}") == 1
    assert score(r"\boxed{1.4143}", r"\sqrt{2}") == 0
    assert score(r"\boxed{18.94}", "18.9") == 0                              # two written decimals: by value
    assert score(r"\boxed{2.50}", "2.5") == 1


def test_rounding_fields():
    loose = replace(DEFAULT, compare=ComparePolicy(min_significant_digits=2))
    matrix = r"\begin{pmatrix}0.33\\0.2\end{pmatrix}"
    gold = r"\begin{pmatrix}\frac{1}{3}\\ \frac{1}{5}\end{pmatrix}"
    assert score(rf"\boxed{{{matrix}}}", gold) == 0
    assert score(rf"\boxed{{{matrix}}}", gold, loose) == 1
    assert score(r"\boxed{0.34}", r"\frac13", loose) == 0                   # still must round to the value
    exact = replace(DEFAULT, compare=ComparePolicy(rounding="exact"))
    assert score(r"\boxed{0.3333}", r"\frac13", exact) == 0
    assert score(r"\boxed{0.25}", r"\frac14", exact) == 1
    tolerant = replace(DEFAULT, compare=ComparePolicy(rel_tol=0.02))
    assert score(r"\boxed{0.33}", r"\frac13", tolerant) == 1


# -- symbolic identity ---------------------------------------------------------------------------------------------
def test_identity_is_proved_or_refuted():
    import sympy

    x, y = sympy.symbols("x y")
    assert identity((x + 1) ** 2, x ** 2 + 2 * x + 1, False) == (True, "proved by sympy (expand)")
    assert identity(sympy.tan(y) ** 2 + 1, sympy.sec(y) ** 2, False)[1].startswith("proved")
    ok, how = identity(sympy.sqrt(x ** 2), x, False)
    assert not ok and how.startswith("differs at")


def test_identity_cannot_be_fooled_by_known_sample_points():
    """A difference built to vanish at the old fixed points (and at many more) is still refuted."""
    import sympy

    from graders.mathcheck import numeric

    x = sympy.Symbol("x")
    trap = sympy.Integer(1)
    for p in numeric._REAL_POINTS:
        trap *= x - sympy.Rational(str(p))
    ok, how = identity(x, x + trap, False)
    assert not ok and how.startswith("differs at")
    ok, how = identity(sympy.Abs(x), sympy.Abs(x) + trap, False)   # real points only (non-analytic): still refuted
    assert not ok


def test_identity_decisions_end_to_end():
    assert score(r"\boxed{\sec^2 y}", r"\tan^2 y + 1") == 1
    assert score(r"\boxed{\sqrt{x^2}}", "x") == 0
    assert score(r"\boxed{\frac{x^2-1}{x-1}}", "x+1") == 1
    assert score(r"\boxed{\frac{1}{\sqrt{n}}}", r"\sqrt{1/n}") == 0           # differ for negative n (known limit)
