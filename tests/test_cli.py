"""The verigrade CLI end to end, as a user runs it (subprocess of the installed entry point)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "grader_specs"


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "graders.cli", *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT, timeout=300)


def test_validate_ok_and_errors(tmp_path):
    ok = cli("validate", str(SPECS / "exact_answer.json"), str(SPECS / "format_then_answer.json"))
    assert ok.returncode == 0
    assert ok.stdout.splitlines() == ["ok: exact_answer (string_check)", "ok: format_then_answer (multi)"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"type": "multi", "graders": {"format": {
        "type": "string_check", "input": "x", "reference": "y", "operation": "contains"}}}))
    res = cli("validate", str(bad))
    assert res.returncode == 2
    assert "/graders/format/operation: 'contains' is not one of ['eq', 'ne', 'like', 'ilike'" in res.stderr
    notjson = tmp_path / "notjson.json"
    notjson.write_text('{"type": "string_check",,}')
    res = cli("validate", str(notjson))
    assert res.returncode == 2 and "line 1, column 25" in res.stderr


def test_score_end_to_end_with_malformed_line(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join([
        json.dumps({"sample": "Paris", "item": {"answer": "Paris"}}),
        "{not json",
        "",
        json.dumps({"output_text": "lyon", "item": {"answer": "Paris"}}),
        json.dumps({"sample": "x"}),
        json.dumps([1, 2]),
        json.dumps({"item": {"answer": "Paris"}}),
    ]) + "\n")
    out = tmp_path / "out.jsonl"
    res = cli("score", str(SPECS / "exact_answer.json"), str(data), "-o", str(out), "-j", "2")
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 4, 5, 6, 7]
    assert [r["status"] for r in rows] == ["ok", "error", "ok", "error", "error", "error"]
    assert [r["score"] for r in rows] == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert "line 2: not valid JSON" in rows[1]["reason"]
    assert "item.answer" in rows[3]["reason"]  # missing variable -> invalid_variable_error, not a crash
    assert rows[3]["error_type"] == "invalid_variable_error"
    assert "line 7: needs 'sample'" in rows[5]["reason"]
    assert set(rows[0]) >= {"score", "status", "passed", "reason", "sub_scores", "children", "elapsed_ms"}
    # summary on stderr: count, mean, pass rate, statuses, latency
    assert "mean" in res.stderr and "p95" in res.stderr
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_score_to_stdout_keeps_input_order_and_limit():
    res = cli("score", str(SPECS / "format_then_answer.json"), str(SPECS / "format_then_answer.jsonl"), "--limit", "3")
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert [r["score"] for r in rows] == [pytest.approx(1.0), 0.0, pytest.approx(0.2)]
    assert rows[0]["sub_scores"] == {"format": 1.0, "answer": 1.0}


def test_score_exit_2_when_spec_or_file_unusable(tmp_path):
    res = cli("score", str(tmp_path / "nope.json"), str(SPECS / "exact_answer.jsonl"))
    assert res.returncode == 2 and "cannot read spec file" in res.stderr
    res = cli("score", str(SPECS / "exact_answer.json"), str(tmp_path / "missing.jsonl"))
    assert res.returncode == 2 and "cannot read" in res.stderr


def test_score_from_stdin():
    res = cli("score", str(SPECS / "exact_answer.json"), "-", stdin='{"sample": "Paris", "item": {"answer": "paris"}}\n')
    assert res.returncode == 0 and json.loads(res.stdout)["score"] == 1.0


def test_run_prints_openai_style_result(tmp_path):
    res = cli("run", str(SPECS / "format_then_answer.json"), "--sample", "so\n#### 72", "--item", '{"answer": "72"}')
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["reward"] == pytest.approx(1.0)
    assert out["sub_rewards"] == {"format": 1.0, "answer": 1.0}
    # exactly OpenAI's keys (issue 13); verigrade's own result only with --verigrade
    assert set(out) == {"reward", "metadata", "sub_rewards", "model_grader_token_usage_per_model"}
    assert set(out["metadata"]) == {"name", "type", "execution_time", "scores", "token_usage", "sampled_model_name",
                                    "errors"}
    assert out["metadata"]["errors"]["invalid_variable_error"] is False
    res = cli("run", str(SPECS / "format_then_answer.json"), "--sample", "so\n#### 72", "--item", '{"answer": "72"}',
              "--verigrade")
    assert json.loads(res.stdout)["verigrade"]["status"] == "ok"
    sample = tmp_path / "sample.txt"
    sample.write_text("#### 72")
    res = cli("run", str(SPECS / "format_then_answer.json"), "--sample", f"@{sample}", "--item", "{}")
    out = json.loads(res.stdout)
    assert out["reward"] == 0.0 and out["metadata"]["errors"]["invalid_variable_error"] is True
    res = cli("run", str(SPECS / "format_then_answer.json"), "--sample", "x", "--item", "{bad")
    assert res.returncode == 2 and "--item is not valid JSON" in res.stderr


def test_types_lists_every_type_one_line_each():
    res = cli("types")
    assert res.returncode == 0
    names = [line.split()[0] for line in res.stdout.splitlines()]
    for name in ("string_check", "text_similarity", "json_schema", "multi", "python", "score_model", "label_model"):
        assert name in names
    columns = {line.split()[0]: line.split()[1:3] for line in res.stdout.splitlines()}
    assert columns["math_equivalence"] == ["process", "timeout_s"]  # where it runs; takes a hard timeout
    assert columns["text_similarity"] == ["none", "-"]


def test_schema_command_prints_the_schema():
    res = cli("schema")
    schema = json.loads(res.stdout)
    assert schema["$defs"]["grader"]["properties"]["type"]["enum"]
