"""verigrade audit on code specs in the real Docker sandbox: lenient comparisons are caught by container_types,
the strict spec and the shipped code specs pass, and the state writer/reader pairs run."""
from pathlib import Path

import pytest

from graders.audit import audit, load_rows

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "audit"
CALLS = DATA / "calls_rows.jsonl"
FAMILIES = ["container_types", "state_leak", "always_equal"]


def families(spec: Path, data: Path = CALLS, names=FAMILIES, items: int = 3) -> dict:
    report = audit(str(spec), load_rows(data, items), names)
    assert report.targets[0].recall["verdict"] == "ok", report.targets[0].recall  # the oracle control passes
    return {f.name: f for f in report.targets[0].families}


def test_unordered_where_order_matters_is_caught_by_container_types():
    fams = families(DATA / "weak_unit_tests_unordered.json", names=["container_types"])
    caught = fams["container_types"]
    assert caught.verdict == "fail"
    assert {e["note"] for e in caught.examples if e["hit"]} <= {"reversed order", "sorted order", "set instead of list"}
    assert "reversed order" in {e["note"] for e in caught.examples if e["hit"]}


def test_float_tolerance_wider_than_the_answers_is_caught_by_container_types():
    caught = families(DATA / "weak_unit_tests_tolerance.json", names=["container_types"])["container_types"]
    assert caught.verdict == "fail"
    assert [e["note"] for e in caught.examples if e["hit"]] == ["float 0.1% off"]


def test_the_strict_calls_spec_passes_and_no_state_crosses_samples():
    fams = families(DATA / "strict_unit_tests.json")
    assert {name: f.verdict for name, f in fams.items()} == {n: "pass" for n in FAMILIES}
    assert fams["state_leak"].tried == 3 * 4   # one reader per store and row (writers are not scored)


@pytest.mark.parametrize("name", ["stdio", "humaneval"])
def test_shipped_code_specs_pass_their_own_audit(name):
    spec = ROOT / "grader_specs" / f"{name}.json"
    report = audit(str(spec), load_rows(spec.with_suffix(".jsonl"), 2))
    assert report.exit_code == 0, [(f.name, f.why) for f in report.targets[0].families if f.verdict == "fail"]
    assert not report.targets[0].build_errors


def test_humaneval_rows_with_a_canonical_solution_get_controls_and_bent_answers():
    spec = ROOT / "grader_specs" / "humaneval.json"
    report = audit(str(spec), load_rows(DATA / "humaneval_canonical.jsonl", 2), ["container_types", "state_leak"])
    target = report.targets[0]
    assert target.recall["verdict"] == "ok" and target.recall["rows_with_controls"] == 2
    fams = {f.name: f for f in target.families}
    assert fams["container_types"].tried > 0 and fams["container_types"].verdict == "pass"
    assert fams["state_leak"].tried == 2 * 4 and fams["state_leak"].verdict == "pass"


def test_rows_in_other_languages_get_controls_and_attacks_in_their_own_language():
    spec = ROOT / "grader_specs" / "codecontests.json"        # rows in cpp, rust, java, go
    report = audit(str(spec), load_rows(spec.with_suffix(".jsonl"), 4),
                   ["container_types", "constant_outputs", "exit_tricks", "state_leak"])
    target = report.targets[0]
    assert target.recall["verdict"] == "ok" and target.recall["rows_with_controls"] == 4, target.recall
    assert {f["form"] for f in target.recall["by_form"]} == {
        f"lookup table of the row's own tests ({lang})" for lang in ("cpp", "rust", "java", "go")}
    fams = {f.name: f for f in target.families}
    assert fams["container_types"].tried >= 4 and fams["container_types"].verdict == "pass"
    assert fams["constant_outputs"].tried == 4 * 4 and fams["constant_outputs"].verdict == "pass"
    assert fams["exit_tricks"].verdict == fams["state_leak"].verdict == "n/a"     # Python-only tricks
    assert not target.build_errors
