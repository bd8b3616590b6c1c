"""The Docker layer itself: hardened containers, warm-pool recycling, concurrency, leftovers, fresh mode."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from graders import load_grader
from sandbox_support import labelled_containers, require_docker, own_sandbox_processes, stray_containers

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parent.parent
CALLS_ITEM = {"entry_point": "f", "tests": [{"args": [2], "expected": 4}]}
GOOD = "def f(x):\n    return x * 2\n"


@pytest.fixture(scope="module")
def client():
    require_docker()
    from sandbox.docker_client import get_client

    return get_client()


@pytest.fixture(scope="module")
def small_pool(client):
    from sandbox.limits import Limits
    from sandbox.pool import ContainerPool

    pool = ContainerPool(Limits(), size=1, max_uses=3, client=client)
    yield pool
    pool.close()


def run_calls_job(pool, code, timeout_s=3.0, deadline_s=None):
    from sandbox.backends import job_deadline, make_job, parse_output

    samples = [{"id": 0, "format": "calls", "code": code, "sample_timeout_s": timeout_s,
                "tests": [{"id": "0", "fn": "f", "args": "[2]", "kwargs": "{}", "timeout_s": timeout_s}]}]
    nonce, payload = make_job(samples, pool.limits, "/work")
    verdict = {}

    def is_clean(result):
        verdict["clean"] = parse_output(nonce, result)[1]
        return verdict["clean"]

    result = pool.execute(payload, deadline_s or job_deadline(samples), 1 << 22, is_clean=is_clean, nonce=nonce)
    return parse_output(nonce, result)[0], verdict.get("clean")


def test_containers_are_hardened(client, small_pool):
    small_pool.start()
    container = client.containers.get(small_pool.container_ids()[0])
    host = container.attrs["HostConfig"]
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert "no-new-privileges" in host["SecurityOpt"]
    assert host["Memory"] == host["MemorySwap"] == 512 << 20
    assert host["PidsLimit"] == 128
    assert host["NanoCpus"] == 10 ** 9
    assert host["Init"] is True
    assert set(host["Tmpfs"]) == {"/work", "/tmp", "/sys/fs/cgroup"} and "noexec" in host["Tmpfs"]["/work"]
    assert host["Tmpfs"]["/sys/fs/cgroup"].startswith("ro,")
    assert host["LogConfig"]["Config"]["max-size"] == "1m"
    assert container.attrs["Config"]["User"] == "10001:10001"
    assert container.labels["verigrade.sandbox"] == "1"


def test_candidate_runs_unprivileged(client, small_pool):
    code = ("import os\ndef f(x):\n    status = open('/proc/self/status').read()\n"
            "    caps = [l.split()[1] for l in status.splitlines() if l.startswith(('CapEff', 'NoNewPrivs'))]\n"
            "    return [os.getuid(), os.getgid(), caps, os.getcwd().startswith('/work/')]\n")
    outcome, _ = run_calls_job(small_pool, code)
    record = outcome.records[0]["tests"][0]
    from sandbox.runtime import literal

    assert literal.decode(record["value"]) == [10002, 10002, ["0000000000000000", "1"], True]


def test_cgroup_accounting_is_hidden_from_the_candidate():
    require_docker()
    grader = load_grader({"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}",
                          "entry_point": "f", "pool_size": 1})
    code = ("import os\ndef f():\n    found = []\n    for d, _, files in os.walk('/sys/fs/cgroup'):\n"
            "        found += [os.path.join(d, n) for n in files]\n"
            "    return [found, os.path.exists('/sys/fs/cgroup/memory/memory.max_usage_in_bytes')]\n")
    assert grader.grade(code, {"tests": [[[], [[], False]]]}).score == 1.0


def test_pool_recycles_after_max_uses(small_pool):
    first = None
    seen = []
    for _ in range(4):
        outcome, clean = run_calls_job(small_pool, GOOD)
        assert clean and outcome.records[0]["tests"][0]["value"] == "4"
        seen.append(tuple(small_pool.container_ids()))
        first = first or seen[0]
    time.sleep(0.5)
    assert small_pool.stats["recycled"] >= 1
    assert set(small_pool.container_ids()) != set(first)


def test_pool_recycles_after_a_host_side_timeout(client, small_pool):
    small_pool.start()
    before = set(small_pool.container_ids())
    start = time.monotonic()
    outcome, _ = run_calls_job(small_pool, "import time\ndef f(x):\n    time.sleep(30)\n", timeout_s=20, deadline_s=2)
    assert time.monotonic() - start < 10
    assert outcome.failure_kind == "timeout" and 0 not in outcome.records
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(cid in {c.id for c in client.containers.list(all=True, ignore_removed=True)} for cid in before):
        time.sleep(0.1)
    assert not before & {c.id for c in client.containers.list(all=True, ignore_removed=True)}, "the timed-out container was not removed"
    assert run_calls_job(small_pool, GOOD)[0].records[0]["tests"][0]["value"] == "4"


def test_pool_recycles_on_contamination(small_pool):
    small_pool.start()
    before = set(small_pool.container_ids())
    outcome, clean = run_calls_job(small_pool, "def f(x):\n    open('/tmp/left-behind', 'w').write('x')\n    return 4\n")
    assert clean is False and outcome.records[0]["violations"]
    time.sleep(0.2)
    assert not before & set(small_pool.container_ids())


def test_per_test_and_per_sample_timeouts():
    require_docker()
    grader = load_grader({"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}",
                          "entry_point": "f", "test_timeout_s": 1.5, "timeout_s": 2.5, "pool_size": 1})
    code = "import time\ndef f(x):\n    time.sleep(x)\n    return x\n"
    item = {"tests": [{"args": [0], "expected": 0}, {"args": [5], "expected": 5}, {"args": [5], "expected": 5},
                      {"args": [0], "expected": 0}]}
    result = grader.grade(code, item)
    kinds = [result.children[f"test_{i}"].reason for i in range(4)]
    assert result.children["test_0"].score == 1.0
    assert "time limit" in kinds[1]           # the per-test limit (1.5 s)
    assert "time limit" in kinds[2]           # cut at the per-sample budget (2.5 s)
    assert "budget ran out" in kinds[3]       # never started
    assert result.score == 0.25 and result.status == "ok"


def test_concurrent_threads_share_the_pool_safely():
    require_docker()
    grader = load_grader({"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}",
                          "entry_point": "f", "pool_size": 2, "batch_size": 2})
    pairs = [(GOOD if i % 3 else "def f(x):\n    return x + 1\n", {"tests": [{"args": [i], "expected": 2 * i}]})
             for i in range(2, 14)]
    expected = [1.0 if i % 3 else 0.0 for i in range(2, 14)]
    with ThreadPoolExecutor(4) as ex:
        batches = list(ex.map(lambda _: [r.score for r in grader.grade_batch(pairs)], range(4)))
    assert batches == [expected] * 4


CHILD = textwrap.dedent("""
    import json, os, sys
    sys.path.insert(0, {repo!r})
    from graders import load_grader
    g = load_grader({{"type": "unit_tests", "test_format": "calls", "tests": "{{{{ item.tests }}}}",
                      "entry_point": "f", "pool_size": 1}})
    scores = [r.score for r in g.grade_batch([("def f(x):\\n    return x * 2\\n", {{"tests": [{{"args": [i], "expected": 2 * i}}]}})
                                            for i in range(6)])]
    print(json.dumps(scores), flush=True)
    if sys.argv[1] == "crash":
        os._exit(0)   # no atexit: the pool's containers are left behind
