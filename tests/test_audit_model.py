"""verigrade audit with the real embedded judge (SmolLM2-135M): few rows, few families."""
from pathlib import Path

import pytest

from graders.audit import audit, load_rows

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "audit"


def test_a_judge_without_hardening_is_caught_by_master_keys():
    report = audit(str(DATA / "weak_judge_unhardened.json"), load_rows(DATA / "short_answers.jsonl", 1),
                   ["master_keys"])
    keys = report.targets[0].families[0]
    assert keys.verdict == "fail" and keys.hits > 0   # some master key gets at least a right answer's P(Yes)
    assert report.exit_code == 1


def test_the_hardened_shipped_judge_stops_master_keys_and_injections():
    spec = ROOT / "grader_specs" / "judge_equivalence.json"
    report = audit(str(spec), load_rows(DATA / "short_answers.jsonl", 1), ["master_keys", "injections"])
    assert {f.name: f.verdict for f in report.targets[0].families} == {"master_keys": "pass", "injections": "pass"}
    assert all(f.above_zero == 0 for f in report.targets[0].families)


def test_labelled_rows_show_the_135m_model_near_chance():
    report = audit(str(DATA / "judge_model_decides.json"), load_rows(DATA / "labelled_answers.jsonl", 8),
                   ["empty_like"])
    labels = report.labels
    assert labels["rows"] == 8 and labels["decided_by_model"] == 8
    assert labels["near_chance"] and "NEAR CHANCE" in labels["summary"]
    assert labels["model_only"]["near_chance"]


def test_the_shipped_judge_recall_warning_names_the_model_not_a_gate():
    spec = ROOT / "grader_specs" / "judge_equivalence.json"
    rows = load_rows(ROOT / "grader_specs" / "judge_equivalence.jsonl", 5)
    paris = next(r.line for r in rows if r.item["answer"] == "Paris")
    recall = audit(str(spec), rows, ["pointing"]).targets[0].recall
    assert recall["rows_failing"] == [paris] and not recall["fails_run"]
    assert list(recall["causes"]) == ["model"] and recall["causes"]["model"]["lines"] == [paris]
    assert recall["message"].startswith("RECALL WARNING") and "the model, not a gate" in recall["message"]
