"""`verigrade eval` against real OpenAI-compatible HTTP servers on 127.0.0.1: a scripted chat-completions
server (503s with Retry-After, a 400, a server that never answers in time, `n` honoured or ignored,
concurrency counted), and `verigrade serve-judge` running the embedded model, whose greedy answers must equal
the local sampler's."""
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graders import load_grader
from graders.cli import main as cli_main
from graders.evaluation import evaluate
from graders.evaluation.metrics import pass_at_k

ROOT = Path(__file__).resolve().parents[1]
SUMS = [(2, 3), (4, 4), (1, 6), (9, 8)]
NUMBER = {"type": "math_equivalence", "name": "number", "reference": "{{ item.answer }}",
          "extract": ["last_number"], "pass_threshold": 1}


def answer_for(seed, a, b):
    """The scripted model: right for even seeds, off by one for odd ones; 'no idea' when seed % 5 == 4."""
    if seed % 5 == 4:
        return "no idea"
    return f"The answer is {a + b + (seed % 2)}."


class Scripted(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, honour_n=True, fail_first=0, status=503, delay_s=0.0, retry_after="0", reject_n=False):
        super().__init__(("127.0.0.1", 0), Handler)
        self.honour_n, self.fail_first, self.status, self.reject_n = honour_n, fail_first, status, reject_n
        self.delay_s, self.retry_after = delay_s, retry_after
        self.lock = threading.Lock()
        self.bodies, self.auth, self.in_flight, self.max_in_flight = [], [], 0, 0
        self.attempts = {}  # prompt -> attempts so far (to fail the first few of each)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, payload, headers=()):
        data = json.dumps(payload).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            self.close_connection = True

    def do_GET(self):
        self.send(200, {"object": "list", "data": [{"id": "scripted-1", "object": "model"}]})

    def do_POST(self):
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with srv.lock:
            srv.bodies.append(body)
            srv.auth.append(self.headers.get("Authorization"))
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
            prompt = body["messages"][-1]["content"]
            srv.attempts[prompt] = srv.attempts.get(prompt, 0) + 1
            fail = srv.attempts[prompt] <= srv.fail_first
        try:
            time.sleep(srv.delay_s)
            if fail:
                return self.send(srv.status, {"error": {"message": "busy"}}, [("Retry-After", srv.retry_after)])
            if srv.reject_n and body.get("n", 1) != 1:  # as llama.cpp's server does
                return self.send(400, {"error": {"message": "Only one completion choice is allowed"}})
            a, b = map(int, re.findall(r"\d+", prompt)[:2])
            n = body.get("n", 1) if srv.honour_n else 1
            choices = [{"index": i, "message": {"role": "assistant", "content": answer_for(body["seed"] + i, a, b)},
                        "finish_reason": "stop"} for i in range(n)]
            self.send(200, {"id": "x", "object": "chat.completion", "model": body["model"], "choices": choices,
                            "usage": {"completion_tokens": 5 * n}})
        finally:
            with srv.lock:
                srv.in_flight -= 1


@pytest.fixture
def server(request):
    srv = Scripted(**getattr(request, "param", {}))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def sums(tmp_path):
    path = tmp_path / "sums.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"What is {a} + {b}?", "answer": str(a + b)}) + "\n"
                            for a, b in SUMS))
    return path


def expected_outcomes(seed, k):
    """Which samples the scripted model gets right, per prompt, when the client sends seed + line*1009 + i."""
    return [[(seed + line * 1009 + i) % 5 != 4 and (seed + line * 1009 + i) % 2 == 0 for i in range(k)]
            for line in range(1, len(SUMS) + 1)]


