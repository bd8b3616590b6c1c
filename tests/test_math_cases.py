"""Labelled (reference, candidate, expected) cases for `math_equivalence`, graded end to end through the pool.

The cases come from the issue, from math-verify's known false positives/negatives (issues #14, #37, #40, #41,
#60, #64, #65, #69, #76, #10) and from our own reading; symmetric ones are checked in both directions.
All cases of one policy set are graded in one `grade_batch` (as a trainer would), then asserted one by one.
"""
import json

import pytest

from graders import load_grader

CASES = []


def both(ref, out, expected, **policy):
    """A symmetric case: checked as (ref, out) and (out, ref)."""
    CASES.append((ref, out, expected, policy))
    CASES.append((out, ref, expected, policy))


def one(ref, out, expected, **policy):
    CASES.append((ref, out, expected, policy))


# -- from the issue --------------------------------------------------------------------------------------
both(r"\frac{1}{2004!}", r"\frac{1}{2006!}", 0)
both("1/2004!", "1/2006!", 0)
both(r"\frac{1}{2^{99}}", r"\frac{1}{2^{98}}", 0)
both("1e-7", "2e-7", 0)
both(r"1-\frac{1}{e}", r"1+\frac{1}{e}", 0)
both(r"1 - \frac{1}{\mathrm{e}}", r"1 + \frac{1}{\mathrm{e}}", 0)
both("4", r"4\sqrt(2)", 0)
both("4", r"4\sqrt{2}", 0)
both("3*x-1*y+13=0", "3x + 4y + 14=0", 0)
both(r"\text{13}", "13", 1)
both("pi/2", r"\frac{\pi}{2}", 1)
both("0.5", r"\frac{1}{2}", 1)
both("0.5", r"50\%", 0)
both("0.5", r"50\%", 1, percent="equal_fraction")
both(r"\frac{1}{2}", r"50\%", 1, percent="either")
both("x^2+2x+1", "(x+1)^2", 1)
one("[1,2)", "[1,2)", 1)
both("[1,2)", "(1,2]", 0)
both("x=3", "3", 1)
both(r"\{1,2\}", r"\{2,1\}", 1)
both("{1,2}", "{2,1}", 1)
both(r"x = 5 \text{ or } x = -5", r"\pm 5", 1)
both("10,4,-2", "4,10,-2", 1)
both("10,4,-2", "4,10,-2", 1, tuple_order="unordered")
both("10,4,-2", "4,10,-2", 0, tuple_order="ordered")
one("10,4,-2", "10, 4, -2", 1, tuple_order="ordered")

# -- math-verify's known false positives (must be 0) -----------------------------------------------------
both(r"\frac{2^{2005}+1}{3\cdot2^{2006}}", r"\frac{1}{3\cdot2^{2006}}", 0)
both(r"1:2:3:\ldots", r"1:4:9:\ldots", 0)
both(r"1,2,\ldots,n", r"1,3,5,\ldots,2n-1", 0)
both(r"\pm 2021", "2021", 0)
both("12:00", "1:00", 0)
both(r"\frac{x^2}{4}+\frac{y^2}{3}=1", r"\frac{x^2}{16}+\frac{y^2}{12}=1", 0)
both("(1,2)", r"\{1,2\}", 0)
one("4951077", "Step 1: we compute 4951077 things.\nThen some garbage follows.\nNo conclusion.", "no_answer")

# -- math-verify's known false negatives (must be 1) -----------------------------------------------------
both("e^{16}-1", "-1 + exp(16)", 1)
both(r"\dfrac{\pi}{2}", "pi/2", 1)
both("14 - i", "14.0 + -1.0i", 1)
both(r"x^2/4+y^2/3=1", r"x^2/16+y^2/12=1/4", 1)
both("2x+4y-3=0", "y=-x/2+3/4", 1)
one("73", "Compute 437 + 2*234 = 905.\nFinal Answer: **73**", 1)
one("0 < x < 12.5", "(0, 12.5)", 1)

# -- relations policy (issue #10's asymmetry, explicit) --------------------------------------------------
one("(0, 12.5)", "0 < x < 12.5", 0)
one("(0, 12.5)", "0 < x < 12.5", 1, relations="both")
one("0 < x < 12.5", "(0, 12.5)", 0, relations="off")
one("x<3", r"(-\infty,3)", 1)
one(r"(-\infty,3)", "x<3", 0)
both("x<3", "3>x", 1)
both(r"x \le 3", "x<3", 0)
one(r"2 \le x \le 5", "[2,5]", 1)

