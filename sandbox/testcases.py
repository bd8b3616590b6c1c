"""Test cases from a spec: read the item's tests into runner tests (expected values stay on the host).

Expected values of `io` and `calls` tests never enter the sandbox: the runner sends back stdout or a
plain literal, and verdicts.py compares on the host, on values that can't carry a custom `__eq__`.
"""
from __future__ import annotations

import ast
import re
from typing import Any

from sandbox.compare import UNORDERED, CompareRules
from sandbox.runtime import literal
from sandbox.runtime.languages import canonical

_FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)


class BadTests(ValueError):
    """The item's tests can't be read in the chosen format (the reference is broken, not the sample)."""


def extract_code(text: str, language: str = "python") -> str:
    """The last fenced code block whose info string names `language` (or an alias: cpp, c++, js, ts, rs...)
    or has none, else the last block of any kind; the whole text when there is no block."""
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(text)]
    if not blocks:
        return text
    wanted = _same_language(language)
    preferred = [body for lang, body in blocks if lang == "" or canonical(lang) in wanted]
    return (preferred or [blocks[-1][1]])[-1]


def _same_language(language: str) -> set[str]:
    """Fences that count as `language`: C++ blocks for either C++ standard."""
    if language in ("cpp", "cpp20"):
        return {"cpp", "cpp20"}
    return {language}


def defines(code: str, name: str) -> bool:
    pattern = rf"(?m)^(?:async\s+def|def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*="
    return re.search(pattern, code) is not None


# -- turning spec tests into runner tests -----------------------------------------------------------------
def assert_tests(tests: Any) -> list[dict]:
    """A `check(candidate)` source, a string of plain asserts (one test per assert) or a list of strings."""
    if isinstance(tests, str):
        return [{"source": src} for src in _split_asserts(tests)]
    if isinstance(tests, list) and tests and all(isinstance(t, str) for t in tests):
        return [{"source": t} for t in tests]
    raise BadTests("assert tests must be a string of test code or a non-empty list of strings")


def _split_asserts(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise BadTests(f"the test code does not parse: {exc.msg} (line {exc.lineno})") from None
    asserts = [node for node in tree.body if isinstance(node, ast.Assert)]
    has_check = any(isinstance(n, ast.FunctionDef) and n.name == "check" for n in tree.body)
    if has_check or len(asserts) < 2:
        return [source]
    lines = source.splitlines()
    shared = [ast.get_source_segment(source, n) or "" for n in tree.body if not isinstance(n, ast.Assert)]
    prefix = "\n".join(shared)
    return [prefix + "\n" + "\n".join(lines[a.lineno - 1: a.end_lineno]) for a in asserts]


def io_tests(tests: Any) -> list[dict]:
    """[{input, output}] (also stdin/stdout, expected_output keys) or {"inputs": [...], "outputs": [...]}."""
    if isinstance(tests, dict) and "inputs" in tests and "outputs" in tests:
        if len(tests["inputs"]) != len(tests["outputs"]):
            raise BadTests("inputs and outputs have different lengths")
        tests = [{"input": i, "output": o} for i, o in zip(tests["inputs"], tests["outputs"])]
    if not isinstance(tests, list) or not tests:
        raise BadTests("io tests must be a non-empty list of {input, output} objects")
    out = []
    for n, test in enumerate(tests):
        if not isinstance(test, dict):
            raise BadTests(f"io test {n} is not an object")
        stdin = _first(test, ("input", "stdin"), f"io test {n} has no input")
        expected = _first(test, ("output", "stdout", "expected_output"), f"io test {n} has no output")
        out.append({"stdin": _as_text(stdin), "expected": _as_text(expected)})
    return out


def calls_tests(tests: Any, entry_point: str | None, rules: CompareRules | None = None) -> list[dict]:
    """[{args, kwargs?, expected | expected_literal, fn?, unordered?, float_tolerance?, compare_as_json?}] or
    [[args, expected], ...]; args is a list of positional arguments. `expected_literal` is Python literal
    text, for values JSON can't write (tuples, sets, bytes, non-string dict keys). Each test gets its
    `CompareRules` (the spec's `rules`, overridden by the test's own fields) under "compare"."""
    if not isinstance(tests, list) or not tests:
        raise BadTests("calls tests must be a non-empty list")
    rules = rules or CompareRules()
    out = []
    for n, test in enumerate(tests):
        if isinstance(test, list) and len(test) == 2:
            test = {"args": test[0], "expected": test[1]}
        if not isinstance(test, dict) or "args" not in test:
            raise BadTests(f"calls test {n} needs 'args' and 'expected'")
        expected = _expected_value(test, n)
        fn = test.get("fn") or entry_point
        if not fn:
            raise BadTests(f"calls test {n}: no function name (set entry_point or the test's 'fn')")
        args = test["args"] if isinstance(test["args"], list) else [test["args"]]
        try:
            out.append({"fn": fn, "args": literal.encode(args), "kwargs": literal.encode(test.get("kwargs") or {}),
                        "expected": expected, "compare": _test_rules(test, rules, n)})
        except literal.NotTransportable as exc:
            raise BadTests(f"calls test {n}: {exc}") from None
    return out


def _expected_value(test: dict, n: int) -> Any:
    if "expected_literal" in test:
        text = test["expected_literal"]
        if not isinstance(text, str):
            raise BadTests(f"calls test {n}: expected_literal must be Python literal text")
        try:
            expected = literal.decode(text)
        except ValueError as exc:
            raise BadTests(f"calls test {n}: expected_literal is {exc}") from None
    else:
        expected = _first(test, ("expected", "output", "expected_output"), f"calls test {n} has no expected value")
    try:
        literal.encode(expected)  # plain data only, and no NaN (it never equals anything)
    except literal.NotTransportable as exc:
        raise BadTests(f"calls test {n}: expected value: {exc}") from None
    return expected


def _test_rules(test: dict, rules: CompareRules, n: int) -> CompareRules:
    unordered = test.get("unordered", rules.unordered)
    tol = test.get("float_tolerance", rules.float_tolerance)
    as_json = test.get("compare_as_json", rules.compare_as_json)
    if unordered not in UNORDERED:
        raise BadTests(f"calls test {n}: unordered must be one of {', '.join(UNORDERED)}")
    if type(tol) not in (int, float) or not 0 <= tol < float("inf"):
        raise BadTests(f"calls test {n}: float_tolerance must be a number >= 0")
    if type(as_json) is not bool:
        raise BadTests(f"calls test {n}: compare_as_json must be true or false")
    return CompareRules(float(tol), unordered, as_json)


def _first(test: dict, keys: tuple, message: str) -> Any:
    for key in keys:
        if key in test:
            return test[key]
    raise BadTests(message)


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value) + "\n"
    return value if isinstance(value, str) else str(value)
