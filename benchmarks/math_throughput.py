"""Math grading throughput: verigrade's `math_equivalence` (fully isolated) next to plain math-verify.

2,000 (output, reference) pairs, half from `../shared/data/math/test.jsonl` and half from
`../shared/data/gsm8k/test.jsonl`; half of each are correct answers, half perturbed (last integer + 1, or
another row's answer when there is no integer). Same pairs, one process, side by side:

  * verigrade: `grade_batch` of `grader_specs/math.json` / `grader_specs/gsm8k.json` through the shared
    worker pool (hard timeout, memory cap, one grader rebuild per worker), after a warm-up batch;
  * verigrade in-process: `graders.mathcheck.check` called directly (no isolation), for reference;
  * math-verify: `verify(parse(gold), parse(output))` in this process, with `parsing_timeout=None` and
    `timeout_seconds=None` (the signal timeouts only work on the main thread), gold = `$answer$` for MATH and
    the number after `####` for GSM8K.

Second corpus, "fuzzed": `--fuzz-pairs` pairs from tools/math_fuzz_cases.py (the differential fuzzer's
generator: MATH and GSM8K answers in many shapes and wrappers, right and wrong, hedges, buried answers), graded
by the default `math_equivalence` spec, next to math-verify on the same pairs (warm-up: another seed).

Reports pairs/s for each (median of `--repeat` interleaved runs), the ratio, verdict agreement with
math-verify and with the intended label, per corpus.

    .venv/bin/python benchmarks/math_throughput.py [--pairs 2000] [--fuzz-pairs 2000] [--workers 2] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

sys.path.insert(0, str(ROOT / "tools"))

from graders import load_grader  # noqa: E402
from graders.pool import configure_pool  # noqa: E402
from math_fuzz_cases import generate  # noqa: E402

_LAST_INT = re.compile(r"(\d+)(?!.*\d)", re.DOTALL)


_SIMPLE_FRAC = re.compile(r"\\[dt]?frac\{(\d+)\}\{(\d+)\}")


def _rewrite(answer: str, i: int) -> str:
    """An equivalent way of writing a correct answer (exercises parsing, not just string equality)."""
    if i % 3 == 0 and _SIMPLE_FRAC.search(answer):
        return _SIMPLE_FRAC.sub(r"\1/\2", answer)
    if i % 3 == 1 and re.fullmatch(r"-?\d+", answer):
        return f"x = {answer}"
    if i % 3 == 2 and re.fullmatch(r"\d+", answer) and int(answer) >= 1000:
        return f"{int(answer):,}"
    return answer


def _perturb(answer: str, other: str) -> str:
    m = _LAST_INT.search(answer)
    if m:
        return answer[:m.start()] + str(int(m.group(1)) + 1) + answer[m.end():]
    return other if other != answer else answer + "+1"


def build_pairs(n: int, seed: int, split: str = "test") -> list[dict]:
    rng = random.Random(seed)
    math_rows = [json.loads(line) for line in (DATA / "math" / f"{split}.jsonl").read_text().splitlines() if line]
    gsm_rows = [json.loads(line) for line in (DATA / "gsm8k" / f"{split}.jsonl").read_text().splitlines() if line]
    math_rows = [r for r in math_rows if r.get("answer")]
    pairs = []
    for i, row in enumerate(rng.sample(math_rows, n // 2)):
        correct = i % 2 == 0
        other = rng.choice(math_rows)["answer"]
        answer = _rewrite(row["answer"], i // 2) if correct else _perturb(row["answer"], other)
        output = (f"Let us work through the problem step by step.\nAfter simplifying, the final answer is "
                  f"$\\boxed{{{answer}}}$.")
        pairs.append({"set": "math", "output": output, "reference": row["answer"], "label": correct,
                      "gold_for_mv": f"${row['answer']}$"})
    for i, row in enumerate(rng.sample(gsm_rows, n - n // 2)):
        correct = i % 2 == 0
        number = row["answer"].split("####")[-1].strip()
        value = number if correct else str(int(number.replace(",", "")) + 1 + i % 7)
        body = row["answer"].split("####")[0].strip()
        body = re.sub(r"<<[^>]*>>", "", body)
        output = f"{body}\n#### {value}" if i % 4 < 2 else f"{body}\nThe answer is {value}."
        pairs.append({"set": "gsm8k", "output": output, "reference": row["answer"], "label": correct,
                      "gold_for_mv": number})
    return pairs


def fuzz_pairs(n: int, seed: int) -> list[dict]:
    """The fuzzer's pairs in this benchmark's format, graded with the default spec ("set": "default")."""
    return [{"set": "default", "output": p.output, "reference": p.reference, "label": bool(p.label),
             "gold_for_mv": p.gold_for_mv} for p in generate(n, seed)]


def _graders(nonce: int) -> dict:
    """The ready-made specs (and the default spec for the fuzzed corpus); `nonce` nudges a guard limit so each
    repeat starts with an empty reference cache (the cache is keyed by the parse options), i.e. repeats
    measure parsing, not cache hits."""
    out = {}
    for name in ("math", "gsm8k", "default"):
        spec = json.loads((ROOT / "grader_specs" / f"{name}.json").read_text()) if name != "default" else \
            {"type": "math_equivalence", "reference": "{{ item.answer }}"}
        spec["max_answer_chars"] = 1000 + nonce
        out[name] = load_grader(spec)
    return out


def run_verigrade(pairs: list[dict], nonce: int = 0) -> tuple[float, list[float]]:
    graders = _graders(nonce)
    scores: list[float] = [0.0] * len(pairs)
    start = time.perf_counter()
    for name, g in graders.items():
        idx = [i for i, p in enumerate(pairs) if p["set"] == name]
        if not idx:
            continue
        results = g.grade_batch([({"output_text": pairs[i]["output"]}, {"answer": pairs[i]["reference"]}) for i in idx])
        for i, res in zip(idx, results):
            scores[i] = res.score
    return time.perf_counter() - start, scores


def run_in_process(pairs: list[dict], nonce: int = 0) -> tuple[float, list[float]]:
    from graders.mathcheck import check

    graders = _graders(nonce)
    start = time.perf_counter()
    scores = [check(p["output"], p["reference"], graders[p["set"]].options).score for p in pairs]
    return time.perf_counter() - start, scores


def run_math_verify(pairs: list[dict]) -> tuple[float, list[float]]:
    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)

    def one(p):
        try:
            gold = parse(p["gold_for_mv"], parsing_timeout=None)
            pred = parse(p["output"], parsing_timeout=None)
            return 1.0 if verify(gold, pred, timeout_seconds=None) else 0.0
        except Exception:  # noqa: BLE001 - math-verify's own failures count as "not equal"
            return 0.0

    start = time.perf_counter()
    scores = [one(p) for p in pairs]
    return time.perf_counter() - start, scores


def measure(pairs: list[dict], warmup: list[dict], repeat: int, nonce: int) -> dict:
    """Cold pass on `warmup`, then `repeat` interleaved timed runs of the three paths on `pairs`."""
    # Cold = first pass over the warm-up pairs (fresh workers / fresh ANTLR prediction caches). Timed = the
    # pairs afterwards: the steady state of a training run. Rows differ, so no reference is cached from the
    # warm-up.
    t_iso_cold, _ = run_verigrade(warmup, nonce=nonce - 1)
    t_mv_cold, _ = run_math_verify(warmup)
    run_in_process(warmup, nonce=nonce - 1)
    # the cores are shared: repeat the timed runs interleaved and keep each path's median
    times: dict[str, list[float]] = {"iso": [], "mv": [], "in": []}
    for r in range(repeat):
        t, s_iso = run_verigrade(pairs, nonce=nonce + r)
        times["iso"].append(t)
        t, s_mv = run_math_verify(pairs)
        times["mv"].append(t)
        t, s_in = run_in_process(pairs, nonce=nonce + r)
        times["in"].append(t)
    t_iso, t_mv, t_in = (statistics.median(times[k]) for k in ("iso", "mv", "in"))
    n = len(pairs)
    labels = [1.0 if p["label"] else 0.0 for p in pairs]
    report = {
        "pairs": n,
        "math_verify_pairs_per_s": round(n / t_mv, 1),
        "verigrade_isolated_pairs_per_s": round(n / t_iso, 1),
        "verigrade_in_process_pairs_per_s": round(n / t_in, 1),
        "ratio_isolated_vs_math_verify": round(t_mv / t_iso, 2),
        "cold_math_verify_pairs_per_s": round(len(warmup) / t_mv_cold, 1),
        "cold_verigrade_isolated_pairs_per_s": round(len(warmup) / t_iso_cold, 1),
        "cold_ratio": round(t_mv_cold / t_iso_cold, 2),
        "agreement_with_math_verify": round(sum(a == b for a, b in zip(s_iso, s_mv)) / n, 4),
        "isolated_equals_in_process": sum(a == b for a, b in zip(s_iso, s_in)) == n,
        "label_accuracy_verigrade": round(sum(a == b for a, b in zip(s_iso, labels)) / n, 4),
        "label_accuracy_math_verify": round(sum(a == b for a, b in zip(s_mv, labels)) / n, 4),
    }
    for name in ("math", "gsm8k"):
        idx = [i for i, p in enumerate(pairs) if p["set"] == name]
        if idx:
            report[f"{name}_agreement"] = round(sum(s_iso[i] == s_mv[i] for i in idx) / len(idx), 4)
    kinds = Counter((pairs[i]["set"], "label=" + str(int(labels[i])), f"ours={s_iso[i]:g}", f"mv={s_mv[i]:g}")
                    for i in range(n) if s_iso[i] != s_mv[i])
    report["disagreements"] = {" ".join(k): v for k, v in kinds.most_common()}
    report["_scores"] = (s_iso, s_mv)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--fuzz-pairs", type=int, default=2000, help="second corpus: the fuzzer's pairs (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=1000, help="pairs graded first, untimed (per corpus)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats (median reported)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker pool size")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--show", type=int, default=12, help="disagreements to print (clean corpus)")
    args = parser.parse_args()

    configure_pool(size=args.workers)
    corpora = {"clean": (build_pairs(args.pairs, args.seed), build_pairs(args.warmup, args.seed + 1, split="train"))}
    if args.fuzz_pairs:
        corpora["fuzzed"] = (fuzz_pairs(args.fuzz_pairs, args.seed + 100), fuzz_pairs(args.warmup, args.seed + 101))
    report = {"workers": args.workers, "repeats": args.repeat}
    for k, (name, (pairs, warmup)) in enumerate(corpora.items()):
        report[name] = measure(pairs, warmup, args.repeat, nonce=10 * k)
    s_iso, s_mv = report["clean"].pop("_scores")
    report.get("fuzzed", {}).pop("_scores", None)
    print(json.dumps(report, indent=2))
    shown = 0
    pairs = corpora["clean"][0]
    for i, p in enumerate(pairs):
        if s_iso[i] != s_mv[i] and shown < args.show:
            shown += 1
            answer = p["output"].rsplit("\n", 1)[-1][-70:]
            print(f"  [{p['set']}] ref={p['gold_for_mv'][:50]!r} out=...{answer!r} label={p['label']} "
                  f"ours={s_iso[i]:g} mv={s_mv[i]:g}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
