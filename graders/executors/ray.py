"""Grade batches on a Ray cluster: Ray Core actors, each holding its own grading worker pool.

    from graders.executors.ray import grade_batch_on_ray
    results = grade_batch_on_ray(grader, pairs, address="auto")   # same results, same order as grade_batch

The batch is cut into chunks; each actor has at most two chunks in flight (one running, one queued), so
fast actors take more chunks. Isolated graders use the actor's own `graders.pool` worker pool (hard
timeouts and memory caps as on one machine); Docker graders use the Docker daemon of the actor's node
(`diagnose_nodes()` checks every node).

Failures never hang and never lose a sample:
- an actor or node lost mid-chunk (`RayActorError`, `NodeDiedError`, ...) or a chunk past its deadline
  (the actor is killed) fails every chunk on that actor; each runs again alone on an actor, and one that
  fails alone is halved until the sample that kills its actor is by itself, so innocent neighbours are
  graded; a single sample that failed alone `retries` + 1 times becomes an `error` result naming why;
- the lost actor is replaced for the rest of the batch; too many losses in one batch (the cluster is not
  usable) turn the rest into `error` results rather than a long hang.
"""
from __future__ import annotations

import json
import math
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable

import ray
from ray.exceptions import GetTimeoutError, RayError

from graders.base import Grader
from graders.result import GradeResult

ACTOR_START_S = 120.0     # a fresh actor's import and worker start-up, before a chunk's own time counts
IN_FLIGHT_PER_ACTOR = 2


@ray.remote
class GradingActor:
    """One grading process on some node, with its own worker pool of `pool_size` processes."""

    def __init__(self, pool_size: int, memory_mb: int):
        from graders.pool import configure_pool

        self.pool_size = pool_size
        configure_pool(size=pool_size, memory_mb=memory_mb)
        self.graders: dict[tuple[str, str, type], Grader] = {}

    def grade(self, spec_key: str, path: str, cls: type, rows: list[Any]) -> list[GradeResult]:
        key = (spec_key, path, cls)
        grader = self.graders.get(key)
        if grader is None:
            grader = self.graders[key] = cls(json.loads(spec_key), path)
        return grader.grade_batch(rows, workers=self.pool_size)

    def where(self) -> dict[str, Any]:
        import socket

        return {"node_id": ray.get_runtime_context().get_node_id(), "host": socket.gethostname(),
                "pid": os.getpid()}


@ray.remote(num_cpus=0)
def _node_doctor() -> dict[str, Any]:
    import socket

    from sandbox.doctor import diagnose

    return {"node_id": ray.get_runtime_context().get_node_id(), "host": socket.gethostname(), **diagnose()}


def ensure_ray(address: str | None = None, **init_kwargs: Any) -> None:
    """Connect to `address` (or $RAY_ADDRESS), or start a local Ray instance whose servers listen on
    127.0.0.1 only (`init_kwargs`, e.g. `num_cpus`, go to `ray.init`)."""
    if ray.is_initialized():
        return
    if address is None and not os.environ.get("RAY_ADDRESS"):
        use_loopback()
    ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
             **init_kwargs)


def use_loopback() -> None:
    """Make a Ray instance started from this process bind 127.0.0.1 (a single machine needs no more)."""
    from ray._private import ray_constants

    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"   # for the processes Ray starts
    ray_constants.ENABLE_RAY_CLUSTER = False                  # read at import time in this one