@pytest.mark.parametrize("server", [{"honour_n": True}, {"honour_n": False}, {"reject_n": True}], indirect=True)
def test_k_samples_per_prompt_with_exact_pass_at_k(server, sums, tmp_path, monkeypatch):
    monkeypatch.setenv("VG_TEST_KEY", "sekrit")
    run = evaluate(server.url, sums, NUMBER, samples=4, seed=3, output=tmp_path / "r.jsonl",
                   api_key_env="VG_TEST_KEY", concurrency=3)
    outcomes = expected_outcomes(3, 4)
    s = run.summary
    assert s["prompts"] == 4 and s["samples"] == 16 and s["generation_errors"] == 0
    for k in range(1, 5):
        want = sum(pass_at_k(4, sum(o), k) for o in outcomes) / 4
        assert s["pass@k"][k] == pytest.approx(want)
    assert server.auth and all(a == "Bearer sekrit" for a in server.auth)
    assert all(b["model"] == "scripted-1" for b in server.bodies)          # asked GET /models first
    if server.reject_n:  # the n=4 requests already in flight are refused, then one sample per request
        asked_n = [b for b in server.bodies if "n" in b]
        assert 1 <= len(asked_n) <= 4 and len(server.bodies) - len(asked_n) == 16
    else:
        assert len(server.bodies) == (4 if server.honour_n else 16)
    seeds = [b["seed"] for b in server.bodies if not (server.reject_n and "n" in b)]  # refused ones are re-sent
    assert len(set(seeds)) == len(seeds)                                     # every request its own seed
    rows = [json.loads(x) for x in open(tmp_path / "r.jsonl")]
    assert [(r["line"], r["sample_index"]) for r in rows] == [(ln, i) for ln in range(1, 5) for i in range(4)]
    assert [r["passed"] for r in rows] == [o for outs in outcomes for o in outs]
    assert any(r["status"] == "no_answer" for r in rows) and all(r["completion"] for r in rows)


def test_majority_vote_over_extracted_answers(server, sums):
    run = evaluate(server.url, sums, NUMBER, samples=5, seed=0)
    # per line the client seeds are s = line*1009 + i; answers: a+b (s even), a+b+1 (s odd), none (s % 5 == 4)
    want = 0
    for line, (a, b) in enumerate(SUMS, 1):
        answers = [None if (line * 1009 + i) % 5 == 4 else a + b + (line * 1009 + i) % 2 for i in range(5)]
        votes = [x for x in answers if x is not None]
        top = max(votes, key=lambda x: (votes.count(x), -answers.index(x)))
        want += top == a + b
    assert run.summary["maj@k"] == pytest.approx(want / 4)


@pytest.mark.parametrize("server", [{"fail_first": 2, "status": 503}], indirect=True)
def test_503s_are_retried_with_backoff(server, sums):
    run = evaluate(server.url, sums, NUMBER, samples=2, retries=3, model_name="m")
    assert run.summary["generation_errors"] == 0 and run.summary["samples"] == 8
    assert sum(server.attempts.values()) == 4 * 3 == run.summary["http_requests"]


@pytest.mark.parametrize("server", [{"fail_first": 99, "status": 400}], indirect=True)
def test_a_400_is_not_retried_and_becomes_error_rows(server, sums, tmp_path, capsys):
    grader = tmp_path / "g.json"
    grader.write_text(json.dumps(NUMBER))
    out = tmp_path / "r.jsonl"
    code = cli_main(["eval", "--model", server.url, "--data", str(sums), "--grader", str(grader), "-k", "1",
                     "--model-name", "m", "-o", str(out)])
    assert code == 1 and "4 of 4 generations failed" in capsys.readouterr().err
    assert sum(server.attempts.values()) == 4
    rows = [json.loads(x) for x in open(out)]
    assert len(rows) == 4 and all(r["status"] == "error" and "HTTP 400" in r["reason"] for r in rows)


@pytest.mark.parametrize("server", [{"delay_s": 3.0}], indirect=True)
def test_a_server_that_does_not_answer_in_time_is_an_error_not_a_hang(server, sums):
    t0 = time.monotonic()
    run = evaluate(server.url, sums, NUMBER, samples=1, retries=1, timeout_s=0.3, model_name="m", limit=2)
    assert time.monotonic() - t0 < 2.5
    assert run.summary["generation_errors"] == 2
    assert all("no reply within 0.3s" in r["reason"] for r in run.rows)


