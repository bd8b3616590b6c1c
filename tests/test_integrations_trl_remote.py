"""TRL reward functions backed by `verigrade serve` (sync object and real `async def`), on a real server."""
import asyncio
import inspect
import pickle

import pytest

from graders import load_grader
from graders.integrations.trl import RemoteGraderReward, reward_function
from graders.service.config import ServiceConfig, load_served_graders
from graders.service.testing import running_server

TOKEN = "trl-test-token"


@pytest.fixture(scope="module")
def url():
    graders = load_served_graders(["grader_specs/gsm8k.json", "grader_specs/format_then_answer.json"])
    graders["regex"] = load_grader({"type": "string_check", "name": "regex", "input": "{{ sample.output_text }}",
                                    "reference": "{{ item.answer }}", "operation": "regex"})
    with running_server(ServiceConfig(graders=graders, token=TOKEN)) as base:
        yield base


def call_kwargs():
    logged, extra = {}, {}
    return dict(prompts=["q1", "q2", "q3", "q4"],
                completions=["The answer is 4", "no idea", "so\n#### 6", [{"role": "assistant", "content": "it is 8"}]],
                completion_ids=[[1], [2], [3], [4]], answer=["#### 4", "#### 5", "#### 6", "#### 8"],
                trainer_state=object(), log_metric=lambda k, v: logged.__setitem__(k, v),
                log_extra=lambda k, v: extra.__setitem__(k, v)), logged, extra


def test_sync_variant_grades_on_the_service(url):
    f = reward_function(f"{url}/v1/graders/gsm8k", token=TOKEN)
    assert isinstance(f, RemoteGraderReward) and f.__name__ == "gsm8k"
    assert not inspect.iscoroutinefunction(f)
    kwargs, logged, extra = call_kwargs()
    assert f(**kwargs) == [1.0, 0.0, 1.0, 1.0]
    assert logged["gsm8k/error_rate"] == 0.0 and extra["gsm8k_status"] == ["ok", "no_answer", "ok", "ok"]
    clone = pickle.loads(pickle.dumps(f))
    assert clone(**call_kwargs()[0]) == [1.0, 0.0, 1.0, 1.0]


def test_async_variant_is_a_real_coroutine_function(url):
    f = reward_function(f"{url}/v1/graders/gsm8k", asynchronous=True, token=TOKEN)
    assert inspect.iscoroutinefunction(f) and f.__name__ == "gsm8k"
    kwargs, logged, _ = call_kwargs()

    async def concurrently():  # as TRL does: several async reward functions gathered on one loop
        g = reward_function(f"{url}/v1/graders/format_then_answer", asynchronous=True, token=TOKEN,
                            name="fmt")
        return await asyncio.gather(f(**kwargs), g(prompts=kwargs["prompts"], completions=kwargs["completions"],
                                                   answer=["4", "5", "6", "8"]))

    gsm8k, fmt = asyncio.run(concurrently())
    assert gsm8k == [1.0, 0.0, 1.0, 1.0]
    assert fmt == [0.0, 0.0, 1.0, 0.0]  # only "so\n#### 6" has the '#### n' format
    assert "gsm8k/timeout_rate" in logged


def test_wrong_token_and_bad_urls_fail_loudly(url):
    from graders.service.client import ServiceRequestError

    with pytest.raises(ServiceRequestError) as err:
        reward_function(f"{url}/v1/graders/gsm8k", token="wrong")(prompts=["q"], completions=["1"], answer=["1"])
    assert err.value.status == 401
    with pytest.raises(ValueError, match="names no grader"):
        reward_function(f"{url}/v1")
    with pytest.raises(ValueError, match="needs a service URL"):
        reward_function("grader_specs/gsm8k.json", asynchronous=True)


def test_invalid_reference_is_none_remotely_too(url):
    f = reward_function(f"{url}/v1/graders/regex", token=TOKEN)
    out = f(prompts=["q", "q"], completions=["abc", "abc"], answer=["", "b"])
    assert out == [None, 1.0]
    assert f.last_results[0].status == "invalid_reference"
    zero = reward_function(f"{url}/v1/graders/regex", token=TOKEN, invalid_reference_reward=0.0)
    assert zero(prompts=["q"], completions=["abc"], answer=[""]) == [0.0]
