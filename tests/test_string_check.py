import pytest

from graders import load_grader


def grader(operation, **extra):
    return load_grader({"type": "string_check", "input": "{{ sample.output_text }}",
                        "reference": "{{ item.ref }}", "operation": operation, **extra})


@pytest.mark.parametrize("operation,text,ref,score", [
    ("eq", "Paris", "Paris", 1), ("eq", "paris", "Paris", 0), ("eq", "Paris ", "Paris", 0),
    ("ne", "London", "Paris", 1), ("ne", "Paris", "Paris", 0),
    ("like", "The capital is Paris.", "Paris", 1), ("like", "The capital is paris.", "Paris", 0),
    ("ilike", "THE CAPITAL IS PARIS.", "paris", 1), ("ilike", "Lyon", "paris", 0),
    ("starts_with", "Paris is big", "Paris", 1), ("starts_with", "I say Paris", "Paris", 0),
    ("ends_with", "I say Paris", "Paris", 1), ("ends_with", "Paris is big", "Paris", 0),
])
def test_operations(operation, text, ref, score):
    res = grader(operation).grade(text, {"ref": ref})
    assert res.status == "ok" and res.score == score


def test_like_is_substring_not_sql_wildcards():
    assert grader("like").grade("100%", {"ref": "1%"}).score == 0
    assert grader("like").grade("a_b", {"ref": "a_b"}).score == 1


@pytest.mark.parametrize("normalize,text,ref,score", [
    (["strip"], "  42 \n", "42", 1),
    (["lower"], "YES", "yes", 1),
    (["collapse_whitespace"], "New   York\tCity", "New York City", 1),
    (["strip_punctuation", "strip"], "42.", "42", 1),
    (["unicode_nfkc"], "４２", "42", 1),
    (["strip", "lower"], " Yes! ", "yes", 0),
])
def test_normalize(normalize, text, ref, score):
    assert grader("eq", normalize=normalize).grade(text, {"ref": ref}).score == score


def test_regex_search_fullmatch_and_flags():
    search = load_grader({"type": "string_check", "input": "{{ sample.output_text }}",
                          "reference": r"answer:\s*\d+", "operation": "regex"})
    assert search.grade("so the answer: 12 ok").score == 1
    assert search.grade("so the Answer: 12").score == 0
    full = load_grader({"type": "string_check", "input": "{{ sample.output_text }}",
                        "reference": r"\d+", "operation": "regex", "regex_mode": "fullmatch"})
    assert full.grade("123").score == 1 and full.grade("123 apples").score == 0
    flagged = load_grader({"type": "string_check", "input": "{{ sample.output_text }}",
                           "reference": r"^yes$", "operation": "regex", "flags": ["ignorecase", "multiline"]})
    assert flagged.grade("well\nYES\nok").score == 1


def test_raw_item_pattern_and_invalid_item_regex():
    # an item value is a pattern only when the placeholder says `| raw` (escaped by default, see below)
    g = load_grader({"type": "string_check", "input": "{{ sample.output_text }}",
                     "reference": "{{ item.ref | raw }}", "operation": "regex"})
    assert g.grade("abc123", {"ref": "[0-9]{3}"}).score == 1
    bad = g.grade("abc", {"ref": "([0-9"})
    assert bad.status == "invalid_reference" and bad.score == 0


def test_missing_variable_is_error_status_not_exception():
    res = grader("eq").grade("x", {})
    assert res.status == "error" and res.error_type == "invalid_variable_error" and res.score == 0
    assert "item.ref" in res.reason


def test_non_string_values_render_as_json():
    assert grader("eq").grade("42", {"ref": 42}).score == 1
    assert grader("eq").grade("true", {"ref": True}).score == 1


def test_pass_threshold_sets_passed():
    g = grader("eq", pass_threshold=1)
    assert g.grade("a", {"ref": "a"}).passed is True
    assert g.grade("b", {"ref": "a"}).passed is False
    assert grader("eq").grade("a", {"ref": "a"}).passed is None
