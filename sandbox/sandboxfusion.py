"""SandboxFusion's `/run_code`, answered by the verigrade sandbox: same request, same response shape.

    run_code({"code": "print(1)", "language": "python", "stdin": "", "run_timeout": 10, ...}) -> dict

So a verl config pointing `sandbox_fusion.url` at verigrade works for the common path: one program, its
stdin, its stdout/stderr/exit code back. The program runs exactly as a `unit_tests` io test does (the
hardened pool, a fresh process, compile once). Differences from SandboxFusion: `files` and `fetch_files`
must be empty (SandboxFusion's extra files are not supported), stderr is the last 1500 characters, stdout
stops at the output limit (1 MiB), `memory_limit_MB` -1 means the sandbox default (512 MiB), and
SandboxFusion languages outside runtime/languages.py (go_test, junit, pytest, jest, sql, R, ...) are
rejected, like any unknown language, with `RunCodeError` (HTTP 422).
"""
from __future__ import annotations

from typing import Any

from sandbox.limits import Limits
from sandbox.runtime.languages import LANGUAGES, canonical

FIELDS = {"code", "language", "compile_timeout", "run_timeout", "memory_limit_MB", "stdin", "files", "fetch_files"}
MAX_TIMEOUT_S = 600.0


class RunCodeError(ValueError):
    """The request is not a valid `/run_code` request (SandboxFusion answers these with 422)."""


def run_code(request: dict, backend: str = "docker") -> dict:
    """Run one `/run_code` request; returns SandboxFusion's response object."""
    return run_code_batch([request], backend)[0]


def run_code_batch(requests: list[dict], backend: str = "docker") -> list[dict]:
    """Several requests at once (spread over the warm pool); each answer as `run_code` gives it."""
    from sandbox import engine
    from sandbox.backends import sandbox_backend

    jobs = [_job(i, validated_request(r)) for i, r in enumerate(requests)]
    answers: list[dict | None] = [None] * len(jobs)
    groups: dict[tuple, list[dict]] = {}
    for job in jobs:
        groups.setdefault((LANGUAGES[job["language"]]["family"], job.pop("memory_mb")), []).append(job)
    for (family, memory_mb), group in groups.items():
        try:
            runner = sandbox_backend(backend, Limits(memory_mb=memory_mb), None, family)
        except Exception as exc:  # noqa: BLE001 - no sandbox: SandboxError, as SandboxFusion reports its own trouble
            for job in group:
                answers[job["id"]] = _response("SandboxError", f"sandbox unavailable: {exc}")
            continue
        records = engine.fan_out(group, runner, batch_size=1)
        for job in group:
            answers[job["id"]] = _answer(job, records[job["id"]])
    return answers  # type: ignore[return-value]


def validated_request(request: Any) -> dict:
    """The request with defaults filled in; `RunCodeError` (a 422 for SandboxFusion) when it is not valid."""
    if not isinstance(request, dict):
        raise RunCodeError("the request must be a JSON object")
    unknown = set(request) - FIELDS
    if unknown:
        raise RunCodeError(f"unknown fields: {', '.join(sorted(unknown))}")
    if not isinstance(request.get("code"), str):
        raise RunCodeError("'code' is required and must be a string")
    language = canonical(request.get("language"))
    if language is None:
        raise RunCodeError(f"unsupported language {request.get('language')!r}; supported: {', '.join(LANGUAGES)}")
    for key, default in (("compile_timeout", 10.0), ("run_timeout", 10.0)):
        value = request.get(key, default)
        if type(value) not in (int, float) or not 0 < value <= MAX_TIMEOUT_S:
            raise RunCodeError(f"'{key}' must be a number of seconds in (0, {MAX_TIMEOUT_S:g}]")
    memory = request.get("memory_limit_MB", -1)
    if type(memory) is not int or not (memory == -1 or 32 <= memory <= 65536):
        raise RunCodeError("'memory_limit_MB' must be -1 or an integer in [32, 65536]")
    stdin = request.get("stdin")
    if stdin is not None and not isinstance(stdin, str):
        raise RunCodeError("'stdin' must be a string or null")
    if request.get("files") or request.get("fetch_files"):
        raise RunCodeError("'files' and 'fetch_files' are not supported; send them empty")
    return {**request, "language": language}


def _job(index: int, request: dict) -> dict:
    language = request["language"]
    run_timeout = float(request.get("run_timeout", 10.0))
    compile_timeout = float(request.get("compile_timeout", 10.0))
    compiled = "compile" in LANGUAGES[language]
    memory = request.get("memory_limit_MB", -1)
    return {"id": index, "format": "io", "language": language, "code": request["code"], "as_main": True,
            "tests": [{"id": "0", "stdin": request.get("stdin") or "", "timeout_s": run_timeout}],
            "compile_timeout_s": compile_timeout,
            "sample_timeout_s": run_timeout + 1.0 + (compile_timeout if compiled else 0.0),
            "memory_mb": Limits().memory_mb if memory == -1 else memory}


def _answer(job: dict, record: dict | None) -> dict:
    if record is None or record.get("failure"):
        if (record or {}).get("failure_kind") == "timeout":
            return _response("Failed", "", run_result={"status": "TimeLimitExceeded", "execution_time": None,
                                                        "return_code": None, "stdout": "", "stderr": ""})
        return _response("SandboxError", (record or {}).get("failure", "no result"))
    if record.get("violations"):
        return _response("SandboxError", "sandbox violation: " + "; ".join(record["violations"]))
    compiled = record.get("compile")
    compile_result = None
    if compiled is not None:
        compile_result = {"status": "TimeLimitExceeded" if compiled["status"] == "timeout" else "Finished",
                          "execution_time": compiled.get("elapsed_ms", 0.0) / 1000.0,
                          "return_code": compiled.get("rc") if compiled["status"] != "ok" else 0,
                          "stdout": "", "stderr": compiled.get("output", "")}
        if compiled["status"] != "ok":
            return _response("Failed", "", compile_result=compile_result)
    test = (record.get("tests") or [{}])[0]
    status = test.get("status")
    if status in ("error",) or test.get("kind") in ("harness", "protocol"):
        return _response("SandboxError", test.get("reason", "sandbox error"), compile_result=compile_result)
    run_result = {"status": "TimeLimitExceeded" if status == "timeout" else "Finished",
                  "execution_time": float(test.get("elapsed_ms", 0.0)) / 1000.0,
                  "return_code": test.get("rc", 0 if status == "ran" else None),
                  "stdout": test.get("stdout", ""), "stderr": test.get("stderr_tail", "")}
    if status not in ("ran", "timeout") and run_result["return_code"] is None:
        run_result["stderr"] = (run_result["stderr"] + "\n" + test.get("reason", "")).strip()
        run_result["return_code"] = 137 if test.get("kind") in ("memory", "output_limit") else 1
    ok = status == "ran" and run_result["return_code"] == 0
    return _response("Success" if ok else "Failed", "", compile_result=compile_result, run_result=run_result)


def _response(status: str, message: str, compile_result: dict | None = None, run_result: dict | None = None) -> dict:
    return {"status": status, "message": message, "compile_result": compile_result, "run_result": run_result,
            "executor_pod_name": None, "files": {}}
