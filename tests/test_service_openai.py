"""OpenAI's graders API on `verigrade serve`, driven by the real `openai` package against a real server."""
import asyncio

import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from graders.service.config import ServiceConfig, load_served_graders
from graders.service.testing import running_server

STRING = {"type": "string_check", "name": "exact", "input": "{{ sample.output_text }}",
          "reference": "{{ item.answer }}", "operation": "eq"}


@pytest.fixture(scope="module")
def url():
    config = ServiceConfig(graders=load_served_graders(["grader_specs/exact_answer.json"]))
    with running_server(config) as base:
        yield base


@pytest.fixture
def client(url):
    return OpenAI(base_url=url + "/v1", api_key="unused-on-loopback", max_retries=0)


def test_run_matches_and_mismatches_with_the_full_response_shape(client):
    hit = client.fine_tuning.alpha.graders.run(grader=STRING, model_sample="Paris", item={"answer": "Paris"})
    miss = client.fine_tuning.alpha.graders.run(grader=STRING, model_sample="Lyon", item={"answer": "Paris"})
    assert (hit.reward, miss.reward) == (1.0, 0.0)
    assert hit.metadata.name == "exact" and hit.metadata.type == "string_check"
    assert hit.metadata.execution_time >= 0 and hit.metadata.token_usage is None
    errors = hit.metadata.errors
    assert not any([errors.formula_parse_error, errors.sample_parse_error, errors.invalid_variable_error,
                    errors.other_error, errors.unresponsive_reward_error, errors.python_grader_runtime_error])
    assert errors.python_grader_server_error_type is None
    assert hit.sub_rewards == {} and hit.api_model_grader_token_usage_per_model == {}


def test_strict_response_validation_accepts_the_body(url):
    strict = OpenAI(base_url=url + "/v1", api_key="k", max_retries=0, _strict_response_validation=True)
    res = strict.fine_tuning.alpha.graders.run(grader=STRING, model_sample="a", item={"answer": "a"})
    assert res.reward == 1.0


def test_missing_variable_is_an_error_flag_not_an_exception(client):
    res = client.fine_tuning.alpha.graders.run(grader=STRING, model_sample="Paris")  # no item at all
    assert res.reward == 0.0
    assert res.metadata.errors.invalid_variable_error is True


def test_multi_grader_reports_sub_rewards(client):
    multi = {"type": "multi", "name": "m", "calculate_output": "0.25 * fmt + 0.75 * ans", "graders": {
        "fmt": {"type": "string_check", "name": "fmt", "input": "{{ sample.output_text }}", "reference": "Answer:",
                "operation": "like"},
        "ans": STRING}}
    res = client.fine_tuning.alpha.graders.run(grader=multi, model_sample="Answer: 4", item={"answer": "4"})
    assert res.reward == 0.25
    assert res.sub_rewards == {"fmt": 1.0, "ans": 0.0}


def test_old_reference_answer_field_is_accepted(client):
    grader = {**STRING, "reference": "{{ item.reference_answer }}"}
    res = client.fine_tuning.alpha.graders.run(grader=grader, model_sample="42",
                                               extra_body={"reference_answer": "42"})
    assert res.reward == 1.0
    res = client.fine_tuning.alpha.graders.run(grader=STRING, model_sample="42",
                                               extra_body={"reference_answer": {"answer": "42"}})
    assert res.reward == 1.0


def test_unknown_parameter_is_refused(client):
    with pytest.raises(openai.BadRequestError) as err:
        client.fine_tuning.alpha.graders.run(grader=STRING, model_sample="x", item={"answer": "x"},
                                             extra_body={"refrence_answer": "x"})
    assert err.value.code == "unknown_parameter" and err.value.param == "refrence_answer"


def test_validate_echoes_a_good_grader_and_refuses_a_bad_one_with_a_param(client):
    assert client.fine_tuning.alpha.graders.validate(grader=STRING).grader.operation == "eq"
    with pytest.raises(openai.BadRequestError) as err:
        client.fine_tuning.alpha.graders.validate(grader={**STRING, "operation": "equals"})
    assert err.value.status_code == 400
    assert err.value.param == "grader.operation" and err.value.code == "invalid_grader"
    assert err.value.type == "invalid_request_error"
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.alpha.graders.run(grader={"type": "string_check"}, model_sample="x")


def test_request_graders_may_not_send_the_server_to_arbitrary_judge_urls(client):
    judge = {"type": "score_model", "name": "j", "model": "http://127.0.0.1:9/v1",
             "input": [{"role": "user", "content": "Rate {{ sample.output_text }}"}]}
    with pytest.raises(openai.BadRequestError) as err:
        client.fine_tuning.alpha.graders.run(grader=judge, model_sample="x")
    assert err.value.code == "model_not_allowed"


def test_async_client_runs_concurrently(url):
    async def main():
        client = AsyncOpenAI(base_url=url + "/v1", api_key="k", max_retries=0)
        samples = [str(i % 3) for i in range(30)]
        out = await asyncio.gather(*(client.fine_tuning.alpha.graders.run(grader=STRING, model_sample=s,
                                                                          item={"answer": "1"}) for s in samples))
        return [r.reward for r in out], samples

    rewards, samples = asyncio.run(main())
    assert rewards == [1.0 if s == "1" else 0.0 for s in samples]


@pytest.mark.docker
def test_python_grader_runs_in_the_sandbox_and_flags_runtime_errors(client):
    ok = {"type": "python", "name": "py", "source": "def grade(sample, item):\n"
          "    return 1.0 if sample['output_text'].strip() == item['answer'] else 0.0\n"}
    assert client.fine_tuning.alpha.graders.run(grader=ok, model_sample="7", item={"answer": "7"}).reward == 1.0
    boom = {**ok, "source": "def grade(sample, item):\n    raise ValueError('nope')\n"}
    res = client.fine_tuning.alpha.graders.run(grader=boom, model_sample="7", item={"answer": "7"})
    assert res.reward == 0.0 and res.metadata.errors.python_grader_runtime_error is True
