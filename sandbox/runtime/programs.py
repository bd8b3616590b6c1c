"""Programs in languages other than Python: compile once per sample, function-call tests through a generated
driver, and custom checker programs. Part of the trusted harness (harness.py). Stdlib only.
"""
import os
import time

from child import Child, Stop, describe_exit, exit_kind
from hygiene import kill_everything


def run_driver_call(sample, test, workdir, limits, deadline, plan):
    """A function-call test in a compiled/other language: the program (candidate code + a generated driver)
    runs with the test's index and writes one result line to the control pipe. Expected values are not in it."""
    child = Child(plan["run"] + [str(test["index"])], workdir, limits, control=True, env=plan["env"],
                  address_space=plan["address_space"])
    try:
        line = child.pump(deadline, want_line=True)
        child.pump(deadline, want_line=False)   # to the end of the process: exactly one result line counts
        extra = bytes(child.ctrl_buf).strip() or None
    except Stop as stop:
        status = "timeout" if stop.kind == "timeout" else "fail"
        if stop.kind == "exited":
            stop.kind = exit_kind(child.proc.poll(), child.err)
        record = {"status": status, "kind": stop.kind, "reason": stop.reason, "stderr_tail": child.stderr_tail()}
    else:
        rc = child.proc.returncode
        if extra is not None:
            record = {"status": "fail", "kind": "protocol_abuse", "reason": "more than one result was written"}
        elif rc != 0:
            record = {"status": "fail", "kind": exit_kind(rc, child.err),
                      "reason": describe_exit(rc, child.err).replace("before returning a result", "after its result"),
                      "stderr_tail": child.stderr_tail()}
        else:
            record = {"status": "ran", "value": line.decode("utf-8", "replace"), "stderr_tail": child.stderr_tail()}
    finally:
        leftovers = kill_everything(child)
    record["leftovers"] = leftovers
    return record


def compile_sample(plan, workdir, limits, deadline):
    """Compile once per sample; returns {status: ok | error | timeout | crash, output, rc, elapsed_ms}."""
    started = time.monotonic()
    child = Child(plan["compile"], workdir, limits, stdin_bytes=None, env=plan["env"], address_space=False)
    status, rc = "ok", None
    try:
        child.pump(deadline, want_line=False)
        rc = child.proc.returncode
    except Stop as stop:
        status = "timeout" if stop.kind == "timeout" else "error"
        if stop.kind == "output_limit":
            child.err.extend(b"\n[compiler output over the limit, cut]")
    finally:
        kill_everything(child)
    output = (bytes(child.err) + bytes(child.out)).decode("utf-8", "replace")
    if status == "ok" and rc != 0:
        crashed = rc is not None and (rc < 0 or "internal compiler error" in output.lower()
                                      or "please submit a full bug report" in output.lower())
        status = "crash" if crashed else "error"
    return {"status": status, "rc": rc, "output": output[-4000:],
            "elapsed_ms": round((time.monotonic() - started) * 1000, 2)}


def run_checker(sample, test, workdir, limits, deadline, plan):
    """A trusted checker program (testlib-style): argv gets input, candidate output and expected answer
    files; its exit code is the verdict. Runs in a job of its own, never next to candidate code."""
    for name, text in test["files"].items():
        with open(os.path.join(workdir, name), "w", encoding="utf-8") as fh:
            fh.write(text)
    child = Child(plan["run"] + ["input.txt", "output.txt", "answer.txt"], workdir, limits, stdin_bytes=None,
                  env=plan["env"], address_space=plan["address_space"])
    try:
        child.pump(deadline, want_line=False)
    except Stop as stop:
        kill_everything(child)
        return {"status": "timeout" if stop.kind == "timeout" else "fail", "kind": stop.kind, "reason": stop.reason}
    record = {"status": "ran", "rc": child.proc.returncode, "stdout": child.out[-2000:].decode("utf-8", "replace"),
              "stderr_tail": child.stderr_tail()}
    record["leftovers"] = kill_everything(child)
    return record