# -- exact numbers ----------------------------------------------------------------------------------------
both("2^{100}", "2^{100}+1", 0)
both(r"\frac{1}{3\cdot 2^{2006}}", r"\frac{1}{3\cdot 2^{2006}}+\frac{1}{2^{4000}}", 0)
both("10^{-20}", "0", 0)
both("2^{10}", "1024", 1)
both("1,000,000", "10^6", 1)
both("1,000", "1000", 1)
both("-3", "3", 0)
both("0", "-0", 1)
both(r"\frac{7}{2}", r"3\frac{1}{2}", 1)
both(r"\sqrt{8}", r"2\sqrt{2}", 1)
both(r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}", 1)
both(r"\frac{\sqrt{3}}{2}", r"\frac{\sqrt{2}}{2}", 0)
both("5!", "120", 1)
both("2004!", r"2004\cdot 2003!", 1)
both(r"\binom{5}{2}", "10", 1)
both(r"\log_2 8", "3", 1)
both(r"e^{i\pi}", "-1", 1)
both(r"\infty", r"-\infty", 0)
one(r"\infty", r"\infty", 1)
both("2+3i", "3i+2", 1)
both("i", "-i", 0)
both(r"\frac12", "0.5", 1)
both(r"\frac{3}{4}", "0.76", 0)

# -- decimals and tolerance ---------------------------------------------------------------------------------
both("1/3", "0.3333333333", 1)
both("1/3", "0.33", 0)
one("1/3", "0.33", 1, rel_tol=0.02)
both(r"\pi", "3.1415926536", 1)
both(r"\pi", "3.14", 0)
both("2.5", r"\frac{5}{2}", 1)
both("2.50", "2.5", 1)
both(".5", "0.5", 1)
both(r"1.5 \times 10^{-3}", "0.0015", 1)
both("0", "0.0", 1)
both("1e-20", "0", 0, abs_tol=0.0)
both("18", "18.00", 1)
both("100", "99.9999999", 0)  # issue 11: a decimal must round to the exact value (no rel_tol by default)
both("100", "99.99", 0)

# -- expressions --------------------------------------------------------------------------------------------
both("x^2+2x+1", "x^2+2x+2", 0)
both(r"\frac{x}{2}", "0.5x", 1)
both("2x", "2y", 0)
both(r"\sqrt{x^2}", "x", 0)
both(r"\frac{x^2-1}{x-1}", "x+1", 1)
both("a+b", "b+a", 1)
both(r"\sin(2x)", r"2\sin x\cos x", 1)
both(r"\sin^2 x + \cos^2 x", "1", 1)
both(r"7z^{96}(4z+1)", "28z^{97}+7z^{96}", 1)
both(r"\frac{h^2}{m}", "h^2/m", 1)
both("e", r"\mathrm{e}", 1)

# -- equations and assignments ------------------------------------------------------------------------------
both("y=2x+1", "2x-y+1=0", 1)
both("y=2x+1", "y=2x-1", 0)
both("k=1", "1", 1)
both("x=3", "x=4", 0)
one("a=b=101", "101", 1)
both(r"x \in [1,2]", "[1,2]", 1)
one("2, 3", r"x=2 \text{ or } x=3", 1)

# -- sets, intervals, tuples, matrices --------------------------------------------------------------------
one("(1,2)", "(1,2)", 1)
both("(1,2)", "(2,1)", 0)
both("(1,2)", "(2,1)", 1, tuple_order="unordered")
both("(10,4,-2)", "(4,10,-2)", 0)
both("[1,2]", "[1,2)", 0)
both(r"(-\infty, 3]", r"(-\infty,3]", 1)
both(r"(-\infty,-2)\cup(-2,3)", r"(-2,3)\cup(-\infty,-2)", 1)
both(r"(-\infty,-2)\cup(-2,3)", r"(-\infty,3)", 0)
both(r"\{1,2,3\}", r"\{1,2\}", 0)
both(r"\{3\}", "3", 1)
both(r"(3, -\frac{1}{2})", "(3, -0.5)", 1)
both(r"\begin{pmatrix}1\\2\end{pmatrix}", r"\begin{pmatrix}1\\3\end{pmatrix}", 0)
one(r"\begin{pmatrix}1\\2\end{pmatrix}", r"\begin{pmatrix}1\\2\end{pmatrix}", 1)

