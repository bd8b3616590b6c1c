"""Reward holes of issue 11 in the code graders, end to end in the Docker sandbox: each answer here got
reward it didn't earn (or a broken test counted against the candidate), and each must not any more."""
from __future__ import annotations

import itertools
import time

import pytest

from graders import load_grader
from sandbox.backends import SAMPLE_SLACK_S
from sandbox_support import require_docker, own_sandbox_processes, stray_containers

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module", autouse=True)
def docker():
    require_docker()


def grader(**spec):
    return load_grader({"type": "unit_tests", "test_timeout_s": 5, "timeout_s": 20, "pool_size": 2, **spec})


@pytest.fixture(scope="module")
def calls():
    return grader(test_format="calls", tests="{{ item.tests }}", entry_point="{{ item.entry_point }}")


@pytest.fixture(scope="module")
def asserts():
    return grader(test_format="assert", tests="{{ item.test }}", entry_point="{{ item.entry_point }}")


# -- calls: exact, type-aware comparison ------------------------------------------------------------------
PERMUTATIONS = {"entry_point": "perms", "tests": [
    {"args": [[1, 2, 3]], "expected": [list(p) for p in itertools.permutations([1, 2, 3])]},
    {"args": [[1, 2]], "expected": [[1, 2], [2, 1]]}]}


def test_a_set_never_passes_for_a_list(calls):
    cheats = ["def perms(xs):\n    return [set(xs)] * len(list(__import__('itertools').permutations(xs)))\n",
              "def perms(xs):\n    return {tuple(p) for p in __import__('itertools').permutations(xs)}\n",
              "def perms(xs):\n    return [tuple(p) for p in __import__('itertools').permutations(xs)]\n"]
    results = calls.grade_batch([(code, PERMUTATIONS) for code in cheats])
    assert [r.score for r in results] == [0.0, 0.0, 0.0], [r.reason for r in results]
    assert "a set where a list was expected" in results[0].reason
    honest = "def perms(xs):\n    return [list(p) for p in __import__('itertools').permutations(xs)]\n"
    assert calls.grade(honest, PERMUTATIONS).score == 1.0
    reversed_order = "def perms(xs):\n    return [list(p) for p in __import__('itertools').permutations(xs)][::-1]\n"
    assert calls.grade(reversed_order, PERMUTATIONS).score == 0.0          # order counts by default
    unordered = grader(test_format="calls", tests="{{ item.tests }}", entry_point="{{ item.entry_point }}",
                       unordered="top")
    assert unordered.grade(reversed_order, PERMUTATIONS).score == 1.0      # unless the spec says otherwise
    assert unordered.grade(cheats[0], PERMUTATIONS).score == 0.0


def test_approximate_floats_never_pass_for_exact_integers(calls):
    fib = {"entry_point": "fib", "tests": [[[n], a] for n, a in ((10, 55), (80, 23416728348467685),
                                                                    (90, 2880067194370816120))]}
    binet = ("def fib(n):\n    phi = (1 + 5 ** 0.5) / 2\n    return (phi ** n - (-phi) ** -n) / 5 ** 0.5\n")
    rounded_binet = binet.replace("return (phi ** n - (-phi) ** -n) / 5 ** 0.5", "return round((phi ** n - (-phi) ** -n) / 5 ** 0.5)")
    exact = "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n"
    results = calls.grade_batch([(binet, fib), (rounded_binet, fib), (exact, fib)])
    assert results[0].score == 0.0 and "a float where an int was expected" in results[0].reason
    assert results[1].score == pytest.approx(1 / 3)      # round() is an int, exact only where Binet still is
    assert results[2].score == 1.0
    factorial = {"entry_point": "fact", "tests": [[[25], 15511210043330985984000000], [[5], 120]]}
    gamma = calls.grade("import math\ndef fact(n):\n    return math.gamma(n + 1)\n", factorial)
    int_gamma = calls.grade("import math\ndef fact(n):\n    return int(math.gamma(n + 1))\n", factorial)
    assert gamma.score == 0.0 and int_gamma.score == 0.5      # int(gamma(26)) is off in the last digits
    assert calls.grade("import math\ndef fact(n):\n    return math.factorial(n)\n", factorial).score == 1.0


