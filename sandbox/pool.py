"""A warm pool of hardened containers, reused across executions and recycled on any sign of trouble."""
from __future__ import annotations

import atexit
import os
import queue
import threading
import time
from collections import Counter
from typing import Callable

from sandbox.container import container_config, remove_stale
from sandbox.docker_client import DockerUnavailable, get_client
from sandbox.execution import ExecResult, RunnerSession, exec_runner
from sandbox.image import GRADER_IMAGES, find_image, recipe
from sandbox.limits import Limits

POOL_SIZE_ENV = "VERIGRADE_SANDBOX_POOL_SIZE"


def default_pool_size() -> int:
    return max(1, int(os.environ.get(POOL_SIZE_ENV) or os.cpu_count() or 2))


def sandbox_image(client, family: str = "python") -> str:
    image = find_image(client, family)
    if image is None:
        if family == "python":
            raise DockerUnavailable("the sandbox image is not built; run `verigrade sandbox build` "
                                    "(or `python -m sandbox.ensure`)")
        if family in GRADER_IMAGES:
            raise DockerUnavailable(f"the python grader's {family} image is not built; run `verigrade sandbox build "
                                    f"--languages {family}` (or `python -m sandbox.ensure --all`)")
        raise DockerUnavailable(f"the sandbox image for the {family} languages is not built; run "
                                f"`verigrade sandbox build --languages <language>` (or `python -m sandbox.ensure --all`)")
    return image


