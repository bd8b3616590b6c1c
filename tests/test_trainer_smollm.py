"""Smoke test on the real embedded model: SmolLM2-135M-Instruct, one GRPO step graded by string_check."""
import json

import pytest
from conftest import require_model

require_model("smollm2")  # before the torch imports: skips locally, fails under CI=true

import torch  # noqa: E402

from trainer.config import from_dict  # noqa: E402
from trainer.train import train  # noqa: E402

pytestmark = pytest.mark.model


def test_one_step_on_smollm2_with_string_check(tmp_path):
    data = tmp_path / "sums.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"What is {a} + {b}? Answer with just the number.",
                                        "answer": str(a + b)}) + "\n" for a, b in [(2, 3), (4, 4), (1, 6)]))
    cfg = from_dict({
        "model": "default", "data": str(data), "output_dir": str(tmp_path / "out"),
        "grader": {"type": "string_check", "name": "has_answer", "input": "{{ sample.output_text }}",
                   "reference": "{{ item.answer }}", "operation": "like"},
        "max_steps": 1, "prompts_per_step": 2, "num_generations": 4, "max_completion_length": 12,
        "learning_rate": 1e-5, "seed": 0, "threads": 1, "progress": False, "save_final_model": False,
        "skip_zero_advantage": False,  # always run the update, whatever the rewards
    })
    res = train(cfg, log=lambda *_: None)
    step = res.summary["last_step"]
    assert step["status/ok"] == 8 and 0.0 <= step["reward"] <= 1.0
    assert step["optimizer_steps"] == 1 and step["trained_sequences"] == 8
    assert step["completions/mean_length"] > 0 and torch.isfinite(torch.tensor(step["loss"]))
    samples = [json.loads(x) for x in open(tmp_path / "out" / "samples.jsonl")]
    assert samples and all(s["completion"] for s in samples)
