"""verl's async `compute_score` against a real `verigrade serve` (batched per event loop)."""
import asyncio
import inspect

import httpx
import pytest

from graders.integrations import verl
from graders.service.config import ServiceConfig, load_served_graders
from graders.service.testing import running_server


@pytest.fixture(scope="module")
def url():
    with running_server(ServiceConfig(graders=load_served_graders(["grader_specs/gsm8k.json"]))) as base:
        yield base


def test_compute_score_contract(url):
    assert inspect.iscoroutinefunction(verl.compute_score)
    out = asyncio.run(verl.compute_score(data_source="gsm8k", solution_str="so the answer is 12",
                                         ground_truth="12", extra_info={"index": 3}, url=url, grader="gsm8k"))
    assert out == {"score": 1.0, "verigrade_ok": 1.0}


def test_concurrent_calls_are_batched_and_keep_their_own_results(url):
    def count():
        text = httpx.get(f"{url}/metrics").text
        line = [x for x in text.splitlines()
                if x.startswith('verigrade_requests_total{code="200",route="/v1/graders/{name}/grade"}')]
        return float(line[0].rsplit(" ", 1)[1]) if line else 0.0

    before = count()

    async def main():  # verl's reward loop: one task per sample, all awaited together
        return await asyncio.gather(*(verl.compute_score(data_source="gsm8k", solution_str=f"answer: {i}",
                                                         ground_truth=str(i if i % 4 else i + 1), url=url,
                                                         grader="gsm8k") for i in range(100)))

    out = asyncio.run(main())
    assert [o["score"] for o in out] == [0.0 if i % 4 == 0 else 1.0 for i in range(100)]
    assert count() - before < 10  # batched, not 100 requests


def test_numpy_extra_info_and_env_configuration(url, monkeypatch):
    np = pytest.importorskip("numpy")
    monkeypatch.setenv("VERIGRADE_URL", url)
    monkeypatch.setenv("VERIGRADE_GRADER", "gsm8k")
    out = asyncio.run(verl.compute_score(data_source="gsm8k", solution_str="7", ground_truth=np.str_("7"),
                                         extra_info={"ids": np.arange(3), "obj": object()}))
    assert out["score"] == 1.0
    assert verl.item_for("d", {"answer": "1"}, {"ids": np.arange(2)}) == {"answer": "1", "data_source": "d",
                                                                           "extra_info": {"ids": [0, 1]}}


def test_missing_configuration_is_an_error(monkeypatch):
    monkeypatch.delenv("VERIGRADE_URL", raising=False)
    monkeypatch.delenv("VERIGRADE_GRADER", raising=False)
    with pytest.raises(ValueError, match="VERIGRADE_URL"):
        asyncio.run(verl.compute_score(data_source="x", solution_str="1", ground_truth="1"))
