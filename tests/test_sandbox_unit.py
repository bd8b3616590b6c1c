"""Pure logic of the sandbox (no Docker needed): value transport, test parsing, apt sources,
image content hash, container settings, the unsafe process backend and the CLI wiring. Comparisons:
test_sandbox_compare.py."""
from __future__ import annotations

import argparse
import json
import shutil
import warnings
from pathlib import Path

import pytest

from graders import load_grader
from graders.spec import SpecError
from sandbox import testcases
from sandbox.runtime import literal

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore::sandbox.backends.UnsafeBackendWarning")


@pytest.mark.parametrize("value", [1, -2 ** 5000, 1.5, float("inf"), "é\n", b"\x00", None, True, (1,), [1, (2, 3)],
                                   {1: "a", (1, 2): {3}}, set(), 2j, {"a": [1.0, -0.0]}])
def test_literal_round_trip_keeps_exact_types(value):
    back = literal.decode(literal.encode(value))
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("value", [object(), type("E", (int,), {})(1), [float("nan")], type("S", (str,), {})("x"),
                                   {"k": lambda: 1}])
def test_literal_rejects_anything_but_plain_data(value):
    with pytest.raises(literal.NotTransportable):
        literal.encode(value)


@pytest.mark.parametrize("text", ["__import__('os').system('x')", "(1).__class__", "[" * 5000, "f(1)"])
def test_literal_decode_never_runs_code(text):
    with pytest.raises(ValueError):
        literal.decode(text)


def test_extract_code_takes_last_python_block():
    text = "intro\n```python\na = 1\n```\ntext\n```\nb = 2\n```\n```bash\nls\n```"
    assert testcases.extract_code(text) == "b = 2\n"
    assert testcases.extract_code("x = 1") == "x = 1"
    assert testcases.extract_code("```python\nx = 1\n") == "x = 1\n"  # unterminated fence


def test_split_plain_asserts_into_tests():
    tests = testcases.assert_tests("import math\nassert f(1) == 1\nassert f(2) == 4\n")
    assert len(tests) == 2 and all("import math" in t["source"] for t in tests)
    assert len(testcases.assert_tests("def check(candidate):\n    assert candidate(1)\n")) == 1
    with pytest.raises(testcases.BadTests):
        testcases.assert_tests("assert (")


def test_io_and_calls_test_parsing():
    assert testcases.io_tests({"inputs": ["1"], "outputs": ["2"]}) == [{"stdin": "1", "expected": "2"}]
    assert testcases.io_tests([{"stdin": ["a", "b"], "stdout": "x"}])[0]["stdin"] == "a\nb\n"
    calls = testcases.calls_tests([[[1, 2], 3], {"args": [4], "kwargs": {"k": 1}, "expected": 5, "fn": "g"}], "f")
    assert calls[0]["fn"] == "f" and literal.decode(calls[0]["args"]) == [1, 2] and calls[0]["expected"] == 3
    assert calls[1]["fn"] == "g" and literal.decode(calls[1]["kwargs"]) == {"k": 1}
    with pytest.raises(testcases.BadTests, match="test 0"):
        testcases.io_tests([{"input": "1"}])


def test_host_apt_source_reads_deb822_and_sources_list(tmp_path):
    (tmp_path / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: trixie trixie-updates\nComponents: main\n\n"
        "Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: trixie-security\n")
    from sandbox.debootstrap import host_apt_source

    assert host_apt_source(str(tmp_path), str(tmp_path / "none")) == ("http://mirror.invalid/debian", "trixie")
    empty = tmp_path / "empty"
    empty.mkdir()
    listing = tmp_path / "sources.list"
    listing.write_text("# comment\ndeb [arch=amd64] http://other.invalid/debian/ bookworm main\n")
    assert host_apt_source(str(empty), str(listing)) == ("http://other.invalid/debian", "bookworm")


def test_image_tag_changes_when_the_runner_changes(tmp_path, monkeypatch):
    import sandbox.image as image

    before = image.image_tag("registry")
    assert before == image.image_tag("registry") and before != image.image_tag("debootstrap")
    copy = tmp_path / "runtime"
    shutil.copytree(image.RUNTIME_DIR, copy)
    (copy / "harness.py").write_text((copy / "harness.py").read_text() + "\n# changed\n")
    monkeypatch.setattr(image, "RUNTIME_DIR", copy)
    assert image.image_tag("registry") != before


