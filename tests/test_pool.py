"""The worker pool: hard timeouts kill and replace workers, memory caps, crashes cost one task, order kept."""
import asyncio
import json
import os
import sys
import threading
import time
import types
from pathlib import Path

import pool_tasks as tasks
import pytest
from isolated_graders import AbortGrader, AllocateGrader, EchoLengthGrader, SleepGrader

from graders import pool as pool_module
from graders.pool import WorkerPool, get_pool


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


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


def test_killed_worker_process_is_really_gone(pool, tmp_path):
    before = pool.stats["timeouts"]
    out = pool.map(tasks.pid_then_sleep, [30.0], timeout_s=0.3, shared=str(tmp_path))
    assert out[0].kind == "timeout"
    assert pool.stats["timeouts"] == before + 1
    victim = int((tmp_path / "pid").read_text())
    assert _gone(victim)  # SIGKILLed and reaped (a zombie would still have a /proc entry)
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
        while p.counts()["idle"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert p.stats["spawned"] == spawned + 1 and p.counts()["idle"] == 1  # warm replacement, nobody asked
        assert [o.value for o in p.map(tasks.echo, [2], timeout_s=5.0)] == [(None, 2)]
        assert p.stats["spawned"] == spawned + 1
    finally:
        p.shutdown()


# -- slot accounting: every release wakes waiters, every wait has a deadline -----------------------------
def _in_thread(target, *args):
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("out", target(*args)), daemon=True)
    thread.start()
    return thread, box


def _wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_worker_dying_while_loading_wakes_the_caller_waiting_for_its_slot(tmp_path):
    """The deadlock path: pool of 1; caller A's worker dies in `prepare` while caller B waits for the slot."""
    p = WorkerPool(size=1, memory_mb=512)
    try:
        a, a_box = _in_thread(p.map, tasks.die_while_loading, [1], 5.0, str(tmp_path))
        _wait_until((tmp_path / "loading").exists)  # A holds the only slot and is loading
        b, b_box = _in_thread(p.map, tasks.echo, [2], 5.0)
        _wait_until(lambda: p.counts()["waiting"] == 1)  # B is blocked on the slot
        (tmp_path / "go").touch()  # now A's worker SIGKILLs itself mid-load
        a.join(30)
        b.join(30)
        assert not a.is_alive() and not b.is_alive(), "a caller is still blocked"
        assert a_box["out"][0].kind == "crash" and "failed to load" in a_box["out"][0].message
        assert [(o.kind, o.value) for o in b_box["out"]] == [("ok", (None, 2))]
        assert p.counts() == {"idle": 1, "busy": 0, "starting": 0, "waiting": 0}
    finally:
        p.shutdown()


def test_a_chunk_that_gets_no_worker_in_time_is_a_timeout_outcome(tmp_path):
    p = WorkerPool(size=1, memory_mb=512, wait_timeout_s=0.3)
    try:
        a, a_box = _in_thread(p.map, tasks.pid_then_sleep, [2.5], 10.0, str(tmp_path))
        _wait_until((tmp_path / "pid").exists)
        start = time.monotonic()
        out = p.map(tasks.echo, list(range(8)), timeout_s=5.0, chunk_size=1)
        waited = time.monotonic() - start
        assert [o.kind for o in out] == ["timeout"] * 8
        assert "no worker process became free within 0.3 s" in out[0].message
        # the first chunk waited its 0.3 s; the other seven did not wait again (8 x 0.3 s would be 2.4 s)
        assert 0.25 < waited < 1.2
        assert p.stats["wait_timeouts"] == 1
        a.join(30)
        assert [(o.kind, o.value) for o in a_box["out"]] == [("ok", 2.5)]
        assert [o.kind for o in p.map(tasks.echo, [3], timeout_s=5.0)] == ["ok"]  # the slot was not lost
    finally:
        p.shutdown()


def test_waiting_callers_are_served_in_arrival_order(tmp_path):
    p = WorkerPool(size=1, memory_mb=512)
    finished: list[int] = []
    try:
        holder, _ = _in_thread(p.map, tasks.pid_then_sleep, [0.5], 10.0, str(tmp_path))
        _wait_until((tmp_path / "pid").exists)
        waiters = []
        for k in range(4):
            waiters.append(_in_thread(lambda k=k: (p.map(tasks.echo, [k], timeout_s=5.0), finished.append(k)))[0])
            _wait_until(lambda k=k: p.counts()["waiting"] == k + 1)
        for t in [holder, *waiters]:
            t.join(30)
        assert finished == [0, 1, 2, 3]
    finally:
        p.shutdown()


