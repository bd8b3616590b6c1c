"""State leaks between samples, attacked with a "learner": a candidate that guesses answers, remembers in
some storage which guess was pending when its run ended (that guess was wrong) and which one a later
call confirmed (right), and so passes after a few runs without computing anything, if its storage
survives from one run to the next. One program per storage; each is a complete candidate defining `f`.

The item is `CHECK`: f(5) must be 2 and f(6) must be 1; the trailing call confirms the last guess. A
learner starting from nothing fails 3 runs and passes the 4th. Within one sample (six copies of the
test, each in a fresh interpreter) every storage works, which shows the learner is real; across samples
nothing may: a sample that stores anything outside its work dir is a violation, and the next sample
never runs in a container whose state a previous sample moved.
"""
from __future__ import annotations

import time

import pytest

from graders import load_grader
from sandbox_support import require_docker, own_sandbox_processes, stray_containers

pytestmark = pytest.mark.docker

CHECK = "def check(candidate):\n    assert candidate(5) == 2\n    assert candidate(6) == 1\n    candidate(0)\n"
RUNS_TO_LEARN = 4

# the learning logic, on a state of 8 bits: guess index for x=5 (2 bits), confirmed (1), for x=6 (2), confirmed
# (1), which guess is pending (2 bits: 0 none, 1 for x=5, 2 for x=6)
LOGIC = r'''
def _unpack(v):
    return {"g5": v & 3, "ok5": v >> 2 & 1, "g6": v >> 3 & 3, "ok6": v >> 5 & 1, "pending": v >> 6 & 3}


def _pack(s):
    return s["g5"] | s["ok5"] << 2 | s["g6"] << 3 | s["ok6"] << 5 | s["pending"] << 6


_state = _unpack(load())
if _state["pending"] == 1:        # the last run ended right after this guess: it was wrong
    _state["g5"] += 1
elif _state["pending"] == 2:
    _state["g6"] += 1
_state["pending"] = 0
save(_pack(_state))


def f(x):
    s = _state
    if s["pending"] == 1:         # called again: the pending guess passed
        s["ok5"] = 1
    elif s["pending"] == 2:
        s["ok6"] = 1
    s["pending"] = 0
    if x == 5:
        s["pending"] = 0 if s["ok5"] else 1
        answer = s["g5"]
    elif x == 6:
        s["pending"] = 0 if s["ok6"] else 2
        answer = s["g6"]
    else:
        answer = 0
    save(_pack(s))
    return answer
'''

SYSV_SHM = r'''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
_id = _libc.shmget(0x1ea7, 4096, 0o1600)
_mem = _libc.shmat(_id, None, 0)


def load():
    return ctypes.c_int.from_address(_mem).value


def save(v):
    ctypes.c_int.from_address(_mem).value = v
'''

SYSV_MSG = r'''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_id = _libc.msgget(0x1ea7, 0o1600)


class _Msg(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("v", ctypes.c_int)]


def load():
    m, v = _Msg(), 0
    while _libc.msgrcv(_id, ctypes.byref(m), 4, 0, 0o4000) >= 0:   # IPC_NOWAIT: drain, keep the last
        v = m.v
    save(v)
    return v


def save(v):
    m = _Msg()
    while _libc.msgrcv(_id, ctypes.byref(m), 4, 0, 0o4000) >= 0:
        pass
    m.mtype, m.v = 1, v
    _libc.msgsnd(_id, ctypes.byref(m), 4, 0)
'''

SYSV_SEM = r'''
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_id = _libc.semget(0x1ea7, 1, 0o1600)


def load():
    return max(0, _libc.semctl(_id, 0, 12))          # GETVAL


def save(v):
    _libc.semctl(_id, 0, 16, ctypes.c_int(v))         # SETVAL
'''

POSIX_MQUEUE = r'''
import os


def load():
    try:
        return int(os.listdir("/dev/mqueue")[0].split("-")[1])
    except (IndexError, ValueError, OSError):
        return 0


def save(v):
    import ctypes
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    for name in os.listdir("/dev/mqueue"):
        rt.mq_unlink(("/" + name).encode())
    fd = rt.mq_open(f"/learner-{v}".encode(), os.O_CREAT | os.O_RDWR, 0o600, None)
    if fd >= 0:
        rt.mq_close(fd)
'''

