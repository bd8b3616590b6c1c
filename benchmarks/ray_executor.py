"""The Ray executor: its overhead against the local worker pool, and how throughput grows with actors.

    .venv/bin/python benchmarks/ray_executor.py [--rows 4000] [--nodes 1,2,4,8] [--latency-ms 20] [--json out.json]

1. Same 2 cores: GSM8K answers (`../shared/data/gsm8k/test.jsonl`, one right and one wrong answer per row)
   graded by the `gsm8k` spec (math_equivalence in the worker pool) with local `grade_batch` (pool of 2)
   and with `grade_batch_on_ray` on a local Ray instance (`num_cpus=2`): 1 actor with a pool of 2 and 2
   actors with a pool of 1. Median of `--rounds` rounds, same pairs, scores compared.
2. Simulated multi-node: `ray.cluster_utils.Cluster` with N nodes of `num_cpus=1` each (separate raylets on
   this machine, all on 127.0.0.1), one actor per node. With only 2 real cores, a CPU-bound grader cannot
   grow past 2x, so this part grades a latency-bound grader (each sample waits `--latency-ms`, like a
   sandbox round trip or a remote judge) and also reports the CPU-bound `gsm8k` grader for contrast.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ray  # noqa: E402

from graders import load_grader  # noqa: E402
from graders.base import Grader  # noqa: E402
from graders.executors.ray import RayExecutor, use_loopback  # noqa: E402
from graders.result import GradeResult  # noqa: E402


class LatencyGrader(Grader):
    """Waits `latency_ms` per sample (I/O-bound work: a container round trip, a remote judge), then scores."""

    type = "bench_latency"

    def evaluate(self, sample, item):
        time.sleep(self.spec.get("latency_ms", 20) / 1000.0)
        return GradeResult(score=float(sample["output_text"] == item.get("answer")))


def gsm8k_pairs(n: int) -> list[tuple[str, dict]]:
    pairs = []
    with open(ROOT.parent / "shared" / "data" / "gsm8k" / "test.jsonl", encoding="utf-8") as f:
        for line in f:
            ref = json.loads(line)["answer"]
            final = ref.split("####")[-1].strip().replace(",", "")
            pairs += [(f"So the answer is {final}.", {"answer": ref}), (f"It is {final}7.", {"answer": ref})]
            if len(pairs) >= n:
                break
    return (pairs * (1 + n // max(1, len(pairs))))[:n]


def timed(fn) -> tuple[float, list]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def same_cores(rows: int, rounds: int) -> dict:
    from graders.pool import configure_pool

    grader = load_grader(ROOT / "grader_specs" / "gsm8k.json")
    pairs = gsm8k_pairs(rows)
    configure_pool(size=2)
    grader.grade_batch(pairs[:200])
    use_loopback()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    one = RayExecutor(actors=1, cpus_per_actor=2, workers_per_actor=2)
    one.grade_batch(grader, pairs[:200])
    local_t, ray1_t = [], []
    for _ in range(rounds):
        t, local = timed(lambda: grader.grade_batch(pairs))
        local_t.append(t)
        t, remote = timed(lambda: one.grade_batch(grader, pairs))
        ray1_t.append(t)
    one.shutdown()
    two = RayExecutor(actors=2, cpus_per_actor=1, workers_per_actor=1)
    two.grade_batch(grader, pairs[:200])
    ray2_t = [timed(lambda: two.grade_batch(grader, pairs))[0] for _ in range(rounds)]
    two.shutdown()
    ray.shutdown()
    out = {"rows": rows, "local_per_s": rows / statistics.median(local_t),
           "ray_1_actor_pool_2_per_s": rows / statistics.median(ray1_t),
           "ray_2_actors_pool_1_per_s": rows / statistics.median(ray2_t),
           "same_scores": [r.score for r in remote] == [r.score for r in local]}
    out["ratio_1_actor"] = out["ray_1_actor_pool_2_per_s"] / out["local_per_s"]
    out["ratio_2_actors"] = out["ray_2_actors_pool_1_per_s"] / out["local_per_s"]
    print(f"same 2 cores, {rows} gsm8k rows: local pool {out['local_per_s']:.0f}/s | Ray 1 actor x pool 2 "
          f"{out['ray_1_actor_pool_2_per_s']:.0f}/s ({out['ratio_1_actor']:.2f}x) | Ray 2 actors x pool 1 "
          f"{out['ray_2_actors_pool_1_per_s']:.0f}/s ({out['ratio_2_actors']:.2f}x) | same scores {out['same_scores']}",
          flush=True)
    return out


def multi_node(node_counts: list[int], latency_ms: float, rows: int, cpu_rows: int) -> list[dict]:
    from ray.cluster_utils import Cluster

    latency = LatencyGrader({"type": "bench_latency", "latency_ms": latency_ms})
    lat_pairs = [(str(i % 3), {"answer": "1"}) for i in range(rows)]
    math = load_grader(ROOT / "grader_specs" / "gsm8k.json")
    math_pairs = gsm8k_pairs(cpu_rows)
    out = []
    for n in node_counts:
        use_loopback()
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
        for _ in range(n - 1):
            cluster.add_node(num_cpus=1)
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
        executor = RayExecutor(actors=n, cpus_per_actor=1, workers_per_actor=1)
        hosts = {w["node_id"] for w in executor.where()}
        executor.grade_batch(latency, lat_pairs[:50])
        executor.grade_batch(math, math_pairs[:100])
        t_lat, res = timed(lambda: executor.grade_batch(latency, lat_pairs))
        t_cpu, _ = timed(lambda: executor.grade_batch(math, math_pairs))
        ok = sum(r.score for r in res) == sum(1 for s, _ in lat_pairs if s == "1")
        row = {"nodes": n, "actors": n, "distinct_nodes_used": len(hosts), "latency_bound_per_s": rows / t_lat,
               "ideal_latency_bound_per_s": n * 1000.0 / latency_ms, "gsm8k_per_s": cpu_rows / t_cpu, "correct": ok}
        out.append(row)
        print(f"{n} node(s) x 1 CPU, {len(hosts)} distinct: latency-bound {row['latency_bound_per_s']:.0f}/s "
              f"(ideal {row['ideal_latency_bound_per_s']:.0f}/s) | gsm8k {row['gsm8k_per_s']:.0f}/s", flush=True)
        executor.shutdown()
        ray.shutdown()
        cluster.shutdown()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--nodes", default="1,2,4,8")
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--latency-rows", type=int, default=800)
    ap.add_argument("--cpu-rows", type=int, default=2000)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    report = {"same_cores": same_cores(args.rows, args.rounds),
              "multi_node": multi_node([int(n) for n in args.nodes.split(",")], args.latency_ms, args.latency_rows,
                                       args.cpu_rows)}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
