"""Cost of isolation: the same trivial grader in-process vs through the worker pool.

    .venv/bin/python benchmarks/pool_overhead.py [--n 20000]

Prints per-sample cost in-process, through the pool (chunked batches), one sample at a time through the
pool, and the cost of killing and replacing a worker after a timeout.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _pool_tasks import EchoLengthGrader, InProcessEchoLengthGrader, SleepGrader  # noqa: E402

from graders.pool import get_pool  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    texts = [f"sample {i}" for i in range(args.n)]
    pool = get_pool()
    isolated = EchoLengthGrader({"type": "bench_echo_length"})
    isolated.grade_batch(texts[:50])  # start the workers

    t = time.perf_counter()
    InProcessEchoLengthGrader({"type": "bench_echo_length"}).grade_batch(texts)
    local = (time.perf_counter() - t) / args.n * 1e6

    t = time.perf_counter()
    results = isolated.grade_batch(texts)
    batched = (time.perf_counter() - t) / args.n * 1e6

    few = texts[:300]
    t = time.perf_counter()
    results += [isolated.grade(text) for text in few]
    single = (time.perf_counter() - t) / len(few) * 1e6
    failed = [r for r in results if r.status != "ok"]
    if failed:  # a benchmark of failures would measure the wrong thing
        sys.exit(f"{len(failed)} isolated grades failed, e.g. {failed[0].status}: {failed[0].reason}")

    sleeper = SleepGrader({"type": "bench_sleep", "timeout_s": 0.2})
    sleeper.grade("warm", {"sleep": 0})
    t = time.perf_counter()
    res = sleeper.grade("hang", {"sleep": 60})
    kill = time.perf_counter() - t
    if res.status != "timeout":
        sys.exit(f"expected a timeout, got {res.status}: {res.reason}")

    print(f"pool size {pool.size}, n={args.n}")
    print(f"in-process:                 {local:8.1f} us/sample")
    print(f"pool, grade_batch:          {batched:8.1f} us/sample")
    print(f"pool, grade() one at a time:{single:8.1f} us/sample")
    print(f"timeout 0.2 s -> result after {kill:.2f} s (worker killed; its replacement starts in the background)")


if __name__ == "__main__":
    main()
