"""Per-language sandbox cost: compile and run times, and executions/s through the warm pool vs the same
compile + run unsandboxed on the host (the floor).

    .venv/bin/python benchmarks/sandbox_languages.py [--languages cpp,java,...] [--out results.json]

Two floors: `host` runs the host's own toolchains (missing ones are reported; install them with apt: gcc g++
default-jdk-headless nodejs node-typescript golang-go rustc); `chroot` runs the image's very binaries
(its root filesystem exported once, entered with chroot as root: no container, no cgroup, no pool, no
runner), which separates the sandbox's cost from differences between toolchain builds (Debian's Node 18
starts about 3x slower than the host's Node 20, for instance). The ratio uses the chroot floor.

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


# -- the floors: the same commands, plain processes -----------------------------------------------------------
class ChrootRoot:
    """The image's root filesystem in a host directory, with /proc and /dev mounted, for chroot runs."""

    def __init__(self, family: str):
        from sandbox.docker_client import get_client
        from sandbox.image import find_image

        client = get_client()
        self.dir = tempfile.mkdtemp(prefix=f"vg-floor-{family}-", dir="/var/tmp")
        container = client.containers.create(find_image(client, family), command=["true"])
        try:
            tar = Path(self.dir + ".tar")
            with open(tar, "wb") as fh:
                for chunk in container.export():
                    fh.write(chunk)
            subprocess.run(["tar", "-xf", str(tar), "-C", self.dir], check=True)
            tar.unlink()
        finally:
            container.remove(force=True)
        for target, how in (("proc", ["-t", "proc", "proc"]), ("dev", ["--bind", "/dev"])):
            subprocess.run(["mount", *how, os.path.join(self.dir, target)], check=True)

    def close(self) -> None:
        for target in ("dev", "proc"):
            subprocess.run(["umount", "-l", os.path.join(self.dir, target)], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def host_sample(language: str, code: str, tests: list[dict], root: str | None = None) -> dict:
    """Compile and run one sample: on the host's toolchains, or (root) with chroot into the image's files."""
    base = os.path.join(root, "tmp") if root else None
    workdir = tempfile.mkdtemp(prefix="vg-floor-", dir=base)
    inside = "/tmp/" + os.path.basename(workdir) if root else workdir
    try:
        plan = languages.plan(language, code, 512, inside)
        env = {"PATH": HOST_PATH, "HOME": inside, "TMPDIR": inside, "LANG": "C.UTF-8", **plan["env"]}
        Path(workdir, plan["source"]).write_text(code)
        wrap = ["chroot", root, "sh", "-c", 'cd "$0" && exec "$@"', inside] if root else []
        compile_ms = 0.0
        if plan["compile"]:
            argv = plan["compile"] if root else [
                a.replace("/opt/verigrade/", str(REPO / "sandbox" / "runtime") + "/") for a in plan["compile"]]
            start = time.perf_counter()
            done = subprocess.run(wrap + argv, cwd=workdir, env=env, capture_output=True, timeout=120)
            compile_ms = (time.perf_counter() - start) * 1000
            if done.returncode != 0:
                return {"compile_ms": compile_ms, "run_ms": [], "passed": 0, "error": done.stderr[-300:].decode()}
        run_ms, passed = [], 0
        for test in tests:
            start = time.perf_counter()
            done = subprocess.run(wrap + plan["run"], cwd=workdir, env=env, input=test["input"].encode(),
                                  capture_output=True, timeout=30)
            run_ms.append((time.perf_counter() - start) * 1000)
            passed += done.stdout.decode().split() == test["output"].split()
        return {"compile_ms": compile_ms, "run_ms": run_ms, "passed": passed}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def floor(language: str, rows: list, concurrency: int, root: str | None = None) -> dict:
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        out = list(pool.map(lambda r: host_sample(language, r[0], r[1]["tests"], root), rows))
    wall = time.perf_counter() - start
    errors = [o["error"] for o in out if "error" in o]
    return {"executions_per_s": len(rows) / wall, "wall_s": wall,
            "compile_p50_ms": pct([o["compile_ms"] for o in out], 0.5), "compile_p95_ms": pct([o["compile_ms"] for o in out], 0.95),
            "run_p50_ms": pct([m for o in out for m in o["run_ms"]], 0.5), "run_p95_ms": pct([m for o in out for m in o["run_ms"]], 0.95),
            "correct_passed": all(o["passed"] == 3 for o, r in zip(out, rows) if r[2] == "correct"),
            "errors": errors[:2]}


# -- the sandbox: the warm pool through the unit_tests grader --------------------------------------------------
def sandboxed(grader, rows: list) -> dict:
    from sandbox.pool import _pools

    grader.grade_batch([(rows[0][0], rows[0][1])] * 2)  # warm: containers up, runner sessions started
    family = languages.LANGUAGES[rows[0][1]["language"]]["family"]
    pools = [p for p in _pools.values() if p.family == family]
    created = sum(p.stats["created"] for p in pools)
    start = time.perf_counter()
    results = grader.grade_batch([(code, item) for code, item, _ in rows])
    wall = time.perf_counter() - start
    replaced = sum(p.stats["created"] for p in pools) - created
    compile_ms = [r.details["compile_ms"] for r in results if "compile_ms" in r.details]
    run_ms = [c.elapsed_ms for r in results for c in r.children.values()]
    correct = [r for r, row in zip(results, rows) if row[2] == "correct"]
    wrong = [r for r, row in zip(results, rows) if row[2] != "correct"]
    return {"executions_per_s": len(rows) / wall, "wall_s": wall,
            "compile_p50_ms": pct(compile_ms, 0.5), "compile_p95_ms": pct(compile_ms, 0.95),
            "run_p50_ms": pct(run_ms, 0.5), "run_p95_ms": pct(run_ms, 0.95),
            "correct_passed": all(r.score == 1.0 for r in correct), "wrong_failed": all(r.score < 1.0 for r in wrong),
            "statuses": sorted({r.status for r in results}), "containers_replaced": replaced}


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
    print(f"{'language':<11} {'pool compile p50/p95':>20} {'run p50/p95':>12} {'ex/s':>6} | {'chroot compile':>14} "
          f"{'run':>6} {'ex/s':>6} | {'host compile':>12} {'run':>6} {'ex/s':>6} | {'ratio':>5}")
    roots: dict[str, ChrootRoot] = {}
    nan = float("nan")
    try:
        for language in [x.strip() for x in args.languages.split(",") if x.strip()]:
            rows = samples(language)
            entry = {"samples": len(rows), "sandbox": sandboxed(grader, rows)}
            family = languages.LANGUAGES[language]["family"]
            if family not in roots:
                roots[family] = ChrootRoot(family)
            entry["chroot_floor"] = floor(language, rows, args.concurrency, roots[family].dir)
            entry["ratio"] = entry["sandbox"]["executions_per_s"] / entry["chroot_floor"]["executions_per_s"]
            tool = HOST_TOOLS.get(language, language)
            if shutil.which(tool, path=HOST_PATH):
                entry["host_floor"] = floor(language, rows, args.concurrency)
            else:
                entry["host_floor"] = {"missing": f"{tool} is not installed on the host"}
            report["languages"][language] = entry
            s, c, h = entry["sandbox"], entry["chroot_floor"], entry["host_floor"]
            print(f"{language:<11} {s['compile_p50_ms']:>10.0f}/{s['compile_p95_ms']:<9.0f} {s['run_p50_ms']:>5.0f}/{s['run_p95_ms']:<6.0f} "
                  f"{s['executions_per_s']:>6.2f} | {c['compile_p50_ms']:>14.0f} {c['run_p50_ms']:>6.1f} {c['executions_per_s']:>6.2f} | "
                  f"{h.get('compile_p50_ms', nan):>12.0f} {h.get('run_p50_ms', nan):>6.1f} {h.get('executions_per_s', nan):>6.2f} | "
                  f"{entry['ratio']:>5.2f}", flush=True)
            if s["containers_replaced"]:
                print(f"  note: {s['containers_replaced']} containers replaced during the run")
            if c["errors"] or not c["correct_passed"]:
                print(f"  WARNING: chroot floor: {c['errors'] or 'a correct solution failed'}")
            if not (s["correct_passed"] and s["wrong_failed"]):
                print(f"  WARNING: {language}: correct solutions passed={s['correct_passed']}, wrong failed={s['wrong_failed']}")
    finally:
        for root in roots.values():
            root.close()
    report["load_average_at_end"] = os.getloadavg()
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    ratios = [e["ratio"] for e in report["languages"].values() if "ratio" in e]
    print(f"min ratio (pool / chroot floor): {min(ratios):.2f}" if ratios else "no floor measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
