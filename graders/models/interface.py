"""Judge backends: where verdict probabilities come from.

A backend answers forced-choice questions: given chat `messages` and a list of `choices` (verdict words,
labels or score strings), return the probability of each choice (`Reply.probs`), or, when a remote server
gives no usable logprobs, the reply text for the caller to parse (`Reply.text`).

`get_backend(model)` picks one from the spec's `model` string and keeps one instance per model per process:

* omitted, `local:`, `local:default`, `local:PATH` -> `LocalBackend` (in-process transformers model)
* `openai:MODEL` -> `HTTPBackend` against `$OPENAI_BASE_URL` (default OpenAI's API), key from `$OPENAI_API_KEY`
* `http://HOST:PORT/v1` or `http://HOST:PORT/v1#MODEL` -> `HTTPBackend` against that server
* any other bare name (e.g. `gpt-4o-2024-08-06` in an OpenAI spec) -> `openai:NAME`, unless
  `$VERIGRADE_JUDGE_MODEL` is set, which then replaces bare names (e.g. `local:default` to run OpenAI specs offline)
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Reply:
    """A backend's answer to one forced-choice request."""

    probs: dict[str, float] | None = None   # normalised over the choices; None -> parse `text`
    text: str | None = None                 # raw reply text (HTTP servers)
    mass: float | None = None               # raw probability mass the model put on the choices
    method: str = "logprobs"                # "logprobs" | "text"

    def to_json(self) -> dict[str, Any]:
        return {"probs": self.probs, "text": self.text, "mass": self.mass, "method": self.method}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        return cls(**data)


@dataclass
class BackendFailure:
    """A request the backend could not answer: becomes a non-ok GradeResult, never an exception."""

    status: str                 # "error" | "timeout"
    reason: str
    error_type: str = "model_grader_server_error"
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Request:
    messages: list[dict[str, Any]]
    choices: list[str]
    sampling: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    model_id: str

    def choose(self, requests: list[Request], timeout_s: float | None = None) -> list[Reply | BackendFailure]:
        """Answer every request; each one within `timeout_s` of its start (else a `timeout` failure)."""


@dataclass(frozen=True)
class BackendOptions:
    """Tuning for HTTP backends (spec field `backend_options`); local backends use `batch_size`."""

    max_concurrency: int = 4
    max_retries: int = 2
    request_timeout_s: float = 30.0
    backoff_s: float = 0.5
    api_key_env: str | None = None
    batch_size: int = 8


_BACKENDS: dict[tuple[str, BackendOptions], Backend] = {}
_lock = threading.Lock()


def resolve_model(model: str | None) -> str:
    """Canonical backend string for a spec's `model` value (see module docstring)."""
    if model is None or model in ("", "local", "local:"):
        return "local:default"
    if model.startswith(("local:", "openai:", "http://", "https://")):
        return model
    override = os.environ.get("VERIGRADE_JUDGE_MODEL")
    return resolve_model(override) if override else f"openai:{model}"


def get_backend(model: str | None, options: BackendOptions = BackendOptions()) -> Backend:
    """The shared backend instance for `model` (created on first use; local models load lazily)."""
    resolved = resolve_model(model)
    key = (resolved, options)
    with _lock:
        backend = _BACKENDS.get(key)
        if backend is None:
            if resolved.startswith("local:"):
                from graders.judges.backends.local import LocalBackend

                backend = LocalBackend(resolved[len("local:"):] or "default", batch_size=options.batch_size)
            else:
                from graders.judges.backends.http import HTTPBackend

                backend = HTTPBackend.from_model_string(resolved, options)
            _BACKENDS[key] = backend
    return backend