def test_container_config_is_hardened():
    from sandbox.container import container_config
    from sandbox.limits import Limits

    cfg = container_config("img", Limits(memory_mb=300, pids=50))
    assert cfg["network_mode"] == "none" and cfg["read_only"] and cfg["init"]
    assert cfg["cap_drop"] == ["ALL"] and cfg["security_opt"] == ["no-new-privileges"]
    assert cfg["mem_limit"] == cfg["memswap_limit"] == "300m" and cfg["pids_limit"] == 50
    assert cfg["user"] != "0" and "root" not in cfg["user"]
    assert cfg["labels"]["verigrade.sandbox"] == "1"


def test_limits_from_spec():
    from sandbox.limits import Limits

    lim = Limits.from_spec({"memory_mb": 1024}, pids=10)
    assert lim.memory_mb == 1024 and lim.pids == 10 and lim.output_bytes == 1 << 20


def test_specs_validate_and_bad_specs_name_the_field():
    for name in ("humaneval", "stdio"):
        load_grader(json.loads((REPO / "grader_specs" / f"{name}.json").read_text()))
    with pytest.raises(SpecError):
        load_grader({"type": "unit_tests", "test_format": "nope", "tests": "{{ item.t }}"})
    with pytest.raises(SpecError, match="limits"):
        load_grader({"type": "unit_tests", "test_format": "io", "tests": "{{ item.t }}", "limits": {"memory": 1}})
    with pytest.raises(SpecError, match="source"):
        load_grader({"type": "python", "source": "def nope(sample, item):\n    return 1\n"})


def unsafe_grader(**extra):
    spec = {"type": "unit_tests", "test_format": "calls", "tests": "{{ item.tests }}", "entry_point": "f",
            "backend": "unsafe_process", "test_timeout_s": 2, **extra}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_grader(spec)


def test_unsafe_process_backend_grades_and_warns():
    from sandbox.backends import UnsafeBackendWarning, sandbox_backend
    from sandbox.limits import Limits

    with pytest.warns(UnsafeBackendWarning):
        sandbox_backend("unsafe_process", Limits(nofile=123))
    grader = unsafe_grader()
    item = {"tests": [[[2], 4], [[3], 6]]}
    assert grader.grade("def f(x):\n    return 2 * x\n", item).score == 1.0
    half = grader.grade("def f(x):\n    return 4\n", item)
    assert half.score == 0.5 and "returned 4" in half.reason
    timeout = grader.grade("def f(x):\n    while True:\n        pass\n", item)
    assert timeout.status == "timeout" and timeout.score == 0.0


def test_grader_statuses_without_running_code():
    grader = unsafe_grader()
    assert grader.grade("   ", {"tests": [[[1], 1]]}).status == "no_answer"
    assert grader.grade("def f(x): return x", {"tests": "not a list"}).status == "invalid_reference"
    missing = grader.grade("def f(x): return x", {})
    assert missing.status == "error" and missing.error_type == "invalid_variable_error"


def test_cli_registers_sandbox_commands():
    from sandbox.cli import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sandbox", "build", "--from-registry"])
    assert args.source == "registry" and callable(args.func)
    assert parser.parse_args(["sandbox", "doctor", "--json"]).json
    assert parser.parse_args(["sandbox", "ensure", "--no-build"]).no_build


def test_no_docker_gives_error_results_not_exceptions():
    import os
    import subprocess
    import sys

    script = ("import json\nfrom graders import load_grader\n"
              "g = load_grader({'type': 'unit_tests', 'test_format': 'calls', 'tests': '{{ item.tests }}', 'entry_point': 'f'})\n"
              "p = load_grader({'type': 'python', 'source': 'def grade(sample, item):\\n    return 1.0\\n'})\n"
              "rs = g.grade_batch([('def f(x): return x', {'tests': [[[1], 1]]})] * 2) + [p.grade('x', {})]\n"
              "print(json.dumps([[r.score, r.status, r.reason] for r in rs]))\n")
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent/docker.sock")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    assert [(r[0], r[1]) for r in rows] == [(0.0, "error")] * 3
    assert all("sandbox unavailable" in r[2] and "sandbox.ensure" in r[2] for r in rows)
