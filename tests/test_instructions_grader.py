"""The `instruction_following` grader: item-driven and inline lists, strict vs loose, scoring, errors, 541 rows."""
import json
from collections import Counter

import pytest

from grader_specs import FOLDER
from graders import load_grader
from graders.spec import SpecError
from instruction_fixtures import synthesize

ROW = {
    "key": 1107,
    "prompt": "Write two jokes about rockets. Do not contain commas in your response. Separate the two jokes with 6 "
              "asterisk symbols: ******.",
    "instruction_id_list": ["punctuation:no_comma", "combination:two_responses"],
    "kwargs": [{}, {}],
}


def grader(**spec):
    return load_grader({"type": "instruction_following", **spec})


@pytest.fixture(scope="module")
def ifeval_rows(shared_data):
    return [json.loads(line) for line in (shared_data / "ifeval" / "input_data.jsonl").read_text().splitlines()]


def test_default_spec_takes_ifeval_rows_as_items():
    res = grader().grade("Joke one here.\n******\nJoke two, there.", ROW)
    assert res.status == "ok"
    assert res.score == 0.5
    assert res.sub_scores == {"punctuation:no_comma": 0.0, "combination:two_responses": 1.0}
    assert "not followed: punctuation:no_comma" in res.reason


def test_score_all_is_prompt_level():
    g = grader(score="all")
    assert g.grade("Joke one here.\n******\nJoke two, there.", ROW).score == 0.0
    assert g.grade("Joke one here.\n******\nJoke two there.", ROW).score == 1.0


@pytest.mark.parametrize("response,instruction,strict,loose", [
    ('Sure, here it is:\n"A quoted answer."', {"id": "startend:quotation"}, 0.0, 1.0),  # first line dropped
    ("Sure, here:\nno commas below", {"id": "punctuation:no_comma"}, 0.0, 1.0),
    ("Bye. *Any other questions?*", {"id": "startend:end_checker", "end_phrase": "Any other questions?"}, 0.0, 1.0),
    ("* a\n* b\n* c\nThat is all.", {"id": "detectable_format:number_bullet_lists", "num_bullets": 2}, 0.0, 1.0),
    ("one, two", {"id": "punctuation:no_comma"}, 0.0, 0.0),
    ("no commas", {"id": "punctuation:no_comma"}, 1.0, 1.0),
])
def test_strict_versus_loose(response, instruction, strict, loose):
    # IFEval's own strict/loose semantics; the robust ones are in test_instructions_robust.py
    for mode, expected in (("strict", strict), ("loose", loose)):
        assert grader(mode=mode, semantics="reference", instructions=[instruction]).grade(response).score == expected


def test_blank_response_is_no_answer_with_children():
    for text in ("", "  \n "):
        res = grader(mode="loose").grade(text, ROW)
        assert res.status == "no_answer" and res.score == 0.0
        assert set(res.children) == set(ROW["instruction_id_list"])


