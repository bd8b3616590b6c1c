"""OpenAI-compatible chat-completions backend (vLLM, llama.cpp server, `transformers serve`, OpenAI, our server).

Asks for `logprobs` + `top_logprobs`; when the first generated token's alternatives identify the choices
unambiguously, the verdict comes from those probabilities, otherwise the reply text is returned for the
grader to parse. Retries connection errors, 429 and 5xx with exponential backoff (honouring Retry-After),
enforces a per-request timeout and a concurrency limit, and reads the API key from an environment variable
only. A failure is returned as a `BackendFailure` (-> status `error`/`timeout`), never raised.

One total deadline per judgement (the grader's `timeout_s`) covers the wait for a concurrency slot, every
attempt, the backoff and `Retry-After` sleeps: a sleep that would pass the deadline is not started, and an
attempt still running at the deadline has its socket shut down (a server that trickles bytes can't hold
it). Each attempt runs in a helper thread so even a stuck name lookup can't hold the caller.
"""
from __future__ import annotations

import http.client
import io
import json
import math
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from graders.models.interface import BackendFailure, BackendOptions, Reply, Request
from graders.models.messages import wire_messages

OPENAI_DEFAULT_BASE = "https://api.openai.com/v1"


def _norm(token: str) -> str:
    return token.strip().strip("\"'`*.:").lower()


def first_token_probs(top: list[dict[str, Any]], choices: list[str]) -> dict[str, float] | None:
    """Choice probabilities from the first token's top_logprobs, or None if they can't decide.

    Tokens are compared case-insensitively without spaces or quotes; choices that look the same that way
    ("Yes", " yes") share one bucket, credited to the first of them.
    """
    keys: dict[str, str] = {}
    for c in choices:
        keys.setdefault(_norm(c), c)
    if "" in keys:
        return None
    mass: dict[str, float] = {}
    for entry in top:
        tok = _norm(entry.get("token", ""))
        if not tok:
            continue
        hits = [k for k in keys if k.startswith(tok)]
        if len(hits) > 1:
            return None  # e.g. token "1" could start "1" or "10": read the text instead
        if hits and (hits[0] == tok or len(tok) >= 2):
            c = keys[hits[0]]
            mass[c] = mass.get(c, 0.0) + math.exp(float(entry.get("logprob", -1e9)))
    total = sum(mass.values())
    if total <= 0:
        return None
    return {c: mass.get(c, 0.0) / total for c in choices}


