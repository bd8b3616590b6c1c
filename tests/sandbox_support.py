"""Test support for the real Docker sandbox (tests/test_sandbox_*.py, test_unit_tests_*.py, test_languages*.py)."""
from __future__ import annotations

import os
from pathlib import Path

from sandbox.image import SANDBOX_UID


def require_docker() -> str:
    """The sandbox image ref; otherwise fail under CI=true (Docker is mandatory there) or skip."""
    import pytest

    from sandbox.docker_client import DockerUnavailable, get_client
    from sandbox.image import find_image

    try:
        image = find_image(get_client())
        problem = None if image else "the sandbox image is not built (run `python -m sandbox.ensure`)"
    except DockerUnavailable as exc:
        image, problem = None, str(exc)
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and the Docker sandbox is not available: {problem}")
        pytest.skip(f"Docker sandbox not available: {problem}")
    return image  # type: ignore[return-value]


def _status(pid: str) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def sandbox_processes_on_host() -> list[int]:
    """Host pids running as the sandbox uid (container processes are visible from the host's /proc),
    except the idle serving runners of pooled containers: exactly the runner's command line, started by
    Docker (a root parent), never by another sandbox process."""
    from sandbox.execution import RUNNER_CMD

    serving = "\0".join(RUNNER_CMD + ["--serve"]) + "\0"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        status = _status(entry.name)
        if status.get("Uid", "").split()[:1] != [str(SANDBOX_UID)] or status.get("State", "").startswith("Z"):
            continue
        try:
            cmdline = (entry / "cmdline").read_text()
        except OSError:
            cmdline = ""
        parent = _status(status.get("PPid", "0").strip())
        if cmdline == serving and parent.get("Uid", "").split()[:1] == ["0"]:
            continue
        found.append(int(entry.name))
    return found


def labelled_containers(client) -> list:
    from sandbox.container import LABEL

    return client.containers.list(all=True, filters={"label": LABEL}, ignore_removed=True)


def stray_containers(client, wait_s: float = 10.0) -> list[str]:
    """Labelled containers owned by this process that no pool of this process knows about (background
    recycling gets `wait_s` to finish), plus labelled containers whose owner process is gone."""
    import time

    from sandbox.container import OWNER_LABEL, owner_alive, owner_id
    from sandbox.pool import _pools

    me = owner_id()
    deadline = time.monotonic() + wait_s
    while True:
        known = {cid for pool in list(_pools.values()) for cid in pool.container_ids()}
        stray = [c.id for c in labelled_containers(client)
                 if (c.labels.get(OWNER_LABEL) == me and c.id not in known)
                 or not owner_alive(c.labels.get(OWNER_LABEL, ""))]
        if not stray or time.monotonic() > deadline:
            return stray
        time.sleep(0.1)


def own_sandbox_processes(client=None) -> list[int]:
    """`sandbox_processes_on_host()` without the processes of containers another live run owns (another test
    session on the same host has its own): processes in our containers, in removed containers, or
    outside any container all count."""
    import re

    from sandbox.container import OWNER_LABEL, owner_id
    from sandbox.docker_client import get_client

    client = client or get_client()
    others = {c.id for c in labelled_containers(client) if c.labels.get(OWNER_LABEL) != owner_id()}
    found = []
    for pid in sandbox_processes_on_host():
        try:
            cgroups = Path(f"/proc/{pid}/cgroup").read_text()
        except OSError:
            continue
        if not set(re.findall(r"[0-9a-f]{64}", cgroups)) & others:
            found.append(pid)
    return found