# -- text answers, units, percent ---------------------------------------------------------------------------
both(r"\text{Evelyn}", "Evelyn", 1)
both(r"\text{Evelyn}", "Adam", 0)
both(r"\text{(C)}", "C", 1)
both("(C)", "(D)", 0)
both(r"\text{Monday}", "monday", 1)
both("10", r"10\text{ cm}", 1)
one(r"10\text{ cm}", "10", 0, units="require")
one(r"10\text{ cm}", "10 cm", 1, units="require")
one(r"10\text{ cm}", r"10\text{ m}", 0, units="require")
both(r"90^\circ", "90", 1)
one(r"90^\circ", "90", 0, units="require")
one(r"90^\circ", "90 degrees", 1, units="require")
both("5 dollars", r"\$5", 1)
both(r"\$18.90", "18.9", 1)
both(r"25\%", "25", 1)
both(r"25\%", "25", 0, percent="equal_fraction")
both(r"25\%", "0.25", 1, percent="either")
both(r"25\%", "25", 1, percent="either")
both(r"25\%", "0.25", 0)

# -- notation found in MATH answers -------------------------------------------------------------------------
both("2112_6", "2112_{6}", 1)
both("2112_6", "2112_7", 0)
one("2112_6", "2112", 1)
both(r"\frac{12}{5,\!525}", r"\frac{12}{5525}", 1)
both(r"\$16,\!386.16", "16386.16", 1)
both(r"\$16,\!386.16", "16386.17", 0)
one(r"\$\dfrac23 \approx \$0.67", "0.67", 1)
one(r"\$\dfrac23 \approx \$0.67", r"\frac{2}{3}", 1)
one(r"\approx 8.24 \text{ mph}", "8.24", 1)
both(r"\text{4:30 p.m.}", "4:30 p.m.", 1)
both(r"\begin{pmatrix} 1 & -1 \\ 1 & \phantom -1 \end{pmatrix}", r"\begin{pmatrix} 1 & -1 \\ 1 & 1 \end{pmatrix}", 1)
both("3s^2", "3s^3", 0)

# -- extraction (output -> answer) --------------------------------------------------------------------------
one("42", r"Adding up, the answer is $\boxed{42}$.", 1)
one("42", r"So \fbox{42}", 1)
one("2", r"First \boxed{1}, no wait, it is \boxed{2}.", 1)
one("1", r"First \boxed{1}, no wait, it is \boxed{2}.", 0)
one("2", r"First \boxed{1}, no wait, it is \boxed{2}.", 0, multiple_answers="all")
one("1", r"First \boxed{1}, no wait, it is \boxed{2}.", 1, multiple_answers="any")
one("1, 2", r"The roots are \boxed{1} and \boxed{2}.", 1, multiple_answers="all")
one("1234", "She earns 1,000 + 234.\n#### 1,234", 1)
one(r"\frac{3}{4}", r"The final answer is $\frac{3}{4}$. I hope it is correct.", 1)
one("0.75", r"The final answer is $\frac{3}{4}$. I hope it is correct.", 1)
one("7", "We get 5 apples and then 7.", 1, extract="last_number")
one("12", "blah\nANSWER: 12\n", 1, extract={"regex": r"ANSWER:\s*(\S+)"})
one("0.5", r"$\frac{1}{2}$", 1, extract="full")
one("#### 72", "The answer is 72.", 1)
one(r"The answer is $\boxed{1/2}$", "0.5", 1)


def _spec(policy):
    return {"type": "math_equivalence", "reference": "{{ item.answer }}", "timeout_s": 10, **policy}


@pytest.fixture(scope="module")
def verdicts():
    """Grade every case, one batch per policy set."""
    groups = {}
    for i, (ref, out, _, policy) in enumerate(CASES):
        groups.setdefault(json.dumps(policy, sort_keys=True), []).append(i)
    out = {}
    for key, indices in groups.items():
        grader = load_grader(_spec(json.loads(key)))
        results = grader.grade_batch([({"output_text": CASES[i][1]}, {"answer": CASES[i][0]}) for i in indices])
        out.update(zip(indices, results))
    return out


def test_there_are_at_least_150_labelled_cases():
    assert len(CASES) >= 150
    assert {0, 1} <= {c[2] for c in CASES}


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[f"{c[0][:25]}|{c[1][:25]}|{c[2]}" for c in CASES])
def test_case(verdicts, index):
    ref, out, expected, policy = CASES[index]
    result = verdicts[index]
    status, score = ("ok", expected) if expected in (0, 1) else (expected, 0)
    assert result.status == status, f"{ref!r} vs {out!r} {policy}: {result.status} {result.reason}"
    assert result.score == score, f"{ref!r} vs {out!r} {policy}: {result.reason}"
