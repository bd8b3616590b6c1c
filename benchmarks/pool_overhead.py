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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from isolated_graders import EchoLengthGrader, SleepGrader  # noqa: E402

from graders.pool import get_pool  # noqa: E402


class InProcessEcho(EchoLengthGrader):
    isolated = False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    texts = [f"sample {i}" for i in range(args.n)]
    pool = get_pool()
    isolated = EchoLengthGrader({"type": "test_echo_length"})
    isolated.grade_batch(texts[:50])  # start the workers

    t = time.perf_counter()
    InProcessEcho({"type": "test_echo_length"}).grade_batch(texts)
    local = (time.perf_counter() - t) / args.n * 1e6

    t = time.perf_counter()
    isolated.grade_batch(texts)
    batched = (time.perf_counter() - t) / args.n * 1e6

    few = texts[:300]
    t = time.perf_counter()
    for text in few:
        isolated.grade(text)
    single = (time.perf_counter() - t) / len(few) * 1e6

    sleeper = SleepGrader({"type": "test_sleep", "timeout_s": 0.2})
    sleeper.grade("warm", {"sleep": 0})
    t = time.perf_counter()
    res = sleeper.grade("hang", {"sleep": 60})
    kill = time.perf_counter() - t
    assert res.status == "timeout"

    print(f"pool size {pool.size}, n={args.n}")
    print(f"in-process:                 {local:8.1f} us/sample")
    print(f"pool, grade_batch:          {batched:8.1f} us/sample")
    print(f"pool, grade() one at a time:{single:8.1f} us/sample")
    print(f"timeout 0.2 s -> result after {kill:.2f} s (worker killed; its replacement starts in the background)")


if __name__ == "__main__":
    main()
