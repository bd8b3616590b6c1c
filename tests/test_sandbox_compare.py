"""Comparison rules of `calls` and `io` tests (no Docker): exact and type-aware by default, every leniency
an explicit rule. Each case below is an answer a policy could return to get reward it didn't earn."""
from __future__ import annotations

import itertools
import math

import pytest

from sandbox import testcases
from sandbox.compare import CompareRules, as_json, first_difference, io_matches, tokens_match, values_equal

STRICT = CompareRules()


def fib(n: int) -> int:
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def binet(n: int) -> float:
    phi = (1 + 5 ** 0.5) / 2
    return (phi ** n - (-phi) ** -n) / 5 ** 0.5


PERMS = [list(p) for p in itertools.permutations([1, 2, 3])]


@pytest.mark.parametrize("got, expected", [
    ({1, 2, 3}, [1, 2, 3]),                       # a set is not a list (order, duplicates, length)
    ({1, 2}, [1, 1, 2]),
    ({1, 2, 3}, [3, 2, 1]),
    ([{1, 2, 3}] * 6, PERMS),                     # recursively: six copies of a set for six permutations
    ((1, 2), [1, 2]),                             # tuple vs list
    ([1, 2], (1, 2)),
    (True, 1), (1, True), (False, 0), ([True], [1]),
    (1.0, 1), (3.0000000001, 3),                  # an expected int needs an int
    (binet(80), fib(80)),                         # Binet's formula for a large Fibonacci number
    (math.gamma(26), math.factorial(25)),         # gamma(26) for 25!
    (float(10 ** 20), 10 ** 20),
    ("1", 1), (None, 0), (b"a", "a"), ([1, 2], [1, 2, 3]), ([1, 2, 3], [1, 2]),
    ({1: "a"}, {"1": "a"}),                       # dict keys keep their type
    ({True: "a"}, {1: "a"}),
    ({"a": 1, "b": 2}, {"a": 1}),
    ([[1, 2], [3]], [[1, 2], [3, 4]]),
])
def test_strict_by_default(got, expected):
    assert not values_equal(got, expected, STRICT)
    assert first_difference(got, expected, STRICT)


@pytest.mark.parametrize("got, expected", [
    (fib(80), fib(80)), ([10 ** 5000], [10 ** 5000]), ([1, [2, "x"]], [1, [2, "x"]]), ((1, 2), (1, 2)),
    ({3, 1}, {1, 3}), ({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}), (True, True),
    (0.1 + 0.2, 0.3), (2, 2.0), ([1.0000000001, 2], [1.0, 2]), (float("inf"), float("inf")), (1j, 1j),
])
def test_equal_values_pass(got, expected):
    assert values_equal(got, expected, STRICT), first_difference(got, expected, STRICT)


def test_float_tolerance_is_the_stated_rule():
    assert values_equal(1.0 + 1e-7, 1.0, STRICT)
    assert not values_equal(1.0 + 1e-5, 1.0, STRICT)
    assert values_equal(1e9 + 100, 1e9, STRICT)                      # relative part: 1e-6 * 1e9 = 1000
    assert not values_equal(1e9 + 100, 1e9, CompareRules(float_tolerance=0))
    assert values_equal(1e9 + 100, 1e9 + 100, CompareRules(float_tolerance=0))
    assert not values_equal(float("inf"), 1e308, STRICT) and not values_equal(-float("inf"), float("inf"), STRICT)
    assert not values_equal(10 ** 400, 1e300, STRICT)                # too large for a float: no crash, no match
    assert not values_equal(True, 1.0, STRICT)


def test_unordered_is_an_explicit_rule_and_keeps_multiplicity():
    top, deep = CompareRules(unordered="top"), CompareRules(unordered="all")
    assert values_equal([3, 1, 2], [1, 2, 3], top) and not values_equal([3, 1, 2], [1, 2, 3], STRICT)
    assert not values_equal([1, 2, 2], [1, 1, 2], top)               # duplicates count
    assert not values_equal([1, 2], [1, 2, 2], top)
    assert not values_equal({1, 2, 3}, [1, 2, 3], top)               # still a set, not a list
    assert not values_equal([{1, 2, 3}] * 6, PERMS, top)
    assert values_equal(list(reversed(PERMS)), PERMS, top)
    assert not values_equal([[2, 1], [3]], [[1, 2], [3]], top)       # top only
    assert values_equal([[3], [2, 1]], [[1, 2], [3]], deep)
    assert not values_equal([[3], [2, 1, 1]], [[1, 2], [3]], deep)
    assert values_equal([2.0000001, 1.0], [1.0, 2.0], top)          # with float tolerance, sorted pairing
    assert values_equal([[2.0000001, "b"], [1.0, "a"]], [[1.0, "a"], [2.0, "b"]], top)   # bipartite matching
    assert not values_equal([[1.0, "a"], [1.0000001, "a"]], [[1.0, "a"], [2.0, "b"]], top)


def test_compare_as_json_is_an_explicit_rule():
    rules = CompareRules(compare_as_json=True)
    assert values_equal((1, [2, (3,)]), [1, [2, [3]]], rules)
    assert values_equal({2: "a", None: 2, True: 3, 1.5: 4}, {"2": "a", "null": 2, "true": 3, "1.5": 4}, rules)
    assert not values_equal({1, 2}, [1, 2], rules)                   # a set has no JSON form
    assert not values_equal({1: "a", "1": "b"}, {"1": "b"}, rules)   # colliding keys are not hidden
    assert not values_equal(True, 1, rules) and not values_equal(1.5, 1, rules)
    with pytest.raises(ValueError):
        as_json(b"x")


