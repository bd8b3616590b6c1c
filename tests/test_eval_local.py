"""The local side of `verigrade eval` on a tiny random Llama: the trainer's sampler through the CLI, greedy
samples, the sampler's supported cache API (no deprecation message in a fresh process) and its entropy."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from graders.cli import main as cli_main
from trainer.generate import generate
from trainer.tiny import make_tiny_model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny_eval")
    model = make_tiny_model(root / "model", seed=0)
    data = root / "data.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"what is {i} + 1?", "answer": str(i + 1)}) + "\n"
                            for i in range(5)))
    spec = root / "vowel.json"
    spec.write_text(json.dumps({"type": "string_check", "name": "vowel", "input": "{{ sample.output_text }}",
                                "reference": "[aeiou]", "operation": "regex"}))
    return {"root": root, "model": str(model), "data": str(data), "spec": str(spec)}


def test_cli_eval_with_a_local_model(tiny, capsys):
    out = tiny["root"] / "r.jsonl"
    code = cli_main(["eval", "--model", tiny["model"], "--data", tiny["data"], "--grader", tiny["spec"], "-k", "3",
                     "--temperature", "1.0", "--max-tokens", "6", "-o", str(out), "--summary-json",
                     str(tiny["root"] / "s.json"), "--seed", "5"])
    assert code == 0
    rows = [json.loads(x) for x in open(out)]
    assert len(rows) == 15 and {r["sample_index"] for r in rows} == {0, 1, 2}
    assert all(0 < r["completion_tokens"] <= 6 and r["finish_reason"] in ("stop", "length") for r in rows)
    summary = json.loads((tiny["root"] / "s.json").read_text())
    assert set(summary["pass@k"]) == {"1", "2", "3"}
    assert summary["accuracy"] == pytest.approx(sum(r["score"] for r in rows) / 15)
    again = tiny["root"] / "r2.jsonl"
    assert cli_main(["eval", "--model", tiny["model"], "--data", tiny["data"], "--grader", tiny["spec"], "-k", "3",
                     "--temperature", "1.0", "--max-tokens", "6", "-o", str(again), "--seed", "5"]) == 0
    assert [r["completion"] for r in rows] == [json.loads(x)["completion"] for x in open(again)]  # seeded


def test_greedy_samples_are_identical_and_said_so(tiny, capsys):
    out = tiny["root"] / "g.jsonl"
    assert cli_main(["eval", "--model", tiny["model"], "--data", tiny["data"], "--grader", tiny["spec"], "-k", "2",
                     "--temperature", "0", "--max-tokens", "6", "-o", str(out), "--limit", "2"]) == 0
    assert "identical samples" in capsys.readouterr().err
    rows = [json.loads(x) for x in open(out)]
    assert len(rows) == 4 and rows[0]["completion"] == rows[1]["completion"]


def test_cli_eval_reports_bad_input(tiny, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "ok"}\n{"answer": 1}\n')
    assert cli_main(["eval", "--model", tiny["model"], "--data", str(bad), "--grader", tiny["spec"]]) == 2
    assert "bad.jsonl:2: no prompt field" in capsys.readouterr().err
    assert cli_main(["eval", "--model", str(tmp_path / "nope"), "--data", tiny["data"], "--grader",
                     tiny["spec"]]) == 2
    assert "never downloads" in capsys.readouterr().err


def test_sampler_uses_the_supported_cache_api(tiny):
    """In a fresh process (transformers warns once per process), sampling prints no deprecation."""
    code = ("import warnings; warnings.simplefilter('always');"
            "from transformers import AutoModelForCausalLM, AutoTokenizer; from trainer.generate import generate;"
            f"m = AutoModelForCausalLM.from_pretrained({tiny['model']!r}).eval();"
            f"t = AutoTokenizer.from_pretrained({tiny['model']!r});"
            "r = generate(m, [t('hi')['input_ids'], t('what is 2?')['input_ids']], max_new_tokens=8,"
            " eos_token_ids=[t.eos_token_id], pad_token_id=t.pad_token_id, num_generations=3);"
            "print('ok', r.completion_ids.shape[0])")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "ok 6" in proc.stdout, proc.stderr[-2000:]
    assert "deprecated" not in proc.stderr.lower() and "past_key_values" not in proc.stderr, proc.stderr[-2000:]


def test_sampling_entropy_equals_a_teacher_forced_recomputation(tiny):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny["model"]).eval()
    tok = AutoTokenizer.from_pretrained(tiny["model"])
    prompts = [tok("what is 3 + 4?")["input_ids"], tok("hi")["input_ids"]]
    temperature = 0.7
    roll = generate(model, prompts, max_new_tokens=7, eos_token_ids=[tok.eos_token_id], pad_token_id=tok.pad_token_id,
                    num_generations=2, temperature=temperature, generator=torch.Generator().manual_seed(0))
    for row in range(roll.completion_ids.shape[0]):
        prompt = prompts[row // 2]
        comp = roll.completion_ids[row][roll.completion_mask[row].bool()].tolist()
        with torch.no_grad():
            logits = model(torch.tensor([prompt + comp])).logits[0, len(prompt) - 1:len(prompt) - 1 + len(comp)]
        logp = torch.log_softmax(logits / temperature, dim=-1)
        want = float(-(logp.exp() * logp).sum(-1).mean())
        assert float(roll.entropy[row]) == pytest.approx(want, rel=1e-4, abs=1e-5)
