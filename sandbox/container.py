"""Hardened container settings and the labels that let a later run find and remove leftovers."""
from __future__ import annotations

import os
import socket
from pathlib import Path

from sandbox.image import KEEPER_UID
from sandbox.limits import Limits

LABEL = "verigrade.sandbox"
OWNER_LABEL = "verigrade.sandbox.owner"


def owner_id(pid: int | None = None) -> str:
    """host:pid:start-time of a process: survives pid reuse when checking whether the owner still lives."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def _start_time(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"


def owner_alive(owner: str) -> bool:
    try:
        host, pid, start = owner.split(":")
    except ValueError:
        return False
    if host != socket.gethostname():
        return True  # not ours to judge
    return _start_time(int(pid)) == start and start != "?"


def container_config(image: str, limits: Limits, purpose: str = "pool", exec_work: bool = False) -> dict:
    """Keyword arguments for `client.containers.run`: no network, read-only root, tmpfs work dirs, no caps.
    `exec_work`: /work allows running files (compiled languages' binaries); /tmp never does."""
    import docker.types

    work_flags = "rw,exec,nosuid,nodev" if exec_work else "rw,noexec,nosuid,nodev"
    return dict(
        image=image,
        command=["sleep", "infinity"],
        detach=True,
        user=f"{KEEPER_UID}:{KEEPER_UID}",   # PID 1 and the keeper run as a uid the candidate can't signal
        network_mode="none",
        read_only=True,
        tmpfs={"/work": f"{work_flags},size={limits.work_mb}m,mode=1777",
               "/tmp": f"rw,noexec,nosuid,nodev,size={limits.tmp_mb}m,mode=1777",
               # an empty, read-only mount hides the cgroup's accounting (memory peak, CPU time, failure
               # counts): counters a sample could move to leave the next one a message
               "/sys/fs/cgroup": "ro,noexec,nosuid,nodev,size=4k,mode=555"},
        shm_size="4m",
        mem_limit=f"{limits.memory_mb}m",
        memswap_limit=f"{limits.memory_mb}m",
        pids_limit=limits.pids,
        nano_cpus=int(min(limits.cpus, os.cpu_count() or 1) * 1e9),
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        init=True,
        ulimits=[docker.types.Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
                 docker.types.Ulimit(name="core", soft=0, hard=0)],
        log_config=docker.types.LogConfig(type="json-file", config={"max-size": "1m", "max-file": "1"}),
        environment={"VERIGRADE_IN_SANDBOX": "1", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1"},
        hostname="sandbox",
        labels={LABEL: "1", OWNER_LABEL: owner_id(), "verigrade.sandbox.purpose": purpose},
    )


def remove_stale(client) -> int:
    """Remove labelled containers whose owning process is gone (a crashed run); returns how many."""
    removed = 0
    for container in client.containers.list(all=True, filters={"label": LABEL}, ignore_removed=True):
        if owner_alive(container.labels.get(OWNER_LABEL, "")):
            continue
        try:
            container.remove(force=True)
            removed += 1
        except Exception:  # noqa: BLE001 - already gone, or being removed by someone else
            pass
    return removed
