"""OpenAI's `python` grader: grade(sample, item) -> float in the Docker sandbox; any failure is score 0
with the traceback in the reason."""
from __future__ import annotations

import pytest

from graders import load_grader
from sandbox_support import require_docker

pytestmark = pytest.mark.docker

SOURCE = '''
def grade(sample, item) -> float:
    answer = sample["output_text"].strip()
    return 1.0 if answer == item["reference_answer"] else 0.25
'''


def python_grader(source=SOURCE, **extra):
    return load_grader({"type": "python", "name": "py", "source": source, **extra})


@pytest.fixture(scope="module", autouse=True)
def docker():
    require_docker()


def test_grade_function_scores_samples_in_a_batch():
    grader = python_grader(pass_threshold=0.5, image_tag="2025-05-08")
    results = grader.grade_batch([("42", {"reference_answer": "42"}), (" 41 ", {"reference_answer": "42"}),
                                  ({"output_text": "42"}, {"reference_answer": "42"})])
    assert [r.score for r in results] == [1.0, 0.25, 1.0]
    assert [r.passed for r in results] == [True, False, True]
    assert results[0].details["image_tag"] == "2025-05-08"


def test_exception_gives_zero_with_traceback():
    grader = python_grader("def grade(sample, item):\n    return 1 / 0\n")
    result = grader.grade("x", {})
    assert result.score == 0.0 and result.status == "error"
    assert result.error_type == "python_grader_runtime_error"
    assert "ZeroDivisionError" in result.reason and "Traceback" in result.details["traceback"]


def test_non_numeric_return_value_is_an_error():
    for body in ("return 'high'", "return None", "return True", "return float('nan')"):
        result = python_grader(f"def grade(sample, item):\n    {body}\n").grade("x", {})
        assert result.score == 0.0 and result.status == "error", body


def test_out_of_range_scores_are_clamped_by_the_core():
    result = python_grader("def grade(sample, item):\n    return 7\n").grade("x", {})
    assert result.score == 1.0


def test_timeout_and_memory_limits():
    slow = python_grader("import time\ndef grade(sample, item):\n    time.sleep(60)\n", timeout_s=1.5)
    result = slow.grade("x", {})
    assert result.status == "timeout" and result.score == 0.0
    hungry = python_grader("def grade(sample, item):\n    return len(bytearray(3 << 30))\n")
    result = hungry.grade("x", {})
    assert result.status == "error" and "MemoryError" in result.reason


def test_default_limits_follow_openai():
    grader = python_grader()
    assert grader.timeout_s == 120 and grader.limits.memory_mb == 2048


def test_no_network_inside_the_grader():
    source = ("import socket\ndef grade(sample, item):\n    try:\n        socket.create_connection(('1.1.1.1', 80), timeout=1)\n"
              "        return 1.0\n    except OSError:\n        return 0.0\n")
    assert python_grader(source).grade("x", {}).score == 0.0


def test_grader_sees_sample_and_item_as_plain_data():
    source = ("def grade(sample, item):\n    assert type(sample) is dict and type(item) is dict\n"
              "    return 1.0 if sample.get('output_json') == {'a': [1, 2]} and item['n'] == 3 else 0.0\n")
    assert python_grader(source).grade({"output_text": '{"a": [1, 2]}', "output_json": {"a": [1, 2]}}, {"n": 3}).score == 1.0
