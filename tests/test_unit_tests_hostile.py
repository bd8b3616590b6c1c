"""Hostile programs cost a sample, never the host or the pool: each scores 0 with a status and reason that
say what happened, the pool still grades a correct solution afterwards and no sandbox process survives.
"""
from __future__ import annotations

import time

import pytest

from graders import load_grader
from sandbox_support import require_docker, own_sandbox_processes, stray_containers

pytestmark = pytest.mark.docker

ITEM = {"entry_point": "f", "tests": [{"args": [2], "expected": 4}]}
GOOD = "def f(x):\n    return x * 2\n"


@pytest.fixture(scope="module")
def grader():
    require_docker()
    return load_grader({"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}",
                        "entry_point": "{{ item.entry_point }}", "test_timeout_s": 2, "timeout_s": 8,
                        "pool_size": 2, "limits": {"memory_mb": 256, "pids": 64, "output_bytes": 65536}})


def run_hostile(grader, code, status):
    start = time.monotonic()
    result = grader.grade(code, ITEM)
    assert result.score == 0.0, result.reason
    assert result.status == status, (result.status, result.reason)
    assert time.monotonic() - start < 30
    assert grader.grade(GOOD, ITEM).score == 1.0, "the pool must still work"
    deadline = time.monotonic() + 5
    while own_sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert own_sandbox_processes() == [], "a sandbox process survived on the host"
    from sandbox.docker_client import get_client

    assert stray_containers(get_client()) == [], "a container was left behind"
    return result


def test_fork_bomb(grader):
    code = "import os\ndef f(x):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n"
    result = run_hostile(grader, code, "timeout")
    assert "time limit" in result.reason


def test_memory_bomb(grader):
    result = run_hostile(grader, "def f(x):\n    return len(bytearray(1 << 34))\n", "error")
    assert "memory" in result.reason.lower()


def test_memory_bomb_growing_list(grader):
    code = "def f(x):\n    keep = []\n    while True:\n        keep.append(bytearray(1 << 20))\n"
    result = run_hostile(grader, code, "error")
    assert "memory" in result.reason.lower()


def test_infinite_loop(grader):
    result = run_hostile(grader, "def f(x):\n    while True:\n        pass\n", "timeout")
    assert "time limit" in result.reason


def test_sleep_past_the_timeout(grader):
    run_hostile(grader, "import time\ndef f(x):\n    time.sleep(1000)\n", "timeout")


def test_ignoring_alarm_signals_does_not_help(grader):
    code = ("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "def f(x):\n    time.sleep(1000)\n")
    run_hostile(grader, code, "timeout")


def test_a_gigabyte_of_output(grader):
    code = "import sys\ndef f(x):\n    chunk = 'x' * (1 << 16)\n    for _ in range(1 << 14):\n        sys.stdout.write(chunk)\n    return 4\n"
    result = run_hostile(grader, code, "error")
    assert "output limit" in result.reason


def test_network_attempts(grader):
    code = ("import socket\ndef f(x):\n    for host in ('1.1.1.1', '8.8.8.8', '169.254.169.254'):\n"
            "        try:\n            socket.create_connection((host, 53), timeout=1).close()\n            return 4\n"
            "        except OSError:\n            pass\n    try:\n        socket.getaddrinfo('example.com', 80)\n        return 4\n"
            "    except OSError as exc:\n        return str(exc)\n")
    run_hostile(grader, code, "ok")


def test_write_to_the_read_only_root(grader):
    code = "def f(x):\n    open('/pwned', 'w').write('x')\n    return 4\n"
    result = run_hostile(grader, code, "ok")
    assert "Read-only file system" in result.reason or "Permission denied" in result.reason


def test_write_outside_the_work_dir(grader):
    code = "def f(x):\n    open('/tmp/persist.py', 'w').write('x = 1')\n    open('../elsewhere', 'w').write('x')\n    return 4\n"
    result = run_hostile(grader, code, "error")
    assert "outside its work dir" in result.reason and "/tmp/persist.py" in result.reason


def test_reading_host_environment_secrets(grader, monkeypatch):
    monkeypatch.setenv("VERIGRADE_TEST_SECRET", "s3cr3t-value")
    item = {"entry_point": "f", "tests": [{"args": [], "expected": "s3cr3t-value"}]}
    code = ("import os\ndef f():\n    v = os.environ.get('VERIGRADE_TEST_SECRET')\n    if v:\n        return v\n"
            "    for pid in os.listdir('/proc'):\n        try:\n            data = open(f'/proc/{pid}/environ', 'rb').read()\n"
            "        except Exception:\n            continue\n        if b's3cr3t' in data:\n            return 's3cr3t-value'\n"
            "    return sorted(os.environ)\n")
    result = grader.grade(code, item)
    assert result.score == 0.0 and result.status == "ok", result.reason
    assert "s3cr3t" not in result.reason


def test_daemon_that_outlives_the_test(grader):
    code = ("import os, time\ndef f(x):\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
            "            os.close(1); os.close(2)\n            time.sleep(1000)\n        os._exit(0)\n    os.wait()\n    return x * 2\n")
    result = run_hostile(grader, code, "error")
    assert "background process" in result.reason


def test_host_has_no_leftover_containers_after_pool_close():
    require_docker()
    from sandbox.docker_client import get_client
    from sandbox.limits import Limits
    from sandbox.pool import ContainerPool

    pool = ContainerPool(Limits(), size=2).start()
    ids = pool.container_ids()
    assert len(ids) == 2
    assert set(ids) <= {c.id for c in get_client().containers.list(all=True, ignore_removed=True)}   # the check can see them
    pool.close()
    live = {c.id for c in get_client().containers.list(all=True, ignore_removed=True)}
    assert not (set(ids) & live)
    assert pool.container_ids() == []
    assert stray_containers(get_client()) == [], "a labelled container of this process outlived its pool"
    deadline = time.monotonic() + 5
    while own_sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert own_sandbox_processes() == []
