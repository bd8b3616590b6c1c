"""The HTTP judge backend against real servers on 127.0.0.1: our OpenAI-compatible judge server running the
embedded model in a subprocess, a flaky proxy in front of it (503s, concurrency counting), a socket that
never answers, and a port nobody listens on."""
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graders import load_grader
from graders.judges.cache import shared_cache

ROOT = Path(__file__).resolve().parents[1]
KEY_ENV = "VERIGRADE_TEST_JUDGE_KEY"
ITEM = {"answer": "71"}


@pytest.fixture(scope="module")
def judge_server():
    env = {**os.environ, KEY_ENV: "test-key-123", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "graders.models.server", "--port", "0", "--api-key-env", KEY_ENV],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 240)
        line = proc.stdout.readline() if ready else ""
        assert "http://127.0.0.1:" in line, f"judge server did not start: {line!r}"
        yield line.strip().rsplit(" ", 1)[1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(autouse=True)
def api_key_and_fresh_cache(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "test-key-123")
    cache = shared_cache()
    if cache is not None:
        cache.clear()


def _judge(url, **extra):
    opts = {"api_key_env": KEY_ENV, "request_timeout_s": 120, **extra.pop("backend_options", {})}
    # a generous total deadline: these tests check verdicts, and the 2-core machine may be loaded
    extra.setdefault("timeout_s", 300)
    return load_grader({"type": "judge", "model": url, "reference": "{{ item.answer }}", "backend_options": opts,
                        **extra})


@pytest.mark.model
def test_server_speaks_openai_chat_completions(judge_server):
    body = {"model": "default", "messages": [{"role": "user", "content": "Say yes."}], "max_tokens": 3,
            "logprobs": True, "top_logprobs": 5}
    req = urllib.request.Request(judge_server + "/chat/completions", json.dumps(body).encode(),
                                 {"Content-Type": "application/json", "Authorization": "Bearer test-key-123"})
    data = json.loads(urllib.request.urlopen(req, timeout=120).read())
    choice = data["choices"][0]
    assert choice["message"]["role"] == "assistant" and isinstance(choice["message"]["content"], str)
    first = choice["logprobs"]["content"][0]
    assert len(first["top_logprobs"]) == 5 and first["top_logprobs"][0]["logprob"] <= 0
    assert data["usage"]["completion_tokens"] >= 1
    with pytest.raises(urllib.error.HTTPError) as err:  # no key -> 401
        urllib.request.urlopen(urllib.request.Request(judge_server + "/models"), timeout=30)
    assert err.value.code == 401


@pytest.mark.model
def test_http_judge_reads_logprobs_and_matches_the_local_backend(judge_server):
    remote = _judge(judge_server, cache=False).grade("The answer is 71.", ITEM)
    assert remote.status == "ok" and remote.details["method"] == "logprobs", remote.reason
    local = load_grader({"type": "judge", "reference": "{{ item.answer }}", "cache": False, "timeout_s": 300}).grade(
        "The answer is 71.", ITEM)
    # same model, same prompt: P(Yes) from the server's top-20 first-token logprobs ~ the local forced choice
    # (they differ only by spellings outside the top 20 or split over two tokens, e.g. "Y"+"ES")
    assert remote.score == pytest.approx(local.score, abs=0.01)
    assert _judge(judge_server).grade("Thought process:", ITEM).status == "rejected"  # gates run before HTTP


@pytest.mark.model
def test_http_label_and_score_model(judge_server):
    label = load_grader({
        "type": "label_model", "name": "sentiment", "model": judge_server + "#smollm2",
        "input": [{"role": "system", "content": "Classify the sentiment of the text. Reply with one word: "
                                                "positive or negative."},
                  {"role": "user", "content": [{"type": "input_text", "text": "Text: {{ sample.output_text }}"}]}],
        "labels": ["positive", "negative"], "passing_labels": ["positive"],
        "timeout_s": 300, "backend_options": {"api_key_env": KEY_ENV, "request_timeout_s": 120}})
    res = label.grade("I love this, it is wonderful!")
    assert res.status == "ok" and res.details["label"] in ("positive", "negative"), res.reason
    score = load_grader({
        "type": "score_model", "name": "polite", "model": judge_server,
        "input": [{"role": "user", "content": "Rate how polite this reply is from 1 to 10. Reply with the number "
                                              "only.\nReply: {{ sample.output_text }}"}],
        "range": [1, 10], "sampling_params": {"max_completions_tokens": 4},
        "timeout_s": 300, "backend_options": {"api_key_env": KEY_ENV, "request_timeout_s": 120}})
    res = score.grade("Thank you very much for your help!")
    # the server's first token can't separate "1" from "10": the number is parsed from the reply text
    assert res.details.get("method") == "text" or res.error_type == "model_grader_parse_error", res.reason
    if res.status == "ok":  # the parsed number, clamped to the range and rescaled: exactly this score
        raw = res.details["raw_score"]
        assert res.score == pytest.approx((min(10.0, max(1.0, raw)) - 1.0) / 9.0)
        assert res.reason.startswith(f"judge score {raw:.3g}")


@pytest.mark.model
def test_wrong_api_key_is_an_error_status_not_a_crash(judge_server, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "wrong")
    res = _judge(judge_server, cache=False).grade("The answer is 71.", ITEM)
    assert res.status == "error" and res.error_type == "model_grader_server_error" and "401" in res.reason


class _FlakyProxy(BaseHTTPRequestHandler):
    """Fails the first `fail_first` requests with 503, forwards the rest to the real judge server."""

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        srv = self.server
        with srv.lock:
            srv.count += 1
            n = srv.count
            srv.inflight += 1
            srv.max_inflight = max(srv.max_inflight, srv.inflight)
        try:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if n <= srv.fail_first:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            time.sleep(0.3)  # keep requests overlapping so the concurrency limit is observable
            req = urllib.request.Request(srv.target + "/chat/completions", body, dict(self.headers))
            data = urllib.request.urlopen(req, timeout=120).read()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            with srv.lock:
                srv.inflight -= 1


def _proxy(target, fail_first):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyProxy)
    srv.target, srv.fail_first, srv.count, srv.inflight, srv.max_inflight = target, fail_first, 0, 0, 0
    srv.lock = threading.Lock()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.mark.model
