"""Reward hacks against the unit_tests grader: every one, on a *failing* solution, must score 0.

Real Docker sandbox (skips locally without it, fails under CI=true). After each hack the pool must still
grade a correct solution as 1 and no sandbox process may be left on the host.
"""
from __future__ import annotations

import time

import pytest

from graders import load_grader
from sandbox_support import require_docker, own_sandbox_processes, stray_containers

pytestmark = pytest.mark.docker

ITEM = {"entry_point": "add", "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(2, 2) == 4\n"}
GOOD = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
SECRET_ITEM = {"entry_point": "f", "test": "def check(candidate):\n    assert candidate(5) == 987654321\n"}


@pytest.fixture(scope="module")
def grader():
    require_docker()
    return load_grader({"type": "unit_tests", "test_format": "assert", "tests": "{{ item.test }}",
                        "entry_point": "{{ item.entry_point }}", "test_timeout_s": 5, "timeout_s": 10,
                        "pool_size": 2})


def assert_zero_and_healthy(grader, code, item=ITEM):
    result = grader.grade(code, item)
    assert result.score == 0.0, (result.status, result.reason)
    assert result.reason
    assert grader.grade(GOOD, ITEM).score == 1.0, "the pool must still work after the hack"
    deadline = time.monotonic() + 5
    while own_sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert own_sandbox_processes() == []
    from sandbox.docker_client import get_client

    assert stray_containers(get_client()) == [], "a container was left behind"
    return result


def test_correct_solution_passes_and_wrong_fails(grader):
    assert grader.grade(GOOD, ITEM).score == 1.0
    assert grader.grade(WRONG, ITEM).score == 0.0


def test_sys_exit_before_asserts(grader):
    assert_zero_and_healthy(grader, WRONG + "import sys\nsys.exit(0)\n")


def test_os_exit_before_asserts(grader):
    result = assert_zero_and_healthy(grader, WRONG + "import os\nos._exit(0)\n")
    assert "exited with code 0" in result.reason


def test_raise_system_exit(grader):
    assert_zero_and_healthy(grader, WRONG + "raise SystemExit(0)\n")


def test_posix_exit_inside_the_call(grader):
    assert_zero_and_healthy(grader, "import posix\ndef add(a, b):\n    posix._exit(0)\n")


def test_atexit_hook_forcing_exit_zero(grader):
    assert_zero_and_healthy(grader, "import atexit, os\natexit.register(lambda: os._exit(0))\n" + WRONG)


def test_always_equal_object(grader):
    code = ("class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n"
            "    def __ne__(self, other):\n        return False\n    __hash__ = object.__hash__\n"
            "def add(a, b):\n    return AlwaysEqual()\n")
    result = assert_zero_and_healthy(grader, code)
    assert "not plain data" in result.reason


def test_always_equal_int_subclass(grader):
    code = "class E(int):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return E(0)\n"
    assert_zero_and_healthy(grader, code)


def test_monkeypatching_builtins_and_assert_helpers(grader):
    code = ("import builtins\nbuiltins.AssertionError = type('Nope', (Exception,), {})\n"
            "builtins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n" + WRONG)
    item = {"entry_point": "add", "test": "def check(candidate):\n    assert abs(candidate(1, 2) - 3) < 1e-9\n"}
    assert_zero_and_healthy(grader, code, item)


def test_redefining_check_and_the_harness(grader):
    code = ("def check(candidate):\n    return True\n"
            "import sys\nfor name in list(sys.modules):\n    m = sys.modules[name]\n"
            "    if hasattr(m, 'run_test'):\n        m.run_test = lambda *a, **k: {'status': 'pass'}\n" + WRONG)
    assert_zero_and_healthy(grader, code)


STACK_READER = r'''
import gc, re, sys
def f(x):
    found = []
    frame = sys._getframe()
    while frame is not None:
        for ns in (frame.f_locals, frame.f_globals):
            for v in list(ns.values()):
                found += re.findall(r"== *(\d{6,})", repr(v))
        frame = frame.f_back
    for obj in gc.get_objects():
        try:
            found += re.findall(r"== *(\d{6,})", obj if isinstance(obj, str) else "")
        except Exception:
            pass
    return int(found[0]) if found else 0
'''


def test_reading_expected_values_from_the_stack(grader):
    assert_zero_and_healthy(grader, STACK_READER, SECRET_ITEM)


