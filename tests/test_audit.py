"""verigrade audit on real graders (no Docker, no model): weak specs are caught by the family that should catch
them, strict specs pass, the shipped specs pass their own audit, and the command's outputs hold together."""
import json
from pathlib import Path

import pytest

from graders.audit import Attack, Thresholds, audit, family, load_rows, parse_row
from graders.audit.registry import FAMILIES, families_for
from graders.audit.values import wrong_values
from graders.audit.verdicts import Outcome, judge_family
from graders.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "audit"
SPECS = ROOT / "grader_specs"
SHORT = DATA / "short_answers.jsonl"


def verdicts(report, target: str = "/") -> dict[str, str]:
    t = next(t for t in report.targets if t.path == target)
    return {f.name: f.verdict for f in t.families}


def run_audit(spec, data=SHORT, families=None, items=20):
    return audit(str(spec) if isinstance(spec, Path) else spec, load_rows(data, items), families)


# -- deliberately weak specs, each caught by a named family ---------------------------------------------------
def test_ilike_against_a_short_reference_is_caught_by_near_miss_and_shotgun():
    v = verdicts(run_audit(DATA / "weak_ilike.json"))
    assert v["near_miss"] == "fail"      # "720" contains "72"
    assert v["shotgun"] == "fail"        # "72 or 73" contains "72" wherever it stands
    assert v["long_output"] == "fail"    # an enumeration of 0..1000 contains every short number


def test_remove_all_punctuation_on_numbers_is_caught_by_near_miss():
    report = run_audit(DATA / "weak_punctuation.json")
    near = next(f for f in report.targets[0].families if f.name == "near_miss")
    assert near.verdict == "fail"
    hits = [e["output"] for e in near.examples if e["hit"]]
    assert any(o.lstrip("-").replace(".", "") != o for o in hits)  # a sign or a decimal point was erased


def test_the_shipped_exact_answer_spec_keeps_signs_and_decimal_points():
    v = verdicts(run_audit(SPECS / "exact_answer.json"))
    assert v["near_miss"] == "pass" and v["shotgun"] == "pass"


def test_multiple_answers_any_is_caught_by_shotgun():
    report = run_audit(DATA / "weak_math_any.json")
    shotgun = next(f for f in report.targets[0].families if f.name == "shotgun")
    assert shotgun.verdict == "fail" and shotgun.shapes_multi > 0
    last = run_audit({**json.loads((DATA / "weak_math_any.json").read_text()), "multiple_answers": "last"},
                     families=["shotgun"])
    assert verdicts(last)["shotgun"] == "pass"


def test_reference_semantics_as_a_training_reward_is_caught_by_invisible_characters_and_confusables():
    spec = {"type": "instruction_following", "name": "ifeval_reference", "semantics": "reference", "mode": "strict"}
    v = verdicts(run_audit(spec, SPECS / "ifeval.jsonl", ["invisible_characters", "confusables"]))
    assert v == {"invisible_characters": "fail", "confusables": "fail"}


def test_the_robust_ifeval_spec_passes_on_every_ifeval_prompt(shared_data):
    report = run_audit(SPECS / "ifeval.json", shared_data / "ifeval" / "input_data.jsonl",
                       ["invisible_characters", "confusables", "minimal_content"], items=541)
    fams = {f.name: f for f in report.targets[0].families}
    assert fams["invisible_characters"].verdict == "pass" and fams["invisible_characters"].tried > 1000
    assert fams["confusables"].verdict == "pass" and fams["confusables"].tried > 1000
    assert fams["minimal_content"].verdict == "warn"   # one-letter content: the documented blind spot


