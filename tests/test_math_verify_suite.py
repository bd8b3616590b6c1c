"""math-verify 0.9.0's own labelled test cases (outside data, tests/data/math_verify_cases.jsonl) graded by
`math_equivalence` with the default spec: >= 97% agreement, no false positive, every disagreement documented.

The cases were extracted by tools/math_verify_suite.py from the sdist's tests (provenance in each case)."""
import json
import re
from pathlib import Path

import pytest

from graders import load_grader

ROOT = Path(__file__).resolve().parents[1]
CASES = [json.loads(line) for line in (ROOT / "tests/data/math_verify_cases.jsonl").read_text().splitlines()
         if line.strip()]
SUMMARY = json.loads((ROOT / "tests/data/math_verify_cases.summary.json").read_text())


@pytest.fixture(scope="module")
def results():
    grader = load_grader({"type": "math_equivalence", "reference": "{{ item.answer }}", "timeout_s": 10})
    return grader.grade_batch([({"output_text": c["pred"]}, {"answer": c["gold"]}) for c in CASES])


def test_the_data_file_is_the_extracted_suite_with_provenance():
    assert len(CASES) == SUMMARY["kept"] >= 250
    assert sum(SUMMARY["skipped_config_specific"].values()) + SUMMARY["kept"] == SUMMARY["labelled_assertions"]
    for case in CASES:
        assert re.fullmatch(r"test_\w+\.py::test_\w+\[\d+\]", case["id"]), case["id"]
        assert case["file"].startswith("tests/test_") and case["line"] > 0 and case["expected"] in (0, 1)
    assert {0, 1} == {c["expected"] for c in CASES}


def test_agreement_at_least_97_percent_and_no_false_positive(results):
    false_positives = [c["id"] for c, r in zip(CASES, results) if r.score == 1 and c["expected"] == 0]
    agree = sum(r.score == c["expected"] for c, r in zip(CASES, results))
    assert false_positives == []
    assert agree / len(CASES) >= 0.97, f"{agree}/{len(CASES)}"


def test_no_case_errors_or_times_out(results):
    bad = [(c["id"], r.status, r.reason) for c, r in zip(CASES, results) if r.status not in ("ok", "no_answer")]
    assert bad == []


def test_every_disagreement_is_listed_in_docs_math(results):
    doc = (ROOT / "docs/math.md").read_text()
    missing = [c["id"] for c, r in zip(CASES, results) if r.score != c["expected"] and f"`{c['id']}`" not in doc]
    assert missing == []
