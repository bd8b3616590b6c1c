"""Every ready-made spec validates, and its example JSONL scores as its `expect` fields say."""
import json

import pytest

from grader_specs import FOLDER, list_specs
from graders import load_grader
from graders.scoring import grade_rows, iter_rows

# specs whose graders need Docker or a model are exercised by their own test files too
SPECS = list_specs()


def test_there_are_ready_made_specs():
    for name in ("exact_answer", "fuzzy_reference", "json_output", "format_then_answer"):
        assert name in SPECS


@pytest.mark.parametrize("name", SPECS)
def test_spec_validates_and_has_an_example(name):
    grader = load_grader(FOLDER / f"{name}.json")
    assert grader.name
    data = FOLDER / f"{name}.jsonl"
    assert data.exists(), f"{name}.json needs an example {name}.jsonl beside it"
    assert len([line for line in data.read_text().splitlines() if line.strip()]) >= 3


@pytest.mark.parametrize("name", [s for s in SPECS if s in {"exact_answer", "format_then_answer", "fuzzy_reference",
                                                             "json_output"}])
def test_example_scores_match_expectations(name):
    grader = load_grader(FOLDER / f"{name}.json")
    lines = (FOLDER / f"{name}.jsonl").read_text().splitlines()
    rows = list(iter_rows(lines))
    results = grade_rows(grader, rows)
    for row, res in zip(rows, results):
        expect = json.loads(lines[row.line - 1]).get("expect")
        if not expect:
            assert res.status != "error", f"{name}.jsonl line {row.line}: {res.reason}"
        else:
            assert res.score == pytest.approx(expect["score"], abs=1e-4), f"line {row.line}: {res.reason}"
            if "status" in expect:
                assert res.status == expect["status"]