_FAKE_WORKER = """
import os, pickle, struct, sys, time
mode, pidfile = sys.argv[1], sys.argv[2]
open(pidfile, "a").write(f"{os.getpid()}\\n")
if mode == "exit":
    sys.exit(3)
if mode == "garbage":
    os.write(1, b"garbage\\n")
if mode == "wrong":
    data = pickle.dumps(("hello",))
    os.write(1, struct.pack(">Q", len(data)) + data)
time.sleep(60)
"""


@pytest.mark.parametrize("mode, expected", [("silent", "no greeting within 1 s"),
                                            ("wrong", "unexpected worker greeting ('hello',)"),
                                            ("garbage", "corrupt frame header"),
                                            ("exit", "exited with code 3")])
def test_failed_greeting_kills_the_process_and_closes_its_files(tmp_path, monkeypatch, mode, expected):
    created = []  # holding the handles: their files must be closed explicitly, not by garbage collection

    class RecordedWorkerProcess(pool_module.WorkerProcess):
        def __init__(self, *args):
            super().__init__(*args)
            created.append(self)

    monkeypatch.setattr(pool_module, "WorkerProcess", RecordedWorkerProcess)
    script = tmp_path / "fake_worker.py"
    script.write_text(_FAKE_WORKER)
    pidfile = tmp_path / "pid"
    p = WorkerPool(size=1, memory_mb=512, startup_timeout_s=1.0)
    real_argv, p.worker_argv = p.worker_argv, [sys.executable, str(script), mode, str(pidfile)]
    fds_before = len(os.listdir("/proc/self/fd"))
    try:
        out = p.map(tasks.echo, [1, 2], timeout_s=5.0)
        assert [o.kind for o in out] == ["crash", "crash"]
        assert "could not start a worker process" in out[0].message and expected in out[0].message
        started = [int(line) for line in pidfile.read_text().split()]
        assert len(started) == 2  # one retry, then the call's outcomes (its second chunk doesn't try again)
        assert all(_gone(pid) for pid in started)
        assert [w.proc.pid for w in created] == started
        assert all(w.proc.stdin.closed and w.proc.stdout.closed and w.stderr.closed for w in created)
        assert len(os.listdir("/proc/self/fd")) == fds_before  # pipes and the stderr temp file closed
        assert p.counts() == {"idle": 0, "busy": 0, "starting": 0, "waiting": 0}  # the slot is free again
        p.worker_argv = real_argv
        assert [o.kind for o in p.map(tasks.echo, [3], timeout_s=5.0)] == ["ok"]
    finally:
        p.shutdown()


def test_worker_imports_what_the_host_imports_not_what_its_working_directory_holds(tmp_path, monkeypatch):
    decoy = tmp_path / "graders"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise ImportError('decoy graders package imported')\n")
    monkeypatch.chdir(tmp_path)
    p = WorkerPool(size=1, memory_mb=512)
    try:
        assert [(o.kind, o.value) for o in p.map(tasks.echo, [1], timeout_s=5.0)] == [("ok", (None, 1))]
    finally:
        p.shutdown()


# -- whatever goes wrong is an outcome, never an exception -----------------------------------------------
def test_prepare_error_is_a_result_and_the_worker_survives():
    p = WorkerPool(size=1, memory_mb=512)
    try:
        first = p.map(tasks.pid, [0], timeout_s=5.0)[0].value
        out = p.map(tasks.prepare_raises, [1, 2], timeout_s=5.0, shared="S")
        assert [o.kind for o in out] == ["error", "error"]
        assert "ValueError: prepare refused 'S'" in out[0].message
        assert p.map(tasks.pid, [0], timeout_s=5.0)[0].value == first and p.stats["spawned"] == 1
    finally:
        p.shutdown()


def test_what_cannot_cross_the_process_boundary_costs_only_its_own_task(pool):
    out = pool.map(tasks.echo, [1, threading.Lock(), tasks.ExplodesOnLoad(), 4], timeout_s=5.0, chunk_size=4)
    assert [o.kind for o in out] == ["ok", "error", "error", "ok"]
    assert [out[0].value, out[3].value] == [(None, 1), (None, 4)]
    assert "payload cannot be sent" in out[1].message and "lock" in out[1].message
    assert "boom on unpickle" in out[2].message  # pickled fine, failed to load in the worker
    shared_out = pool.map(tasks.echo, [1, 2], timeout_s=5.0, shared=threading.Lock())
    assert [o.kind for o in shared_out] == ["error", "error"] and "shared value" in shared_out[0].message
    lambda_out = pool.map(lambda shared, payload: payload, [1], timeout_s=5.0)
    assert lambda_out[0].kind == "error" and "task function" in lambda_out[0].message
    unpicklable = pool.map(tasks.return_unpicklable, [1], timeout_s=5.0)[0]
    assert unpicklable.kind == "error" and "result not picklable" in unpicklable.message
    unloadable = pool.map(tasks.return_explodes_on_load, [1], timeout_s=5.0)[0]
    assert unloadable.kind == "error" and "boom on unpickle" in unloadable.message
    assert [o.kind for o in pool.map(tasks.echo, [5, 6], timeout_s=5.0)] == ["ok", "ok"]