@pytest.mark.parametrize("server", [{"delay_s": 0.2, "honour_n": False}], indirect=True)
def test_concurrency_limit_holds(server, sums):
    evaluate(server.url, sums, NUMBER, samples=3, concurrency=2, model_name="m")
    assert server.max_in_flight == 2


def test_rows_are_score_rows_and_export_is_an_sft_set(server, sums, tmp_path):
    """Each eval row carries exactly what `verigrade score` writes for the same sample and item."""
    spec = tmp_path / "g.json"
    spec.write_text(json.dumps(NUMBER))
    run = evaluate(server.url, sums, NUMBER, samples=3, seed=1, export_accepted=tmp_path / "sft.jsonl")
    items = {ln: {"prompt": f"What is {a} + {b}?", "answer": str(a + b)} for ln, (a, b) in enumerate(SUMS, 1)}
    score_in = tmp_path / "score_in.jsonl"
    score_in.write_text("".join(json.dumps({"sample": r["completion"], "item": items[r["line"]]}) + "\n"
                                for r in run.rows))
    assert cli_main(["score", str(spec), str(score_in), "-o", str(tmp_path / "scored.jsonl")]) == 0
    scored = [json.loads(x) for x in open(tmp_path / "scored.jsonl")]
    for ev, sc in zip(run.rows, scored):
        for key in set(sc) - {"line", "elapsed_ms"}:
            assert ev[key] == sc[key], key
    sft = [json.loads(x) for x in open(tmp_path / "sft.jsonl")]
    passing = {(r["line"], r["completion"]) for r in run.rows if r["passed"]}
    assert len(sft) == len(passing) == run.accepted > 0
    for row in sft:
        assert set(row) == {"messages"} and row["messages"][-1]["role"] == "assistant"
        line = next(ln for ln, it in items.items() if it["prompt"] == row["messages"][0]["content"])
        assert (line, row["messages"][-1]["content"]) in passing


# --- the embedded model behind `verigrade serve-judge` ------------------------------------------------------

@pytest.fixture(scope="module")
def judge_server():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "graders.models.server", "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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


@pytest.mark.model
def test_real_model_over_http_matches_the_local_sampler(judge_server, sums, tmp_path):
    """Greedy decoding of the same model: the server's answers equal the local sampler's, token for token."""
    grader = load_grader(NUMBER)
    remote = evaluate(judge_server, sums, grader, samples=1, max_tokens=12, limit=2, concurrency=2)
    local = evaluate("default", sums, grader, samples=1, max_tokens=12, limit=2, batch_rows=1, threads=1)
    assert [r["completion"] for r in remote.rows] == [r["completion"] for r in local.rows]
    assert all(r["completion"].strip() for r in remote.rows)
    assert [r["score"] for r in remote.rows] == [r["score"] for r in local.rows]
    assert remote.summary["generation_errors"] == 0 and remote.summary["model"] == judge_server


def test_openai_rft_rows_messages_and_item_fields(server, tmp_path):
    """OpenAI RFT data: `messages` is the prompt (sent as is) and the row's other fields are `item.*`."""
    data = tmp_path / "rft.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "developer", "content": "Answer with a number."},
                                                     {"role": "user", "content": f"What is {a} + {b}?"}],
                                        "reference_answer": str(a + b)}) + "\n" for a, b in SUMS))
    spec = {**NUMBER, "reference": "{{ item.reference_answer }}"}
    run = evaluate(server.url, data, spec, samples=2, seed=3)
    assert run.summary["status_counts"]["error"] == 0
    assert all(b["messages"][0] == {"role": "developer", "content": "Answer with a number."} for b in server.bodies)
    outcomes = expected_outcomes(3, 2)
    assert [r["passed"] for r in run.rows] == [o for outs in outcomes for o in outs]
