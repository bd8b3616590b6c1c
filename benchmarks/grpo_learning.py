"""Does the trainer learn? SmolLM2-135M-Instruct on held-out arithmetic, greedy accuracy before and after.

    .venv/bin/python benchmarks/grpo_learning.py --steps 30 --seeds 0,1          # main run (CPU, ~15 min/seed)
    .venv/bin/python benchmarks/grpo_learning.py --train-file arithmetic_12.jsonl --steps 20   # "12 examples"

Task: trainer/configs/arithmetic.yaml ("What is a +/- b?", a, b in 1..20; 600 train / 200 held-out problems
that never appear in train), reward math_equivalence(last_number). Accuracy = share of held-out problems whose
greedy answer is right. Noise: the binomial standard error of an accuracy on N items, and (with several
seeds) the spread of the after-training accuracy across seeds. A rise counts only if it is larger than
2 x the standard error of the difference and larger than the seed spread.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--seeds", default="0", help="comma list; one training run per seed")
    p.add_argument("--train-file", default="arithmetic_train.jsonl", help="file in trainer/configs/data/")
    p.add_argument("--eval-items", type=int, default=100)
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--prompts", type=int, default=4)
    p.add_argument("--generations", type=int, default=8)
    p.add_argument("--max-completion", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=str(ROOT / "runs" / "grpo_learning"))
    p.add_argument("--json", help="also write the results here")
    a = p.parse_args()

    from trainer.config import load_config
    from trainer.train import train

    runs = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        out = Path(a.out) / f"{Path(a.train_file).stem}-seed{seed}"
        cfg = load_config(ROOT / "trainer" / "configs" / "arithmetic.yaml", [
            f"data=data/{a.train_file}", f"seed={seed}", f"max_steps={a.steps}", f"learning_rate={a.lr}",
            f"prompts_per_step={a.prompts}", f"num_generations={a.generations}",
            f"max_completion_length={a.max_completion}", f"eval_max_items={a.eval_items}", "eval_steps=0",
            "save_steps=0", f"threads={a.threads}", f"output_dir={out}", "progress=false",
            "save_final_model=false"])
        t0 = time.time()
        res = train(cfg)
        before, after = res.summary["eval_before"], res.summary["eval_after"]
        runs.append({"seed": seed, "before": before["eval/accuracy"], "after": after["eval/accuracy"],
                     "reward_before": before["eval/reward"], "reward_after": after["eval/reward"],
                     "train_seconds": res.summary["train_seconds"], "wall_seconds": time.time() - t0,
                     "time_split": res.summary["time_split_seconds"], "output_dir": str(out)})
        print(json.dumps(runs[-1]), flush=True)

    n = a.eval_items
    print(f"\nSmolLM2-135M-Instruct, train file {a.train_file}, {a.steps} steps x {a.prompts} prompts x "
          f"{a.generations} generations, lr {a.lr}, held-out greedy accuracy on {n} problems\n")
    print("| seed | before | after | gain | train time |")
    print("|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['seed']} | {r['before']:.3f} | {r['after']:.3f} | {r['after'] - r['before']:+.3f} | "
              f"{r['train_seconds'] / 60:.1f} min |")
    before = runs[0]["before"]  # greedy decoding from the same start: identical for every seed
    afters = [r["after"] for r in runs]
    mean_after = statistics.mean(afters)
    se_diff = math.sqrt(before * (1 - before) / n + mean_after * (1 - mean_after) / n)
    spread = statistics.stdev(afters) if len(afters) > 1 else float("nan")
    gain = mean_after - before
    print(f"\nmean gain {gain:+.3f}; binomial SE of the difference {se_diff:.3f} (2 SE = {2 * se_diff:.3f}); "
          f"seed spread (stdev of after) {spread:.3f}")
    beats = gain > 2 * se_diff and (math.isnan(spread) or gain > spread)
    print("verdict:", "accuracy rose by more than the measured noise" if beats else "NOT above the noise")
    if a.json:
        Path(a.json).write_text(json.dumps({"args": vars(a), "runs": runs, "gain": gain, "se_diff": se_diff,
                                            "seed_spread": spread, "above_noise": beats}, indent=2))


if __name__ == "__main__":
    main()
