"""Per-language sandbox cost: compile and run times, and executions/s through the warm pool vs the same
compile + run unsandboxed on the host (the floor).

    .venv/bin/python benchmarks/sandbox_languages.py [--languages cpp,java,...] [--out results.json]

Problems: tests/data/code/reduce_problems.py (11 problems x {correct, two wrong} solutions x 3 tests, in
every required language). One execution = one sample: compile once (compiled languages), then run its
three tests, each in a fresh process. Both sides run `concurrency` samples at a time (default: the
pool size = CPU count). The floor uses the same commands (sandbox/runtime/languages.py) with the host's
toolchains; missing ones are reported (install them with apt: gcc g++ default-jdk-headless nodejs
node-typescript golang-go rustc), not faked. Target: warm pool >= 0.5x the floor in every language.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "data" / "code"))

import reduce_problems as problems  # noqa: E402

from sandbox.runtime import languages  # noqa: E402

HOST_TOOLS = {"python": "python3", "c": "gcc", "cpp": "g++", "java": "javac", "nodejs": "node", "typescript": "tsc",
              "go": "go", "rust": "rustc", "bash": "bash"}
# the Debian toolchain first (the images' versions), rustup's only when Debian's is missing
HOST_PATH = "/usr/local/bin:/usr/bin:/bin:" + os.environ.get("PATH", "")


def samples(language: str) -> list[tuple[str, dict, str]]:
    """(code, item, kind) for every problem and solution kind."""
    return [(problems.solution(p, language, kind), {"language": language, "tests": problems.tests(p)}, kind)
            for p in sorted(problems.PROBLEMS) for kind in problems.KINDS]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


# -- the floor: the same commands, plain host processes -----------------------------------------------------
def host_sample(language: str, code: str, tests: list[dict]) -> dict:
    workdir = tempfile.mkdtemp(prefix="vg-floor-")
    try:
        plan = languages.plan(language, code, 512, workdir)
        env = {"PATH": HOST_PATH, "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8", **plan["env"]}
        Path(workdir, plan["source"]).write_text(code)
        compile_ms = 0.0
        if plan["compile"]:
            argv = [a.replace("/opt/verigrade/", str(REPO / "sandbox" / "runtime") + "/") for a in plan["compile"]]
            start = time.perf_counter()
            done = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, timeout=120)
            compile_ms = (time.perf_counter() - start) * 1000
            if done.returncode != 0:
                return {"compile_ms": compile_ms, "run_ms": [], "passed": 0, "error": done.stderr[-300:].decode()}
        run_ms, passed = [], 0
        for test in tests:
            start = time.perf_counter()
            done = subprocess.run(plan["run"], cwd=workdir, env=env, input=test["input"].encode(), capture_output=True,
                                  timeout=30)
            run_ms.append((time.perf_counter() - start) * 1000)
            passed += done.stdout.decode().split() == test["output"].split()
        return {"compile_ms": compile_ms, "run_ms": run_ms, "passed": passed}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def floor(language: str, rows: list, concurrency: int) -> dict:
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        out = list(pool.map(lambda r: host_sample(language, r[0], r[1]["tests"]), rows))
    wall = time.perf_counter() - start
    errors = [o["error"] for o in out if "error" in o]
    return {"executions_per_s": len(rows) / wall, "wall_s": wall,
            "compile_p50_ms": pct([o["compile_ms"] for o in out], 0.5), "compile_p95_ms": pct([o["compile_ms"] for o in out], 0.95),
            "run_p50_ms": pct([m for o in out for m in o["run_ms"]], 0.5), "run_p95_ms": pct([m for o in out for m in o["run_ms"]], 0.95),
            "correct_passed": all(o["passed"] == 3 for o, r in zip(out, rows) if r[2] == "correct"),
            "errors": errors[:2]}


# -- the sandbox: the warm pool through the unit_tests grader --------------------------------------------------
def sandboxed(grader, rows: list) -> dict:
    grader.grade_batch([(rows[0][0], rows[0][1])] * 2)  # warm: containers up, runner sessions started
    start = time.perf_counter()
    results = grader.grade_batch([(code, item) for code, item, _ in rows])
    wall = time.perf_counter() - start
    compile_ms = [r.details["compile_ms"] for r in results if "compile_ms" in r.details]
    run_ms = [c.elapsed_ms for r in results for c in r.children.values()]
    correct = [r for r, row in zip(results, rows) if row[2] == "correct"]
    wrong = [r for r, row in zip(results, rows) if row[2] != "correct"]
    return {"executions_per_s": len(rows) / wall, "wall_s": wall,
            "compile_p50_ms": pct(compile_ms, 0.5), "compile_p95_ms": pct(compile_ms, 0.95),
            "run_p50_ms": pct(run_ms, 0.5), "run_p95_ms": pct(run_ms, 0.95),
            "correct_passed": all(r.score == 1.0 for r in correct), "wrong_failed": all(r.score < 1.0 for r in wrong),
            "statuses": sorted({r.status for r in results})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default=",".join(problems.REQUIRED_LANGUAGES))
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)

    from graders import load_grader

    grader = load_grader({"type": "unit_tests", "language": "{{ item.language }}", "test_format": "io",
                          "tests": "{{ item.tests }}", "test_timeout_s": 10, "batch_size": 4,
                          "pool_size": args.concurrency})
    report = {"concurrency": args.concurrency, "load_average_at_start": os.getloadavg(), "languages": {}}
    print(f"{'language':<11} {'compile p50/p95 ms':>19} {'run p50/p95 ms':>15} {'pool ex/s':>9} "
          f"{'host compile p50':>16} {'host run p50':>12} {'floor ex/s':>10} {'ratio':>6}")
    for language in [x.strip() for x in args.languages.split(",") if x.strip()]:
        rows = samples(language)
        entry = {"samples": len(rows), "sandbox": sandboxed(grader, rows)}
        tool = HOST_TOOLS.get(language, language)
        if shutil.which(tool, path=HOST_PATH):
            entry["floor"] = floor(language, rows, args.concurrency)
            entry["ratio"] = entry["sandbox"]["executions_per_s"] / entry["floor"]["executions_per_s"]
        else:
            entry["floor"] = {"missing": f"{tool} is not installed on the host"}
        report["languages"][language] = entry
        s, f = entry["sandbox"], entry["floor"]
        print(f"{language:<11} {s['compile_p50_ms']:>9.0f}/{s['compile_p95_ms']:<9.0f} {s['run_p50_ms']:>7.0f}/{s['run_p95_ms']:<7.0f} "
              f"{s['executions_per_s']:>9.2f} {f.get('compile_p50_ms', float('nan')):>16.0f} {f.get('run_p50_ms', float('nan')):>12.1f} "
              f"{f.get('executions_per_s', float('nan')):>10.2f} {entry.get('ratio', float('nan')):>6.2f}", flush=True)
        if not (s["correct_passed"] and s["wrong_failed"]):
            print(f"  WARNING: {language}: correct solutions passed={s['correct_passed']}, wrong failed={s['wrong_failed']}")
    report["load_average_at_end"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    ratios = [e["ratio"] for e in report["languages"].values() if "ratio" in e]
    print(f"min ratio (pool / floor): {min(ratios):.2f}" if ratios else "no floor measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