# -- the shipped specs pass their own audit ---------------------------------------------------------------------
# gsm8k: the audit found the final_number step reading '20' from an echoed question ('... if the size of Wendi's
# flock is 20 chickens?', line 3 of gsm8k.jsonl); a question sentence is no answer since the math engine's fix
SHIPPED = ["exact_answer", "format_then_answer", "fuzzy_reference", "json_output", "math", "ifeval", "gsm8k", "dapo_math",
           "mmlu", "r1_format"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_specs_pass_their_own_audit(name):
    report = run_audit(SPECS / f"{name}.json", SPECS / f"{name}.jsonl")
    failing = {t.name: [f.name for f in t.families if f.verdict == "fail"] for t in report.targets}
    assert report.exit_code == 0, failing
    for t in report.targets:
        assert not t.build_errors, t.build_errors
        assert t.recall["verdict"] in ("ok", "n/a") or t.recall["rows_failing"] == [9], t.recall  # line 9: '.' reference


def test_right_answers_and_attacks_go_inside_the_format_tags_the_spec_asks_for():
    # r1_format gates on <think>..</think><answer>..</answer>: bare candidates would all stop at the gate, so the
    # audit also sends each one in the tags (the shotgun, hedge and buried answers inside <answer> scored 1
    # before the math engine read the region like an output)
    report = run_audit(SPECS / "r1_format.json", SPECS / "r1_format.jsonl")
    assert report.exit_code == 0 and report.verdict == "pass"
    root, _, answer = report.targets
    assert root.recall["verdict"] == answer.recall["verdict"] == "ok"
    assert "think then answer tags (the spec's format)" in {f["form"] for f in answer.recall["by_form"]}
    shotgun = next(f for f in answer.families if f.name == "shotgun")
    assert shotgun.verdict == "pass" and shotgun.tried > 100


def test_recall_problem_is_reported_first_and_named():
    spec = {"type": "math_equivalence", "name": "needs_hash", "reference": "{{ item.answer }}",
            "extract": {"regex": "ANSWER=(\\S+)", "group": 1}}
    report = run_audit(spec, items=3, families=["empty_like"])
    recall = report.targets[0].recall
    # it doesn't fail the run unless asked: a warning, not "the grader fails its own reference"
    assert recall["verdict"] == "problem" and recall["message"].startswith("RECALL WARNING")
    assert "fails its own reference" not in recall["message"] and "--fail-on-recall" in recall["message"]
    assert len(recall["rows_failing"]) == 3 and recall["examples"] and not recall["fails_run"]
    assert report.exit_code == 0 and recall["causes"] == {}       # no model-graded results: no gate/model cause
    strict = audit(spec, load_rows(SHORT, 3), ["empty_like"], Thresholds(fail_on_recall=True)).targets[0].recall
    assert strict["message"].startswith("RECALL PROBLEM") and "fails its own reference" in strict["message"]
    assert strict["fails_run"]


def test_recall_names_the_gate_when_gates_decide_every_right_answer():
    """For model-graded types the message says whether a gate or the model keeps the right answers low."""
    from graders.audit.data import AuditRow
    from graders.audit.runner import _Entry, _recall
    from graders.judges.hardening import HardeningConfig, screen
    from graders.judges.model_graded import gate_result

    strict = HardeningConfig(min_chars=1000)
    rows = [AuditRow(line=4, item={"answer": "12"})]
    entries = [_Entry("control", 0, Attack(text, note=form), gate_result(screen(text, strict, reference="12")))
               for form, text in (("answer_is", "The answer is 12."), ("hash", "#### 12"))]
    recall = _recall(entries, rows, [0.0], 0.5)
    assert recall["causes"] == {"gate": {"lines": [4], "rules": {"content": 2}}}
    assert "a gate on line(s) 4" in recall["message"] and "the model" not in recall["message"]


# -- multi trees: the whole and each sub-grader ----------------------------------------------------------------
def test_multi_trees_audit_the_whole_and_each_sub_grader():
    report = run_audit(SPECS / "format_then_answer.json", SPECS / "format_then_answer.jsonl")
    paths = [t.path for t in report.targets]
    assert paths == ["/", "/graders/format", "/graders/answer"]
    assert report.targets[2].recall["verdict"] == "ok"


# -- families are a registry ------------------------------------------------------------------------------------
def test_a_registered_family_is_run_and_judged():
    @family("test_unit_suffix", "the reference with a unit glued on", kinds={"string"})
    def unit_suffix(spec, item):
        return [f"{item['answer']}kg", Attack(f"{item['answer']} m", note="metres")]

    try:
        assert "test_unit_suffix" in [f.name for f in families_for({"string"})]
        spec = {"type": "string_check", "name": "prefix", "input": "{{ sample.output_text }}",
                "reference": "{{ item.answer }}", "operation": "starts_with"}
        v = verdicts(run_audit(spec, families=["test_unit_suffix"]))
        assert v == {"test_unit_suffix": "fail"}
    finally:
        FAMILIES.pop("test_unit_suffix")


def test_shape_verdicts():
    def o(pos, hit, shape="or", joined=True):
        return Outcome("f", 0, 1, "x", "", float(hit), "ok", "", 1.0, hit, hit, shape, pos, 2, joined)

    assert judge_family("f", "", "hack", [o(0, True), o(1, True)]).verdict == "fail"      # pays every position
    assert judge_family("f", "", "hack", [o(0, False), o(1, True)]).verdict == "warn"     # a paid hedge
    assert judge_family("f", "", "hack", [o(0, False, "boxes", False), o(1, True, "boxes", False)]).verdict == "pass"
    assert judge_family("f", "", "hack", [o(0, True, "boxes", False), o(1, False, "boxes", False)]).verdict == "warn"
    assert judge_family("f", "", "blind_spot", [o(0, True), o(1, True)]).verdict == "warn"
    assert judge_family("f", "", "hack", []).verdict == "n/a"


def test_partial_reward_for_a_self_correction_alone_is_not_counted():
    """A judge's P(Yes) for '-72. Scratch that: 72.' (the reference last, after a wrong value) is what a right
    final answer earns in part; partial reward anywhere else in the shape stays counted."""
    def o(pos, score, shape="retraction", joined=False):
        return Outcome("f", 0, 1, "x", "", score, "ok", "", 0.5, score >= 0.5, score > 0.25, shape, pos, 2, joined)

    last_only = judge_family("f", "", "hack", [o(0, 0.0), o(1, 0.47)])
    assert (last_only.verdict, last_only.partial) == ("pass", 0)
    first = judge_family("f", "", "hack", [o(0, 0.47), o(1, 0.0)])      # the reference buried, then a wrong value
    assert (first.verdict, first.partial) == ("warn", 1)
    both = judge_family("f", "", "hack", [o(0, 0.3), o(1, 0.47)])       # pays the guess list at every position
    assert (both.verdict, both.partial) == ("warn", 2)
    hedge = judge_family("f", "", "hack", [o(0, 0.0, "hedge", True), o(1, 0.47, "hedge", True)])
    assert (hedge.verdict, hedge.partial) == ("warn", 1)                # 'It might be -72. Or 72.' is a hedge
    three = [Outcome("f", 0, 1, "x", "", s, "ok", "", 0.5, False, s > 0.25, "hash", p, 3, False)
             for p, s in enumerate([0.0, 0.3, 0.47])]
    assert judge_family("f", "", "hack", three).partial == 2            # the middle one pays too


def test_wrong_values_next_to_an_option_letter_are_other_letters_written_the_same_way():
    # the nearest option letters, those of a four-option question first (D's are C and B, not E and F)
    assert wrong_values("(B)") == ["(A)", "(C)"] and wrong_values("[c]", 1) == ["[b]"]
    assert wrong_values("B)") == ["A)", "C)"] and wrong_values("D") == ["C", "B"] and wrong_values("H") == ["G", "I"]
    assert wrong_values("(Z)", 1) == ["(A)"] and wrong_values("x") == ["y", "z"]      # a variable: the next letters
    assert wrong_values("(2, -1)") == ["(2, -2)", "(2, -1, 0)"]          # a tuple is still math
    assert wrong_values("72") == ["-72", "73"]


# -- data rows ---------------------------------------------------------------------------------------------------
def test_rows_without_sample_openai_rft_rows_labels_and_bad_lines():
    rft = parse_row(1, json.dumps({"messages": [{"role": "user", "content": "2+2?"}], "answer": "4"}))
    assert rft.item == {"messages": [{"role": "user", "content": "2+2?"}], "answer": "4"} and rft.sample is None
    plain = parse_row(2, json.dumps({"item": {"answer": "4"}, "sample": "4", "label": "correct"}))
    assert plain.item == {"answer": "4"} and plain.label == 1.0
    assert parse_row(3, json.dumps({"item": {}, "label": 0.25})).label == 0.25
    assert "label" in parse_row(4, json.dumps({"item": {}, "label": "maybe"})).error
    assert "line 5" in parse_row(5, "{oops").error


def test_openai_rft_rows_get_question_echo_and_answers():
    rows = [parse_row(1, json.dumps({"messages": [{"role": "user", "content": "What is 6 times 7?"}], "answer": "42"}))]
    spec = {"type": "string_check", "name": "eq", "input": "{{ sample.output_text }}", "reference": "{{ item.answer }}",
            "operation": "eq"}
    report = audit(spec, rows)
    fams = {f.name: f for f in report.targets[0].families}
    assert fams["echo"].tried > 0 and fams["echo"].verdict == "pass"
    assert report.targets[0].recall["verdict"] == "ok"


def test_labelled_rows_give_agreement_and_auc():
    report = run_audit(SPECS / "gsm8k.json", DATA / "labelled_answers.jsonl", families=["empty_like"], items=16)
    labels = report.labels
    assert labels["rows"] == 16 and labels["agreement"] == 1.0 and labels["auc"] == 1.0
    assert labels["false_positive_rate"] == 0.0 and labels["false_negative_rate"] == 0.0
    assert not labels["near_chance"]
    anything = {"type": "string_check", "name": "anything", "input": "{{ sample.output_text }}", "reference": "zzz",
                "operation": "ne"}
    constant = run_audit(anything, DATA / "labelled_answers.jsonl", families=["empty_like"], items=16).labels
    assert constant["false_positive_rate"] == 1.0 and constant["auc"] == 0.5 and constant["near_chance"]
    assert "NEAR CHANCE" in constant["summary"]


# -- the command ---------------------------------------------------------------------------------------------------
def test_cli_exit_codes_json_and_self_contained_html(tmp_path):
    out_json, out_html = tmp_path / "audit.json", tmp_path / "audit.html"
    code = main(["audit", str(DATA / "weak_punctuation.json"), str(SHORT), "--items", "4", "--json", str(out_json),
                 "--report", str(out_html)])
    assert code == 1
    data = json.loads(out_json.read_text())
    assert data["exit_code"] == 1 and data["verdict"] == "fail" and data["rows"] == 4
    fams = {f["name"]: f for f in data["targets"][0]["families"]}
    assert fams["near_miss"]["verdict"] == "fail" and fams["near_miss"]["examples"][0]["hit"]
    html = out_html.read_text()
    assert "near_miss" in html and "Recall" in html and "RECALL PROBLEM" not in html
    assert "src=\"http" not in html and "href=\"http" not in html and "default-src 'none'" in html
    assert main(["audit", str(SPECS / "exact_answer.json"), str(SHORT), "--items", "3"]) == 0


def test_cli_refuses_unknown_families_and_missing_data(tmp_path, capsys):
    assert main(["audit", str(SPECS / "exact_answer.json"), str(SHORT), "--families", "nope"]) == 2
    assert "unknown families" in capsys.readouterr().err
    assert main(["audit", str(SPECS / "exact_answer.json"), str(tmp_path / "missing.jsonl")]) == 2
    assert main(["audit", str(tmp_path / "missing.json"), str(SHORT)]) == 2


def test_fail_on_recall_gates_the_exit_code(tmp_path):
    spec = tmp_path / "needs_marker.json"
    spec.write_text(json.dumps({"type": "math_equivalence", "reference": "{{ item.answer }}",
                                "extract": {"regex": "ANSWER=(\\S+)", "group": 1}}))
    args = ["audit", str(spec), str(SHORT), "--items", "2", "--families", "empty_like"]
    assert main(args) == 0
    assert main(args + ["--fail-on-recall"]) == 1


def test_a_spec_reading_fields_the_candidates_lack_is_flagged_not_passed():
    spec = {"type": "string_check", "name": "json_field", "input": "{{ sample.output_json.answer }}",
            "reference": "{{ item.answer }}", "operation": "eq"}
    report = run_audit(spec, items=2, families=["near_miss"])
    assert report.targets[0].build_errors and "invalid_variable_error" in report.targets[0].build_errors[0]
    assert report.targets[0].recall["verdict"] == "problem"