def diagnose_nodes(address: str | None = None, timeout_s: float = 60.0) -> list[dict[str, Any]]:
    """`sandbox doctor` on every alive node (Docker graders need a daemon and the image on each)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    ensure_ray(address)
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    refs = [_node_doctor.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False))
            .remote() for n in nodes]
    reports = []
    for node, ref in zip(nodes, refs):
        try:
            reports.append(ray.get(ref, timeout=timeout_s))
        except (RayError, GetTimeoutError) as exc:
            reports.append({"node_id": node["NodeID"], "host": node.get("NodeManagerHostname"), "ok": False,
                            "problem": f"doctor did not run on this node: {type(exc).__name__}: {exc}"})
    return reports


@dataclass
class _Chunk:
    start: int
    rows: list[Any]
    attempt: int = 0
    suspect: bool = False   # was on an actor that died: runs alone until it succeeds or is pinned down


class RayExecutor:
    """A set of grading actors; `grade_batch(grader, pairs)` spreads chunks over them."""

    def __init__(self, address: str | None = None, actors: int | None = None, cpus_per_actor: float = 1.0,
                 workers_per_actor: int | None = None, memory_mb: int = 2048):
        ensure_ray(address)
        self.cpus_per_actor = cpus_per_actor
        self.pool_size = workers_per_actor or max(1, math.ceil(cpus_per_actor))
        self.memory_mb = memory_mb
        total = ray.cluster_resources().get("CPU", 1.0)
        self.size = actors or max(1, int(total // cpus_per_actor))
        self._started: dict[Any, float] = {}   # actor -> when it answered first (chunk clocks start then)
        self._starting: dict[Any, Any] = {}    # `where` ref -> actor, until it answers
        self.actors = [self._new_actor() for _ in range(self.size)]
        self.lost_actors = 0
        self._lock = threading.Lock()   # one batch at a time per executor (actors hold the order of work)

    def _new_actor(self):
        actor = GradingActor.options(num_cpus=self.cpus_per_actor, scheduling_strategy="SPREAD",
                                     max_restarts=0).remote(self.pool_size, self.memory_mb)
        self._starting[actor.where.remote()] = actor
        return actor

    def _note_started(self) -> None:
        if not self._starting:
            return
        ready, _ = ray.wait(list(self._starting), num_returns=len(self._starting), timeout=0)
        for ref in ready:
            self._started[self._starting.pop(ref)] = time.monotonic()

    def _deadline(self, actor: Any, submitted: float, limit: float) -> float:
        """A chunk's clock starts when it is submitted or when its actor came up, whichever is later; an
        actor that never comes up (no node has room, a node is gone) gets `ACTOR_START_S` first."""
        started = self._started.get(actor)
        return max(submitted, started) + limit if started is not None else submitted + ACTOR_START_S + limit

    def where(self) -> list[dict[str, Any]]:
        return ray.get([a.where.remote() for a in self.actors])

    def shutdown(self) -> None:
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []
        self._started.clear()
        self._starting.clear()

    def chunk_deadline_s(self, grader: Grader, n: int) -> float:
        """Twice the worst case for a chunk: every sample at its hard timeout, `pool_size` at a time, plus
        the worker pool's start-up."""
        return 30.0 + math.ceil(n / self.pool_size) * (grader.timeout_s + 1.0) * 2

    def grade_batch(self, grader: Grader, pairs: Iterable[Any], chunk_size: int | None = None, retries: int = 1,
                    chunk_timeout_s: float | None = None) -> list[GradeResult]:
        rows = list(pairs)
        if not rows:
            return []
        with self._lock:
            return self._grade(grader, rows, chunk_size, retries, chunk_timeout_s)

    def _grade(self, grader: Grader, rows: list[Any], chunk_size: int | None, retries: int,
               chunk_timeout_s: float | None) -> list[GradeResult]:
        if chunk_size is None:
            chunk_size = max(1, min(256, math.ceil(len(rows) / (self.size * 4))))
        spec_key = json.dumps(grader.spec, sort_keys=True)
        results: list[GradeResult | None] = [None] * len(rows)
        todo = deque(_Chunk(i, rows[i:i + chunk_size]) for i in range(0, len(rows), chunk_size))
        in_flight: dict[Any, tuple[_Chunk, int, Any, float, float]] = {}  # ref -> chunk, slot, actor, t0, limit
        load = [0] * len(self.actors)
        alone = [False] * len(self.actors)        # slot runs a suspect chunk: nothing else goes there
        losses_left = 4 * len(self.actors) + 32   # then the cluster is not usable: fail what is left

        def limit_for(chunk: _Chunk) -> float:
            return chunk_timeout_s or self.chunk_deadline_s(grader, len(chunk.rows))

        def slot_for(chunk: _Chunk) -> int | None:
            if chunk.suspect:   # runs alone, so its failure is its own and not a neighbour's
                free = [i for i in range(len(self.actors)) if load[i] == 0]
            else:
                free = [i for i in range(len(self.actors)) if load[i] < IN_FLIGHT_PER_ACTOR and not alone[i]]
            return min(free, key=load.__getitem__) if free else None

        def submit_ready() -> None:
            waiting = len(todo)
            for _ in range(waiting):
                chunk = todo.popleft()
                slot = slot_for(chunk)
                if slot is None:
                    todo.append(chunk)
                    continue
                actor = self.actors[slot]
                ref = actor.grade.remote(spec_key, grader.path, type(grader), chunk.rows)
                in_flight[ref] = (chunk, slot, actor, time.monotonic(), limit_for(chunk) * (1 + load[slot]))
                load[slot] += 1
                alone[slot] = chunk.suspect

        def give_up(chunk: _Chunk, why: str) -> None:
            for k in range(len(chunk.rows)):
                results[chunk.start + k] = GradeResult.failure(
                    "error", f"lost on Ray after {chunk.attempt + 1} attempt(s): {why}", "other_error")

        def failed(chunk: _Chunk, why: str, actor_lost: bool) -> None:
            if losses_left <= 0:
                give_up(chunk, why)
            elif actor_lost and not chunk.suspect:
                # maybe it only shared the actor with the culprit: run it again, alone
                todo.appendleft(_Chunk(chunk.start, chunk.rows, chunk.attempt, suspect=True))
            elif actor_lost and len(chunk.rows) > 1:
                # it failed alone: halve it until the sample that kills its actor is on its own
                half = math.ceil(len(chunk.rows) / 2)
                todo.appendleft(_Chunk(chunk.start + half, chunk.rows[half:], chunk.attempt, suspect=True))
                todo.appendleft(_Chunk(chunk.start, chunk.rows[:half], chunk.attempt, suspect=True))
            elif chunk.attempt < retries:
                todo.appendleft(_Chunk(chunk.start, chunk.rows, chunk.attempt + 1, suspect=chunk.suspect))
            else:
                give_up(chunk, why)

        def replace(slot: int, actor: Any) -> None:
            nonlocal losses_left
            if self.actors[slot] is not actor:   # already replaced (its other chunk failed first)
                return
            try:
                ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
            self._started.pop(actor, None)
            self.actors[slot] = self._new_actor()
            self.lost_actors += 1
            losses_left -= 1

        def finished(ref: Any) -> tuple[_Chunk, int, Any]:
            chunk, slot, actor, _, _ = in_flight.pop(ref)
            load[slot] -= 1
            if load[slot] == 0:
                alone[slot] = False
            return chunk, slot, actor

        while todo or in_flight:
            if losses_left <= 0:
                while todo:
                    give_up(todo.popleft(), "too many Ray actors lost in this batch")
            submit_ready()
            if not in_flight:
                continue
            ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=0.5)
            for ref in ready:
                chunk, slot, actor = finished(ref)
                try:
                    out = ray.get(ref)
                except RayError as exc:
                    lost = _actor_lost(exc)
                    if lost:
                        replace(slot, actor)
                    failed(chunk, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}", lost)
                    continue
                if len(out) != len(chunk.rows):
                    failed(chunk, f"actor returned {len(out)} results for {len(chunk.rows)} rows", False)
                    continue
                for k, res in enumerate(out):
                    results[chunk.start + k] = res
            self._note_started()
            now = time.monotonic()
            for ref, (chunk, slot, actor, submitted, limit) in list(in_flight.items()):
                if ref not in in_flight or now <= self._deadline(actor, submitted, limit):
                    continue
                # a stuck actor (or node): kill it; its chunks run again, alone, on a fresh actor
                for other, (c, _, a, _, _) in list(in_flight.items()):
                    if a is actor:
                        finished(other)
                        failed(c, f"no answer within the chunk deadline of {limit_for(c):.0f} s; actor killed",
                               True)
                replace(slot, actor)
        return results  # type: ignore[return-value]