def _default_max_tokens(choices: list[str]) -> int:
    """Enough tokens to write the longest choice (plus a little), so text parsing can work too."""
    return max(4, min(64, 2 * max(len(c) for c in choices) // 3 + 4))


class HTTPBackend:
    """Judge served by an OpenAI-compatible `/chat/completions` endpoint."""

    def __init__(self, base_url: str, model: str, options: BackendOptions = BackendOptions(),
                 api_key_env: str | None = None, openai_style: bool = False):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.options = options
        self.api_key_env = options.api_key_env or api_key_env
        self.openai_style = openai_style
        self.model_id = f"{self.base_url}#{model}"
        self._slots = threading.BoundedSemaphore(max(1, options.max_concurrency))

    @classmethod
    def from_model_string(cls, model: str, options: BackendOptions = BackendOptions()) -> HTTPBackend:
        if model.startswith("openai:"):
            base = os.environ.get("OPENAI_BASE_URL") or OPENAI_DEFAULT_BASE
            return cls(base, model[len("openai:"):], options, api_key_env="OPENAI_API_KEY", openai_style=True)
        base, _, name = model.partition("#")
        return cls(base, name or "default", options, api_key_env="VERIGRADE_JUDGE_API_KEY")

    def _body(self, req: Request) -> dict[str, Any]:
        sp = req.sampling
        body: dict[str, Any] = {"model": self.model, "messages": wire_messages(req.messages),
                                "temperature": sp.get("temperature", 0.0), "logprobs": True, "top_logprobs": 20}
        limit = sp.get("max_completions_tokens") or sp.get("max_tokens") or _default_max_tokens(req.choices)
        body["max_completion_tokens" if self.openai_style else "max_tokens"] = limit
        for key in ("top_p", "seed", "reasoning_effort"):
            if key in sp:
                body[key] = sp[key]
        return body

    def _post(self, body: dict[str, Any], until: float) -> dict[str, Any]:
        """One POST that returns or raises by monotonic time `until` (HTTPError for 4xx/5xx)."""
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env or "") if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        url = urllib.parse.urlsplit(f"{self.base_url}/chat/completions")
        remaining = until - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no time left for the request")
        factory = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = factory(url.hostname, url.port, timeout=remaining)
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def attempt() -> None:
            try:
                conn.request("POST", url.path, body=json.dumps(body).encode(), headers=headers)
                resp = conn.getresponse()
                outcome["response"] = (resp.status, resp.reason, resp.headers, resp.read())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=attempt, daemon=True, name="judge-http").start()
        finished = done.wait(max(0.0, until - time.monotonic()))
        if not finished:
            if conn.sock is not None:  # unblocks the helper thread's connect/send/recv at once
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            conn.close()
            raise TimeoutError("deadline reached during the request")
        conn.close()
        if "error" in outcome:
            raise outcome["error"]
        status, reason, resp_headers, data = outcome["response"]
        if status >= 400:
            raise urllib.error.HTTPError(url.geturl(), status, reason, resp_headers, io.BytesIO(data))
        return json.loads(data.decode("utf-8"))

    def ask(self, req: Request, timeout_s: float | None = None) -> Reply | BackendFailure:
        """One judgement with retries, all within `timeout_s` (default: no total limit); never raises."""
        started = time.monotonic()
        deadline = started + timeout_s if timeout_s else math.inf
        body = self._body(req)
        last = ""

        def overrun(what: str) -> BackendFailure:
            return BackendFailure("timeout", f"judge {self.base_url}: the {timeout_s:g} s deadline of this "
                                  f"judgement passed {what} (after {time.monotonic() - started:.1f} s)",
                                  details={"deadline_s": timeout_s})

        retry_after = 0.0
        for attempt in range(self.options.max_retries + 1):
            if attempt:  # slept outside the concurrency slot
                delay = min(self.options.backoff_s * (2 ** (attempt - 1)) * (1 + random.random() * 0.25), 30.0)
                what = f"backoff of retry {attempt}"
                if retry_after > delay:
                    delay, what = retry_after, f"Retry-After wait of {retry_after:g} s"
                if time.monotonic() + delay >= deadline:
                    return overrun(f"before the {what} ({last})")
                time.sleep(delay)
                retry_after = 0.0
            if not self._slots.acquire(timeout=max(0.0, min(deadline - time.monotonic(), 1e6))):
                return overrun("waiting for a concurrency slot")
            try:
                until = min(deadline, time.monotonic() + self.options.request_timeout_s)
                data = self._post(body, until)
                return self._reply(data, req.choices)
            except urllib.error.HTTPError as exc:
                detail = exc.read()[:300].decode("utf-8", "replace") if exc.fp else ""
                last = f"HTTP {exc.code} from {self.base_url}: {detail}"
                if exc.code == 429 or exc.code >= 500:
                    header = exc.headers.get("Retry-After") if exc.headers else None
                    if header and header.replace(".", "", 1).isdigit():
                        retry_after = min(float(header), 30.0)
                    continue
                return BackendFailure("error", last, details={"http_status": exc.code})
            except (TimeoutError, socket.timeout):
                if time.monotonic() >= deadline - 1e-3:
                    return overrun("during a request")
                return BackendFailure("timeout", f"judge server {self.base_url} did not answer within "
                                      f"{self.options.request_timeout_s:g} s", error_type="model_grader_server_error")
            except (ConnectionError, OSError, http.client.HTTPException) as exc:
                last = f"cannot reach judge server {self.base_url}: {exc}"
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                return BackendFailure("error", f"malformed reply from {self.base_url}: {exc}",
                                      error_type="model_grader_parse_error")
            finally:
                self._slots.release()
        return BackendFailure("error", f"{last} (after {self.options.max_retries + 1} attempts)")

    def _reply(self, data: dict[str, Any], choices: list[str]) -> Reply:
        choice = data["choices"][0]
        message = choice.get("message") or {}
        text = message.get("content") or ""
        if message.get("refusal"):
            text = ""
        content = ((choice.get("logprobs") or {}).get("content")) or []
        if content:
            top = content[0].get("top_logprobs") or [{"token": content[0].get("token", ""),
                                                      "logprob": content[0].get("logprob", 0.0)}]
            probs = first_token_probs(top, choices)
            if probs is not None:
                return Reply(probs=probs, text=text, mass=None, method="logprobs")
        return Reply(probs=None, text=text, method="text")

    def choose(self, requests: list[Request], timeout_s: float | None = None) -> list[Reply | BackendFailure]:
        """Each request gets its own `timeout_s` deadline, counted from when its turn starts."""
        if len(requests) == 1:
            return [self.ask(requests[0], timeout_s)]
        with ThreadPoolExecutor(max_workers=max(1, self.options.max_concurrency)) as pool:
            return list(pool.map(lambda r: self.ask(r, timeout_s), requests))