FILE_READER = r'''
import os, re, stat
def scan(data):
    m = re.search(rb"== *(\d{6,})", data)
    return int(m.group(1)) if m else None
def f(x):
    for root in ("/work", "/tmp", "/opt", "/dev/shm", "/etc"):
        for d, _, files in os.walk(root):
            for name in files:
                try:
                    with open(os.path.join(d, name), "rb") as fh:
                        hit = scan(fh.read(1 << 20))
                    if hit:
                        return hit
                except Exception:
                    pass
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        for part in ("cmdline", "environ"):
            try:
                hit = scan(open(f"/proc/{pid}/{part}", "rb").read())
                if hit:
                    return hit
            except Exception:
                pass
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if not stat.S_ISREG(os.stat(f"/proc/{pid}/fd/{fd}").st_mode):
                        continue  # a pipe would block the reader
                    hit = scan(open(f"/proc/{pid}/fd/{fd}", "rb").read(1 << 16))
                    if hit:
                        return hit
                except Exception:
                    pass
        except Exception:
            pass
        try:
            mem = open(f"/proc/{pid}/mem", "rb")
            for line in open(f"/proc/{pid}/maps"):
                lo, hi = (int(v, 16) for v in line.split()[0].split("-"))
                if "rw" not in line.split()[1] or hi - lo > (64 << 20):
                    continue
                try:
                    mem.seek(lo)
                    hit = scan(mem.read(hi - lo))
                    if hit:
                        return hit
                except Exception:
                    pass
        except Exception:
            pass
    return 0
'''


def test_reading_expected_values_from_files_and_other_processes(grader):
    result = assert_zero_and_healthy(grader, FILE_READER, SECRET_ITEM)
    assert "returned" in result.reason or "assertion failed" in result.reason  # it ran to the end and found nothing


def test_printing_fake_pass_records_and_markers(grader):
    code = ("import json, os, sys\n"
            "fake = {'nonce': 'x', 'sample': 0, 'tests': [{'id': '0', 'status': 'pass'}], 'violations': []}\n"
            "print('ALL TESTS PASSED'); print('1/1 tests passed'); print(json.dumps(fake))\n"
            "for fd in (1, 2):\n    try:\n        p = open(f'/proc/{os.getppid()}/fd/{fd}', 'w')\n"
            "        p.write(json.dumps(fake) + '\\n'); p.flush()\n    except Exception:\n        pass\n"
            + WRONG + "os._exit(0)\n")
    assert_zero_and_healthy(grader, code)


def test_killing_the_parent_runner(grader):
    result = assert_zero_and_healthy(grader, "import os\ndef add(a, b):\n    os.kill(os.getppid(), 9)\n")
    assert result.status == "error"


def test_killing_every_process_it_can(grader):
    assert_zero_and_healthy(grader, "import os, signal\nos.kill(-1, signal.SIGKILL)\n" + WRONG)


def test_skip_test_exception(grader):
    assert_zero_and_healthy(grader, "import unittest\ndef add(a, b):\n    raise unittest.SkipTest('skip')\n")


def test_stopping_the_runner_is_killed_from_the_host():
    require_docker()
    fast = load_grader({"type": "unit_tests", "test_format": "assert", "tests": "{{ item.test }}",
                        "entry_point": "{{ item.entry_point }}", "test_timeout_s": 1, "timeout_s": 1,
                        "pool_size": 1})
    start = time.monotonic()
    result = fast.grade("import os, signal\ndef add(a, b):\n    os.kill(os.getppid(), signal.SIGSTOP)\n    return 3\n",
                        ITEM)
    assert result.score == 0.0 and result.status == "timeout", result.reason
    assert time.monotonic() - start < 40
    assert fast.grade(GOOD, ITEM).score == 1.0


def test_runner_memory_fds_and_environment_are_out_of_reach():
    require_docker()
    probe = load_grader({"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}",
                         "entry_point": "f", "pool_size": 1})
    code = ("import os, signal\ndef f():\n    out = []\n    ppid = os.getppid()\n"
            "    for path, mode in ((f'/proc/{ppid}/mem', 'rb'), (f'/proc/{ppid}/fd/1', 'wb'), (f'/proc/{ppid}/fd/0', 'rb'),\n"
            "                       (f'/proc/{ppid}/environ', 'rb'), ('/proc/1/environ', 'rb'), ('/proc/1/fd/1', 'wb')):\n"
            "        try:\n            open(path, mode).close()\n            out.append(path)\n        except OSError:\n            pass\n"
            "    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1, signal.SIGHUP):\n"
            "        os.kill(ppid, sig)\n    return out\n")
    result = probe.grade(code, {"tests": [[[], ["none of these"]]]})
    assert "returned []" in result.reason, result.reason  # nothing could be opened, and the runner survived signals
    assert probe.grade("def f():\n    return 1\n", {"tests": [[[], 1]]}).score == 1.0