def test_unpicklable_item_is_an_error_result_for_that_sample_only():
    g = EchoLengthGrader({"type": "test_echo_length"})
    res = g.grade_batch([("ab", {}), ("cd", {"handle": threading.Lock()}), ("efg", {})])
    assert [r.status for r in res] == ["ok", "error", "ok"]
    assert [res[0].score, res[2].score] == [0.02, 0.03]
    assert res[1].score == 0.0 and "cannot be sent to a worker" in res[1].reason


def test_grader_class_that_cannot_reach_the_worker_is_an_error_result(monkeypatch):
    # importable here only (a module that exists in this process's sys.modules, not on disk)
    ghost = types.ModuleType("verigrade_ghost_module")
    monkeypatch.setitem(sys.modules, ghost.__name__, ghost)
    ghost.GhostGrader = type("GhostGrader", (EchoLengthGrader,), {"__module__": ghost.__name__})
    res = ghost.GhostGrader({"type": "test_echo_length"}).grade_batch(["a", "b"])
    assert [r.status for r in res] == ["error", "error"]
    assert "could not load the task in the worker: ModuleNotFoundError" in res[0].reason
    # not importable here either: it can't even be pickled
    nowhere = type("NowhereGrader", (EchoLengthGrader,), {"__module__": "verigrade_no_such_module"})
    res = nowhere({"type": "test_echo_length"}).grade_batch(["a"])
    assert res[0].status == "error" and "cannot be sent to a worker process" in res[0].reason


def test_shutdown_kills_busy_workers_and_releases_waiting_callers(tmp_path):
    p = WorkerPool(size=1, memory_mb=512)
    busy, busy_box = _in_thread(p.map, tasks.pid_then_sleep, [60.0], 120.0, str(tmp_path))
    _wait_until((tmp_path / "pid").exists)
    waiting, waiting_box = _in_thread(p.map, tasks.echo, [1], 5.0)
    _wait_until(lambda: p.counts()["waiting"] == 1)
    victim = int((tmp_path / "pid").read_text())
    p.shutdown()
    busy.join(10)
    waiting.join(10)
    assert not busy.is_alive() and not waiting.is_alive()
    assert busy_box["out"][0].kind == "crash" and "SIGKILL" in busy_box["out"][0].message
    assert waiting_box["out"][0].kind == "error" and "shut down" in waiting_box["out"][0].message
    assert _gone(victim)
    assert p.counts() == {"idle": 0, "busy": 0, "starting": 0, "waiting": 0}
    assert p.map(tasks.echo, [1], timeout_s=5.0)[0].kind == "error"  # a shut-down pool answers, never raises


def test_worker_grader_cache_is_bounded_lru():
    from graders import base
    from graders.base import _pool_task

    p = WorkerPool(size=1, memory_mb=512)
    try:
        spec_of = lambda k: {"type": "test_echo_length", "name": f"g{k}"}  # noqa: E731
        limit = base.WORKER_GRADER_CACHE_SIZE
        for k in range(limit + 8):
            shared = (json.dumps(spec_of(k), sort_keys=True), "", EchoLengthGrader)
            assert p.map(_pool_task, [({"output_text": "x"}, {})], 5.0, shared=shared)[0].kind == "ok"
        assert p.map(tasks.worker_grader_cache_size, [0], timeout_s=5.0)[0].value == limit
    finally:
        p.shutdown()
    saved = base._WORKER_GRADERS.copy()
    base._WORKER_GRADERS.clear()
    try:
        keys = [(json.dumps(spec_of(k)), "", EchoLengthGrader) for k in range(limit + 1)]
        first = base._worker_grader(keys[0])
        for key in keys[1:limit]:
            base._worker_grader(key)
        assert base._worker_grader(keys[0]) is first  # touched: now the most recently used
        base._worker_grader(keys[limit])  # one over the limit: keys[1] (least recently used) goes
        assert len(base._WORKER_GRADERS) == limit
        assert keys[0] in base._WORKER_GRADERS and keys[1] not in base._WORKER_GRADERS
    finally:
        base._WORKER_GRADERS.clear()
        base._WORKER_GRADERS.update(saved)