def test_retries_with_backoff_then_succeeds(judge_server):
    srv = _proxy(judge_server, fail_first=2)
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
        start = time.perf_counter()
        res = _judge(url, cache=False, backend_options={"max_retries": 2, "backoff_s": 0.2}).grade("71 dollars", ITEM)
        assert res.status == "ok", res.reason
        assert srv.count == 3 and time.perf_counter() - start >= 0.2 + 0.4
    finally:
        srv.shutdown()


@pytest.mark.model
def test_concurrency_limit_is_respected(judge_server):
    srv = _proxy(judge_server, fail_first=0)
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
        grader = _judge(url, cache=False, backend_options={"max_concurrency": 2})
        rows = [(c, ITEM) for c in ("Ali has 71 dollars.", "He now has $71.", "71 dollars in total.", "So: 71.")]
        results = grader.grade_batch(rows)
        assert all(r.status == "ok" and "p_yes" in r.details for r in results), [r.reason for r in results]
        assert srv.count == 4 and srv.max_inflight == 2
    finally:
        srv.shutdown()


def test_server_down_is_an_error_status():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nobody listens there
    grader = _judge(f"http://127.0.0.1:{port}/v1", backend_options={"max_retries": 1, "backoff_s": 0.05})
    results = grader.grade_batch([("71", ITEM), ("The answer is 71.", ITEM), (":", ITEM)])
    assert [r.status for r in results] == ["error", "error", "rejected"]
    assert results[0].error_type == "model_grader_server_error" and "2 attempts" in results[0].reason


def test_a_server_that_never_answers_is_a_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections (kernel backlog) but never replies
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        grader = _judge(url, backend_options={"request_timeout_s": 1.0, "max_retries": 0})
        start = time.perf_counter()
        res = grader.grade("The answer is 71.", ITEM)
        assert res.status == "timeout" and res.score == 0.0, res.reason
        assert time.perf_counter() - start < 10
    finally:
        listener.close()