def test_inline_list_forms_and_duplicate_names():
    g = grader(instructions=["punctuation:no_comma", {"id": "keywords:existence", "kwargs": {"keywords": ["sun"]}},
                             {"id": "keywords:existence", "keywords": ["moon"]}])
    res = g.grade("The sun rose")
    assert res.sub_scores == {"punctuation:no_comma": 1.0, "keywords:existence": 1.0, "keywords:existence#2": 0.0}
    assert res.children["keywords:existence#2"].details == {"kwargs": {"keywords": ["moon"]}}
    inline_row = grader(instructions={"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]})
    assert inline_row.grade("no commas").score == 1.0


@pytest.mark.parametrize("instructions,pointer", [
    ([{"id": "punctuation:no_comma"}, {"id": "bogus:id"}], "/instructions/1"),
    ([{"id": "length_constraints:number_words", "num_words": 3}], "/instructions/0"),
    ([{"id": "words:start_verb"}], "/instructions/0"),
    ({"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}, {}]}, "/instructions/kwargs"),
])
def test_inline_problems_are_spec_errors_with_pointer(instructions, pointer):
    with pytest.raises(SpecError) as info:
        grader(instructions=instructions)
    assert f"{pointer}:" in str(info.value)


@pytest.mark.parametrize("spec", [{"mode": "lenient"}, {"score": "mean"}, {"instructions": []}, {"instructions": 3}])
def test_schema_rejects_bad_fields(spec):
    with pytest.raises(SpecError):
        grader(**spec)


@pytest.mark.parametrize("item,needle", [
    ({"instruction_id_list": ["no:such"], "kwargs": [{}]}, "no:such: unknown instruction id"),
    ({"instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}, {}]}, "/kwargs"),
    ({"instruction_id_list": ["length_constraints:number_words"], "kwargs": [{"num_words": "ten"}]},
     "length_constraints:number_words: kwarg 'num_words' must be a number"),
    ({"instruction_id_list": ["words:start_verb"], "kwargs": [{}]}, "not checkable offline"),
    ({"instruction_id_list": [], "kwargs": []}, "empty"),
    ({"question": "no instructions here"}, "instruction_id_list"),
])
def test_item_problems_are_invalid_reference(item, needle):
    res = grader().grade("Some response.", item)
    assert res.status == "invalid_reference" and res.score == 0.0
    assert needle in res.reason


def test_ifbench_style_none_kwargs_are_dropped():
    item = {"instruction_id_list": ["count:word_count_range", "punctuation:no_comma"],
            "kwargs": [{"min_words": 2, "max_words": 4, "N": None, "keyword": None}, {"N": None}]}
    res = grader().grade("three small words", item)
    assert res.status == "ok" and res.score == 1.0


def test_template_to_an_item_field_and_missing_field():
    g = grader(instructions="{{ item.checks }}", input="{{ sample.output_json.answer }}")
    sample = {"output_text": "", "output_json": {"answer": "no commas"}}
    assert g.grade(sample, {"checks": [{"id": "punctuation:no_comma"}]}).score == 1.0
    missing = g.grade(sample, {"other": 1})
    assert missing.status == "error" and missing.error_type == "invalid_variable_error"


def test_pass_threshold_and_json_roundtrip():
    g = grader(pass_threshold=1.0)
    res = g.grade("Joke one here.\n******\nJoke two there.", ROW)
    assert res.passed is True
    data = res.to_json()
    assert data["sub_scores"] == {"punctuation:no_comma": 1.0, "combination:two_responses": 1.0}
    json.dumps(data)


def test_all_541_ifeval_rows_grade_without_error(ifeval_rows):
    assert len(ifeval_rows) == 541
    pairs, kinds = [], []
    for row in ifeval_rows:
        for kind, text in synthesize(row).items():
            pairs.append((text, row))
            kinds.append(kind)
    for mode in ("strict", "loose"):
        results = grader(mode=mode, score="all").grade_batch(pairs)
        statuses = Counter((k, r.status) for k, r in zip(kinds, results))
        assert statuses[("empty", "no_answer")] == 541
        assert sum(n for (k, s), n in statuses.items() if s not in ("ok", "no_answer")) == 0, statuses
        followed = Counter(k for k, r in zip(kinds, results) if r.score == 1.0)
        assert followed["follow"] > 0.75 * 541, followed  # the "follow" responses mostly follow everything
        assert followed["break"] < followed["follow"] - 300
        if mode == "strict":
            strict_scores = [r.score for r in results]
        else:
            assert all(lo >= st for lo, st in zip((r.score for r in results), strict_scores))


def test_ready_made_spec_and_its_examples():
    g = load_grader(FOLDER / "ifeval.json")
    assert (g.mode, g.semantics, g.scoring, g.isolation) == ("strict", "robust", "fraction", "process")
    for number, line in enumerate((FOLDER / "ifeval.jsonl").read_text().splitlines(), 1):
        row = json.loads(line)
        res = g.grade(row["sample"], row["item"])
        assert res.status == "ok", f"line {number}: {res.reason}"
        assert res.score == pytest.approx(row["expect"]["score"], abs=1e-4), f"line {number}: {res.reason}"


def test_response_over_max_chars_is_rejected():
    g = grader(instructions=["punctuation:no_comma"], max_chars=10)
    assert g.grade("short").score == 1.0
    res = g.grade("far too long a response")
    assert res.status == "rejected" and res.score == 0.0 and "max_chars" in res.reason
