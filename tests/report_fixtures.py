"""Inputs for the report tests: results files (scored with real graders, one hostile completion) and a short
training run on a tiny random model with a `multi` grader and eval data."""
import json
from pathlib import Path

from graders import load_grader

HOSTILE = '<script>window.__pwned = 1</script><img src="http://203.0.113.9/x.png" onerror="window.__pwned = 2">'
MULTI = {"type": "multi", "name": "fmt_and_answer", "calculate_output": "0.2 * fmt + 0.8 * answer",
         "pass_threshold": 1, "graders": {
             "fmt": {"type": "string_check", "name": "fmt", "input": "{{ sample.output_text }}",
                     "reference": "^answer: ", "operation": "regex"},
             "answer": {"type": "string_check", "name": "answer", "input": "{{ sample.output_text }}",
                        "reference": "{{ item.answer }}", "operation": "like"}}}


def results_file(path: Path, completions: dict[int, list[str]], answers: dict[int, str]) -> Path:
    """Eval-style rows for {line: [completion, ...]} graded with MULTI."""
    grader = load_grader(MULTI)
    with open(path, "w") as fh:
        for line, comps in completions.items():
            for i, text in enumerate(comps):
                res = grader.grade(text, {"answer": answers[line]})
                fh.write(json.dumps({"line": line, "sample_index": i, **res.to_json(), "prompt": f"question {line}",
                                     "completion": text, "answer_key": None}) + "\n")
    return path


ANSWERS = {1: "7", 2: "12", 3: "5", 4: "9"}
# A: line 1 solved, line 2 solved, line 3 failing, line 4 failing
RUN_A = {1: ["answer: 7", "answer: 8"], 2: ["answer: 12", "12"], 3: ["answer: 4", HOSTILE], 4: ["nothing", "9"]}
# B: line 1 failing (broken), line 2 solved, line 3 solved (fixed), line 4 failing
RUN_B = {1: ["answer: 6", "7"], 2: ["answer: 12", "answer: 12"], 3: ["answer: 5", "answer: 3"], 4: ["no", "no"]}


def tiny_run(root: Path) -> Path:
    """A 3-step GRPO run of a tiny random Llama; returns its output_dir."""
    from trainer.config import from_dict
    from trainer.tiny import make_tiny_model
    from trainer.train import train

    model = make_tiny_model(root / "model", seed=0)
    data = root / "data.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"what is {i % 7} + {i % 5}?", "answer": str(i % 7 + i % 5)})
                            + "\n" for i in range(16)))
    out = root / "run"
    cfg = from_dict({"model": str(model), "data": str(data), "eval_data": str(data), "eval_max_items": 4,
                     "grader": MULTI, "output_dir": str(out), "max_steps": 3, "prompts_per_step": 2,
                     "num_generations": 4, "max_completion_length": 8, "learning_rate": 1e-2, "seed": 1,
                     "progress": False, "save_final_model": False, "log_samples": 2})
    train(cfg, log=lambda *_: None)
    return out
