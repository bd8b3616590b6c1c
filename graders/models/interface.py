"""What every model backend takes and returns: forced-choice questions and their answers.

A backend answers forced-choice questions: given chat `messages` and a list of `choices` (verdict words,
labels or score strings), it returns the probability of each choice (`Reply.probs`), or, when a remote
server gives no usable logprobs, the reply text for the caller to parse (`Reply.text`). A request it can't
answer is a `BackendFailure`, never an exception.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Request:
    """One forced-choice question: OpenAI-style chat messages and the strings the model may answer."""

    messages: list[dict[str, Any]]
    choices: list[str]
    sampling: dict[str, Any] = field(default_factory=dict)


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
    """A request the backend could not answer (server down, timeout, malformed reply)."""

    status: str                 # "error" | "timeout"
    reason: str
    error_type: str = "model_grader_server_error"
    details: dict[str, Any] = field(default_factory=dict)


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
