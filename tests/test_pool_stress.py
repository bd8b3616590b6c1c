"""Stress: 8 threads and asyncio callers share a pool of 2 while the test SIGKILLs its workers at random.

Every call returns, every outcome answers its own payload (order kept), a killed worker costs only
`crash` outcomes, and once the pool is shut down none of its processes is left in the process table.
"""
import asyncio
import os
import random
import signal
import threading
import time
from pathlib import Path

import pool_tasks as tasks
import pytest

from graders.pool import POOL_ID_ENV, WorkerPool

RUN_S = 8.0
THREADS = 8
ASYNC_CALLERS = 4


def pool_processes(pool_id: str) -> list[int]:
    """Every process in the table started by the pool `pool_id` (or by its workers: they inherit the mark)."""
    marker = f"{POOL_ID_ENV}={pool_id}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                environ = Path("/proc", entry, "environ").read_bytes()
            except OSError:  # exited meanwhile
                continue
            if marker in environ.split(b"\0"):
                found.append(int(entry))
    return found


def zombie_children() -> set[int]:
    """Children of this process that exited and were never reaped (their environ is gone, so count these)."""
    zombies = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if state == "Z" and int(ppid) == os.getpid():
                zombies.add(int(entry))
    return zombies


def one_call(pool: WorkerPool, rng: random.Random, name: str) -> tuple:
    n = rng.choice([1, 2, 7, 24, 40])
    payloads = [(f"{name}-{i}", rng.choice([0.0, 0.0, 0.002, 0.01])) for i in range(n)]
    return name, payloads, pool.map(tasks.nap_echo, payloads, timeout_s=10.0, shared=name)


@pytest.mark.slow
def test_random_worker_kills_under_threads_and_asyncio():
    zombies_before = zombie_children()
    pool = WorkerPool(size=2, memory_mb=512)
    calls: list[tuple] = []
    stop_at = time.monotonic() + RUN_S
    kills = 0

    def thread_caller(k: int) -> None:
        rng = random.Random(k)
        call = 0
        while time.monotonic() < stop_at:
            calls.append(one_call(pool, rng, f"thread{k}-{call}"))
            call += 1

    def asyncio_callers() -> None:
        async def caller(k: int) -> None:
            rng = random.Random(100 + k)
            call = 0
            while time.monotonic() < stop_at:
                calls.append(await asyncio.to_thread(one_call, pool, rng, f"async{k}-{call}"))
                call += 1

        async def main() -> None:
            await asyncio.gather(*(caller(k) for k in range(ASYNC_CALLERS)))

        asyncio.run(main())

    def killer() -> None:
        nonlocal kills
        rng = random.Random(7)
        while time.monotonic() < stop_at:
            time.sleep(rng.uniform(0.05, 0.3))
            victims = pool_processes(pool.id)
            if victims:
                try:
                    os.kill(rng.choice(victims), signal.SIGKILL)
                    kills += 1
                except ProcessLookupError:
                    pass

    threads = [threading.Thread(target=thread_caller, args=(k,), daemon=True) for k in range(THREADS)]
    threads += [threading.Thread(target=asyncio_callers, daemon=True), threading.Thread(target=killer, daemon=True)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, stop_at + 60 - time.monotonic()))
        assert not [t for t in threads if t.is_alive()], "a caller never returned"
    finally:
        pool.shutdown()

    kinds = {"ok": 0, "crash": 0}
    for name, payloads, out in calls:
        assert len(out) == len(payloads), name
        for payload, outcome in zip(payloads, out):
            assert outcome.kind in kinds, (name, outcome)
            kinds[outcome.kind] += 1
            if outcome.kind == "ok":
                assert outcome.value == (name, payload)  # the answer to this payload, in this position
            else:
                assert outcome.message, (name, outcome)
    async_calls = sum(name.startswith("async") for name, _, _ in calls)
    assert async_calls >= ASYNC_CALLERS and len(calls) - async_calls >= THREADS
    assert kills >= 5 and kinds["crash"] >= 1, (kills, kinds)  # the kills landed on busy workers too
    assert kinds["ok"] >= 0.5 * sum(kinds.values()), kinds
    assert pool.stats["crashes"] >= 1

    assert pool_processes(pool.id) == []
    assert zombie_children() - zombies_before == set()
    assert pool.counts() == {"idle": 0, "busy": 0, "starting": 0, "waiting": 0}
