"""Batch grading over HTTP: order, per-row errors, NDJSON streaming, the python client, health and metrics."""
import asyncio
import json

import httpx
import pytest

from graders import load_grader
from graders.service.client import AsyncGraderClient, GraderClient, ServiceRequestError, split_grader_url
from graders.service.config import ServiceConfig, load_served_graders
from graders.service.testing import running_server


@pytest.fixture(scope="module")
def url():
    graders = load_served_graders(["grader_specs/gsm8k.json", "grader_specs/exact_answer.json"])
    with running_server(ServiceConfig(graders=graders, workers=2)) as base:
        yield base


def gsm8k_rows(n):
    # the sample's number is right for i % 3 != 0; every third row is wrong, so order mistakes show
    return [{"sample": f"so the answer is {i}", "item": {"answer": f"... #### {i if i % 3 else i + 1}"}}
            for i in range(n)]


def test_results_come_back_in_order_and_match_in_process_grading(url):
    rows = gsm8k_rows(120)
    with GraderClient(url) as client:
        remote = client.grade("gsm8k", rows)
    local = load_grader("grader_specs/gsm8k.json").grade_batch(rows)
    assert [r.score for r in remote] == [r.score for r in local]
    assert [r.score for r in remote] == [0.0 if i % 3 == 0 else 1.0 for i in range(120)]
    assert [r.details.get("extracted") for r in remote] == [str(i) for i in range(120)]


def test_bad_rows_are_error_results_and_do_not_break_the_batch(url):
    body = [{"sample": "the answer is 3", "item": {"answer": "#### 3"}}, 17, {"sample": {"no": "text"}},
            {"sample": "4", "item": "not an object"}, {"sample": "the answer is 5", "item": {"answer": "#### 5"}}]
    resp = httpx.post(f"{url}/v1/graders/gsm8k/grade", json=body)
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert [r["status"] for r in results] == ["ok", "error", "error", "error", "ok"]
    assert [r["score"] for r in results] == [1.0, 0.0, 0.0, 0.0, 1.0]
    assert results[1]["error_type"] == "sample_parse_error"


def test_object_body_and_unknown_grader(url):
    resp = httpx.post(f"{url}/v1/graders/exact_answer/grade",
                      json={"rows": [{"sample": "Paris", "item": {"answer": "paris"}}]})
    assert resp.json()["results"][0]["score"] == 1.0 and resp.json()["grader"] == "exact_answer"
    missing = httpx.post(f"{url}/v1/graders/nope/grade", json=[])
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "grader_not_found"
    bad = httpx.post(f"{url}/v1/graders/gsm8k/grade", content=b"{not json")
    assert bad.status_code == 400 and "line 1" in bad.json()["error"]["message"]
    assert httpx.post(f"{url}/v1/graders/gsm8k/grade", json={"rows": 3}).status_code == 422


def test_streaming_answers_ndjson_in_order_with_the_same_results(url):
    rows = gsm8k_rows(600)  # more than one stream chunk
    plain = httpx.post(f"{url}/v1/graders/gsm8k/grade", json=rows, timeout=120).json()["results"]
    lines = []
    with httpx.stream("POST", f"{url}/v1/graders/gsm8k/grade?stream=true", json=rows, timeout=120) as resp:
        assert resp.headers["content-type"].startswith("application/x-ndjson")
        for line in resp.iter_lines():
            if line:
                lines.append(json.loads(line))
    assert [d["index"] for d in lines] == list(range(600))
    assert [d["score"] for d in lines] == [r["score"] for r in plain]
    accept = httpx.post(f"{url}/v1/graders/gsm8k/grade", json=rows[:3],
                        headers={"Accept": "application/x-ndjson"})
    assert [json.loads(x)["index"] for x in accept.text.splitlines()] == [0, 1, 2]


def test_async_client_and_client_side_batch_splitting(url):
    async def main():
        async with AsyncGraderClient(url) as client:
            return await client.grade("gsm8k", [(r["sample"], r["item"]) for r in gsm8k_rows(50)], batch_size=7)

    results = asyncio.run(main())
    assert [r.score for r in results] == [0.0 if i % 3 == 0 else 1.0 for i in range(50)]


def test_client_raises_the_error_envelope_for_non_retryable_errors(url):
    with GraderClient(url, max_retries=0) as client:
        with pytest.raises(ServiceRequestError) as err:
            client.grade("nope", [("a", {})])
    assert err.value.status == 404 and err.value.code == "grader_not_found"


def test_split_grader_url():
    assert split_grader_url("http://h:8000/v1/graders/gsm8k") == ("http://h:8000", "gsm8k")
    assert split_grader_url("http://h:8000/v1/graders/gsm8k/grade/") == ("http://h:8000", "gsm8k")
    assert split_grader_url("http://h:8000/v1") == ("http://h:8000", None)
    assert split_grader_url("https://h/prefix/v1/graders/x") == ("https://h/prefix", "x")


def test_healthz_and_metrics_count_requests_and_results_per_status_and_grader(url):
    health = httpx.get(f"{url}/healthz").json()
    assert health["status"] == "ok" and health["graders"] == ["exact_answer", "gsm8k"]
    assert health["queue_depth"] == 0
    before = _sample(httpx.get(f"{url}/metrics").text, 'verigrade_results_total{grader="exact_answer",status="ok"}')
    httpx.post(f"{url}/v1/graders/exact_answer/grade", json=[{"sample": "a", "item": {"answer": "a"}},
                                                             {"sample": "a", "item": {}}])
    text = httpx.get(f"{url}/metrics").text
    assert _sample(text, 'verigrade_results_total{grader="exact_answer",status="ok"}') == before + 1
    assert _sample(text, 'verigrade_results_total{grader="exact_answer",status="error"}') >= 1
    assert _sample(text, 'verigrade_requests_total{code="200",route="/v1/graders/{name}/grade"}') >= 1
    assert 'verigrade_request_seconds_bucket{le="0.1",route="/v1/graders/{name}/grade"}' in text
    assert "verigrade_grade_seconds_count" in text and "verigrade_queue_depth 0.0" in text
    assert 'verigrade_worker_restarts_total{reason="crash"}' in text


def _sample(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