""")


def test_concurrent_processes_and_cleanup_after_a_crash(client):
    script = CHILD.format(repo=str(REPO))
    procs = [subprocess.Popen([sys.executable, "-c", script, mode], stdout=subprocess.PIPE, text=True)
             for mode in ("normal", "normal", "crash")]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(json.loads(out.strip().splitlines()[-1]) == [1.0] * 6 for out in outs)
    pids = {str(p.pid) for p in procs}
    owned = [c for c in labelled_containers(client) if c.labels["verigrade.sandbox.owner"].split(":")[1] in pids]
    assert owned, "the crashed process should have left its container behind"
    from sandbox.container import remove_stale

    assert remove_stale(client) >= 1
    remaining = [c for c in labelled_containers(client) if c.labels["verigrade.sandbox.owner"].split(":")[1] in pids]
    assert remaining == []


def test_stale_container_of_a_dead_owner_is_removed(client):
    from sandbox.container import LABEL, OWNER_LABEL, remove_stale
    from sandbox.image import find_image

    import socket

    c = client.containers.run(find_image(client), ["sleep", "60"], detach=True, network_mode="none",
                              labels={LABEL: "1", OWNER_LABEL: f"{socket.gethostname()}:999999999:1"})
    assert remove_stale(client) >= 1
    assert c.id not in {x.id for x in client.containers.list(all=True, ignore_removed=True)}


def test_fresh_container_backend():
    require_docker()
    from sandbox.backends import DockerBackend

    samples = [{"id": 7, "format": "calls", "code": GOOD, "sample_timeout_s": 5,
                "tests": [{"id": "0", "fn": "f", "args": "[21]", "kwargs": "{}", "timeout_s": 5}]}]
    outcome = DockerBackend(fresh=True).run_samples(samples)
    assert outcome.records[7]["tests"][0]["value"] == "42"


def test_fresh_backend_from_a_spec_runs_one_container_per_job(client):
    grader = load_grader({"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}",
                          "entry_point": "f", "backend": "docker_fresh", "batch_size": 1})
    code = "def f(x):\n    return open('/proc/self/cgroup').read().split('/docker/')[1][:12] + ':' + str(x)\n"
    results = grader.grade_batch([(code, {"tests": [[[i], "x"]]}) for i in range(2)])
    hosts = {r.reason.split("returned '")[1].split(":")[0] for r in results}
    assert len(hosts) == 2, [r.reason for r in results]   # two containers, each removed afterwards
    assert not [c for c in labelled_containers(client) if c.labels.get("verigrade.sandbox.purpose") == "fresh"]


def test_ensure_is_idempotent_and_doctor_is_happy():
    require_docker()
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "sandbox.ensure"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "image present" in proc.stdout
    assert time.monotonic() - start < 60
    from sandbox.doctor import diagnose

    report = diagnose()
    assert report["ok"] and report["daemon"] and report["image"]


def test_host_is_clean_at_the_end(client, small_pool):
    small_pool.close()  # not in the shared registry: its containers would rightly count as strays
    deadline = time.monotonic() + 5
    while own_sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert own_sandbox_processes() == []
    from sandbox.container import owner_alive

    orphans = [c for c in labelled_containers(client) if not owner_alive(c.labels.get("verigrade.sandbox.owner", ""))]
    assert orphans == []
    assert stray_containers(client) == [], "a labelled container of this process is known to no pool"


def test_host_process_check_sees_running_candidates():
    """The clean-host assertion used everywhere must be able to fail: a running candidate is visible."""
    require_docker()
    grader = load_grader({"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}",
                          "entry_point": "f", "test_timeout_s": 3, "pool_size": 1})
    with ThreadPoolExecutor(1) as ex:
        future = ex.submit(grader.grade, "import time\ndef f(x):\n    time.sleep(1.5)\n    return x\n",
                           {"tests": [[[1], 1]]})
        seen = []
        deadline = time.monotonic() + 10
        while not future.done() and time.monotonic() < deadline:
            seen += own_sandbox_processes()
            time.sleep(0.05)
        assert future.result().score == 1.0
    assert seen, "a candidate process should have been visible while it ran"