def test_bool_is_not_int_and_floats_use_the_stated_tolerance(calls):
    item = {"entry_point": "f", "tests": [[[1], 1], [[0], 0]]}
    assert calls.grade("def f(x):\n    return bool(x)\n", item).score == 0.0
    floats = {"entry_point": "f", "tests": [{"args": [2], "expected": 1.4142135}]}
    assert calls.grade("def f(x):\n    return x ** 0.5\n", floats).score == 1.0   # within 1e-6 (relative)
    assert calls.grade("def f(x):\n    return 1.414\n", floats).score == 0.0
    assert calls.grade("def f(x):\n    return 1.414\n", {"entry_point": "f", "tests": [
        {"args": [2], "expected": 1.4142135, "float_tolerance": 1e-3}]}).score == 1.0   # the test's own rule


def test_io_tokens_compare_integers_exactly():
    tokens = grader(test_format="io", tests="{{ item.tests }}", io_compare="tokens")
    item = {"tests": [{"input": "", "output": "1000000007 0.5\n"}]}
    assert tokens.grade("print(10 ** 9, 0.5)\n", item).score == 0.0
    assert tokens.grade("print(1000000007.0, 0.5)\n", item).score == 0.0
    assert tokens.grade("print(1000000007, 0.5000000001)\n", item).score == 1.0


# -- candidate exceptions cross as one opaque type ----------------------------------------------------------
STOP_ITERATION_TESTS = [
    "def check(candidate):\n    assert all(map(lambda x: candidate(x) == 2 * x, [1, 2, 3]))\n",
    "def check(candidate):\n    for got, want in zip(map(candidate, [1, 2, 3]), [2, 4, 6]):\n        assert got == want\n",
    "def check(candidate):\n    assert all(candidate(x) == 2 * x for x in [1, 2, 3])\n",
    "def check(candidate):\n    assert list(map(candidate, [1, 2, 3])) == [2, 4, 6] or True is False\n",
]


@pytest.mark.parametrize("raised", ["StopIteration", "StopAsyncIteration", "GeneratorExit", "KeyboardInterrupt",
                                    "SystemExit(0)", "AssertionError('fake')", "IndexError", "AttributeError"])
def test_no_candidate_exception_can_end_a_trusted_loop(asserts, raised):
    code = f"def f(x):\n    raise {raised}\n"
    results = asserts.grade_batch([(code, {"entry_point": "f", "test": test}) for test in STOP_ITERATION_TESTS])
    assert [r.score for r in results] == [0.0] * len(STOP_ITERATION_TESTS), [r.reason for r in results]
    assert all(r.status == "ok" and "f raised" in r.reason for r in results), [r.reason for r in results]


def test_protocol_exceptions_of_trusted_helpers_do_not_swallow_the_candidate(asserts):
    """An IndexError would end an old-style sequence iteration early, an AttributeError would become a
    getattr default: either way the test would pass without checking."""
    sequence = ("class Seq:\n    def __getitem__(self, i):\n        if i >= 3:\n            raise IndexError\n"
                "        return candidate(i)\n"
                "def check(candidate):\n    globals()['candidate'] = candidate\n"
                "    assert all(v % 2 == 0 for v in Seq())\n")
    attribute = ("class Lazy:\n    def __getattr__(self, name):\n        return candidate(7)\n"
                 "def check(candidate):\n    globals()['candidate'] = candidate\n"
                 "    assert getattr(Lazy(), 'x', 14) == 14\n")
    cheat = "def f(x):\n    if x == 0:\n        return 0\n    raise {}\n"
    honest = "def f(x):\n    return 2 * x\n"
    results = asserts.grade_batch([(cheat.format("IndexError"), {"entry_point": "f", "test": sequence}),
                                   (cheat.format("AttributeError"), {"entry_point": "f", "test": attribute}),
                                   (honest, {"entry_point": "f", "test": sequence}),
                                   (honest, {"entry_point": "f", "test": attribute})])
    assert [r.score for r in results] == [0.0, 0.0, 1.0, 1.0], [r.reason for r in results]


