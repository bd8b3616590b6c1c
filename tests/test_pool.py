"""The worker pool: hard timeouts kill and replace workers, memory caps, crashes cost one task, order kept."""
import asyncio
import threading
import time

import pool_tasks as tasks
import pytest
from isolated_graders import AbortGrader, AllocateGrader, EchoLengthGrader, SleepGrader

from graders.pool import WorkerPool, get_pool


@pytest.fixture(scope="module")
def pool():
    p = WorkerPool(size=2, memory_mb=512)
    yield p
    p.shutdown()


def test_map_preserves_order_and_passes_shared(pool):
    out = pool.map(tasks.echo, list(range(50)), timeout_s=5.0, shared="S")
    assert [o.kind for o in out] == ["ok"] * 50
    assert [o.value for o in out] == [("S", i) for i in range(50)]


def test_timeout_kills_worker_and_rest_of_chunk_still_runs(pool):
    start = time.monotonic()
    out = pool.map(tasks.sleep_then_echo, [0.0, 30.0, 0.0, 0.01], timeout_s=0.5, chunk_size=4)
    took = time.monotonic() - start
    assert [o.kind for o in out] == ["ok", "timeout", "ok", "ok"]
    assert "hard timeout" in out[1].message
    assert took < 10.0  # the 30 s sleep was killed, not waited for


def test_killed_worker_process_is_really_gone(pool):
    before = pool.stats["timeouts"]
    out = pool.map(tasks.pid, [0], timeout_s=5.0)
    victim = out[0].value
    # occupy that worker with a hang; it must be SIGKILLed
    pool.map(tasks.sleep_then_echo, [30.0], timeout_s=0.3)
    assert pool.stats["timeouts"] == before + 1
    import os

    alive = []
    for pid in [victim]:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    # the victim may have been the other worker; either way no process is left sleeping 30 s
    out2 = pool.map(tasks.echo, [1, 2, 3], timeout_s=5.0)
    assert [o.kind for o in out2] == ["ok"] * 3


def test_memory_cap_turns_allocation_into_error_not_crash(pool):
    out = pool.map(tasks.allocate, [8, 4000, 8], timeout_s=10.0, chunk_size=3)
    assert [o.kind for o in out] == ["ok", "error", "ok"]
    assert "memory" in out[1].message.lower()


def test_abort_costs_one_task(pool):
    out = pool.map(tasks.abort, ["a", "abort", "b", "c"], timeout_s=5.0, chunk_size=4)
    assert [o.kind for o in out] == ["ok", "crash", "ok", "ok"]
    assert "SIGABRT" in out[1].message


def test_task_exception_is_reported(pool):
    out = pool.map(tasks.raise_error, [7], timeout_s=5.0)
    assert out[0].kind == "error" and "bad payload 7" in out[0].message


def test_sleeping_grader_times_out_with_status():
    g = SleepGrader({"type": "test_sleep", "timeout_s": 0.5})
    start = time.monotonic()
    res = g.grade_batch([("x", {"sleep": 0}), ("x", {"sleep": 60}), ("x", {"sleep": 0})])
    assert time.monotonic() - start < 15
    assert [r.status for r in res] == ["ok", "timeout", "ok"]
    assert res[1].score == 0.0 and "0.5 s hard timeout" in res[1].reason


def test_allocating_grader_hits_memory_cap():
    g = AllocateGrader({"type": "test_allocate"})
    res = g.grade_batch([("x", {"mb": 4}), ("x", {"mb": 8000})])
    assert res[0].status == "ok"
    assert res[1].status == "error" and "memory" in res[1].reason.lower()


def test_aborting_grader_costs_one_sample_and_pool_survives():
    g = AbortGrader({"type": "test_abort"})
    res = g.grade_batch(["fine", "abort", "fine", "fine"])
    assert [r.status for r in res] == ["ok", "error", "ok", "ok"]
    assert "SIGABRT" in res[1].reason
    assert g.grade("fine").status == "ok"


def test_isolated_batch_keeps_order_across_workers():
    g = EchoLengthGrader({"type": "test_echo_length"})
    texts = ["x" * (i % 100) for i in range(300)]
    res = g.grade_batch(texts)
    assert [r.details["text"] for r in res] == texts
    assert all(abs(r.score - (i % 100) / 100) < 1e-12 for i, r in enumerate(res))


def test_isolated_grading_from_threads():
    g = EchoLengthGrader({"type": "test_echo_length"})
    errors, results = [], {}

    def work(k):
        try:
            results[k] = [r.score for r in g.grade_batch(["y" * k] * 20)]
        except Exception as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == {k: [k / 100] * 20 for k in range(1, 7)}


def test_isolated_grading_from_asyncio():
    g = SleepGrader({"type": "test_sleep", "timeout_s": 0.5})

    async def main():
        return await asyncio.gather(g.agrade("a", {"sleep": 0}), g.agrade("b", {"sleep": 30}),
                                    g.agrade_batch([("c", {"sleep": 0})]))

    ok, hung, batch = asyncio.run(main())
    assert ok.status == "ok" and hung.status == "timeout" and batch[0].status == "ok"


def test_shared_pool_is_reused():
    assert get_pool() is get_pool()


def test_slot_is_refilled_in_the_background_after_a_timeout():
    p = WorkerPool(size=1, memory_mb=512)
    try:
        assert [o.kind for o in p.map(tasks.echo, [1], timeout_s=5.0)] == ["ok"]
        spawned = p.stats["spawned"]
        start = time.monotonic()
        assert p.map(tasks.sleep_then_echo, [30.0], timeout_s=0.3)[0].kind == "timeout"
        assert time.monotonic() - start < 5.0  # the result does not wait for a replacement to start
        deadline = time.monotonic() + 30
        while p._idle.qsize() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert p.stats["spawned"] == spawned + 1 and p._idle.qsize() == 1  # warm replacement, nobody asked
        assert [o.value for o in p.map(tasks.echo, [2], timeout_s=5.0)] == [(None, 2)]
        assert p.stats["spawned"] == spawned + 1
    finally:
        p.shutdown()