TMP_FILE = r'''
def load():
    try:
        return int(open("/tmp/.learner").read())
    except (OSError, ValueError):
        return 0


def save(v):
    with open("/tmp/.learner", "w") as fh:
        fh.write(str(v))
'''

# the kernel's pid counter: burn pids (threads are cheapest) until the next one ends in the code
PID_COUNTER = r'''
import os, threading
_MOD = 4096


def _last_pid():
    return int(open("/proc/sys/kernel/ns_last_pid").read())


def load():
    code = (os.getpid() - 1) % _MOD       # our own pid came right after the last run's final burn
    v, check = code & 0xFF, code >> 8
    return v if check == (v * 7 + 3) % 16 else 0


def save(v):
    want = (v * 7 + 3) % 16 << 8 | v
    for _ in range(3 * _MOD):
        if _last_pid() % _MOD == want:
            return
        t = threading.Thread(target=int)
        t.start()
        t.join()
'''

# TIME_WAIT entries of loopback connections outlive the process: the port number carries the state
TIME_WAIT = r'''
import socket, itertools
_BASE = 20000
_seq = itertools.count(1)


def load():
    best, v = -1, 0
    for name in ("/proc/net/tcp",):
        for row in open(name).read().splitlines()[1:]:
            cols = row.split()
            port = int(cols[1].split(":")[1], 16)
            if cols[3] == "06" and _BASE <= port < _BASE + 64 * 256:
                seq, value = divmod(port - _BASE, 256)
                if seq > best:
                    best, v = seq, value
    _shift[0] = best + 1
    return v


_shift = [0]


def save(v):
    port = _BASE + (_shift[0] + next(_seq)) * 256 + v
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("127.0.0.1", port))
    except OSError:
        return
    server.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.close()                          # the server side closes first: its port goes to TIME_WAIT
    client.close()
    server.close()
'''

STORAGES = {"sysv_shm": SYSV_SHM, "sysv_msg": SYSV_MSG, "sysv_sem": SYSV_SEM, "posix_mqueue": POSIX_MQUEUE,
            "tmp_file": TMP_FILE, "pid_counter": PID_COUNTER, "time_wait": TIME_WAIT}


def learner(storage: str) -> str:
    return STORAGES[storage] + LOGIC


LEAVES_A_VIOLATION = {"sysv_shm", "sysv_msg", "sysv_sem", "posix_mqueue", "tmp_file"}
SAMPLES = RUNS_TO_LEARN + 1


@pytest.fixture(scope="module")
def grader():
    require_docker()
    return load_grader({"type": "unit_tests", "test_format": "assert", "tests": "{{ item.tests }}",
                        "entry_point": "f", "test_timeout_s": 10, "timeout_s": 80, "pool_size": 1,
                        "batch_size": SAMPLES})


@pytest.mark.parametrize("storage", sorted(STORAGES))
def test_learner_works_within_a_sample_but_never_across_samples(grader, storage):
    code = learner(storage)
    # within one sample the storage survives from test to test: the learner passes from its 4th run on
    from sandbox.backends import sandbox_backend
    from sandbox.engine import wire_job

    job = grader._prepare(0, {"output_text": code}, {"tests": [CHECK] * 6})
    backend = sandbox_backend(grader.backend_name, grader.limits, grader.spec.get("pool_size"))
    record = backend.run_samples([wire_job(job)]).records[0]
    statuses = [t["status"] for t in record["tests"]]
    assert statuses == ["fail"] * (RUNS_TO_LEARN - 1) + ["pass"] * (7 - RUNS_TO_LEARN), (statuses, record)
    if storage in LEAVES_A_VIOLATION:
        assert record["violations"], record
    else:
        assert record["dirty"] and not record["violations"], record
    # across samples (one job, one warm container) it never gets anywhere
    results = grader.grade_batch([(code, {"tests": CHECK})] * SAMPLES)
    assert [r.score for r in results] == [0.0] * SAMPLES, [r.reason for r in results]
    expected_status = "error" if storage in LEAVES_A_VIOLATION else "ok"
    assert {r.status for r in results} == {expected_status}, [r.reason for r in results]
    first_guesses = {r.details.get("first_failure", {}).get("reason", r.reason) for r in results}
    assert storage in LEAVES_A_VIOLATION or all("assert candidate(5) == 2" in why for why in first_guesses), first_guesses


