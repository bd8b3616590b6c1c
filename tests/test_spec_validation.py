"""Specs are validated once at load; errors name the JSON pointer and the problem, all at once."""
import json

import pytest

from graders import SpecError, load_grader, validate_spec
from graders.registry import implemented_types
from graders.schema import fragment_names, grader_schema

GOOD = {"type": "string_check", "name": "exact", "input": "{{ sample.output_text }}",
        "reference": "{{ item.answer }}", "operation": "eq"}


def test_schema_is_valid_draft_2020_12_and_has_one_fragment_per_type():
    import jsonschema

    schema = grader_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")
    for name in fragment_names():
        assert name in schema["$defs"]
    # one module per fragment and one fragment per module (a type without either can't be loaded or declared)
    assert set(implemented_types()) == set(fragment_names())


def test_building_an_unknown_type_directly_names_the_known_ones():
    from graders.registry import build_grader

    with pytest.raises(SpecError, match=r"^/graders/x/type: unknown grader type 'nope' \(known: format, "):
        build_grader({"type": "nope"}, "/graders/x")


def test_operation_error_names_pointer_and_allowed_values():
    spec = {"type": "multi", "graders": {"format": {**GOOD, "operation": "contains"}}, "calculate_output": "format"}
    with pytest.raises(SpecError) as info:
        load_grader(spec)
    msg = str(info.value)
    assert "/graders/format/operation: 'contains' is not one of ['eq', 'ne', 'like', 'ilike'" in msg


def test_unknown_type_lists_known_types():
    problems = validate_spec({"type": "strng_check"})
    assert len(problems) == 1
    assert problems[0].startswith("/type: 'strng_check' is not one of [")
    for name in ("string_check", "multi", "text_similarity"):
        assert name in problems[0]


def test_all_errors_reported_at_once():
    spec = {"type": "multi", "graders": {
        "a": {"type": "string_check", "input": "x", "operation": "eq"},
        "b": {"type": "string_check", "input": 3, "reference": "y", "operation": "eq", "extra": 1},
    }, "calculate_output": "a + b"}
    with pytest.raises(SpecError) as info:
        load_grader(spec)
    errors = info.value.errors
    assert "/graders/a: 'reference' is a required property" in errors
    assert "/graders/b/input: 3 is not of type 'string'" in errors
    assert any(e.startswith("/graders/b: Additional properties are not allowed ('extra'") for e in errors)


def test_semantic_errors_name_the_field():
    with pytest.raises(SpecError) as info:
        load_grader({"type": "multi", "graders": {"a": GOOD}, "calculate_output": "a + c", "gate": ["z"]})
    errors = info.value.errors
    assert any(e.startswith("/calculate_output: formula_parse_error: unknown variable 'c'") for e in errors)
    assert any(e.startswith("/gate/0: no sub-grader named 'z'") for e in errors)


def test_bad_regex_is_a_spec_error():
    with pytest.raises(SpecError, match=r"/reference: invalid regular expression"):
        load_grader({**GOOD, "operation": "regex", "reference": "([a-z"})


def test_non_json_file_gives_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "type": "string_check",\n  "input": "x"\n  "reference": "y"\n}\n')
    with pytest.raises(SpecError) as info:
        load_grader(path)
    assert "line 4, column 3" in str(info.value) and str(path) in str(info.value)


def test_missing_file_and_non_object(tmp_path):
    with pytest.raises(SpecError, match="cannot read spec file"):
        load_grader(tmp_path / "nope.json")
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    with pytest.raises(SpecError, match="must be a JSON object"):
        load_grader(path)


def test_spec_loads_from_file_into_typed_object(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(GOOD))
    g = load_grader(path)
    assert type(g).__name__ == "StringCheckGrader" and g.name == "exact" and g.operation == "eq"


OPENAI_DOCS_MULTI = {
    # the multi grader example from OpenAI's graders guide, verbatim
    "type": "multi",
    "graders": {
        "name": {
            "name": "name_grader",
            "type": "text_similarity",
            "input": "{{sample.output_json.name}}",
            "reference": "{{item.name}}",
            "evaluation_metric": "fuzzy_match",
        },
        "email": {
            "name": "email_grader",
            "type": "string_check",
            "input": "{{sample.output_json.email}}",
            "reference": "{{item.email}}",
            "operation": "eq",
        },
    },
    "calculate_output": "(name + email) / 2",
}


def test_openai_documentation_multi_grader_validates_and_scores_unchanged():
    g = load_grader(OPENAI_DOCS_MULTI)
    item = {"name": "Jane Doe", "email": "jane@example.com"}
    perfect = g.grade('{"name": "Jane Doe", "email": "jane@example.com"}', item)
    assert perfect.status == "ok" and perfect.score == pytest.approx(1.0)
    assert perfect.sub_scores == {"name": pytest.approx(1.0), "email": 1.0}
    half = g.grade({"output_text": "", "output_json": {"name": "Jane Doe", "email": "x@y.z"}}, item)
    assert half.score == pytest.approx(0.5) and half.sub_scores["email"] == 0.0


def test_openai_string_check_example_unchanged():
    spec = {"type": "string_check", "name": "Example string check grader", "input": "{{sample.output_text}}",
            "reference": "{{item.label}}", "operation": "eq"}
    g = load_grader(spec)
    assert g.grade("positive", {"label": "positive"}).score == 1.0
    assert g.grade("negative", {"label": "positive"}).score == 0.0


# -- timeout_s: only types that enforce it as a hard timeout accept it (issue 11) ----------------------------
TIMEOUT_ACCEPTED = {"string_check", "json_schema", "math_equivalence", "instruction_following", "unit_tests",
                    "python", "judge", "score_model", "label_model"}


def test_timeout_s_is_accepted_exactly_by_the_types_that_enforce_it():
    schema = grader_schema()
    accepting = {name for name in fragment_names() if "not" not in schema["$defs"][name]["properties"]["timeout_s"]}
    assert accepting == TIMEOUT_ACCEPTED
    # a type that runs in the worker pool or in containers always enforces it
    for name, cls in implemented_types().items():
        if cls.isolation in ("process", "container"):
            assert name in accepting, name


def test_timeout_s_on_a_type_that_cannot_enforce_it_is_a_spec_error_with_a_pointer():
    similarity = {"type": "text_similarity", "reference": "{{ item.ref }}", "evaluation_metric": "bleu",
                  "timeout_s": 2}
    with pytest.raises(SpecError) as info:
        load_grader(similarity)
    assert info.value.errors == ["/timeout_s: text_similarity does not accept timeout_s: it grades in the calling "
                                 "process, where no hard timeout can be enforced"]
    nested = {"type": "multi", "graders": {"close": similarity, "exact": {**GOOD, "timeout_s": 2}}, "timeout_s": 5}
    errors = validate_spec(nested)
    assert errors[0].startswith("/graders/close/timeout_s: text_similarity does not accept timeout_s")
    assert errors[1].startswith("/timeout_s: multi does not accept timeout_s: each sub-grader enforces its own")
    assert len(errors) == 2  # string_check enforces it: accepted


def test_timeout_s_stays_a_positive_number_where_accepted():
    assert validate_spec({**GOOD, "timeout_s": 0}) == ["/timeout_s: 0 is less than or equal to the minimum of 0"]
    assert validate_spec({**GOOD, "timeout_s": 1.5}) == []


def test_no_shipped_spec_gives_timeout_s_to_a_type_that_refuses_it():
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parents[1] / "grader_specs").glob("*.json")):
        assert validate_spec(json.loads(path.read_text())) == [], path.name
