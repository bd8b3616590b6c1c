"""The judge's HTTP backend against a real third-party OpenAI-compatible server: llama-cpp-python's server on
the embedded GGUF (SmolLM2-135M-Instruct Q4_1), next to the in-process transformers backend on the same model.

    # once, in a throwaway venv (a source build of llama.cpp: ~25 min on 2 busy cores). The default
    # native build uses AMX instructions that this VM does not permit (ldtilecfg faults), hence CMAKE_ARGS:
    python3 -m venv /tmp/llamavenv
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \\
        /tmp/llamavenv/bin/pip install "llama-cpp-python[server]==0.3.36"
    .venv/bin/python benchmarks/judge_llamacpp.py --llama-python /tmp/llamavenv/bin/python [--items 40] [--json out.json]

Data: the first `--items` GSM8K test rows (`../shared/data/gsm8k/test.jsonl`): the reference solution ending
"The answer is X." (correct) and the same text with its final number changed (incorrect). Graders: the
shipped hardened `judge_equivalence` spec and a plain `label_model` ("is the candidate's final answer the
reference's? yes/no"), each with `model` = the llama.cpp server URL and = `local:default`. Reported per
grader and backend: judgements/s (one at a time, cache off), accuracy against the truth at 0.5, how
verdicts were read (logprobs or reply text), error count, and agreement between the two backends.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from graders import load_grader  # noqa: E402
from graders.models.embedded import gguf_path  # noqa: E402
from graders.service.testing import free_port  # noqa: E402

LABEL_MODEL = {
    "type": "label_model", "name": "same_answer", "labels": ["yes", "no"], "passing_labels": ["yes"],
    "input": [
        {"role": "system", "content": "You compare a candidate's final answer with a reference answer. Reply yes "
                                      "if they are the same number, otherwise no."},
        {"role": "user", "content": "Reference answer: {{ item.final }}\nCandidate: {{ sample.output_text }}\n"
                                    "Is the candidate's final answer the reference answer? Reply yes or no."}],
}


def pairs(n: int) -> list[tuple[str, dict, bool]]:
    out = []
    with open(ROOT.parent / "shared" / "data" / "gsm8k" / "test.jsonl", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            steps, final = row["answer"].split("####")
            final = final.strip().replace(",", "")
            text = re.sub(r"<<[^>]*>>", "", steps).strip()
            item = {"question": row["question"], "answer": final, "final": final}
            wrong = str(int(float(final)) + 7) if re.fullmatch(r"-?\d+", final) else final + "1"
            out.append((f"{text}\nThe answer is {final}.", item, True))
            out.append((f"{text}\nThe answer is {wrong}.", item, False))
            if len(out) >= 2 * n:
                break
    return out


def start_server(python: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [python, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", "2048", "--n_threads", str(os.cpu_count() or 2), "--logits_all", "true"]
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"llamacpp_server_{port}.log", "w+")  # never a full pipe
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"llama.cpp server exited: {log.read()[-2000:]}")
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("llama.cpp server did not start in 120 s")


def run(spec: dict, rows) -> dict:
    grader = load_grader(spec)
    grader.grade(rows[0][0], rows[0][1])  # load / connect
    lat, verdicts, methods, errors = [], [], {}, 0
    for sample, item, truth in rows:
        t = time.perf_counter()
        res = grader.grade(sample, item)
        lat.append(time.perf_counter() - t)
        method = res.details.get("method") or ("gate" if "gate_rule" in res.details else
                                               "logprobs" if "p_yes" in res.details else res.status)
        methods[str(method)] = methods.get(str(method), 0) + 1
        errors += res.status in ("error", "timeout")
        verdicts.append(res.score >= 0.5)
    correct = sum(v == truth for v, (_, _, truth) in zip(verdicts, rows))
    return {"judgements_per_s": len(rows) / sum(lat), "p50_ms": statistics.median(lat) * 1000,
            "accuracy": correct / len(rows), "errors": errors, "methods": methods, "verdicts": verdicts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llama-python", default=os.environ.get("LLAMA_CPP_PYTHON", "/tmp/llamavenv/bin/python"))
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    os.environ["VERIGRADE_JUDGE_CACHE"] = "0"
    rows = pairs(args.items)
    judge = json.loads((ROOT / "grader_specs" / "judge_equivalence.json").read_text())
    proc, url = start_server(args.llama_python)
    report: dict = {"rows": len(rows), "server": url}
    try:
        for name, base in (("judge_equivalence", judge), ("label_model", LABEL_MODEL)):
            report[name] = {}
            for backend, model in (("llama.cpp server (HTTP backend)", url), ("transformers (local backend)", "local:default")):
                out = run({**base, "model": model}, rows)
                report[name][backend] = out
                print(f"{name:17s} {backend:32s} {out['judgements_per_s']:6.1f}/s p50 {out['p50_ms']:6.1f} ms "
                      f"accuracy {out['accuracy']:.2f} errors {out['errors']} read via {out['methods']}", flush=True)
            a, b = (report[name][k]["verdicts"] for k in report[name])
            report[name]["backend_agreement"] = sum(x == y for x, y in zip(a, b)) / len(a)
            print(f"{name:17s} backends agree on {report[name]['backend_agreement']:.0%} of verdicts", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
