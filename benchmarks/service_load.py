"""Load on `verigrade serve`: concurrent clients, mixed graders, nothing lost, nothing duplicated, no 5xx.

    .venv/bin/python benchmarks/service_load.py [--requests 5000] [--clients 32] [--kill-every 1.0]
                                                [--mix math=0.45,string=0.45,code=0.10] [--json out.json]

The server (`verigrade serve --workers 2`, a child process) serves `gsm8k` (math_equivalence, worker pool),
`exact_answer` (string_check, in-process) and `humaneval` (unit_tests in the Docker sandbox). `--clients`
asyncio clients (graders.service.client.AsyncGraderClient: it retries 429/503) send `--requests` requests of
1-4 rows each. Every row's expected score is computed in-process beforehand, so a lost, duplicated or
swapped result shows as a count or score mismatch. Reported: answered requests, rows, HTTP errors, status
counts, retries, latency p50/p99 per grader, requests/s, and the server's RSS (process alone and with its
worker processes) sampled every 0.5 s. `--kill-every S` also SIGKILLs one of the server's grading worker
processes every S seconds: the rows it was grading come back as `error` results, every other row must still
match.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from graders import load_grader  # noqa: E402
from graders.service.client import AsyncGraderClient, ServiceRequestError  # noqa: E402
from graders.service.testing import served_subprocess  # noqa: E402

SPECS = {"math": "gsm8k", "string": "exact_answer", "code": "humaneval"}


def row_pool(kind: str, n: int) -> list[dict]:
    rng = random.Random(kind)
    if kind == "math":
        rows = []
        with open(ROOT.parent / "shared" / "data" / "gsm8k" / "test.jsonl", encoding="utf-8") as f:
            for line in f:
                ref = json.loads(line)["answer"]
                final = ref.split("####")[-1].strip().replace(",", "")
                wrong = str(int(float(final)) + rng.randint(1, 9)) if final.lstrip("-").replace(".", "").isdigit() else "x"
                rows.append({"sample": f"The answer is {final if rng.random() < 0.5 else wrong}.", "item": {"answer": ref}})
                if len(rows) >= n:
                    break
        return rows
    if kind == "string":
        return [{"sample": f" {rng.choice(['Paris', 'paris', 'Lyon', 'PARIS.'])} ", "item": {"answer": "paris"}}
                for _ in range(n)]
    with open(ROOT / "grader_specs" / "humaneval.jsonl", encoding="utf-8") as f:
        examples = [json.loads(line) for line in f if line.strip()]
    return [{"sample": ex["sample"], "item": ex["item"]} for ex in examples]


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] if values else float("nan")


def rss_mb(proc: psutil.Process) -> tuple[float, float]:
    try:
        own = proc.memory_info().rss
        kids = sum(c.memory_info().rss for c in proc.children(recursive=True) if c.is_running())
        return own / 2**20, (own + kids) / 2**20
    except psutil.Error:
        return float("nan"), float("nan")


def _is_worker(proc: psutil.Process) -> bool:
    try:
        return "graders.worker" in " ".join(proc.cmdline())
    except psutil.Error:  # exited meanwhile
        return False


def killer(server: psutil.Process, every: float, stop: threading.Event, kills: list) -> None:
    while not stop.wait(every):
        try:
            workers = [c for c in server.children(recursive=True) if _is_worker(c)]
        except psutil.Error:
            continue
        if workers:
            victim = random.choice(workers)
            try:
                os.kill(victim.pid, signal.SIGKILL)
                kills.append(time.monotonic())
            except ProcessLookupError:
                pass


async def run_load(url: str, plan: list[tuple[str, list[int]]], pools: dict, clients: int) -> dict:
    queue = list(enumerate(plan))
    queue.reverse()
    answers: dict[int, list] = {}
    latency: dict[str, list[float]] = {k: [] for k in SPECS}
    http_errors: list[str] = []
    client = AsyncGraderClient(url, max_retries=20, backoff_s=0.05, max_connections=clients)

    async def worker():
        while queue:
            rid, (kind, idx) = queue.pop()
            rows = [pools[kind][i] for i in idx]
            t = time.perf_counter()
            try:
                results = await client.grade(SPECS[kind], rows)
            except (ServiceRequestError, Exception) as exc:  # noqa: BLE001 - counted, the run goes on
                http_errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            latency[kind].append((time.perf_counter() - t) * 1000)
            if rid in answers:
                http_errors.append(f"request {rid} answered twice")
            answers[rid] = results

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - start
    retries = client.retries_done
    await client.aclose()
    return {"answers": answers, "latency": latency, "http_errors": http_errors, "wall_s": wall, "retries": retries}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--mix", default="math=0.45,string=0.45,code=0.10")
    ap.add_argument("--kill-every", type=float, default=0.0, help="SIGKILL a grading worker every S seconds")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    mix = {k: float(v) for k, v in (part.split("=") for part in args.mix.split(","))}
    pools = {kind: row_pool(kind, 400) for kind in mix if mix[kind] > 0}
    expected = {}
    for kind, rows in pools.items():  # the truth, graded in-process
        grader = load_grader(ROOT / "grader_specs" / f"{SPECS[kind]}.json")
        expected[kind] = [r.score for r in grader.grade_batch([(r["sample"], r["item"]) for r in rows])]
    rng = random.Random(0)
    kinds = list(pools)
    plan = []
    for _ in range(args.requests):
        kind = rng.choices(kinds, weights=[mix[k] for k in kinds])[0]
        plan.append((kind, [rng.randrange(len(pools[kind])) for _ in range(rng.randint(1, 4))]))
    specs = [str(ROOT / "grader_specs" / f"{SPECS[k]}.json") for k in kinds]
    with served_subprocess(specs + ["--workers", "2"]) as (url, proc):
        server = psutil.Process(proc.pid)
        samples, stop, kills = [], threading.Event(), []

        def sample_rss():
            while not stop.wait(0.5):
                samples.append((time.monotonic(), *rss_mb(server)))

        threads = [threading.Thread(target=sample_rss, daemon=True)]
        if args.kill_every:
            threads.append(threading.Thread(target=killer, args=(server, args.kill_every, stop, kills), daemon=True))
        for t in threads:
            t.start()
        out = asyncio.run(run_load(url, plan, pools, args.clients))
        stop.set()
        for t in threads:
            t.join()
        import httpx

        metrics = httpx.get(f"{url}/metrics").text
    answers = out["answers"]
    lost = [rid for rid in range(len(plan)) if rid not in answers]
    rows_sent = sum(len(idx) for _, idx in plan)
    rows_back = sum(len(r) for r in answers.values())
    statuses: dict[str, int] = {}
    mismatched, crash_errors = 0, 0
    for rid, results in answers.items():
        kind, idx = plan[rid]
        if len(results) != len(idx):
            mismatched += len(idx)
            continue
        for i, res in zip(idx, results):
            statuses[res.status] = statuses.get(res.status, 0) + 1
            if res.status == "error" and "worker process" in res.reason:
                crash_errors += 1
            elif res.score != expected[kind][i]:
                mismatched += 1
    codes = {}
    for line in metrics.splitlines():
        if line.startswith("verigrade_requests_total{"):
            code = line.split('code="')[1].split('"')[0]
            codes[code] = codes.get(code, 0) + float(line.rsplit(" ", 1)[1])
    warm = [s for s in samples if s[0] - samples[0][0] > 5] or samples
    report = {
        "requests": len(plan), "clients": args.clients, "mix": mix, "kill_every_s": args.kill_every,
        "answered": len(answers), "lost_requests": len(lost), "rows_sent": rows_sent, "rows_back": rows_back,
        "mismatched_rows": mismatched, "worker_crash_errors": crash_errors, "workers_killed": len(kills),
        "http_errors": len(out["http_errors"]), "http_error_examples": out["http_errors"][:5],
        "server_status_codes": codes, "client_retries": out["retries"], "statuses": statuses,
        "wall_s": out["wall_s"], "requests_per_s": len(answers) / out["wall_s"],
        "latency_ms": {k: {"p50": pct(v, 0.5), "p99": pct(v, 0.99), "n": len(v)} for k, v in out["latency"].items() if v},
        "rss_mb": {"server_first": warm[0][1], "server_last": samples[-1][1], "server_max": max(s[1] for s in samples),
                   "with_workers_first": warm[0][2], "with_workers_last": samples[-1][2],
                   "with_workers_max": max(s[2] for s in samples)} if samples else {},
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