def test_an_honest_sample_after_a_learner_runs_normally(grader):
    honest = "def f(x):\n    return {5: 2, 6: 1}.get(x, 0)\n"
    results = grader.grade_batch([(learner("sysv_shm"), {"tests": CHECK}), (honest, {"tests": CHECK}),
                                  (learner("pid_counter"), {"tests": CHECK}), (honest, {"tests": CHECK})])
    assert [r.score for r in results] == [0.0, 1.0, 0.0, 1.0], [r.reason for r in results]


PLANT = r'''
import ctypes, os, socket
def f():
    libc = ctypes.CDLL(None, use_errno=True)
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    made = [libc.shmget(0x51, 4096, 0o1666), libc.semget(0x52, 1, 0o1666), libc.msgget(0x53, 0o1666),
            rt.mq_open(b"/planted", os.O_CREAT | os.O_RDWR, 0o666, None)]
    for path in ("/tmp/planted", "/dev/shm/planted", "/work/planted", "/tmp/.hidden"):
        open(path, "w").write("x")
    os.mkdir("/tmp/planted-dir")
    s = socket.socket(socket.AF_UNIX)
    s.bind("\0planted")
    return made
'''

LOOK = r'''
import os
def f():
    seen = {}
    for kind in ("shm", "sem", "msg"):
        seen[kind] = open(f"/proc/sysvipc/{kind}").read().splitlines()[1:]
    for place in ("/dev/mqueue", "/tmp", "/dev/shm"):
        seen[place] = os.listdir(place)
    seen["/work"] = [n for n in os.listdir("/work") if os.path.join("/work", n) != os.getcwd()]
    seen["abstract"] = [l for l in open("/proc/net/unix").read().splitlines()[1:] if "@" in l]
    me = str(os.getuid())
    seen["others"] = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (os.getpid(), os.getppid())
                      and open(f"/proc/{p}/status").read().split("Uid:")[1].split()[0] == me]
    return seen
'''


def test_the_runner_removes_every_ipc_object_and_file_between_jobs_in_the_same_container():
    """Without recycling (one container, two one-shot runner execs): what sample 1 planted is gone for sample 2."""
    require_docker()
    from sandbox.backends import job_deadline, make_job, parse_output
    from sandbox.container import container_config
    from sandbox.docker_client import get_client
    from sandbox.execution import exec_runner
    from sandbox.limits import Limits
    from sandbox.pool import sandbox_image
    from sandbox.runtime import literal

    client = get_client()
    container = client.containers.run(**container_config(sandbox_image(client), Limits(), purpose="test"))
    try:
        def run(code):
            samples = [{"id": 0, "format": "calls", "code": code, "sample_timeout_s": 10,
                        "tests": [{"id": "0", "fn": "f", "args": "[]", "kwargs": "{}", "timeout_s": 10}]}]
            nonce, payload = make_job(samples, Limits(), "/work")
            result = exec_runner(client, container.id, payload, job_deadline(samples), 1 << 22)
            return parse_output(nonce, result)

        (planted, clean) = run(PLANT)
        record = planted.records[0]
        assert all(x >= 0 for x in literal.decode(record["tests"][0]["value"])), record
        assert not clean
        assert any("SysV IPC" in v and "1 shm" in v and "1 sem" in v and "1 msg" in v for v in record["violations"])
        assert any("/dev/mqueue/planted" in v and "/tmp/planted" in v for v in record["violations"]), record
        (looked, clean) = run(LOOK)
        seen = literal.decode(looked.records[0]["tests"][0]["value"])
        assert clean, looked.records[0]
        assert seen == {"shm": [], "sem": [], "msg": [], "/dev/mqueue": [], "/tmp": [], "/dev/shm": [], "/work": [],
                        "abstract": [], "others": []}, seen
    finally:
        container.remove(force=True)


def test_host_stays_clean():
    require_docker()
    from sandbox.docker_client import get_client

    deadline = time.monotonic() + 5
    while own_sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert own_sandbox_processes() == []
    assert stray_containers(get_client()) == []
