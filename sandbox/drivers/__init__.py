"""Function-call tests in languages other than Python (MultiPL-E style): a generated driver appended to the
candidate's code calls the entry point with one test's arguments and writes the result, as JSON, to the
control pipe the runner gives it. The host reads it by the declared return type and compares.

Trust boundary: the driver shares the candidate's process, so the candidate can change what it writes
(or exit before it writes). It can't make a wrong answer pass: the expected values never enter the
process or the container, exactly one result line must arrive and the process must exit 0, and the
value is read and compared on the host, by type. What it can do is what any program can: compute the
answer. See docs/sandbox.md, "Function-call tests in other languages".
"""
from __future__ import annotations

from typing import Any

from sandbox.calltypes import BadSignature, parse_signature, to_expected, to_wire
from sandbox.runtime import literal

__all__ = ["BadSignature", "with_driver", "SUPPORTED"]


def _generators() -> dict[str, Any]:
    from sandbox.drivers import cpp, go, java, js, rust

    return {"cpp": cpp.driver, "cpp20": cpp.driver, "nodejs": js.driver, "typescript": js.ts_driver,
            "go": go.driver, "rust": rust.driver, "java": java.driver}


SUPPORTED = tuple(_generators())


def with_driver(language: str, code: str, tests: list[dict], entry: str | None,
                signature: str | None) -> tuple[str, list[dict], dict]:
    """(program = candidate code + driver, tests with `index` and `returns`, run options for the job). The
    driver holds every test's arguments (the candidate may see them; it sees them anyway when called),
    never an expected value."""
    if language not in SUPPORTED:
        raise BadSignature(f"function-call tests are not available for {language}; use test_format io")
    if not signature:
        raise BadSignature(f"function-call tests in {language} need the entry point's `signature` "
                           "(Python annotations, e.g. 'def add(a: int, b: list[int]) -> int')")
    name, params, returns = parse_signature(signature)
    fn = entry or name
    args_per_test = []
    for n, test in enumerate(tests):
        if test.get("fn") not in (None, fn) or test.get("kwargs", "{}") != "{}":
            raise BadSignature(f"calls test {n}: only positional calls of {fn} are supported in {language}")
        args = literal.decode(test["args"])
        if len(args) != len(params):
            raise BadSignature(f"calls test {n}: {len(args)} arguments for {len(params)} parameters")
        args_per_test.append(args)
        test["index"] = n
        test["returns"] = returns
        test["expected"] = to_expected(test["expected"], returns)
        test["wire_args"] = [to_wire(a, p, f"test {n} argument {i}") for i, (a, p) in enumerate(zip(args, params))]
    program = _generators()[language](code, fn, params, returns, [t.pop("wire_args") for t in tests])
    return program, tests, ({"main_class": "VgDriver"} if language == "java" else {})
