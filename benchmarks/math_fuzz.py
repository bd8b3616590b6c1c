"""Differential fuzzing: verigrade's `math_equivalence` (default spec) against math-verify 0.9.0 on generated pairs.

The pairs come from tools/math_fuzz_cases.py (MATH and GSM8K answers from ../shared/data written in many shapes
and wrappers, right and wrong, with hedges and buried answers; the label is known by construction). Every pair
where verigrade and math-verify disagree is triaged:

  * deliberate policy <name>  verigrade follows the label and a documented policy that math-verify does not
                              (hedge, rounding, percent, final_region; docs/math.md);
  * math-verify wrong         verigrade follows the label, no policy involved;
  * verigrade wrong           untriaged: a bug to fix (the run fails if there are any).
Third, a recall check on real worked solutions used as outputs (all correct by construction): the MATH test
solutions (their answer is the content of the last box) and the GSM8K test solutions without their `####`
line (the answer is in the last sentence), graded by both.
With `--baseline REV` the same pairs are also graded by the engine at git revision REV (in a subprocess, from
`git archive`), and the disagreements this work fixed are counted ("fixed": the baseline was wrong).

    .venv/bin/python benchmarks/math_fuzz.py [--pairs 6000] [--seed 0] [--baseline f5be69b] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from math_fuzz_cases import FuzzPair, generate, math_verify_scores, triage  # noqa: E402

SPEC = {"type": "math_equivalence", "reference": "{{ item.answer }}", "timeout_s": 10}


def verigrade_results(pairs: list[FuzzPair], workers: int | None = None) -> list:
    from graders import load_grader
    from graders.pool import configure_pool

    if workers:
        configure_pool(size=workers)
    grader = load_grader(SPEC)
    return grader.grade_batch([({"output_text": p.output}, {"answer": p.reference}) for p in pairs])


_BASELINE_SCRIPT = """
import json, sys
from graders.mathcheck import MathOptions, check
rows = json.load(open(sys.argv[1]))
out = []
for output, reference in rows:
    try:
        out.append(check(output, reference, MathOptions()).score)
    except Exception:
        out.append(0.0)
json.dump(out, open(sys.argv[2], "w"))
"""


def baseline_scores(pairs: list[FuzzPair], revision: str) -> list[float]:
    """The engine at `revision`, in-process in a subprocess (isolated and in-process verdicts are the same)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "graders"], check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        rows, out = Path(tmp) / "rows.json", Path(tmp) / "scores.json"
        rows.write_text(json.dumps([[p.output, p.reference] for p in pairs]))
        script = Path(tmp) / "run_baseline.py"
        script.write_text(_BASELINE_SCRIPT)
        env = {**os.environ, "PYTHONPATH": tmp}
        subprocess.run([sys.executable, str(script), str(rows), str(out)], check=True, cwd=tmp, env=env)
        return json.loads(out.read_text())


def solutions_recall(workers: int | None = None) -> dict:
    """Worked solutions as outputs: the share each grader scores 1 (all are right)."""
    import re

    from math_fuzz_cases import load_rows

    math_rows, gsm_rows = load_rows("test")
    corpora = {
        "math_test_solutions": [FuzzPair(r["unique_id"], "math", r["answer"], f"${r['answer']}$", r["solution"], 1,
                                         "solution", "solution") for r in math_rows if "boxed" in r["solution"]],
        "gsm8k_test_solutions_without_####": [
            FuzzPair(str(i), "gsm8k", r["answer"], r["answer"].split("####")[-1].strip().replace(",", ""),
                     re.sub(r"<<[^>]*>>", "", r["answer"].split("####")[0]).strip(), 1, "solution", "solution")
            for i, r in enumerate(gsm_rows)],
    }
    out = {}
    for name, pairs in corpora.items():
        ours = [r.score for r in verigrade_results(pairs, workers)]
        theirs = math_verify_scores(pairs)
        out[name] = {"outputs": len(pairs), "verigrade": int(sum(ours)), "math_verify": int(sum(theirs))}
    return out


def run(n: int, seed: int, workers: int | None = None, baseline: str | None = None) -> dict:
    pairs = generate(n, seed)
    start = time.perf_counter()
    results = verigrade_results(pairs, workers)
    ours = [r.score for r in results]
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = math_verify_scores(pairs)
    t_theirs = time.perf_counter() - start
    categories = [triage(p, a, b) for p, a, b in zip(pairs, ours, theirs)]
    counts = Counter(categories)
    mv_wrong_kinds = Counter(f"{p.shape} in {p.wrapper}" for p, c in zip(pairs, categories) if c == "math-verify wrong")
    report = {
        "pairs": len(pairs),
        "sources": dict(Counter(p.source for p in pairs)),
        "label_accuracy_verigrade": round(sum(a == p.label for p, a in zip(pairs, ours)) / len(pairs), 4),
        "label_accuracy_math_verify": round(sum(b == p.label for p, b in zip(pairs, theirs)) / len(pairs), 4),
        "verigrade_statuses": dict(Counter(r.status for r in results)),
        "disagreements": sum(a != b for a, b in zip(ours, theirs)),
        "triage": {k: v for k, v in sorted(counts.items()) if k != "agree"},
        "math_verify_wrong_by_shape": dict(mv_wrong_kinds.most_common()),
        "seconds": {"verigrade_isolated": round(t_ours, 1), "math_verify": round(t_theirs, 1)},
    }
    if baseline:
        before = baseline_scores(pairs, baseline)
        report["baseline"] = baseline
        report["baseline_label_accuracy"] = round(sum(a == p.label for p, a in zip(pairs, before)) / len(pairs), 4)
        report["baseline_disagreements"] = sum(a != b for a, b in zip(before, theirs))
        report["fixed"] = sum(1 for p, a0, a, b in zip(pairs, before, ours, theirs)
                              if a0 != b and a0 != p.label and a == p.label)
    report["_pairs"] = [(p, a, b, c) for p, a, b, c in zip(pairs, ours, theirs, categories)]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="worker pool size (default: cpu count)")
    parser.add_argument("--baseline", help="git revision whose engine is graded too (counts what was fixed)")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--show", type=int, default=5, help="examples to print per category")
    parser.add_argument("--no-solutions", action="store_true", help="skip the worked-solutions recall check")
    args = parser.parse_args()
    report = run(args.pairs, args.seed, args.workers, args.baseline)
    if not args.no_solutions:
        report["worked_solutions_recall"] = solutions_recall(args.workers)
    rows = report.pop("_pairs")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    shown = Counter()
    for pair, ours, theirs, category in rows:
        if category != "agree" and shown[category] < args.show:
            shown[category] += 1
            print(f"[{category}] {pair.source} {pair.shape}/{pair.wrapper} label={pair.label} ours={ours:g} "
                  f"mv={theirs:g}\n    ref={pair.gold_for_mv[:60]!r}\n    out=...{pair.output[-110:]!r}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if report["triage"].get("verigrade wrong") or report["triage"].get("both wrong") or \
            set(report["verigrade_statuses"]) - {"ok", "no_answer"}:
        sys.exit(1)


if __name__ == "__main__":
    main()
