"""OpenRLHF's remote reward protocol (`--remote_rm_url http://host:8000/get_reward`) on a real server."""
import concurrent.futures

import httpx
import pytest

from graders import load_grader
from graders.service.config import ServiceConfig, load_served_graders
from graders.service.openrlhf import response_of
from graders.service.testing import running_server

PROMPT = "<|im_start|>user\nQ: 6*7? Example: 'Q: 1+1 #### 2'<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def url():
    graders = load_served_graders(["grader_specs/gsm8k.json", "grader_specs/format_then_answer.json"])
    with running_server(ServiceConfig(graders=graders, openrlhf_grader="gsm8k")) as base:
        yield base


def post(url, body):
    return httpx.post(f"{url}/get_reward", json=body, timeout=60)


def test_rewards_scores_and_extra_logs_have_the_request_length(url):
    queries = [PROMPT + "The answer is 42<|im_end|>", PROMPT + "The answer is 41<|im_end|>",
               PROMPT + "#### 42<|im_end|><|endoftext|><|endoftext|>"]
    resp = post(url, {"query": queries, "prompts": [PROMPT] * 3, "labels": ["#### 42"] * 3})
    assert resp.status_code == 200
    body = resp.json()
    assert body["rewards"] == [1.0, 0.0, 1.0] and body["scores"] == body["rewards"]
    assert body["extra_logs"]["verigrade/ok"] == [1.0, 1.0, 1.0]
    assert all(len(v) == 3 and all(isinstance(x, float) for x in v) for v in body["extra_logs"].values())


def test_the_prompt_is_not_graded(url):
    # the prompt holds '#### 2' (a few-shot example) and a response with no answer must not earn it
    resp = post(url, {"query": [PROMPT + "I don't know<|im_end|>"], "prompts": [PROMPT], "labels": ["#### 2"]})
    assert resp.json()["rewards"] == [0.0]
    # a query that doesn't contain its prompt is an error scored 0, not the whole text graded
    resp = post(url, {"query": ["#### 2"], "prompts": [PROMPT], "labels": ["#### 2"]})
    assert resp.json()["rewards"] == [0.0] and resp.json()["extra_logs"]["verigrade/error"] == [1.0]


def test_leading_special_tokens_before_the_prompt_are_allowed():
    assert response_of("<s>" + PROMPT + "hi</s>", PROMPT, ("</s>",)) == "hi"
    assert response_of(PROMPT + "a<|im_end|><pad><pad>", PROMPT, ("<|im_end|>", "<pad>")) == "a"
    assert response_of("x" * 500 + PROMPT + "a", PROMPT, ()) is None


def test_empty_lists_answer_200_like_openrlhf_shards_expect(url):
    resp = post(url, {"query": [], "prompts": [], "labels": []})
    assert resp.status_code == 200
    assert resp.json() == {"rewards": [], "scores": [], "extra_logs": {}}


def test_labels_may_be_objects_or_null_and_lengths_must_match(url):
    resp = post(url, {"query": [PROMPT + "The answer is 42"] * 2, "prompts": [PROMPT] * 2,
                      "labels": [{"answer": "#### 42"}, None]})
    body = resp.json()
    assert body["rewards"] == [1.0, 0.0]
    bad = post(url, {"query": ["a", "b"], "prompts": ["a"], "labels": ["1", "2"]})
    assert bad.status_code == 422 and bad.json()["error"]["param"] == "prompts"


def test_many_parallel_single_item_requests_like_the_current_client(url):
    grader = load_grader("grader_specs/gsm8k.json")
    answers = [str(i) for i in range(64)]

    def one(i):
        body = {"query": [PROMPT + f"The answer is {answers[i]}<|im_end|>"], "prompts": [PROMPT],
                "labels": [f"#### {i if i % 2 else i + 1}"]}
        return post(url, body).json()["rewards"][0]

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        rewards = list(ex.map(one, range(64)))
    expected = [grader.grade(f"The answer is {i}", {"answer": f"#### {i if i % 2 else i + 1}"}).score
                for i in range(64)]
    assert rewards == expected and sum(rewards) == 32


def test_multi_grader_logs_each_sub_grader():
    graders = load_served_graders(["grader_specs/format_then_answer.json"])
    spec = graders["format_then_answer"].spec
    with running_server(ServiceConfig(graders=graders)) as base:  # the only grader: chosen without a flag
        body = post(base, {"query": ["P: <answer>4</answer>"], "prompts": ["P: "], "labels": [{"answer": "4"}]}).json()
    assert set(body["extra_logs"]) >= {f"verigrade/{name}" for name in spec["graders"]}


def test_several_graders_without_a_choice_is_a_clear_error():
    graders = load_served_graders(["grader_specs/gsm8k.json", "grader_specs/exact_answer.json"])
    with running_server(ServiceConfig(graders=graders)) as base:
        resp = post(base, {"query": ["x"], "prompts": [""], "labels": ["1"]})
    assert resp.status_code == 400 and "--openrlhf-grader" in resp.json()["error"]["message"]
