"""The trusted test runner. It runs inside the sandbox container (or, for the unsafe process backend, on
the host) and is the only code that decides `assert`-style verdicts.

Reads one job (JSON) on stdin (or, with --serve, a stream of length-prefixed jobs), runs every test of every sample in a *fresh candidate interpreter*
(candidate.py), and writes one JSON record per sample plus a final record to stdout, each carrying the
job's nonce. The candidate never shares a process with this runner: it gets arguments and returns plain
literal values over a pipe. In a container this process makes itself non-dumpable first, so the
candidate (same uid) can't read its memory or file descriptors through /proc. Stdlib only.
"""
import builtins
import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import languages  # noqa: E402
import literal  # noqa: E402
from programs import compile_sample, run_checker, run_driver_call  # noqa: E402
from child import RUNNER_IGNORES, Child, Stop, describe_exit, exit_kind  # noqa: E402
from hygiene import (IN_CONTAINER, StateMarks, StepPadding, kill_everything, remove_stored_state,  # noqa: E402
                     same_uid_others, wipe)



# -- the three test formats ------------------------------------------------------------------------------
def call_candidate(child, fn, args_lit, kwargs_lit, deadline):
    child.send({"fn": fn, "args": args_lit, "kwargs": kwargs_lit})
    line = child.pump(deadline, want_line=True)
    try:
        answer = json.loads(line)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise Stop("protocol", "the candidate sent an unreadable answer")
    return answer


class CandidateError(Exception):
    """Whatever the candidate's code raised, as the one type trusted test code ever sees. Never a builtin
    class: a candidate's StopIteration would silently end the test's `all(map(...))` or `zip(...)`, an
    AttributeError would turn into a `getattr` default, an IndexError would end an old-style sequence
    iteration, an AssertionError would pose as the test's own failure. `type_name` keeps the original
    class name, for tests that check an expected error: `except CandidateError as e: assert e.type_name ==
    "ValueError"`."""

    def __init__(self, type_name, message):
        super().__init__(message)
        self.type_name = type_name


class Proxy:
    """Stands in for the candidate's function inside the trusted test code."""

    def __init__(self, child, name, deadline):
        self.child, self.name, self.deadline, self.calls = child, name, deadline, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        try:
            args_lit, kwargs_lit = literal.encode(list(args)), literal.encode(kwargs)
        except literal.NotTransportable as exc:
            raise Stop("bad_test", f"the test passes an argument that can't be sent to the candidate: {exc}")
        answer = call_candidate(self.child, self.name, args_lit, kwargs_lit, self.deadline)
        if answer.get("ok"):
            try:
                return literal.decode(answer.get("value", ""))
            except ValueError as exc:
                raise Stop("bad_value", f"{self.name} returned something that isn't plain data ({exc})")
        if answer.get("exc_type") == "NotTransportable":
            raise Stop("bad_value", f"{self.name}: {answer.get('error')}")
        if answer.get("exc_type") == "MemoryError":
            raise Stop("memory", f"{self.name} ran out of memory (MemoryError at the memory limit)")
        raise CandidateError(str(answer.get("exc_type"))[:100], f"{self.name} raised {answer.get('error')}")


def called_names(tree):
    import ast

    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            names.add(node.func.id)
    return names


def calls_check_itself(tree):
    import ast

    return any(isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
               and isinstance(node.value.func, ast.Name) and node.value.func.id == "check" for node in tree.body)


def wait_ready(child, deadline):
    line = child.pump(deadline, want_line=True)
    try:
        ready = json.loads(line)
    except ValueError:
        ready = None
    if not isinstance(ready, dict):
        raise Stop("protocol", "the candidate sent an unreadable greeting")
    if not ready.get("ready"):
        kind = "memory" if str(ready.get("error", "")).startswith("MemoryError") else "load_error"
        raise Stop(kind, f"the code failed to load: {ready.get('error', '?')}")


