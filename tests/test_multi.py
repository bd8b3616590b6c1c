"""multi: OpenAI's formula over named sub-graders, plus aggregates, gates, nesting and error propagation."""
import pytest

from graders import load_grader

FMT = {"type": "string_check", "input": "{{ sample.output_text }}", "reference": "####", "operation": "like"}
ANS = {"type": "string_check", "input": "{{ sample.output_text }}", "reference": "{{ item.answer }}",
       "operation": "like"}


def multi(**kw):
    return load_grader({"type": "multi", "graders": {"fmt": FMT, "ans": ANS}, **kw})


def test_formula_combines_sub_scores_and_reports_children():
    g = multi(calculate_output="0.25 * fmt + 0.75 * ans")
    r = g.grade("#### 42", {"answer": "42"})
    assert r.score == pytest.approx(1.0) and r.sub_scores == {"fmt": 1.0, "ans": 1.0}
    assert g.grade("42", {"answer": "42"}).score == pytest.approx(0.75)
    assert g.grade("#### 7", {"answer": "42"}).score == pytest.approx(0.25)


@pytest.mark.parametrize("aggregate,expected", [("mean", 0.5), ("min", 0.0), ("max", 1.0), ("product", 0.0)])
def test_aggregates(aggregate, expected):
    assert multi(aggregate=aggregate).grade("42", {"answer": "42"}).score == pytest.approx(expected)


def test_weighted_aggregate_uses_weights_or_child_weight():
    g = multi(aggregate="weighted", weights={"fmt": 1, "ans": 3})
    assert g.grade("42", {"answer": "42"}).score == pytest.approx(0.75)
    g2 = load_grader({"type": "multi", "aggregate": "weighted",
                      "graders": {"fmt": {**FMT, "weight": 3}, "ans": ANS}})
    assert g2.grade("####", {"answer": "42"}).score == pytest.approx(0.75)


def test_default_aggregate_is_mean():
    assert multi().grade("#### 42", {"answer": "7"}).score == pytest.approx(0.5)


def test_gate_zeroes_score_when_format_fails():
    g = multi(calculate_output="ans", gate=["fmt"])
    r = g.grade("42", {"answer": "42"})
    assert r.score == 0.0 and r.status == "ok" and "gate 'fmt' failed" in r.reason
    assert r.sub_scores == {"fmt": 0.0, "ans": 1.0}
    assert g.grade("#### 42", {"answer": "42"}).score == 1.0


def test_gate_uses_pass_threshold_when_present():
    g = load_grader({"type": "multi", "graders": {
        "sim": {"type": "text_similarity", "input": "{{ sample.output_text }}", "reference": "hello world",
                "evaluation_metric": "fuzzy_match", "pass_threshold": 0.5},
        "ans": ANS}, "calculate_output": "ans", "gate": ["sim"]})
    assert g.grade("hello world 42", {"answer": "42"}).score == 1.0
    assert g.grade("zzz 42", {"answer": "42"}).score == 0.0


def test_nested_multi_is_allowed():
    inner = {"type": "multi", "graders": {"fmt": FMT, "ans": ANS}, "calculate_output": "fmt * ans"}
    g = load_grader({"type": "multi", "graders": {"inner": inner, "ans": ANS}, "calculate_output": "(inner + ans) / 2"})
    r = g.grade("42", {"answer": "42"})
    assert r.score == pytest.approx(0.5)
    assert r.children["inner"].sub_scores == {"fmt": 0.0, "ans": 1.0}


def test_division_by_zero_is_error_status_naming_formula():
    r = multi(calculate_output="ans / fmt").grade("42", {"answer": "42"})
    assert r.status == "error" and r.score == 0.0 and "ans / fmt" in r.reason and "division by zero" in r.reason


def test_log_domain_error_is_error_status():
    r = multi(calculate_output="log(fmt)").grade("42", {"answer": "42"})
    assert r.status == "error" and "math error" in r.reason