class ContainerPool:
    """`size` warm containers. Each execution has one container to itself (a fresh work dir inside, wiped
    after); a container is replaced after `max_uses` executions, a timeout, an output overflow, a runner
    that didn't finish, or contamination reported by the runner. Thread-safe; one pool per process.
    """

    def __init__(self, limits: Limits | None = None, size: int | None = None, max_uses: int = 200,
                 image: str | None = None, client=None, family: str = "python"):
        self.client = client or get_client()
        self.family = family
        self.exec_work = recipe(family).exec_work
        self.image = image or sandbox_image(self.client, family)
        self.limits = limits or Limits()
        self.size = size or default_pool_size()
        self.max_uses = max_uses
        self.stats: Counter = Counter()
        self._idle: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._live: dict[str, object] = {}
        self._uses: dict[str, int] = {}
        self._sessions: dict[str, RunnerSession] = {}
        self._pending = 0
        self._closed = False
        self._background: list[threading.Thread] = []

    # -- life cycle -----------------------------------------------------------------------------------
    def start(self) -> ContainerPool:
        """Create the containers now (in parallel) instead of on first use."""
        threads = [threading.Thread(target=self._replace) for _ in range(self.size - len(self._live))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return self

    def close(self) -> None:
        """Remove every container of this pool."""
        with self._lock:
            self._closed = True
            live = list(self._live.values())
            self._live.clear()
            background = list(self._background)
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for t in background:
            t.join(timeout=30)
        for session in sessions:
            session.close()
        for container in live:
            _remove(container)

    def container_ids(self) -> list[str]:
        with self._lock:
            return list(self._live)

    # -- use ---------------------------------------------------------------------------------------------
    def execute(self, stdin: bytes, deadline_s: float, cap_bytes: int,
                is_clean: Callable[[ExecResult], bool], nonce: str | None = None,
                budgets: list[float] | None = None) -> ExecResult:
        """Run the trusted runner on one job in a pooled container. `is_clean(result)` must say whether the
        runner finished and reported no contamination; otherwise the container is replaced. With the job's
        `nonce`, the container's persistent runner session is used (no exec, no interpreter start per job),
        and `budgets` (seconds per sample) cut off a runner that stops making progress."""
        container = self._acquire(timeout_s=deadline_s + 60)
        result = None
        session = None
        try:
            if nonce is None:
                result = exec_runner(self.client, container.id, stdin, deadline_s, cap_bytes, inspect=False)
            else:
                with self._lock:
                    session = self._sessions.get(container.id)
                if session is None:
                    session = RunnerSession(self.client, container.id)
                    with self._lock:
                        self._sessions[container.id] = session
                result = session.run(stdin, nonce, deadline_s, cap_bytes, budgets)
        finally:
            recycle = (result is None or result.timed_out or result.truncated or (session and session.broken)
                       or not is_clean(result))
            self._release(container, bool(recycle))
        return result

    def _acquire(self, timeout_s: float):
        end = time.monotonic() + timeout_s
        while True:
            if self._closed:
                raise RuntimeError("the container pool is closed")
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
            with self._lock:
                create = len(self._live) + self._pending < self.size
                if create:
                    self._pending += 1
            if create:
                try:
                    return self._create()
                finally:
                    with self._lock:
                        self._pending -= 1
            try:
                return self._idle.get(timeout=max(0.01, min(1.0, end - time.monotonic())))
            except queue.Empty:
                if time.monotonic() > end:
                    raise TimeoutError("no sandbox container became free in time") from None

    def _release(self, container, recycle: bool) -> None:
        with self._lock:
            uses = self._uses[container.id] = self._uses.get(container.id, 0) + 1
            recycle = recycle or uses >= self.max_uses or self._closed
            if recycle:
                self._live.pop(container.id, None)
                self._uses.pop(container.id, None)
                self._pending += 0 if self._closed else 1
        if not recycle:
            self._idle.put(container)
            return
        thread = threading.Thread(target=self._recycle, args=(container,), daemon=True)
        with self._lock:
            self.stats["recycled"] += 1
            self._background = [t for t in self._background if t.is_alive()] + [thread]
        thread.start()

    def _recycle(self, container) -> None:
        with self._lock:
            session = self._sessions.pop(container.id, None)
        if session is not None:
            session.close()
        _remove(container)
        if self._closed:
            return
        try:
            self._idle.put(self._create())
        except Exception:  # noqa: BLE001 - the next acquire will try to create one again
            pass
        finally:
            with self._lock:
                self._pending -= 1

    def _replace(self) -> None:
        with self._lock:
            self._pending += 1
        try:
            self._idle.put(self._create())
        finally:
            with self._lock:
                self._pending -= 1

    def _create(self):
        container = self.client.containers.run(**container_config(self.image, self.limits, exec_work=self.exec_work))
        with self._lock:
            self.stats["created"] += 1
            if self._closed:
                _remove(container)
                raise RuntimeError("the container pool is closed")
            self._live[container.id] = container
            self._uses[container.id] = 0
        return container


def run_in_fresh_container(stdin: bytes, deadline_s: float, cap_bytes: int, limits: Limits | None = None,
                           image: str | None = None, client=None, nonce: str = "",
                           budgets: list[float] | None = None, family: str = "python") -> ExecResult:
    """One throw-away container for one job (no pool): the slow, simplest-possible baseline."""
    client = client or get_client()
    container = client.containers.run(**container_config(image or sandbox_image(client, family), limits or Limits(),
                                                         purpose="fresh", exec_work=recipe(family).exec_work))
    try:
        return exec_runner(client, container.id, stdin, deadline_s, cap_bytes, nonce=nonce, budgets=budgets)
    finally:
        _remove(container)


def _remove(container) -> None:
    try:
        container.remove(force=True)
    except Exception:  # noqa: BLE001 - already gone
        pass


# -- one pool per (process, image, container limits) ------------------------------------------------------
_pools: dict[tuple, ContainerPool] = {}
_pools_lock = threading.Lock()
_cleaned_for_pid: set[int] = set()


def get_container_pool(limits: Limits | None = None, size: int | None = None, family: str = "python") -> ContainerPool:
    """The shared pool of this process for these limits and image family (a forked child gets its own)."""
    limits = limits or Limits()
    pid = os.getpid()
    client = get_client()
    image = sandbox_image(client, family)
    key = (pid, image, limits.container_key())
    with _pools_lock:
        if pid not in _cleaned_for_pid:
            remove_stale(client)
            _cleaned_for_pid.add(pid)
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = ContainerPool(limits, size=size, image=image, client=client, family=family)
        return pool


def close_all_pools() -> None:
    pid = os.getpid()
    with _pools_lock:
        mine = [k for k in _pools if k[0] == pid]
        pools = [_pools.pop(k) for k in mine]
    for pool in pools:
        pool.close()


atexit.register(close_all_pools)