def test_tokens_compare_integers_exactly_and_decimals_with_tolerance():
    assert not tokens_match("1000000000", "1000000007", 1e-6)       # rel_tol would have said yes
    assert not tokens_match("5.0", "5", 1e-6) and not tokens_match("5", "6", 0.5)
    assert tokens_match("+5 05 -0", "5 5 0", 0) and tokens_match("-007", "-7", 0)
    big = "9" * 6000
    assert tokens_match(big, big, 0) and not tokens_match(big[:-1] + "8", big, 1e-6)
    assert tokens_match("0.50000001 2", "0.5 2", 1e-6) and not tokens_match("0.51 2", "0.5 2", 1e-6)
    assert tokens_match("1", "1.0", 1e-6)                            # an expected decimal accepts any close number
    assert not tokens_match("1_0", "10", 0) and not tokens_match("inf", "1e999", 0)   # Python-only spellings are words
    assert not tokens_match("\u0661\u0662", "12", 0)                 # non-ASCII digits are words
    assert not tokens_match("1 2", "1 2 3", 0)
    assert tokens_match("Yes  no\n", "Yes no", 0) and not tokens_match("yes", "Yes", 0)


def test_io_modes():
    assert io_matches("1 2  \r\n3\n\n\n", "1 2\n3", "lines", 0)
    assert not io_matches("1 2\n", "1  2\n", "lines", 0)
    assert not io_matches("3\n", "3\n4\n", "lines", 0)               # a missing line is not ignored
    assert not io_matches("3\n", "3", "exact", 0)


def test_calls_tests_carry_their_rules_and_reject_broken_expectations():
    tests = testcases.calls_tests([
        [[1], [1, 2]],
        {"args": [1], "expected": [1.0], "unordered": "top", "float_tolerance": 0.1},
        {"args": [], "expected_literal": "((1, 2), {3}, b'x', {1: 'a'})"},
        {"args": [], "expected": [1], "compare_as_json": True},
    ], "f", CompareRules(float_tolerance=1e-9))
    assert tests[0]["compare"] == CompareRules(float_tolerance=1e-9)
    assert tests[1]["compare"] == CompareRules(float_tolerance=0.1, unordered="top")
    assert tests[2]["expected"] == ((1, 2), {3}, b"x", {1: "a"}) and type(tests[2]["expected"][0]) is tuple
    assert tests[3]["compare"].compare_as_json
    for bad in ({"args": [], "expected": float("nan")}, {"args": [], "expected_literal": "__import__('os')"},
                {"args": [], "expected": 1, "unordered": "yes"}, {"args": [], "expected": 1, "float_tolerance": -1},
                {"args": [], "expected": 1, "compare_as_json": "no"}):
        with pytest.raises(testcases.BadTests, match="test 0"):
            testcases.calls_tests([bad], "f")


def test_float_mode_is_codeforces_style_on_every_number():
    from sandbox.compare import float_tokens_match, io_matches

    assert float_tokens_match("1.0000005 2", "1 2.0000019")
    assert not float_tokens_match("1.00001 2", "1 2")
    assert float_tokens_match("1000000.5", "1000000")  # relative: 1e-6 * 1e6 = 1
    assert not float_tokens_match("abc 1", "abd 1") and not float_tokens_match("1", "1 2")
    assert not float_tokens_match("nan", "1") and float_tokens_match("inf", "inf")  # words compare as words
    assert not float_tokens_match("1e400", "1e400")  # an overflowing number never matches
    assert io_matches("b\na\na\n", "a\nb\na", "unordered_lines", 0.0)
    assert not io_matches("a\nb\n", "a\na\nb", "unordered_lines", 0.0)


def test_tokens_take_explicit_absolute_and_relative_tolerances():
    from sandbox.compare import tokens_match

    assert tokens_match("0.105", "0.1", 0.0, abs_tol=0.01, rel_tol=0.0)
    assert not tokens_match("0.12", "0.1", 0.0, abs_tol=0.01, rel_tol=0.0)
    assert tokens_match("1010.0", "1000.0", 0.0, abs_tol=0.0, rel_tol=0.01)
    assert tokens_match("1000", "1000.0000001", 1e-6) and not tokens_match("1000", "1000.5", 1e-6)
    assert not tokens_match("1000.0", "1000", 1.0)  # an expected integer needs an integer, exactly


def test_call_types_read_strictly_by_the_declared_type():
    import pytest

    from sandbox.calltypes import BadSignature, parse_signature, read_result, to_expected, to_wire

    name, params, returns = parse_signature("def f(xs: list[int], d: dict[int, str], o: Optional[float]) -> tuple[int, bool]")
    assert name == "f" and returns == ("tuple", (("int",), ("bool",)))
    assert to_wire({"1": "a"}, params[1]) == [[1, "a"]] and to_wire(None, params[2]) is None
    assert read_result("[1, true]", returns) == (1, True)
    for bad in ("[1.0, true]", "[1, 1]", "[true, true]", "[1]", "{}", "x"):
        with pytest.raises(ValueError):
            read_result(bad, returns)
    assert read_result("2", ("float",)) == 2.0 and type(read_result("2", ("float",))) is float
    assert read_result("[[1, \"a\"]]", ("dict", ("int",), ("str",))) == to_expected({"1": "a"}, ("dict", ("int",), ("str",)))
    with pytest.raises(ValueError):
        read_result("[[1, \"a\"], [1, \"b\"]]", ("dict", ("int",), ("str",)))
    for sig in ("def f(x: set[int]) -> int", "def f(x) -> int", "f(x: int)", "def f(x: int):"):
        with pytest.raises(BadSignature):
            parse_signature(sig)
    with pytest.raises(BadSignature):
        to_wire(float("nan"), ("float",))
    with pytest.raises(BadSignature):
        to_wire(True, ("int",))
