"""From a spec's `model` string to a backend, one instance per model and options per process.

* omitted, `local:`, `local:default` -> `LocalBackend` on the embedded model; `local:PATH` -> a local checkpoint
* `openai:MODEL` -> `HTTPBackend` against `$OPENAI_BASE_URL` (default OpenAI's API), key from `$OPENAI_API_KEY`
* `http://HOST:PORT/v1` or `http://HOST:PORT/v1#MODEL` -> `HTTPBackend` against that server
* any other bare name (e.g. `gpt-4o-2024-08-06` in an OpenAI spec) -> `openai:NAME`, unless
  `$VERIGRADE_JUDGE_MODEL` is set, which then replaces bare names (e.g. `local:default` to run OpenAI specs offline)
"""
from __future__ import annotations

import os
import threading

from graders.models.embedded import checkpoint_path, is_default_model
from graders.models.http import HTTPBackend
from graders.models.interface import Backend, BackendOptions
from graders.models.local import LocalBackend

_BACKENDS: dict[tuple[str, BackendOptions], Backend] = {}
_lock = threading.Lock()


def canonical_model(model: str | None) -> str:
    """The canonical backend string for a spec's `model` value (`local:...`, `openai:...` or a URL)."""
    if model is None or model in ("", "local", "local:"):
        return "local:default"
    if model.startswith(("local:", "openai:", "http://", "https://")):
        return model
    override = os.environ.get("VERIGRADE_JUDGE_MODEL")
    return canonical_model(override) if override else f"openai:{model}"


def check_model(model: str | None) -> None:
    """Raise FileNotFoundError if `model` is a local model that names no checkpoint here (loads nothing)."""
    canonical = canonical_model(model)
    if canonical.startswith("local:"):
        name = canonical[len("local:"):]
        if not is_default_model(name):
            checkpoint_path(name)


def model_backend_for(model: str | None, options: BackendOptions = BackendOptions()) -> Backend:
    """The shared backend instance for `model` (created on first use; local models load lazily)."""
    canonical = canonical_model(model)
    key = (canonical, options)
    with _lock:
        backend = _BACKENDS.get(key)
        if backend is None:
            if canonical.startswith("local:"):
                backend = LocalBackend(canonical[len("local:"):] or "default", batch_size=options.batch_size)
            else:
                backend = HTTPBackend.from_model_string(canonical, options)
            _BACKENDS[key] = backend
    return backend