def run_assert(sample, test, child, deadline):
    import ast
    import traceback

    namespace = {"__name__": "__verigrade_test__", "CandidateError": CandidateError}
    try:
        exec(compile(sample.get("setup") or "", "setup", "exec"), namespace)
        tree = compile(test["source"], "test", "exec", ast.PyCF_ONLY_AST)
    except Exception as exc:  # noqa: BLE001 - trusted input that is broken: not the candidate's fault
        return {"status": "error", "kind": "bad_test", "reason": f"the test itself is broken: {exc!r}"[:300]}
    wait_ready(child, deadline)
    entry = sample.get("entry_point")
    names = called_names(tree) | ({entry} if entry else set())
    proxies = {}
    for name in names:
        if name == entry or (name not in namespace and not hasattr(builtins, name)):
            proxies[name] = namespace[name] = Proxy(child, name, deadline)
    lines = test["source"].splitlines()
    try:
        exec(compile(tree, "test", "exec"), namespace)
        check = namespace.get("check")
        if entry and callable(check) and not calls_check_itself(tree):
            check(proxies[entry])
    except (Stop, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001
        where = ""
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == "test" and 0 < frame.lineno <= len(lines):
                where = lines[frame.lineno - 1].strip()
        if isinstance(exc, CandidateError):
            what = f"{exc}"
        else:
            what = "assertion failed" if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
        return {"status": "fail", "kind": "wrong_answer" if isinstance(exc, AssertionError) else "exception",
                "reason": (f"{what}: {where}" if where else what)[:400]}
    if not any(p.calls for p in proxies.values()):
        return {"status": "fail", "kind": "no_calls", "reason": "the test never called the candidate's code"}
    return {"status": "pass", "reason": f"{sum(p.calls for p in proxies.values())} calls checked"}


def run_calls(sample, test, child, deadline):
    wait_ready(child, deadline)
    answer = call_candidate(child, test["fn"], test["args"], test.get("kwargs", "{}"), deadline)
    if answer.get("ok"):
        return {"status": "ran", "value": answer.get("value", "")}
    kind = "bad_value" if answer.get("exc_type") == "NotTransportable" else (
        "memory" if answer.get("exc_type") == "MemoryError" else "exception")
    return {"status": "fail", "kind": kind, "reason": str(answer.get("error"))[:400], "tb": answer.get("tb", "")}


def run_io(sample, test, workdir, limits, deadline, plan=None):
    if plan is None:
        child = Child([sys.executable, "-I", "-B", "solution.py"], workdir, limits,
                      stdin_bytes=test.get("stdin", "").encode())
    else:
        child = Child(plan["run"], workdir, limits, stdin_bytes=test.get("stdin", "").encode(), env=plan["env"],
                      address_space=plan["address_space"])
    try:
        child.pump(deadline, want_line=False)
    except Stop as stop:
        kill_everything(child)
        return {"status": "timeout" if stop.kind == "timeout" else "fail", "kind": stop.kind, "reason": stop.reason}
    rc = child.proc.returncode
    record = {"status": "ran", "stdout": child.out.decode("utf-8", "replace"), "rc": rc,
              "stderr_tail": child.stderr_tail()}
    if rc != 0:
        record.update(status="fail", kind=exit_kind(rc, child.err), reason=describe_exit(rc, child.err).replace(
            "before returning a result", "(non-zero)"))
    record["leftovers"] = kill_everything(child)
    return record


def run_test(sample, test, workdir, limits, deadline, plan=None):
    if sample["format"] == "checker":
        return run_checker(sample, test, workdir, limits, deadline, plan)
    if sample["format"] == "io":
        return run_io(sample, test, workdir, limits, deadline, plan)
    if plan is not None:
        return run_driver_call(sample, test, workdir, limits, deadline, plan)
    module = "__main__" if sample.get("as_main") else sample.get("module_name", "solution")
    child = Child([sys.executable, "-I", "-B", os.path.join(HERE, "candidate.py"),
                   os.path.join(workdir, "solution.py"), module], workdir, limits, control=True)
    try:
        runner = run_assert if sample["format"] == "assert" else run_calls
        record = runner(sample, test, child, deadline)
    except Stop as stop:
        status = "timeout" if stop.kind == "timeout" else "fail"
        if stop.kind == "exited":
            stop.kind = exit_kind(child.proc.poll(), child.err)
        record = {"status": status, "kind": stop.kind, "reason": stop.reason, "stderr_tail": child.stderr_tail()}
    finally:
        leftovers = kill_everything(child)
    record["leftovers"] = leftovers
    return record


# -- samples and the job ---------------------------------------------------------------------------------
def run_sample(sample, job):
    """Run every test of one sample; the record says what happened and whether the sample left the
    container dirty (then nothing else may run in it)."""
    limits = job["limits"]
    started = time.monotonic()
    sample_deadline = started + float(sample["sample_timeout_s"])
    marks = StateMarks(job["work_root"]) if IN_CONTAINER else None
    spawned_before = Child.spawned
    workdir = os.path.join(job["work_root"], f"s-{os.getpid()}-{sample['id']}-{os.urandom(4).hex()}")
    os.mkdir(workdir, 0o700)
    language = sample.get("language") or "python"
    plan = None
    if language != "python" or sample["format"] == "checker":
        plan = languages.plan(language, sample["code"], limits["memory_bytes"] >> 20, workdir, sample.get("main_class"))
    with open(os.path.join(workdir, plan["source"] if plan else "solution.py"), "w", encoding="utf-8") as fh:
        fh.write(sample["code"])
    records, violations = [], []
    compiled = None
    padding = StepPadding(job["work_root"]) if IN_CONTAINER and plan else None

    def step(name, run, budget):
        return padding.step(name, run, *budget) if padding else run()

    if plan and plan["compile"]:
        compile_deadline = min(time.monotonic() + float(sample.get("compile_timeout_s", 30)), sample_deadline)
        compile_limits = dict(limits, output_bytes=limits.get("compile_output_bytes", 1 << 20))
        compiled = step("compile", lambda: compile_sample(plan, workdir, compile_limits, compile_deadline),
                        plan["budgets"]["compile"])
    tests = sample["tests"] if compiled is None or compiled["status"] == "ok" else []
    if padding and not tests:
        for test in sample["tests"]:  # as if the tests had run: the counters don't tell whether it compiled
            step(f"test {test['id']}", lambda: None, plan["budgets"]["test"])
    for test in tests:
        now = time.monotonic()
        if now >= sample_deadline:
            records.append({"id": test["id"], "status": "timeout", "kind": "timeout",
                            "reason": "the sample's total time budget ran out before this test"})
            continue
        deadline = min(now + float(test["timeout_s"]), sample_deadline)
        def timed():
            out = run_test(sample, test, workdir, limits, deadline, plan)
            out["elapsed_ms"] = round((time.monotonic() - now) * 1000, 2)  # the test, not the padding after it
            return out

        try:
            record = step(f"test {test['id']}", timed, plan["budgets"]["test"] if plan else None)
        except Exception as exc:  # noqa: BLE001 - a harness bug costs this test, never the job
            import traceback

            record = {"status": "error", "kind": "harness", "reason": f"harness error: {exc!r}"[:300],
                      "tb": traceback.format_exc()[-2000:], "leftovers": kill_everything(None)}
        record["id"] = test["id"]
        record.setdefault("elapsed_ms", round((time.monotonic() - now) * 1000, 2))
        records.append(record)
        left = record.pop("leftovers", 0)
        if left and record.get("status") != "timeout":
            violations.append(f"left {left} background process(es) running after test {test['id']}")
    dirty = []
    if IN_CONTAINER:
        stored, survived = remove_stored_state(job["work_root"], workdir)
        violations += stored
        if padding:
            dirty = marks.changes(padding.pids, runner_inodes=2 + padding.inodes)
            dirty += [f"{name} used more processes or files than its budget" for name in padding.over]
        else:
            dirty = marks.changes(Child.spawned - spawned_before, runner_inodes=2)
        if survived:
            dirty.append("state that could not be removed")
    wipe(workdir)
    record = {"sample": sample["id"], "tests": records, "violations": violations, "dirty": dirty,
              "elapsed_ms": round((time.monotonic() - started) * 1000, 2)}
    if compiled is not None:
        record["compile"] = compiled
    return record


def make_undumpable():
    """PR_SET_DUMPABLE=0: /proc/<our pid>/{mem,fd,environ} become root-only and ptrace-attach fails."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(4, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def run_job(job):
    """Run the job's samples in order. After a sample that timed out, broke a rule or moved the container's
    state (see hygiene.py), stop: the host recycles this container and runs the rest elsewhere, so no
    sample ever follows one that could have left it a message."""
    nonce = job["nonce"]
    contaminated = False
    if IN_CONTAINER and same_uid_others():
        contaminated = True  # someone from an earlier run survived: kill before touching any sample
        kill_everything(None)
    timed_out = False
    stopped_after = None
    for sample in job["samples"]:
        record = run_sample(sample, job)
        contaminated = contaminated or bool(record["violations"] or record["dirty"])
        timed_out = timed_out or any(t.get("status") == "timeout" for t in record["tests"])
        record["nonce"] = nonce
        emit(record)
        if (contaminated or timed_out) and sample is not job["samples"][-1]:
            stopped_after = sample["id"]
            break
    # the host replaces the container after contamination or a timeout, even though everything was killed
    emit({"nonce": nonce, "done": True, "contaminated": contaminated, "timed_out": timed_out,
          "stopped_after": stopped_after})


def serve(stream):
    """Warm-pool mode: jobs arrive one after another as `<byte length>\n<json>`; stop at end of input."""
    while True:
        header = stream.readline()
        if not header.strip():
            return
        run_job(json.loads(stream.read(int(header))))


def main():
    if IN_CONTAINER:
        make_undumpable()
        for sig in RUNNER_IGNORES:
            signal.signal(sig, signal.SIG_IGN)
    if "--serve" in sys.argv[1:]:
        serve(sys.stdin.buffer)
    else:
        run_job(json.loads(sys.stdin.buffer.read()))


if __name__ == "__main__":
    main()
