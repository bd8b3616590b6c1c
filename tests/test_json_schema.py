"""json_schema: parsing (bare, output_json, fenced), full and partial scoring, statuses, spec errors, example file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from graders import SpecError, load_grader
from graders.types.json_schema import NoJSON, parse_json_text

SPECS = Path(__file__).resolve().parent.parent / "grader_specs"

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0},
        "email": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
    },
    "required": ["name", "age", "email"],
    "additionalProperties": False,
    "$defs": {"tag": {"type": "string", "enum": ["a", "b"]}},
}
GOOD = {"name": "Ada", "age": 36, "email": "ada@example.org", "tags": ["a"]}


def grader(**extra):
    return load_grader({"type": "json_schema", "name": "person", "schema": PERSON, **extra})


def test_valid_json_scores_one_from_text_output_json_and_fence():
    g = grader(pass_threshold=1)
    res = g.grade(json.dumps(GOOD))
    assert (res.score, res.status, res.passed) == (1.0, "ok", True)
    assert g.grade({"output_text": "ignored", "output_json": GOOD}).details["source"] == "output_json"
    fenced = g.grade("Sure, here it is:\n```json\n" + json.dumps(GOOD, indent=2) + "\n```\nAnything else?")
    assert (fenced.score, fenced.details["source"]) == (1.0, "code_fence")
    assert g.grade("```\n" + json.dumps(GOOD) + "\n```").score == 1.0  # unlabelled fence


def test_schema_violations_score_zero_with_pointer_in_reason():
    g = grader()
    res = g.grade(json.dumps({**GOOD, "age": -1}))
    assert (res.score, res.status) == (0.0, "ok")
    assert res.reason == "schema violation: /age: -1 is less than the minimum of 0"
    res = g.grade(json.dumps({**GOOD, "tags": ["a", "zzz"]}))  # through a $ref
    assert res.score == 0.0 and "/tags/1: 'zzz' is not one of ['a', 'b']" in res.reason
    res = g.grade(json.dumps({**GOOD, "email": "not-an-email"}))  # format is asserted for email
    assert res.score == 0.0 and "/email: 'not-an-email' is not a 'email'" in res.reason
    res = g.grade(json.dumps({"name": "Ada", "extra": 1}))
    assert res.score == 0.0 and res.reason.endswith("(+2 more)")
    assert len(res.details["errors"]) == 3


def test_not_json_is_no_answer_with_line_and_column():
    g = grader()
    res = g.grade('{"name": "Ada",\n "age": 3,,}')
    assert (res.status, res.score) == ("no_answer", 0.0)
    assert "line 2, column 11" in res.reason
    assert g.grade("The answer is 42.").status == "no_answer"
    assert g.grade("   ").reason == "no JSON found: output is empty"
    bad_fence = g.grade("text\n```json\n{'single': 'quotes'}\n```")
    assert bad_fence.status == "no_answer" and "```json block is not valid JSON: line 1, column 2" in bad_fence.reason
    assert g.grade('{"name": NaN}').status == "no_answer"  # NaN is not JSON, even if Python's json accepts it


def test_code_fence_can_be_refused():
    g = grader(allow_code_fence=False)
    res = g.grade("```json\n" + json.dumps(GOOD) + "\n```")
    assert res.status == "no_answer" and "not valid JSON: line 1, column 1" in res.reason
    with pytest.raises(NoJSON):
        parse_json_text("```python\n{}\n```")  # only json-labelled or unlabelled fences


def test_partial_scores_fraction_of_required_properties_present_and_valid():
    g = grader(partial=True, pass_threshold=0.6)
    res = g.grade(json.dumps({"name": "Ada", "age": -5}))  # name ok, age invalid, email missing
    assert res.score == pytest.approx(1 / 3) and res.passed is False
    assert res.details["required_failed"] == {"age": "/age: -5 is less than the minimum of 0", "email": "missing"}
    res = g.grade(json.dumps({"name": "Ada", "age": 5, "nickname": "x"}))
    assert res.score == pytest.approx(2 / 3) and res.passed is True
    # all required fine, an extra property breaks the schema: partial ignores it but says so
    res = g.grade(json.dumps({**GOOD, "nickname": "x"}))
    assert res.score == 1.0 and res.details["valid"] is False and "other violation" in res.reason
    assert g.grade("[1, 2]").score == 0.0
    assert g.grade(json.dumps(GOOD)).score == 1.0


def test_input_template_selects_the_value():
    g = grader(input="{{ item.payload }}")
    assert g.grade("x", {"payload": GOOD}).score == 1.0  # raw JSON value from a single placeholder
    assert g.grade("x", {"payload": json.dumps(GOOD)}).score == 1.0  # a string is parsed as JSON
    res = g.grade("x", {"other": 1})
    assert res.status == "error" and res.error_type == "invalid_variable_error"
    g = load_grader({"type": "json_schema", "schema": {"type": "integer"}, "input": "{{ sample.output_json.n }}"})
    assert g.grade('{"n": 3}').score == 1.0
    assert g.grade('{"n": 3.5}').score == 0.0


def test_bad_schema_is_a_spec_error_naming_the_pointer():
    with pytest.raises(SpecError, match=r"/schema/properties/age/minimum: 'zero' is not of type 'number'"):
        load_grader({"type": "json_schema", "schema": {"properties": {"age": {"minimum": "zero"}}}})
    nested = {"type": "multi", "calculate_output": "fmt",
              "graders": {"fmt": {"type": "json_schema", "schema": {"type": "objekt"}}}}
    with pytest.raises(SpecError, match=r"/graders/fmt/schema/type: 'objekt' is not valid"):
        load_grader(nested)
    with pytest.raises(SpecError, match=r"/partial: partial scoring needs a non-empty top-level 'required'"):
        load_grader({"type": "json_schema", "schema": {"type": "object"}, "partial": True})
    with pytest.raises(SpecError, match=r"/schema: \[1\] is not of type 'object'"):
        load_grader({"type": "json_schema", "schema": [1]})
    with pytest.raises(SpecError, match=r"/: 'schema' is a required property"):
        load_grader({"type": "json_schema"})


def test_refs_must_resolve_inside_the_schema():
    with pytest.raises(SpecError, match=r"/schema/properties/x/\$ref: '#/\$defs/missing' does not resolve"):
        load_grader({"type": "json_schema", "schema": {"properties": {"x": {"$ref": "#/$defs/missing"}}}})
    with pytest.raises(SpecError, match=r"/schema/\$ref: external reference 'https://example.com/s.json'"):
        load_grader({"type": "json_schema", "schema": {"$ref": "https://example.com/s.json"}})
    own_id = {"$id": "https://example.org/root.json", "$defs": {"n": {"type": "integer"}},
              "properties": {"x": {"$ref": "https://example.org/root.json#/$defs/n"}},
              "enum": [{"$ref": "urn:data-not-a-ref"}, {"x": 1}]}
    g = load_grader({"type": "json_schema", "schema": own_id})
    assert g.grade('{"x": 1}').score == 1.0 and g.grade('{"x": "one"}').score == 0.0


def test_every_schema_runs_in_the_pool_and_a_catastrophic_pattern_times_out():
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a+)+$"}}}
    g = load_grader({"type": "json_schema", "schema": schema, "timeout_s": 1})
    # since issue 12 every json_schema grade runs in the pool (before: only schemas with patterns), see below
    assert g.isolation == "process" and grader().isolation == "process"
    results = g.grade_batch([('{"code": "aaa"}', {}), ('{"code": "' + "a" * 40 + 'b"}', {}), ('{"code": "b"}', {})])
    assert [r.status for r in results] == ["ok", "timeout", "ok"]
    assert [r.score for r in results] == [1.0, 0.0, 0.0]


def test_quadratic_keyword_without_any_pattern_is_stopped_by_timeout_s():
    """jsonschema checks `uniqueItems` pairwise: 2,000 objects took 12.7 s in the caller, 10,000 took 300 s."""
    g = load_grader({"type": "json_schema", "schema": {"type": "array", "uniqueItems": True}, "timeout_s": 1})
    flood = json.dumps([{"k": i, "v": [i]} for i in range(10_000)])
    results = g.grade_batch([("[1, 2, 3]", {}), (flood, {}), ("[1, 1]", {})])
    assert [(r.status, r.score) for r in results] == [("ok", 1.0), ("timeout", 0.0), ("ok", 0.0)]
    assert results[1].elapsed_ms < 5_000


def test_json_output_example_file_scores_as_expected():
    g = load_grader(SPECS / "json_output.json")
    rows = [json.loads(line) for line in (SPECS / "json_output.jsonl").read_text().splitlines() if line.strip()]
    assert len(rows) == 7
    results = g.grade_batch(rows)
    assert [(r.score, r.status, r.passed) for r in results] == [
        (1.0, "ok", True), (1.0, "ok", True), (0.0, "ok", False), (0.0, "ok", False), (0.0, "no_answer", False),
        (0.0, "no_answer", False), (0.0, "no_answer", False)]  # duplicate key; two fenced answers
    assert results[1].details["source"] == "code_fence"
    assert "/answer: 'forty-two' is not of type 'number'" in results[2].reason
    assert results[3].details["errors"] == ["/: 'reasoning' is a required property",
                                            "/confidence: 1.5 is greater than the maximum of 1"]


def test_grader_pickles_by_rebuilding_from_its_spec():
    import pickle

    g = pickle.loads(pickle.dumps(grader(partial=True)))
    assert g.grade(json.dumps({"name": "Ada", "age": -5})).score == pytest.approx(1 / 3)
