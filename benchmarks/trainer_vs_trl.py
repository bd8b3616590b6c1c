"""verigrade's GRPO trainer vs TRL's GRPOTrainer: same model, data, grader and knobs, in one run.

    .venv/bin/python benchmarks/trainer_vs_trl.py --steps 10
    .venv/bin/python benchmarks/trainer_vs_trl.py --steps 10 --which ours,trl,trl_no_gc --threads 1

Both runs: SmolLM2-135M-Instruct (fp32, CPU), the arithmetic data (trainer/configs/data), the reward
math_equivalence(last_number), `--prompts` prompts x `--generations` completions per step, one optimizer step
per generation batch, the same max completion length, temperature, learning rate (constant, AdamW
betas 0.9/0.99, no weight decay, grad clip 1.0), loss `dapo`, group-scaled advantages, beta = 0.
Each trainer runs in its own child process so peak memory (ru_maxrss) is its own. Reported: optimizer
steps/s over the training loop (model loading excluded), CPU seconds per step (process time: the robust
number on a shared machine, since with 1 thread it does not count time spent waiting for a core), peak
RSS, the mean train reward of the last `--tail` steps, and greedy held-out accuracy of the final model
(same evaluation code for both).
`trl` uses TRL's defaults for everything not listed (notably gradient_checkpointing=True); `trl_no_gc`
turns gradient checkpointing off; `ours_noskip` runs the forward/backward of zero-advantage sequences too.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "trainer" / "configs" / "data"
GRADER = {"type": "math_equivalence", "name": "correct", "reference": "{{ item.answer }}",
          "extract": ["last_number"], "pass_threshold": 1}


def base_config(a, out: str) -> dict:
    return {"model": "default", "data": str(DATA / "arithmetic_train.jsonl"), "grader": GRADER, "output_dir": out,
            "seed": a.seed, "max_steps": a.steps, "prompts_per_step": a.prompts, "num_generations": a.generations,
            "max_completion_length": a.max_completion, "temperature": 1.0, "loss_type": "dapo",
            "scale_rewards": "group", "beta": 0.0, "learning_rate": a.lr, "lr_scheduler": "constant",
            "adam_beta1": 0.9, "adam_beta2": 0.99, "weight_decay": 0.0, "max_grad_norm": 1.0,
            "threads": a.threads, "progress": False, "save_final_model": False,
            "eval_max_items": a.eval_items}


def held_out_accuracy(model, tok, a, out: str) -> float | None:
    if a.eval_items <= 0:
        return None
    from graders import load_grader
    from trainer.config import from_dict
    from trainer.data import load_jsonl, render_prompt
    from trainer.modeling import eos_ids
    from trainer.train import evaluate

    cfg = from_dict(base_config(a, out))
    rows = load_jsonl(str(DATA / "arithmetic_eval.jsonl"))[:a.eval_items]
    prompts = [tok(render_prompt(tok, r["prompt"]), add_special_tokens=False)["input_ids"] for r in rows]
    model.eval()
    ev = evaluate(model, tok, load_grader(GRADER), prompts, rows, cfg, a.steps, eos_ids(tok, model),
                  tok.pad_token_id)
    return ev["eval/accuracy"]


def run_ours(a, skip_zero_advantage: bool = True) -> dict:
    from trainer.config import from_dict
    from trainer.train import train

    out = tempfile.mkdtemp(prefix="vg-ours-")
    cfg = from_dict({**base_config(a, out), "skip_zero_advantage": skip_zero_advantage})
    res = train(cfg, log=lambda *_: None)
    rows = [json.loads(x) for x in open(Path(out) / "metrics.jsonl") if '"train"' in x]
    return {"seconds": res.summary["train_seconds"], "cpu_seconds": res.summary["train_cpu_seconds"],
            "rewards": [r["reward"] for r in rows],
            "time_split": res.summary["time_split_seconds"],
            "trained_fraction": sum(r["trained_sequences"] for r in rows) / (len(rows) * a.prompts * a.generations),
            "eval_accuracy": held_out_accuracy(res.model, res.tokenizer, a, out)}


def run_trl(a, gradient_checkpointing: bool) -> dict:
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from graders.integrations.trl import reward_function
    from graders.models.embedded import load_causal_lm
    from trainer.data import load_jsonl

    torch.set_num_threads(a.threads)
    model, tok = load_causal_lm()
    rows = load_jsonl(str(DATA / "arithmetic_train.jsonl"))
    ds = Dataset.from_list([{"prompt": [{"role": "user", "content": r["prompt"]}], "answer": r["answer"]}
                            for r in rows])
    out = tempfile.mkdtemp(prefix="vg-trl-")
    args = GRPOConfig(
        output_dir=out, max_steps=a.steps, per_device_train_batch_size=a.prompts * a.generations,
        gradient_accumulation_steps=1, num_generations=a.generations, max_completion_length=a.max_completion,
        temperature=1.0, top_p=1.0, loss_type="dapo", scale_rewards="group", beta=0.0, learning_rate=a.lr,
        lr_scheduler_type="constant", warmup_steps=0, adam_beta1=0.9, adam_beta2=0.99, weight_decay=0.0,
        max_grad_norm=1.0, gradient_checkpointing=gradient_checkpointing, bf16=False, use_cpu=True,
        logging_steps=1, report_to="none", save_strategy="no", seed=a.seed, disable_tqdm=True,
        dataloader_num_workers=0)

    class Clock(TrainerCallback):
        t0 = t1 = c0 = c1 = 0.0

        def on_train_begin(self, *args, **kw):
            Clock.t0, Clock.c0 = time.perf_counter(), time.process_time()

        def on_train_end(self, *args, **kw):
            Clock.t1, Clock.c1 = time.perf_counter(), time.process_time()

    trainer = GRPOTrainer(model=model, processing_class=tok, reward_funcs=[reward_function(GRADER)],
                          args=args, train_dataset=ds, callbacks=[Clock()])
    trainer.train()
    rewards = [h["reward"] for h in trainer.state.log_history if "reward" in h]
    return {"seconds": Clock.t1 - Clock.t0, "cpu_seconds": Clock.c1 - Clock.c0, "rewards": rewards,
            "eval_accuracy": held_out_accuracy(trainer.model, tok, a, out)}


def child(a) -> None:
    if a.child.startswith("ours"):
        result = run_ours(a, skip_zero_advantage=(a.child == "ours"))
    else:
        result = run_trl(a, gradient_checkpointing=(a.child == "trl"))
    result.update(name=a.child, steps=a.steps, steps_per_s=a.steps / result["seconds"],
                  cpu_s_per_step=result["cpu_seconds"] / a.steps,
                  peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print("RESULT " + json.dumps(result), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--prompts", type=int, default=4)
    p.add_argument("--generations", type=int, default=8)
    p.add_argument("--max-completion", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--eval-items", type=int, default=0, help="held-out items for the final greedy accuracy")
    p.add_argument("--tail", type=int, default=5, help="report the mean train reward of the last N steps")
    p.add_argument("--which", default="ours,trl", help="comma list of: ours, ours_noskip, trl, trl_no_gc")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--child", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        return child(a)
    results = []
    for name in a.which.split(","):
        cmd = [sys.executable, __file__, "--child", name, "--steps", str(a.steps), "--prompts", str(a.prompts),
               "--generations", str(a.generations), "--max-completion", str(a.max_completion), "--lr", str(a.lr),
               "--seed", str(a.seed), "--threads", str(a.threads), "--eval-items", str(a.eval_items)]
        t0 = time.time()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "TQDM_DISABLE": "1"})
        line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        if proc.returncode or not line:
            print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"{name} failed (exit {proc.returncode})")
        r = json.loads(line[0][7:])
        r["wall_s"] = time.time() - t0
        results.append(r)
        print(f"{name}: {r['steps_per_s']:.4f} steps/s, {r['cpu_s_per_step']:.1f} CPU s/step, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    print(f"\nSmolLM2-135M-Instruct, CPU fp32, {a.threads} thread(s), {a.steps} steps x {a.prompts} prompts x "
          f"{a.generations} generations, max_completion_length {a.max_completion}, lr {a.lr}, loss dapo\n")
    print(f"| trainer | steps/s (wall) | s/step (wall) | CPU s/step | peak RSS (MB) | train reward (last {a.tail}) "
          "| held-out acc |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        tail = r["rewards"][-a.tail:]
        acc = "-" if r["eval_accuracy"] is None else f"{r['eval_accuracy']:.3f}"
        print(f"| {r['name']} | {r['steps_per_s']:.4f} | {1 / r['steps_per_s']:.1f} | {r['cpu_s_per_step']:.1f} | "
              f"{r['peak_rss_mb']:.0f} | "
              f"{sum(tail) / len(tail):.3f} | {acc} |")
    for mine in (r for r in results if r["name"].startswith("ours")):
        for r in results:
            if not r["name"].startswith("ours"):
                print(f"{mine['name']} vs {r['name']}: {mine['steps_per_s'] / r['steps_per_s']:.2f}x steps/s (wall), "
                      f"{r['cpu_s_per_step'] / mine['cpu_s_per_step']:.2f}x (CPU time per step)")
    if a.json:
        Path(a.json).write_text(json.dumps({"args": vars(a), "results": results}, indent=2))


if __name__ == "__main__":
    main()