def _actor_lost(exc: Exception) -> bool:
    from ray.exceptions import ActorUnavailableError, NodeDiedError, RayActorError, WorkerCrashedError

    return isinstance(exc, (RayActorError, ActorUnavailableError, NodeDiedError, WorkerCrashedError))


_EXECUTORS: dict[tuple, RayExecutor] = {}
_EXECUTORS_LOCK = threading.Lock()


def get_executor(address: str | None = None, actors: int | None = None, cpus_per_actor: float = 1.0,
                 workers_per_actor: int | None = None) -> RayExecutor:
    """A cached executor per configuration (actors are expensive to start; reuse them across batches)."""
    key = (address, actors, cpus_per_actor, workers_per_actor)
    with _EXECUTORS_LOCK:
        executor = _EXECUTORS.get(key)
        if executor is None:
            executor = _EXECUTORS[key] = RayExecutor(address, actors, cpus_per_actor, workers_per_actor)
        return executor


def grade_batch_on_ray(grader: Grader, pairs: Iterable[Any], address: str | None = None, *,
                       actors: int | None = None, cpus_per_actor: float = 1.0, workers_per_actor: int | None = None,
                       chunk_size: int | None = None, retries: int = 1,
                       chunk_timeout_s: float | None = None) -> list[GradeResult]:
    """`grader.grade_batch(pairs)` on Ray: same results in the same order, per-sample statuses kept.

    `address`: a Ray cluster ("auto", "ray://host:10001", ...); None uses $RAY_ADDRESS or starts a local
    instance. `actors` defaults to the cluster's CPUs / `cpus_per_actor`; each actor runs a worker pool
    of `workers_per_actor` (default: its CPUs) processes. A lost actor's chunk is retried (split in
    two, `retries` more times for a single sample), then its samples are `error` results."""
    executor = get_executor(address, actors, cpus_per_actor, workers_per_actor)
    return executor.grade_batch(grader, pairs, chunk_size=chunk_size, retries=retries,
                                chunk_timeout_s=chunk_timeout_s)


def shutdown_executors() -> None:
    with _EXECUTORS_LOCK:
        for executor in _EXECUTORS.values():
            executor.shutdown()
        _EXECUTORS.clear()
