"""Cost of grading over HTTP: `verigrade serve` vs in-process `grade_batch` on the same pairs, in one run.

    .venv/bin/python benchmarks/service_overhead.py [--rows 2048] [--batch 64] [--single 500] [--json out.json]

* Batch throughput: GSM8K test rows (`../shared/data/gsm8k/test.jsonl`), one right and one wrong answer
  per row, graded in batches of `--batch` by the `gsm8k` spec (math_equivalence, worker pool) and by the
  `exact_answer` spec (string_check, in-process): in-process `grade_batch` vs `POST /v1/graders/{name}/grade`
  from one client (sequential batches) and from 4 concurrent client processes. Rounds alternate in-process and
  service so drift on the shared machine hits both; the median of the rounds is reported. The server
  runs in its own process (`verigrade serve --workers 2`), as it would in a deployment.
* Single calls: p50/p99 of `POST /v1/fine_tuning/alpha/graders/run` through the real `openai` client, and of
  one-row `/grade` calls through `graders.service.client.GraderClient`.
* Streaming: a 4096-row batch answered as one JSON document vs NDJSON (`?stream=true`): total time, time
  to the first result, client memory.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from graders import load_grader  # noqa: E402
from graders.service.client import GraderClient  # noqa: E402
from graders.service.testing import served_subprocess  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "gsm8k" / "test.jsonl"


def gsm8k_pairs(n: int) -> list[tuple[str, dict]]:
    pairs = []
    with open(DATA, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            final = row["answer"].split("####")[-1].strip().replace(",", "")
            pairs.append((f"Let me think. The answer is {final}.", {"answer": row["answer"]}))
            pairs.append((f"I believe it is {final}1.", {"answer": row["answer"]}))
            if len(pairs) >= n:
                break
    return pairs[:n]


def string_pairs(n: int) -> list[tuple[str, dict]]:
    return [(f" Answer {i % 97} ", {"answer": f"answer {i % 89}"}) for i in range(n)]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def batches(pairs, size):
    return [pairs[i:i + size] for i in range(0, len(pairs), size)]


def in_process(grader, pairs, size) -> float:
    start = time.perf_counter()
    for chunk in batches(pairs, size):
        grader.grade_batch(chunk)
    return len(pairs) / (time.perf_counter() - start)


def _client_share(url, name, chunks, offset, clients):
    with GraderClient(url) as client:
        return [(i, client.grade(name, chunks[i])) for i in range(offset, len(chunks), clients)]


def over_http(url, name, pairs, size, clients, procs=None) -> tuple[float, list]:
    """Sequential batches from one client, or from `clients` client processes (like trainer ranks)."""
    chunks = batches(pairs, size)
    results = [None] * len(chunks)
    start = time.perf_counter()
    if clients == 1:
        for i, res in _client_share(url, name, chunks, 0, 1):
            results[i] = res
    else:
        futures = [procs.submit(_client_share, url, name, chunks, k, clients) for k in range(clients)]
        for fut in futures:
            for i, res in fut.result():
                results[i] = res
    return len(pairs) / (time.perf_counter() - start), [r for part in results for r in part]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--single", type=int, default=500)
    ap.add_argument("--stream-rows", type=int, default=4096)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    report: dict = {"rows": args.rows, "batch": args.batch}
    specs = {"gsm8k": ROOT / "grader_specs" / "gsm8k.json", "exact_answer": ROOT / "grader_specs" / "exact_answer.json"}
    pair_sets = {"gsm8k": gsm8k_pairs(args.rows), "exact_answer": string_pairs(args.rows)}
    graders = {name: load_grader(path) for name, path in specs.items()}
    for name, grader in graders.items():  # warm the pool and the caches
        grader.grade_batch(pair_sets[name][:256])
    procs = ProcessPoolExecutor(4)
    list(procs.map(abs, range(8)))  # start the client processes before timing
    with served_subprocess([str(p) for p in specs.values()] + ["--workers", "2"]) as (url, _):
        for name in specs:
            over_http(url, name, pair_sets[name][:256], args.batch, 1)
            over_http(url, name, pair_sets[name][:256], args.batch, 4, procs)
            local_rates, one_rates, four_rates = [], [], []
            for _ in range(args.rounds):
                local_rates.append(in_process(graders[name], pair_sets[name], args.batch))
                rate, remote = over_http(url, name, pair_sets[name], args.batch, 1)
                one_rates.append(rate)
                four_rates.append(over_http(url, name, pair_sets[name], args.batch, 4, procs)[0])
            local = graders[name].grade_batch(pair_sets[name])
            same = [r.score for r in remote] == [r.score for r in local]
            row = {"in_process_per_s": statistics.median(local_rates), "service_1_client_per_s": statistics.median(one_rates),
                   "service_4_clients_per_s": statistics.median(four_rates), "same_scores": same}
            row["ratio_1_client"] = row["service_1_client_per_s"] / row["in_process_per_s"]
            row["ratio_4_clients"] = row["service_4_clients_per_s"] / row["in_process_per_s"]
            report[name] = row
            print(f"{name:13s} in-process {row['in_process_per_s']:8.0f}/s | service 1 client "
                  f"{row['service_1_client_per_s']:8.0f}/s ({row['ratio_1_client']:.2f}x) | 4 clients "
                  f"{row['service_4_clients_per_s']:8.0f}/s ({row['ratio_4_clients']:.2f}x) | same scores: {same}",
                  flush=True)

        from openai import OpenAI

        oai = OpenAI(base_url=url + "/v1", api_key="local", max_retries=0)
        grader = {"type": "string_check", "name": "s", "input": "{{ sample.output_text }}",
                  "reference": "{{ item.answer }}", "operation": "eq"}
        for _ in range(20):
            oai.fine_tuning.alpha.graders.run(grader=grader, model_sample="3", item={"answer": "3"})
        lat = []
        for i in range(args.single):
            t = time.perf_counter()
            oai.fine_tuning.alpha.graders.run(grader=grader, model_sample=str(i % 7), item={"answer": "3"})
            lat.append((time.perf_counter() - t) * 1000)
        report["openai_run_ms"] = {"p50": pct(lat, 0.5), "p99": pct(lat, 0.99), "n": len(lat)}
        lat = []
        with GraderClient(url) as client:
            for i in range(args.single):
                t = time.perf_counter()
                client.grade("gsm8k", [pair_sets["gsm8k"][i % len(pair_sets["gsm8k"])]])
                lat.append((time.perf_counter() - t) * 1000)
        report["grade_one_row_ms"] = {"p50": pct(lat, 0.5), "p99": pct(lat, 0.99), "n": len(lat)}
        print(f"single /graders/run (openai client): p50 {report['openai_run_ms']['p50']:.2f} ms, "
              f"p99 {report['openai_run_ms']['p99']:.2f} ms; one-row /grade (gsm8k): "
              f"p50 {report['grade_one_row_ms']['p50']:.2f} ms, p99 {report['grade_one_row_ms']['p99']:.2f} ms", flush=True)

        rows = [{"sample": s, "item": i} for s, i in (pair_sets["gsm8k"] * 4)[:args.stream_rows]]
        stream = {}
        for mode in ("json", "ndjson", "json", "ndjson"):
            t = time.perf_counter()
            first = None
            if mode == "json":
                body = httpx.post(f"{url}/v1/graders/gsm8k/grade", json=rows, timeout=600).json()["results"]
                first = time.perf_counter() - t
                n = len(body)
            else:
                n = 0
                with httpx.stream("POST", f"{url}/v1/graders/gsm8k/grade?stream=true", json=rows, timeout=600) as r:
                    for line in r.iter_lines():
                        if line:
                            n += 1
                            first = first or time.perf_counter() - t
            stream[mode] = {"total_s": time.perf_counter() - t, "first_result_s": first, "rows": n}
        report["streaming"] = stream
        print(f"{args.stream_rows}-row batch: JSON {stream['json']['total_s']:.2f} s (first result at "
              f"{stream['json']['first_result_s']:.2f} s) | NDJSON {stream['ndjson']['total_s']:.2f} s (first result at "
              f"{stream['ndjson']['first_result_s']:.2f} s)", flush=True)
    procs.shutdown()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
