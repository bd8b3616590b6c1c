"""A small OpenAI-compatible chat-completions server for a local judge model (with logprobs).

    python -m graders.models.server --model default --port 8011
    verigrade serve-judge --model /path/to/hf-checkpoint --port 8011

Serves `POST /v1/chat/completions` (greedy or sampled generation, `logprobs` / `top_logprobs` like
OpenAI), `GET /v1/models` and `GET /health` on 127.0.0.1 by default. Requests are served by threads
and generation is serialised on the model. If `--api-key-env NAME` is given, requests must carry
`Authorization: Bearer $NAME`. Point a grader at it with `"model": "http://127.0.0.1:8011/v1"`.
The standard library's HTTP server is used on purpose: no extra dependency for a loopback test server.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from graders.models.local import LocalModel

MAX_TOKENS_LIMIT = 512


class JudgeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], model_name: str, api_key: str | None = None):
        super().__init__(address, _Handler)
        self.model_name = model_name
        self.api_key = api_key
        self.lm: LocalModel | None = None
        self._load_lock = threading.Lock()

    def model(self) -> LocalModel:
        with self._load_lock:
            if self.lm is None:
                self.lm = LocalModel.get(self.model_name)
            return self.lm

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"


def completion(server: JudgeServer, body: dict[str, Any]) -> dict[str, Any]:
    """The chat-completions response for one request body (raises ValueError on bad input)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' must be a non-empty array")
    limit = body.get("max_completion_tokens") or body.get("max_tokens") or 16
    if not isinstance(limit, int) or limit < 1:
        raise ValueError("'max_tokens' must be a positive integer")
    top = int(body.get("top_logprobs") or 0) if body.get("logprobs") else 0
    if not 0 <= top <= 20:
        raise ValueError("'top_logprobs' must be between 0 and 20")
    out = server.model().generate(messages, max_tokens=min(limit, MAX_TOKENS_LIMIT), top_logprobs=top,
                                  temperature=float(body.get("temperature") or 0.0), seed=body.get("seed"))
    choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": out["text"]},
                              "finish_reason": out["finish_reason"], "logprobs": None}
    if body.get("logprobs"):
        choice["logprobs"] = {"content": [
            {"token": t["token"], "logprob": t["logprob"], "bytes": list(t["token"].encode("utf-8")),
             "top_logprobs": [{"token": a["token"], "logprob": a["logprob"], "bytes": list(a["token"].encode())}
                              for a in t.get("top_logprobs", [])]}
            for t in out["tokens"]]}
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model") or server.model_name, "choices": [choice],
            "usage": {"prompt_tokens": out["prompt_tokens"], "completion_tokens": len(out["tokens"]),
                      "total_tokens": out["prompt_tokens"] + len(out["tokens"])}}


class _Handler(BaseHTTPRequestHandler):
    server: JudgeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet by default
        if os.environ.get("VERIGRADE_SERVER_LOG"):
            super().log_message(fmt, *args)

    def _send(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout): nothing to send
            self.close_connection = True

    def _error(self, code: int, message: str, kind: str = "invalid_request_error") -> None:
        self._send(code, {"error": {"message": message, "type": kind, "code": code}})

    def _authorised(self) -> bool:
        if not self.server.api_key:
            return True
        if self.headers.get("Authorization", "") == f"Bearer {self.server.api_key}":
            return True
        self._error(401, "missing or wrong API key", "authentication_error")
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if self.path.rstrip("/") in ("/health", "/v1/health"):
            self._send(200, {"status": "ok"})
        elif self.path.rstrip("/") == "/v1/models" and self._authorised():
            self._send(200, {"object": "list", "data": [{"id": self.server.model_name, "object": "model",
                                                           "owned_by": "verigrade"}]})
        elif not self.path.rstrip("/") == "/v1/models":
            self._error(404, f"no route {self.path}")

    def do_POST(self) -> None:  # noqa: N802
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, f"no route {self.path}")
            return
        if not self._authorised():
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the request body must be a JSON object")
            self._send(200, completion(self.server, body))
        except (ValueError, TypeError, KeyError) as exc:
            self._error(400, str(exc))
        except Exception as exc:  # noqa: BLE001 - a server error is a 500 reply, not a dead server
            self._error(500, f"{type(exc).__name__}: {exc}", "server_error")


def serve(model: str = "default", host: str = "127.0.0.1", port: int = 0, api_key_env: str | None = None,
          preload: bool = True) -> JudgeServer:
    """Create the server (port 0 = any free port); call `.serve_forever()` on it."""
    api_key = os.environ.get(api_key_env) if api_key_env else None
    if api_key_env and not api_key:
        raise SystemExit(f"--api-key-env {api_key_env}: that environment variable is empty")
    server = JudgeServer((host, port), model, api_key)
    if preload:
        server.model()
    return server


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="default", help="local model: 'default' (embedded SmolLM2-135M-Instruct), "
                        "a transformers checkpoint directory or a .gguf file")
    parser.add_argument("--host", default="127.0.0.1", help="bind address")
    parser.add_argument("--port", type=int, default=8011, help="port (0 = pick a free one)")
    parser.add_argument("--api-key-env", default=None, help="require 'Authorization: Bearer $NAME' from this env var")


def run(args: argparse.Namespace) -> int:
    server = serve(args.model, args.host, args.port, args.api_key_env)
    print(f"verigrade judge server: model {args.model!r} at {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graders.models.server", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
