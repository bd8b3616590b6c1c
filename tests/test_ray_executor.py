"""The Ray executor on a local Ray instance (`ray.init(num_cpus=2)`): order, statuses, lost actors, deadlines."""
import json
import os
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray") if os.environ.get("CI", "").lower() != "true" else __import__("ray")

from graders import load_grader  # noqa: E402
from graders.base import Grader  # noqa: E402
from graders.executors.ray import (RayExecutor, diagnose_nodes, ensure_ray, grade_batch_on_ray,  # noqa: E402
                                   shutdown_executors)
from graders.result import GradeResult  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class ActorKillerGrader(Grader):
    """In-process grader: the sample 'die' kills the process grading it (here: the Ray actor)."""

    type = "test_actor_killer"

    def evaluate(self, sample, item):
        if sample["output_text"] == "die":
            os._exit(17)
        if sample["output_text"] == "hang":
            time.sleep(1000)
        time.sleep(float(item.get("sleep", 0)))
        return GradeResult(score=1.0, reason="fine", details={"pid": os.getpid()})


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    path = os.pathsep.join([str(ROOT / "tests"), str(ROOT)])  # actors import this module's test graders
    ensure_ray(None, num_cpus=2, runtime_env={"env_vars": {"PYTHONPATH": path}})  # servers on 127.0.0.1
    assert [n["NodeManagerAddress"] for n in ray.nodes()] == ["127.0.0.1"]
    yield
    shutdown_executors()
    ray.shutdown()


@pytest.fixture(autouse=True)
def fresh_actors():
    yield
    shutdown_executors()  # actors hold CPUs: free them for the next test's executor


def gsm8k_rows(n):
    rows = []
    for i in range(n):
        sample = ["the answer is {}", "no idea", "#### {}"][i % 3].format(i)
        rows.append((sample, {"answer": f"#### {i if i % 5 else i + 1}"}))
    rows[7] = 12345          # a bad row: an error result, not a broken batch
    return rows


def test_same_results_same_order_same_statuses_as_local():
    grader = load_grader(ROOT / "grader_specs" / "gsm8k.json")
    rows = gsm8k_rows(300)
    local = grader.grade_batch(rows)
    remote = grade_batch_on_ray(grader, rows, chunk_size=16)
    assert [(r.score, r.status, r.details.get("extracted")) for r in remote] == \
           [(r.score, r.status, r.details.get("extracted")) for r in local]
    assert {r.status for r in remote} == {"ok", "no_answer", "error"}
    assert grade_batch_on_ray(grader, []) == []


def test_grade_batch_executor_ray_is_the_public_entry():
    grader = load_grader(ROOT / "grader_specs" / "gsm8k.json")
    rows = gsm8k_rows(40)
    local = grader.grade_batch(rows, executor="local")
    remote = grader.grade_batch(rows, executor="ray")
    assert [(r.score, r.status) for r in remote] == [(r.score, r.status) for r in local]
    with pytest.raises(ValueError, match="unknown executor"):
        grader.grade_batch(rows, executor="dask")


def test_isolated_grader_timeouts_stay_per_sample_timeouts():
    from isolated_graders import SleepGrader

    grader = SleepGrader({"type": "test_sleep", "timeout_s": 0.5})
    rows = [("a", {"sleep": 0}), ("b", {"sleep": 5}), ("c", {"sleep": 0})]
    results = grade_batch_on_ray(grader, rows, chunk_size=3)
    assert [r.status for r in results] == ["ok", "timeout", "ok"]


def test_a_sample_that_kills_its_actor_costs_only_itself():
    executor = RayExecutor(actors=2)
    try:
        grader = ActorKillerGrader({"type": "test_actor_killer"})
        rows = [("fine", {})] * 20 + [("die", {})] + [("fine", {})] * 19
        start = time.monotonic()
        results = executor.grade_batch(grader, rows, chunk_size=10)
        assert time.monotonic() - start < 120
        assert [r.status for r in results] == ["ok"] * 20 + ["error"] + ["ok"] * 19
        assert "lost on Ray after 2 attempt(s)" in results[20].reason
        assert executor.lost_actors >= 2  # first try and the retry of the lone sample
        assert all(r.score == 1.0 for i, r in enumerate(results) if i != 20)
    finally:
        executor.shutdown()


def test_an_actor_lost_mid_batch_is_replaced_and_its_chunks_retried():
    executor = RayExecutor(actors=2)
    try:
        grader = ActorKillerGrader({"type": "test_actor_killer"})
        executor.where()  # actors up
        victim = executor.actors[0]
        killer = threading.Timer(1.0, lambda: ray.kill(victim, no_restart=True))  # like a node going away
        killer.start()
        rows = [(f"s{i}", {"sleep": 0.2}) for i in range(40)]  # ~4 s of work on 2 actors
        results = executor.grade_batch(grader, rows, chunk_size=4)
        killer.join()
        assert [r.status for r in results] == ["ok"] * 40
        assert executor.lost_actors >= 1  # only a failure seen during the batch counts here
    finally:
        executor.shutdown()


def test_a_stuck_actor_is_killed_at_the_chunk_deadline_never_a_hang():
    executor = RayExecutor(actors=2)
    try:
        executor.where()
        grader = ActorKillerGrader({"type": "test_actor_killer"})
        rows = [("fine", {}), ("hang", {}), ("fine", {}), ("fine", {})]
        start = time.monotonic()
        results = executor.grade_batch(grader, rows, chunk_size=4, chunk_timeout_s=4.0)
        assert time.monotonic() - start < 90
        assert [r.status for r in results] == ["ok", "error", "ok", "ok"]
        assert "deadline" in results[1].reason
    finally:
        executor.shutdown()


def test_score_cli_on_ray_writes_the_same_results(tmp_path):
    from graders.cli import main

    data = tmp_path / "data.jsonl"
    lines = [json.dumps({"sample": row[0], "item": row[1]}) for row in gsm8k_rows(40) if isinstance(row, tuple)]
    lines.insert(3, "{broken json")
    data.write_text("\n".join(lines) + "\n")
    spec = str(ROOT / "grader_specs" / "gsm8k.json")
    assert main(["score", spec, str(data), "-o", str(tmp_path / "local.jsonl")]) == 0
    assert main(["score", spec, str(data), "--ray", "-o", str(tmp_path / "ray.jsonl")]) == 0

    def load(name):
        return [(d["line"], d["score"], d["status"]) for d in map(json.loads, (tmp_path / name).read_text().splitlines())]

    assert load("ray.jsonl") == load("local.jsonl")
    assert load("ray.jsonl")[3][2] == "error"


def test_doctor_runs_on_every_node():
    reports = diagnose_nodes()
    assert len(reports) == len([n for n in ray.nodes() if n["Alive"]]) == 1
    assert "daemon" in reports[0] and reports[0]["node_id"]


def test_sandbox_doctor_ray_prints_every_node(capsys):
    from graders.cli import main

    code = main(["sandbox", "doctor", "--ray"])
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == len([n for n in ray.nodes() if n["Alive"]]) and all(x.startswith("node ") for x in lines)
    assert code == (0 if "; ok" in out else 1)
