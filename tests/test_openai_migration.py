"""docs/migrating-from-openai.md's worked example runs as written: its files (an OpenAI RFT training file, an
OpenAI multi grader, /graders/run rows, a training config) and its commands, with a tiny random model and one
training step in place of SmolLM2 and thirty."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "migrating-from-openai.md"
BLOCK = re.compile(r"<!-- (file: (?P<name>[\w.]+)|commands) -->\n```\w*\n(?P<body>.*?)```", re.DOTALL)


def doc_example() -> tuple[dict[str, str], list[list[str]]]:
    files, commands = {}, []
    for m in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        if m.group("name"):
            files[m.group("name")] = m.group("body")
        else:
            commands = [shlex.split(line) for line in m.group("body").splitlines() if line.strip()]
    return files, commands


def verigrade(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    assert args[0] == "verigrade"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "graders.cli", *args[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_doc_has_the_whole_example():
    files, commands = doc_example()
    assert set(files) == {"rft_train.jsonl", "grader.json", "samples.jsonl", "train.yaml"}
    assert [c[:2] for c in commands] == [["verigrade", "validate"], ["verigrade", "run"], ["verigrade", "score"],
                                         ["verigrade", "train"]]
    rows = [json.loads(line) for line in files["rft_train.jsonl"].splitlines()]
    assert all(set(r) == {"messages", "answer"} for r in rows)  # OpenAI's RFT rows, nothing of ours


@pytest.mark.model("torch")
def test_migration_example(tmp_path):
    from trainer.tiny import make_tiny_model

    files, commands = doc_example()
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    validate, run, score, train = commands

    res = verigrade(validate, tmp_path)
    assert res.returncode == 0 and res.stdout.strip() == "ok: arithmetic (multi)", res.stderr
    res = verigrade(run, tmp_path)
    out = json.loads(res.stdout)
    assert out["reward"] == 1.0 and out["sub_rewards"] == {"exact": 1.0, "close": 1.0}
    assert not any(v for v in out["metadata"]["errors"].values())
    res = verigrade(score, tmp_path)
    assert res.returncode == 0, res.stderr
    scored = [json.loads(line) for line in (tmp_path / "scores.jsonl").read_text().splitlines()]
    assert [round(r["score"], 3) for r in scored] == [1.0, 0.042, 0.1]

    model = make_tiny_model(tmp_path / "tiny", seed=0)
    res = verigrade([*train, "--set", f"model={model}", "--set", "max_steps=1", "--set", "num_generations=4",
                     "--set", "max_completion_length=8", "--set", "save_final_model=false", "--no-progress"],
                    tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    metrics = [json.loads(line) for line in (tmp_path / "runs/from-openai/metrics.jsonl").read_text().splitlines()]
    [step] = [m for m in metrics if m["kind"] == "train"]
    assert step["step"] == 1 and 0.0 <= step["reward"] <= 1.0 and step["status/ok"] == 16  # 4 prompts x 4
    samples = [json.loads(line) for line in (tmp_path / "runs/from-openai/samples.jsonl").read_text().splitlines()]
    assert samples[0]["prompt"][0] == {"role": "developer", "content": "Answer with the number only."}