def test_out_of_range_formula_is_clamped_and_flagged():
    r = multi(calculate_output="fmt + ans").grade("#### 42", {"answer": "42"})
    assert r.score == 1.0 and "clamped" in r.reason
    r = multi(calculate_output="fmt - ans - 1").grade("#### 42", {"answer": "42"})
    assert r.score == 0.0 and "clamped" in r.reason


def test_child_error_propagates_as_status():
    r = multi(calculate_output="fmt + ans").grade("#### 42", {})
    assert r.status == "error" and r.error_type == "invalid_variable_error" and "'ans'" in r.reason
    assert r.children["fmt"].status == "ok"


def test_batch_order_and_pass_threshold():
    g = multi(calculate_output="(fmt + ans) / 2", pass_threshold=0.75)
    rows = [("#### 1", {"answer": "1"}), ("2", {"answer": "2"}), ("#### 3", {"answer": "9"}), ("x", {"answer": "y"})]
    res = g.grade_batch(rows, workers=2)
    assert [r.score for r in res] == [1.0, 0.5, 0.5, 0.0]
    assert [r.passed for r in res] == [True, False, False, False]


# -- raw sub-scores (issue 13): OpenAI's formula reads each sub-grader's own value ------------------------------
from graders.result import GradeResult, clamp_score  # noqa: E402


def test_clamping_keeps_the_raw_value_beside_the_clamped_score():
    r = clamp_score(GradeResult(score=73.0, reason="grade() returned 73"))
    assert (r.score, r.raw_score, r.value) == (1.0, 73.0, 73.0) and "clamped to 1" in r.reason
    assert GradeResult.from_json(r.to_json()).raw_score == 73.0
    inside = clamp_score(GradeResult(score=0.4))
    assert inside.raw_score is None and inside.value == 0.4 and "raw_score" not in inside.to_json()


def _percent(**kw):
    src = "def grade(sample, item):\n    return float(sample['output_text'])\n"
    return {"type": "python", "name": "pct", "source": src, **kw}


@pytest.mark.docker
def test_python_sub_score_enters_the_formula_raw():
    from sandbox_support import require_docker

    require_docker()
    g = load_grader({"type": "multi", "graders": {"pct": _percent(), "fmt": FMT}, "calculate_output": "pct / 100"})
    results = g.grade_batch([("73", {}), ("250", {}), ("-5", {})])
    assert [r.score for r in results] == [pytest.approx(0.73), 1.0, 0.0]
    r73, r250, rneg = results
    assert r73.children["pct"].score == 1.0 and r73.children["pct"].raw_score == 73.0  # standalone: [0, 1]
    assert "clamped" not in r73.reason and "2.5 clamped to 1" in r250.reason and "clamped to 0" in rneg.reason
    assert r73.to_openai_run()["sub_rewards"] == {"pct": 73.0, "fmt": 0.0}
    # the aggregates (ours) combine the [0, 1] scores; a gate reads the clamped score too
    mean = load_grader({"type": "multi", "graders": {"pct": _percent(), "fmt": FMT}, "aggregate": "mean"})
    assert mean.grade("73", {}).score == pytest.approx(0.5)
    # a nested multi hands its unclipped formula value up; only the outermost score is clipped
    inner = {"type": "multi", "graders": {"pct": _percent()}, "calculate_output": "pct * 2"}
    outer = load_grader({"type": "multi", "graders": {"inner": inner}, "calculate_output": "inner / 1000"})
    assert outer.grade("73", {}).score == pytest.approx(0.146)


def test_a_no_answer_sub_grader_enters_the_formula_as_zero():
    sim = {"type": "text_similarity", "input": "{{ sample.output_text }}", "reference": "{{ item.answer }}",
           "evaluation_metric": "fuzzy_match"}
    g = load_grader({"type": "multi", "graders": {"sim": sim}, "calculate_output": "sim + 0.25"})
    r = g.grade("   ", {"answer": "x"})
    assert r.children["sim"].status == "no_answer" and r.status == "ok" and r.score == 0.25
