"""Safety of `verigrade serve`: auth, size and batch limits, back-pressure, deadlines, crashes, shutdown."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import openai
import pytest

from isolated_graders import AbortGrader, SleepGrader

from graders.base import Grader
from graders.service.auth import check_bind, is_loopback
from graders.service.client import GraderClient
from graders.service.config import ServiceConfig, load_served_graders
from graders.service.testing import free_port, running_server

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "s3cret-token-for-tests"


def test_loopback_detection_and_the_bind_rule():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.4.5.6", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org", "127.0.0.1.nip.io"))
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", "token")
    with pytest.raises(SystemExit, match="needs --token-env"):
        check_bind("0.0.0.0", None)


def test_cli_refuses_a_public_bind_without_a_token_and_an_empty_token_variable():
    cmd = [sys.executable, "-m", "graders.cli", "serve", "grader_specs/exact_answer.json", "--port", "1"]
    out = subprocess.run(cmd + ["--host", "0.0.0.0"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "refusing to bind 0.0.0.0 without a token" in out.stderr
    env = {**os.environ, "VG_EMPTY_TOKEN": ""}
    out = subprocess.run(cmd + ["--token-env", "VG_EMPTY_TOKEN"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode != 0 and "VG_EMPTY_TOKEN" in out.stderr


def test_token_is_required_everywhere_but_healthz():
    config = ServiceConfig(graders=load_served_graders(["grader_specs/exact_answer.json"]), token=TOKEN)
    with running_server(config) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        for method, path in (("GET", "/metrics"), ("POST", "/v1/graders/exact_answer/grade"), ("POST", "/get_reward"),
                             ("GET", "/v1/nothing-here")):
            resp = httpx.request(method, url + path, json=[])
            assert resp.status_code == 401, path
            assert resp.json()["error"]["code"] == "invalid_api_key"
            assert set(resp.json()["error"]) == {"message", "type", "param", "code"}
        wrong = openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0)
        grader = {"type": "string_check", "name": "s", "input": "{{ sample.output_text }}", "reference": "a",
                  "operation": "eq"}
        with pytest.raises(openai.AuthenticationError) as err:
            wrong.fine_tuning.alpha.graders.run(grader=grader, model_sample="a")
        assert err.value.code == "invalid_api_key"
        right = openai.OpenAI(base_url=url + "/v1", api_key=TOKEN, max_retries=0)
        assert right.fine_tuning.alpha.graders.run(grader=grader, model_sample="a").reward == 1.0
        with GraderClient(url, token=TOKEN) as client:
            assert client.grade("exact_answer", [("x", {"answer": "x"})])[0].score == 1.0


def test_body_size_and_batch_length_limits():
    config = ServiceConfig(graders=load_served_graders(["grader_specs/exact_answer.json"]),
                           max_body_bytes=10_000, max_batch=50, max_queue=100)
    with running_server(config) as url:
        big = [{"sample": "x" * 100, "item": {"answer": "x"}}] * 200
        resp = httpx.post(f"{url}/v1/graders/exact_answer/grade", json=big)
        assert resp.status_code == 413 and resp.json()["error"]["code"] == "request_too_large"

        def chunked():  # no Content-Length: the limit must hold on the bytes actually read
            for _ in range(50):
                yield b" " * 1000

        resp = httpx.post(f"{url}/v1/graders/exact_answer/grade", content=chunked())
        assert resp.status_code == 413
        resp = httpx.post(f"{url}/v1/graders/exact_answer/grade", json=[{"sample": "x", "item": {}}] * 51)
        assert resp.status_code == 422 and resp.json()["error"]["code"] == "batch_too_large"
        resp = httpx.post(f"{url}/get_reward", json={"query": ["x"] * 51, "prompts": [""] * 51, "labels": [1] * 51})
        assert resp.status_code == 422
        ok = httpx.post(f"{url}/v1/graders/exact_answer/grade", json=[{"sample": "x", "item": {"answer": "x"}}] * 50)
        assert ok.status_code == 200 and len(ok.json()["results"]) == 50
    with pytest.raises(ValueError, match="max_batch"):
        ServiceConfig(graders={}, max_batch=10, max_queue=5)


def sleep_rows(n, seconds):
    return [{"sample": f"s{i}", "item": {"sleep": seconds}} for i in range(n)]


def wait_for_depth(url, depth, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if httpx.get(f"{url}/healthz").json()["queue_depth"] >= depth:
            return
        time.sleep(0.02)
    raise AssertionError(f"queue depth never reached {depth}")


def test_full_queue_answers_429_with_retry_after_and_the_client_retries():
    sleeper = SleepGrader({"type": "test_sleep", "name": "sleep", "timeout_s": 10})
    config = ServiceConfig(graders={"sleep": sleeper}, max_batch=4, max_queue=4)
    with running_server(config) as url:
        first = {}
        t = threading.Thread(target=lambda: first.update(r=httpx.post(f"{url}/v1/graders/sleep/grade",
                                                                      json=sleep_rows(4, 1.5), timeout=30)))
        t.start()
        wait_for_depth(url, 4)
        resp = httpx.post(f"{url}/v1/graders/sleep/grade", json=sleep_rows(1, 0))
        assert resp.status_code == 429
        assert int(resp.headers["retry-after"]) >= 1
        assert resp.json()["error"]["type"] == "rate_limit_error" and resp.json()["error"]["code"] == "queue_full"
        with pytest.raises(openai.RateLimitError):  # the OpenAI SDK sees the same 429
            openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0).fine_tuning.alpha.graders.run(
                grader={"type": "string_check", "name": "s", "input": "a", "reference": "a", "operation": "eq"},
                model_sample="a")
        with GraderClient(url, backoff_s=0.1) as client:  # retries until the first batch is done
            results = client.grade("sleep", [("late", {"sleep": 0})])
            assert results[0].status == "ok" and client.retries_done >= 1
        t.join()
        assert first["r"].status_code == 200 and [r["score"] for r in first["r"].json()["results"]] == [1.0] * 4
        metrics = httpx.get(f"{url}/metrics").text
        assert 'verigrade_requests_total{code="429",route="/v1/graders/{name}/grade"}' in metrics


def test_deadline_answers_timeout_results_and_keeps_the_work_counted():
    sleeper = SleepGrader({"type": "test_sleep", "name": "sleep", "timeout_s": 10})
    config = ServiceConfig(graders={"sleep": sleeper}, deadline_s=0.5)
    with running_server(config) as url:
        start = time.monotonic()
        resp = httpx.post(f"{url}/v1/graders/sleep/grade", json=sleep_rows(2, 2.5), timeout=30)
        took = time.monotonic() - start
        assert resp.status_code == 200 and took < 2.0
        assert [r["status"] for r in resp.json()["results"]] == ["timeout", "timeout"]
        assert "deadline" in resp.json()["results"][0]["reason"]
        assert httpx.get(f"{url}/healthz").json()["queue_depth"] == 2  # still running: still counted
        end = time.monotonic() + 15
        while httpx.get(f"{url}/healthz").json()["queue_depth"] and time.monotonic() < end:
            time.sleep(0.05)
        assert httpx.get(f"{url}/healthz").json()["queue_depth"] == 0


class BrokenBatchGrader(Grader):
    """A grader whose batch machinery itself raises (a bug, not a bad sample)."""

    type = "test_broken_batch"

    def grade_batch(self, pairs, workers=None):
        raise RuntimeError("bug in the grader")


def test_crashing_graders_never_take_the_server_down():
    graders = {"abort": AbortGrader({"type": "test_abort", "name": "abort"}),
               "broken": BrokenBatchGrader({"type": "test_broken_batch", "name": "broken"})}
    with running_server(ServiceConfig(graders=graders, workers=2)) as url:
        resp = httpx.post(f"{url}/v1/graders/abort/grade",
                          json=[{"sample": "fine"}, {"sample": "abort"}, {"sample": "fine"}], timeout=60)
        assert resp.status_code == 200
        assert [r["status"] for r in resp.json()["results"]] == ["ok", "error", "ok"]
        assert "worker process killed by SIGABRT" in resp.json()["results"][1]["reason"]
        broken = httpx.post(f"{url}/v1/graders/broken/grade", json=[{"sample": "a"}, {"sample": "b"}])
        assert broken.status_code == 200
        assert [r["status"] for r in broken.json()["results"]] == ["error", "error"]
        assert "bug in the grader" in broken.json()["results"][0]["reason"]
        again = httpx.post(f"{url}/v1/graders/abort/grade", json=[{"sample": "fine"}], timeout=60)
        assert again.json()["results"][0]["status"] == "ok"
        metrics = httpx.get(f"{url}/metrics").text
        crashes = [line for line in metrics.splitlines() if line.startswith('verigrade_worker_restarts_total{reason="crash"}')]
        assert crashes and float(crashes[0].rsplit(" ", 1)[1]) >= 1


SERVER_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from isolated_graders import SleepGrader
    from graders.service.config import ServiceConfig
    from graders.service.server import serve
    grader = SleepGrader({{"type": "test_sleep", "name": "sleep", "timeout_s": 10}})
    serve(ServiceConfig(graders={{"sleep": grader}}, deadline_s=30), "127.0.0.1", {port})
    print("server exited cleanly", flush=True)
""")


def test_sigterm_finishes_in_flight_requests_then_exits(tmp_path):
    port = free_port()
    script = tmp_path / "serve_sleep.py"
    script.write_text(SERVER_SCRIPT.format(tests=str(ROOT / "tests"), port=port))
    proc = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < end and proc.poll() is None, proc.stdout.read() if proc.poll() else ""
            time.sleep(0.1)
        answer = {}
        t = threading.Thread(target=lambda: answer.update(r=httpx.post(f"{url}/v1/graders/sleep/grade",
                                                                       json=sleep_rows(2, 2.0), timeout=60)))
        t.start()
        wait_for_depth(url, 2)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        with pytest.raises(httpx.TransportError):  # no new connections once shutting down
            httpx.post(f"{url}/v1/graders/sleep/grade", json=sleep_rows(1, 0), timeout=5)
        t.join(timeout=30)
        assert answer["r"].status_code == 200
        assert [r["status"] for r in answer["r"].json()["results"]] == ["ok", "ok"]
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "server exited cleanly" in out, out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
