"""The three test formats end to end in the Docker sandbox, plus the spec options that shape the code."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from graders import load_grader
from sandbox_support import require_docker

pytestmark = pytest.mark.docker

SPECS = Path(__file__).resolve().parent.parent / "grader_specs"


@pytest.fixture(scope="module", autouse=True)
def docker():
    require_docker()


def grader(**spec):
    return load_grader({"type": "unit_tests", "test_timeout_s": 3, "timeout_s": 15, **spec})


def test_mbpp_style_plain_asserts_score_the_fraction_passed():
    g = grader(test_format="assert", tests="{{ item.test_list }}")
    item = {"test_list": ["assert remove_occ('hello', 'l') == 'heo'", "assert remove_occ('abcda', 'a') == 'bcd'",
                          "assert remove_occ('PHP', 'P') == 'H'"]}
    good = "def remove_occ(s, ch):\n    return s.replace(ch, '')\n"
    first_only = "def remove_occ(s, ch):\n    return s.replace(ch, '', 1) if s.count(ch) > 1 and ch == 'l' else s.replace(ch, '')\n"
    assert g.grade(good, item).score == 1.0
    partial = g.grade("def remove_occ(s, ch):\n    return s.strip(ch)\n", item)
    assert partial.score == pytest.approx(2 / 3) and partial.children["test_0"].score == 0.0
    assert g.grade(first_only, item).score == pytest.approx(2 / 3)


def test_all_or_nothing():
    g = grader(test_format="calls", tests="{{ item.tests }}", entry_point="f", all_or_nothing=True)
    item = {"tests": [[[1], 1], [[2], 4]]}
    assert g.grade("def f(x):\n    return x\n", item).score == 0.0
    assert g.grade("def f(x):\n    return x * x\n", item).score == 1.0


def test_calls_compare_on_the_host_types_exact_unless_a_rule_says_otherwise():
    item = {"tests": [{"args": [3], "expected": [3, 1.5]}, {"args": [], "kwargs": {"x": 1}, "expected": [1, 0.5]}]}
    tuple_answer = "def f(x):\n    return (x, x / 2 + 1e-9)\n"
    strict = grader(test_format="calls", tests="{{ item.tests }}", entry_point="f")
    result = strict.grade(tuple_answer, item)     # JSON has no tuples: a tuple is not the expected list
    assert result.score == 0.0 and "a tuple where a list was expected" in result.reason
    assert strict.grade("def f(x):\n    return [x, x / 2 + 1e-9]\n", item).score == 1.0   # float tolerance
    as_json = grader(test_format="calls", tests="{{ item.tests }}", entry_point="f", compare_as_json=True)
    assert as_json.grade(tuple_answer, item).score == 1.0
    wrong = as_json.grade("def f(x):\n    return {x}\n", item)
    assert wrong.score == 0.0 and "returned {3}" in wrong.reason
    literal_item = {"tests": [{"args": [3], "expected_literal": "(3, 1.5)"}, {"args": [1], "expected_literal": "(1, 0.5)"}]}
    assert strict.grade(tuple_answer, literal_item).score == 1.0


def test_io_with_tokens_comparison_and_runtime_errors():
    g = grader(test_format="io", tests="{{ item.tests }}", io_compare="tokens")
    item = {"tests": {"inputs": ["2\n", "0\n"], "outputs": ["0.5\n", "inf\n"]}}
    code = "x = int(input())\nprint(1 / x)\n"
    result = g.grade(code, item)
    assert result.score == 0.5
    assert "ZeroDivisionError" in result.children["test_1"].reason or "non-zero" in result.children["test_1"].reason


def test_prepend_prompt_only_when_the_entry_point_is_missing():
    g = grader(test_format="assert", tests="{{ item.test }}", entry_point="{{ item.entry_point }}",
               prepend="{{ item.prompt }}", prepend_when="entry_point_missing")
    item = {"prompt": "def inc(x):\n", "test": "def check(candidate):\n    assert candidate(1) == 2\n", "entry_point": "inc"}
    assert g.grade("    return x + 1\n", item).score == 1.0                       # completion style
    assert g.grade("```python\ndef inc(x):\n    return x + 1\n```", item).score == 1.0  # full program
    assert g.grade("    return x\n", item).score == 0.0


def test_code_template_without_extraction():
    g = grader(test_format="calls", tests="{{ item.tests }}", entry_point="f", code="{{ sample.output_json.code }}")
    sample = {"output_text": "ignored", "output_json": {"code": "def f():\n    return 'ok'\n"}}
    assert g.grade(sample, {"tests": [[[], "ok"]]}).score == 1.0


def test_stdio_spec_with_its_examples():
    g = load_grader(json.loads((SPECS / "stdio.json").read_text()))
    rows = [json.loads(line) for line in (SPECS / "stdio.jsonl").read_text().splitlines()]
    scores = [r.score for r in g.grade_batch(rows)]
    assert scores == [1.0, 1.0, pytest.approx(2 / 3), pytest.approx(1 / 3), 0.0]
