"""GSM8K with the embedded model: pass@1 and pass@8 (unbiased, Chen et al. 2021) on 100 test items.

    .venv/bin/python benchmarks/eval_gsm8k.py                      # 100 items x 8 samples, T=0.7, 256 tokens
    .venv/bin/python benchmarks/eval_gsm8k.py --items 20 --samples 4 --greedy

Uses `graders.evaluation.evaluate` (the same code as `verigrade eval`) with the local sampler and
grader_specs/gsm8k.json; the first N rows of ../shared/data/gsm8k/test.jsonl, each question followed by one
instruction line asking for the final answer. Prints the figures and writes results + report beside --out.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
INSTRUCTION = "Solve it step by step, then finish with: The answer is <number>."


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "gsm8k" / "test.jsonl"))
    ap.add_argument("--model", default="default")
    ap.add_argument("--items", type=int, default=100)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--batch-rows", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--greedy", action="store_true", help="also run greedy decoding (1 sample per item)")
    ap.add_argument("--out", default=str(ROOT / "runs" / "eval_gsm8k"))
    args = ap.parse_args()

    from graders.evaluation import evaluate

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(x) for x in Path(args.data).read_text().splitlines() if x.strip()][:args.items]
    data = out / "items.jsonl"
    data.write_text("".join(json.dumps({**r, "prompt": f"{r['question']}\n{INSTRUCTION}"}) + "\n" for r in rows))
    spec = ROOT / "grader_specs" / "gsm8k.json"
    figures = {}
    t0 = time.perf_counter()
    done = [0]

    def progress(n: int) -> None:
        done[0] += n
        print(f"{done[0]}/{len(rows)} items, {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)

    run = evaluate(args.model, data, spec, samples=args.samples, temperature=args.temperature,
                   max_tokens=args.max_tokens, seed=args.seed, output=out / "results.jsonl", threads=args.threads,
                   batch_rows=args.batch_rows, progress=progress)
    s = run.summary
    figures["sampled"] = {"seconds": round(time.perf_counter() - t0, 1), "items": s["prompts"], "k": s["k"],
                          "temperature": args.temperature, "max_tokens": args.max_tokens,
                          "pass@k": {k: round(v, 4) for k, v in s["pass@k"].items()},
                          f"maj@{s['k']}": s["maj@k"], "mean_reward": round(s["mean_reward"], 4),
                          "statuses": {k: v for k, v in s["status_counts"].items() if v},
                          "finish": s["finish_reasons"], "mean_completion_tokens": s["mean_completion_tokens"]}
    if args.greedy:
        t0 = time.perf_counter()
        g = evaluate(args.model, data, spec, samples=1, temperature=0.0, max_tokens=args.max_tokens,
                     output=out / "greedy.jsonl", threads=args.threads, batch_rows=args.batch_rows).summary
        figures["greedy"] = {"seconds": round(time.perf_counter() - t0, 1), "accuracy": round(g["accuracy"], 4),
                             "statuses": {k: v for k, v in g["status_counts"].items() if v},
                             "finish": g["finish_reasons"]}
    (out / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    k = s["k"]
    print(f"GSM8K test[:{s['prompts']}] with {args.model}: pass@1 {s['pass@k'][1]:.3f}, pass@{k} {s['pass@k'][k]:.3f}"
          f" (T={args.temperature}, {args.max_tokens} tokens)"
          + (f"; greedy accuracy {figures['greedy']['accuracy']:.3f}" if args.greedy else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