def test_tests_can_still_expect_an_error_by_its_name(asserts):
    test = ("def check(candidate):\n    assert candidate(2) == 1\n    try:\n        candidate(-1)\n"
            "    except CandidateError as exc:\n        assert exc.type_name == 'ValueError'\n    else:\n"
            "        assert False, 'no error'\n")
    item = {"entry_point": "f", "test": test}
    right = "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x // 2\n"
    wrong_error = right.replace("ValueError", "TypeError")
    assert [r.score for r in asserts.grade_batch([(right, item), (wrong_error, item)])] == [1.0, 0.0]


# -- broken tests are the item's fault ---------------------------------------------------------------------
def test_a_broken_test_makes_the_item_invalid_reference_even_when_others_pass():
    plain = grader(test_format="assert", tests="{{ item.tests }}", entry_point="f")
    good = "def f(x):\n    return x + 1\n"
    broken_items = {
        "syntax": ["assert f(1) == 2", "assert f(2) == (3"],
        "never calls": ["assert f(1) == 2", "assert 1 + 1 == 2"],
        "unsendable argument": ["assert f(1) == 2", "assert f(lambda: 1) == 2"],
    }
    for name, tests in broken_items.items():
        result = plain.grade(good, {"tests": tests})
        assert result.status == "invalid_reference" and result.score == 0.0, (name, result.status, result.reason)
        assert "test 1" in result.reason, (name, result.reason)
    setup_raises = grader(test_format="assert", tests="{{ item.tests }}", entry_point="f", setup="{{ item.setup }}")
    result = setup_raises.grade(good, {"tests": ["assert f(1) == 2"], "setup": "1 / 0"})
    assert result.status == "invalid_reference", result.reason
    assert plain.grade(good, {"tests": ["assert f(1) == 2", "assert f(2) == 3"]}).score == 1.0


def test_a_garbled_protocol_is_an_error_not_a_score():
    plain = grader(test_format="calls", tests="{{ item.tests }}", entry_point="f")
    code = ("import os\ndef f(x):\n    if x == 2:\n        for fd in range(3, 20):\n            try:\n"
            "                os.write(fd, b'not json\\n')\n            except OSError:\n                pass\n    return x\n")
    result = plain.grade(code, {"tests": [[[1], 1], [[2], 2]]})
    assert result.status == "error" and result.score == 0.0, result.reason
    assert "protocol error" in result.reason and result.error_type == "sandbox_error"


# -- SIGSTOP is bounded per sample ---------------------------------------------------------------------------
def test_sigstop_of_the_runner_costs_one_sample_budget_not_the_batch():
    fast = load_grader({"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}", "entry_point": "f",
                        "test_timeout_s": 2, "timeout_s": 2, "pool_size": 1, "batch_size": 6})
    item = {"tests": [[[2], 4]]}
    good = "def f(x):\n    return 2 * x\n"
    stopper = "import os, signal\ndef f(x):\n    os.kill(os.getppid(), signal.SIGSTOP)\n    return 2 * x\n"
    fast.grade(good, item)  # warm container: start-up is not what is measured
    start = time.monotonic()
    results = fast.grade_batch([(good, item), (stopper, item), (good, item), (good, item), (good, item), (good, item)])
    elapsed = time.monotonic() - start
    assert [r.score for r in results] == [1.0, 0.0, 1.0, 1.0, 1.0, 1.0], [r.reason for r in results]
    assert results[1].status == "timeout" and "stopped making progress" in results[1].reason
    # before: the whole job's deadline (6 * 2 s + 10 s), then the stopper alone again (2 s + 10 s)
    assert elapsed < 2 + SAMPLE_SLACK_S + 8, elapsed


def test_a_candidate_stopping_itself_costs_its_test_timeout():
    fast = grader(test_format="calls", tests="{{ item.tests }}", entry_point="f", test_timeout_s=1.5, timeout_s=5)
    start = time.monotonic()
    result = fast.grade("import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGSTOP)\n", {"tests": [[[1], 1]]})
    assert result.status == "timeout" and result.score == 0.0, result.reason
    assert time.monotonic() - start < 1.5 + SAMPLE_SLACK_S


def test_host_stays_clean():
    from sandbox.docker_client import get_client

    deadline = time.monotonic() + 5
    while own_sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert own_sandbox_processes() == []
    assert stray_containers(get_client()) == []
