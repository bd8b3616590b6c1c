"""One total deadline per judgement: real misbehaving HTTP servers on 127.0.0.1 (Retry-After longer than the
deadline, a server that trickles its reply byte by byte, a full concurrency slot) and the real local model
with a deadline shorter than one forward pass. Every case must come back as a `timeout` result, on time."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from graders import load_grader
from graders.judges.cache import shared_cache
from graders.models.routing import model_backend_for

ITEM = {"answer": "71"}


class _Misbehaving(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        srv = self.server
        with srv.lock:
            srv.count += 1
        if srv.mode == "retry_after":
            self.send_response(503)
            self.send_header("Retry-After", "5")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif srv.mode == "trickle":  # headers at once, then one byte every 0.2 s: per-read timeouts never fire
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
        elif srv.mode == "slow":  # holds its request for 3 s, then answers properly
            time.sleep(3)
            body = b'{"choices": [{"message": {"content": "Yes"}}]}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture
def server(request):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    srv.daemon_threads = True
    srv.mode, srv.count, srv.lock = request.param, 0, threading.Lock()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(autouse=True)
def fresh_cache():
    cache = shared_cache()
    if cache is not None:
        cache.clear()


def _judge(srv, timeout_s, **options):
    url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
    return load_grader({"type": "judge", "model": url, "reference": "{{ item.answer }}", "timeout_s": timeout_s,
                        "backend_options": {"request_timeout_s": 30, **options}, "cache": False})


@pytest.mark.parametrize("server", ["retry_after"], indirect=True)
def test_a_retry_after_longer_than_the_deadline_is_a_timeout_without_sleeping(server):
    grader = _judge(server, 1.0, max_retries=3, backoff_s=0.05)
    start = time.monotonic()
    res = grader.grade("The answer is 71.", ITEM)
    took = time.monotonic() - start
    assert res.status == "timeout" and res.score == 0.0, res.reason
    assert "Retry-After" in res.reason and server.count == 1
    assert took < 1.0  # it did not sleep the 5 s it was told to


@pytest.mark.parametrize("server", ["trickle"], indirect=True)
def test_a_server_that_trickles_its_reply_is_cut_at_the_deadline(server):
    grader = _judge(server, 1.0, max_retries=2)
    start = time.monotonic()
    res = grader.grade("The answer is 71.", ITEM)
    took = time.monotonic() - start
    assert res.status == "timeout", res.reason
    assert 0.9 <= took < 2.0, took  # urllib's per-read timeout (30 s) would never have fired


@pytest.mark.parametrize("server", ["slow"], indirect=True)
def test_waiting_for_a_concurrency_slot_counts_against_the_deadline(server):
    grader = _judge(server, 10.0, max_concurrency=1, max_retries=0)
    first: list = []
    holder = threading.Thread(target=lambda: first.append(grader.grade("The answer is 71.", ITEM)))
    holder.start()
    time.sleep(0.5)  # the first judgement now holds the only slot for ~3 s
    short = load_grader({**grader.spec, "timeout_s": 1.0})
    assert short.backend is grader.backend  # same server and options: one backend, one slot
    start = time.monotonic()
    res = short.grade("He has 71 dollars.", ITEM)
    took = time.monotonic() - start
    holder.join()
    assert res.status == "timeout" and "concurrency slot" in res.reason, res.reason
    assert took < 1.5
    assert first[0].status == "ok", first[0].reason  # the slot holder itself finished normally


@pytest.mark.model
def test_the_local_backend_stops_a_forward_pass_at_the_deadline():
    model_backend_for("local:default").lm  # noqa: B018 - load first: this test is about the pass, not the load
    words = "apple banana cherry delta echo fox golf hotel india juliet kilo lima mike november oscar papa".split()
    long = " ".join(f"On day {d} she sold {d * 3} {words[d % 16]} clips to {words[(d * 7) % 16]}."
                    for d in range(60)) + " The answer is 71."
    rows = [(f"Case {i}. " + long, ITEM) for i in range(8)]
    grader = load_grader({"type": "judge", "reference": "{{ item.answer }}", "timeout_s": 0.05, "cache": False,
                          "hardening": {"answer_gate": False}})
    start = time.monotonic()
    results = grader.grade_batch(rows)
    took = time.monotonic() - start
    assert [r.status for r in results] == ["timeout"] * 8, [r.reason for r in results]
    assert "deadline" in results[0].reason
    assert took < 5.0, took  # one micro-batch stopped within a layer, not a full pass per sample
    ok = load_grader({"type": "judge", "reference": "{{ item.answer }}", "cache": False}).grade("71", ITEM)
    assert ok.status == "ok" and 0 < ok.score < 1  # the model lock was released; the next grade works
