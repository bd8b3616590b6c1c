"""OpenAI graders run here unchanged (issue 13).

Every fixture in tests/data/openai/graders/ is a grader written from openai-python's types (`openai.types.graders`,
the SDK this venv has), one per shape: each must validate against that SDK type, load here (or be refused with the
message its `expect` names), and score its deterministic cases as OpenAI's documented semantics say. Run output
must be OpenAI's GraderRunResponse key for key; model-graded messages go over a real HTTP server with every content
shape.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from graders import GradeResult, load_grader
from graders.errors import SpecError
from graders.judges.cache import shared_cache
from graders.models.messages import plain_chat_messages, render_messages, wire_messages
from graders.result import OPENAI_ERROR_DETAILS, OPENAI_ERROR_FLAGS

FIXTURES = Path(__file__).parent / "data" / "openai" / "graders"


def fixtures() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}


ALL = fixtures()


def _types(spec: dict) -> set[str]:
    inner = spec.get("graders", {}).values() if spec["type"] == "multi" else []
    return {spec["type"], *(g["type"] for g in inner)}


def _marks(name: str, fixture: dict) -> list:
    marks = []
    if "python" in _types(fixture["grader"]):
        marks.append(pytest.mark.docker)
    if fixture["grader"].get("evaluation_metric") == "cosine":
        marks.append(pytest.mark.model("minilm"))
    return marks


def _needs_sandbox(fixture: dict) -> None:
    if "python" in _types(fixture["grader"]):
        from sandbox_support import require_docker

        require_docker()


# -- the fixtures are OpenAI's shapes, not ours -------------------------------------------------------------
def _sdk_class(type_name: str):
    from openai.types import graders as sdk

    return {"string_check": sdk.StringCheckGrader, "text_similarity": sdk.TextSimilarityGrader,
            "python": sdk.PythonGrader, "score_model": sdk.ScoreModelGrader, "label_model": sdk.LabelModelGrader,
            "multi": sdk.MultiGrader}[type_name]


@pytest.mark.parametrize("name", sorted(n for n, f in ALL.items() if f["sdk_type"]))
def test_fixture_is_valid_for_the_sdk_type(name):
    grader = ALL[name]["grader"]
    assert _sdk_class(grader["type"]).__name__ == ALL[name]["sdk_type"]
    if grader["type"] == "multi":
        # openai-python types `graders` as one grader (a known SDK bug, openai-java #647); the API takes a named map
        for sub in grader["graders"].values():
            _sdk_class(sub["type"]).model_validate(sub)
        assert isinstance(grader["calculate_output"], str) and isinstance(grader["name"], str)
    else:
        _sdk_class(grader["type"]).model_validate(grader)


def test_an_image_by_file_id_is_a_responses_shape_not_a_grader_one():
    from pydantic import ValidationError

    spec = ALL["content_input_image_file_id"]["grader"]
    with pytest.raises(ValidationError, match="image_url"):
        _sdk_class("score_model").model_validate(spec)


def test_the_fixtures_cover_every_shape_of_the_sdk_types():
    graders = [f["grader"] for f in ALL.values()]
    flat = graders + [g for f in graders if f["type"] == "multi" for g in f["graders"].values()]
    assert {g["type"] for g in flat} >= {"string_check", "text_similarity", "python", "score_model", "label_model",
                                         "multi"}
    assert {g["operation"] for g in flat if g["type"] == "string_check"} == {"eq", "ne", "like", "ilike"}
    from openai.types.graders.text_similarity_grader import TextSimilarityGrader
    metrics = set(TextSimilarityGrader.model_fields["evaluation_metric"].annotation.__args__)
    assert {g["evaluation_metric"] for g in flat if g["type"] == "text_similarity"} == metrics
    messages = [m for g in flat if g["type"] in ("score_model", "label_model") for m in g["input"]]
    assert {m["role"] for m in messages} == {"user", "assistant", "system", "developer"}
    parts = [p for m in messages for p in (m["content"] if isinstance(m["content"], list) else [m["content"]])]
    kinds = {p["type"] if isinstance(p, dict) else "string" for p in parts}
    assert kinds == {"string", "input_text", "output_text", "input_image", "input_audio"}
    assert any(isinstance(m["content"], dict) for m in messages)  # one part, not in a list
    assert any(isinstance(m["content"], list) and all(isinstance(p, str) for p in m["content"]) for m in messages)
    efforts = {g.get("sampling_params", {}).get("reasoning_effort") for g in flat if g.get("sampling_params")}
    assert efforts >= {"none", "minimal", "low", "medium", "high", "xhigh", "max"}


# -- they load, or are refused with a message that says why -------------------------------------------------
@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n, f)) for n, f in ALL.items()])
def test_fixture_loads_or_is_refused_clearly(name):
    fixture = ALL[name]
    refused = (fixture.get("expect") or {}).get("refused")
    if refused is None:
        grader = load_grader(fixture["grader"])
        assert grader.name == fixture["grader"]["name"] and grader.type == fixture["grader"]["type"]
    else:
        with pytest.raises(SpecError) as err:
            load_grader(fixture["grader"])
        assert refused in str(err.value) and "/input/0/content" in str(err.value)


CASES = [pytest.param(name, i, marks=_marks(name, f), id=f"{name}-{i}")
         for name, f in ALL.items() for i in range(len(f.get("cases", [])))]


@pytest.mark.parametrize("name,index", CASES)
def test_deterministic_case_scores_what_openai_documents(name, index):
    fixture = ALL[name]
    _needs_sandbox(fixture)
    case = fixture["cases"][index]
    grader = load_grader(fixture["grader"])
    sample = case["sample"] if "sample" in case else case["model_sample"]
    result = grader.grade(sample, case.get("item"))
    body = result.to_openai_run(grader.name, grader.type)
    assert body["reward"] == pytest.approx(case["reward"], abs=case.get("tolerance", 1e-6)), result.reason
    if "sub_rewards" in case:
        assert body["sub_rewards"] == pytest.approx(case["sub_rewards"])
    if "flag" in case:
        assert body["metadata"]["errors"][case["flag"]] is True
    if "reason_contains" in case:
        assert case["reason_contains"] in result.reason


def test_a_stored_grader_posts_back_unchanged_and_its_id_changes_nothing():
    stored = ALL["stored_multi"]["grader"]
    bare = {k: v for k, v in stored.items() if k != "id"}
    bare["graders"] = {k: {kk: vv for kk, vv in g.items() if kk != "id"} for k, g in stored["graders"].items()}
    rows = [("Paris", {"answer": "Paris"}), ("Pari", {"answer": "Paris"}), ("x", {"answer": "Paris"})]
    assert [r.score for r in load_grader(stored).grade_batch(rows)] == \
           [r.score for r in load_grader(bare).grade_batch(rows)]


def test_null_sampling_params_are_unset_and_bad_values_are_refused():
    g = load_grader(ALL["score_model_sampling_params_null_fields"]["grader"])
    assert g.sampling == {}
    assert load_grader(ALL["score_model_sampling_params_all"]["grader"]).sampling["reasoning_effort"] == "medium"
    bad = ALL["score_model_sampling_params_all"]["grader"]
    with pytest.raises(SpecError, match="reasoning_effort"):
        load_grader({**bad, "sampling_params": {"reasoning_effort": "extreme"}})
    with pytest.raises(SpecError, match="seed"):
        load_grader({**bad, "sampling_params": {"seed": "42"}})
    with pytest.raises(SpecError, match="id"):
        load_grader({**ALL["stored_string_check"]["grader"], "id": 7})  # an id is a string


# -- message shapes -----------------------------------------------------------------------------------------
RENDER_CONTEXT = {"sample": {"output_text": "4"}, "item": {"reference_answer": "four", "image_url": "https://x/y.png",
                                                           "audio_b64": "AAAA"}}


def _render(spec_input):
    from graders.templates import render

    return render_messages(spec_input, lambda text: render(text, RENDER_CONTEXT))


def test_templates_render_in_every_part_and_strings_in_lists_become_text_parts():
    messages = _render(ALL["content_list_mixed"]["grader"]["input"])
    assert messages[0]["content"] == [
        {"type": "input_text", "text": "Compare the two answers."},
        {"type": "input_text", "text": "Reference answer: four"},
        {"type": "output_text", "text": "Model answer: 4"}]
    image = _render(ALL["content_input_image"]["grader"]["input"])[0]["content"][0]
    assert image == {"type": "input_image", "image_url": "https://x/y.png", "detail": "high"}
    audio = _render(ALL["content_input_audio_mp3"]["grader"]["input"])[0]["content"][0]
    assert audio == {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "mp3"}}
    cached = _render(ALL["content_prompt_cache_breakpoint"]["grader"]["input"])[0]["content"]
    assert all("prompt_cache_breakpoint" not in p for p in cached)


def test_text_parts_never_run_into_one_word():
    messages = _render(ALL["content_list_of_strings"]["grader"]["input"])
    assert plain_chat_messages(messages)[0]["content"] == "Reference answer: four\nModel answer: 4"
    assert wire_messages(messages)[0]["content"] == "Reference answer: four\nModel answer: 4"
    dev = _render(ALL["message_role_developer"]["grader"]["input"])
    assert plain_chat_messages(dev)[0]["role"] == "system" and wire_messages(dev)[0]["role"] == "developer"


def test_wire_messages_pass_images_and_audio_as_chat_completions_parts():
    [msg] = wire_messages(_render(ALL["content_list_every_part"]["grader"]["input"]))
    assert msg["content"] == [
        {"type": "text", "text": "Does the answer describe the image and the audio?"},
        {"type": "text", "text": "Answer: 4"},
        {"type": "text", "text": "(model output above)"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
        {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF", "format": "wav"}}]
    with pytest.raises(ValueError, match="text only"):  # never an image silently dropped
        plain_chat_messages([msg])


@pytest.mark.parametrize("name", ["content_input_image", "content_input_audio", "content_list_every_part",
                                  "score_model_api_reference_example"])
def test_image_and_audio_parts_are_refused_for_the_local_model_naming_the_part(name):
    spec = {**ALL[name]["grader"], "model": "local:default"}
    with pytest.raises(SpecError) as err:
        load_grader(spec)
    assert "reads text only" in str(err.value) and "/input/0/content" in str(err.value)
    assert "OpenAI-compatible server" in str(err.value)


def test_text_parts_are_fine_for_the_local_model():
    for name in ("content_input_text", "content_list_mixed", "content_output_text", "content_prompt_cache_breakpoint"):
        assert load_grader({**ALL[name]["grader"], "model": "local:default"}).type == "score_model"


# -- over a real OpenAI-compatible HTTP server --------------------------------------------------------------
class ChatServer:
    """A chat-completions endpoint on 127.0.0.1 that records each request and answers with `reply`."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.reply = "0"
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.bodies.append(body)
                data = json.dumps({"id": "c", "object": "chat.completion", "model": body["model"],
                                   "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant", "content": owner.reply}}],
                                   "usage": {"prompt_tokens": 11, "completion_tokens": 1, "total_tokens": 12}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data.encode())

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def chat_server():
    server = ChatServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(autouse=True)
def fresh_judge_cache():
    cache = shared_cache()
    if cache is not None:
        cache.clear()


def test_the_api_reference_example_grades_over_http_with_its_image(chat_server):
    spec = {**ALL["score_model_api_reference_example"]["grader"], "model": f"{chat_server.url}#gpt-5-mini"}
    chat_server.reply = '{"result": 0.25, "steps": []}'
    grader = load_grader(spec)
    result = grader.grade("fuzzy wuzzy was a bear", {"reference_answer": "fuzzy wuzzy had no hair"})
    body = chat_server.bodies[-1]
    text, image = body["messages"][0]["content"]
    assert "Reference answer: fuzzy wuzzy had no hair" in text["text"]
    assert "Model answer: fuzzy wuzzy was a bear" in text["text"] and "{{" not in text["text"]
    assert image == {"type": "image_url", "image_url": {"url": "https://www.gstatic.com/webp/gallery/1.png",
                                                        "detail": "auto"}}
    assert body["seed"] == 42 and body["top_p"] == 1 and body["reasoning_effort"] == "medium"
    assert result.status == "ok" and result.score == pytest.approx(0.25)
    run = result.to_openai_run(grader.name, grader.type)
    assert run["reward"] == pytest.approx(0.25) and run["metadata"]["sampled_model_name"].endswith("#gpt-5-mini")


def test_null_sampling_params_are_not_sent(chat_server):
    chat_server.reply = "1"
    spec = {**ALL["score_model_sampling_params_null_fields"]["grader"], "model": f"{chat_server.url}#m"}
    load_grader(spec).grade("4", {"reference_answer": "4"})
    body = chat_server.bodies[-1]
    assert body["temperature"] == 0.0 and not {"seed", "top_p", "reasoning_effort"} & set(body)


def test_score_model_in_multi_enters_the_formula_in_its_range(chat_server):
    spec = json.loads(json.dumps(ALL["multi_score_model"]["grader"]))
    spec["graders"]["judge"]["model"] = f"{chat_server.url}#judge"
    chat_server.reply = "7"
    grader = load_grader(spec)
    result = grader.grade("four", {"reference_answer": "4"})  # exact fails: 0.5 * 7 / 10 + 0
    assert result.score == pytest.approx(0.35)
    judge = result.children["judge"]
    assert judge.score == pytest.approx(0.7) and judge.raw_score == 7  # standalone: [0, 1]
    assert result.to_openai_run()["sub_rewards"] == {"judge": 7.0, "exact": 0.0}


def test_label_model_in_multi_over_http(chat_server):
    spec = json.loads(json.dumps(ALL["multi_label_model"]["grader"]))
    spec["graders"]["tone"]["model"] = f"{chat_server.url}#tone"
    chat_server.reply = "polite"
    result = load_grader(spec).grade("Paris, thank you", {"answer": "Paris"})
    assert result.score == pytest.approx(1.0) and result.children["tone"].details["label"] == "polite"
    sent = chat_server.bodies[-1]["messages"]
    assert [m["role"] for m in sent] == ["developer", "user"] and sent[1]["content"] == "Answer: Paris, thank you"


# -- the run response ---------------------------------------------------------------------------------------
def _sdk_run_response(body: dict):
    from openai.types.fine_tuning.alpha.grader_run_response import GraderRunResponse, Metadata, MetadataErrors

    def aliases(model):
        return {f.alias or name for name, f in model.model_fields.items()}

    assert set(body) == aliases(GraderRunResponse)
    assert set(body["metadata"]) == aliases(Metadata)
    assert set(body["metadata"]["errors"]) == aliases(MetadataErrors)
    return GraderRunResponse.model_validate(body)


def test_run_response_is_openais_shape_with_every_error_key():
    grader = load_grader(ALL["multi_dict_graders"]["grader"])
    body = grader.grade("Lyon", {"answer": "Lyon!"}).to_openai_run(grader.name, grader.type)
    parsed = _sdk_run_response(body)
    assert parsed.reward == pytest.approx(4 / 9) and parsed.metadata.token_usage is None
    assert parsed.sub_rewards == pytest.approx({"exact": 0.0, "sim": 8 / 9})
    assert set(OPENAI_ERROR_FLAGS) | set(OPENAI_ERROR_DETAILS) == set(body["metadata"]["errors"])
    assert not any(body["metadata"]["errors"][f] for f in OPENAI_ERROR_FLAGS)


@pytest.mark.parametrize("flag", OPENAI_ERROR_FLAGS)
def test_each_error_flag_comes_from_the_results_error_type(flag):
    child = GradeResult.failure("error", f"boom ({flag})", flag, traceback="Traceback ...")
    body = GradeResult(score=0.0, children={"a": child, "b": GradeResult(score=1.0)}).to_openai_run("m", "multi")
    errors = _sdk_run_response(body).metadata.errors.model_dump(by_alias=True)
    assert [f for f in OPENAI_ERROR_FLAGS if errors[f]] == [flag]
    details = {"python_grader_runtime_error": "python_grader_runtime_error_details",
               "model_grader_server_error": "model_grader_server_error_details",
               "python_grader_server_error": "python_grader_server_error_type"}
    for source, key in details.items():
        expected = None if flag != source else ("sandbox_error" if key.endswith("_type") else f"boom ({flag})")
        assert errors[key] == expected


def test_timeouts_unknown_error_types_and_token_usage():
    slow = GradeResult.failure("timeout", "grade() exceeded 1 s", "python_grader_runtime_error")
    odd = GradeResult.failure("error", "x", "some_verigrade_error")
    judged = [GradeResult(score=1.0, details={"model": m, "token_usage": {"prompt_tokens": p, "completion_tokens": 1,
                                                                          "total_tokens": p + 1}})
              for m, p in (("local:default", 10), ("local:default", 20), ("http://h/v1#big", 5))]
    body = GradeResult(score=0.0, children={"slow": slow, "odd": odd, **{f"j{i}": j for i, j in enumerate(judged)}}
                       ).to_openai_run()
    errors = body["metadata"]["errors"]
    assert errors["unresponsive_reward_error"] and errors["python_grader_runtime_error"] and errors["other_error"]
    assert body["metadata"]["token_usage"] == 11 + 21 + 6
    assert body["model_grader_token_usage_per_model"] == {
        "local:default": {"prompt_tokens": 30, "completion_tokens": 2, "total_tokens": 32, "cached_tokens": 0},
        "http://h/v1#big": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6, "cached_tokens": 0}}
    _sdk_run_response(body)


def test_real_failures_set_their_flags():
    sc = load_grader(ALL["template_missing_variable"]["grader"])
    assert sc.grade("x", {}).to_openai_run()["metadata"]["errors"]["invalid_variable_error"] is True
    assert sc.grade(12, {}).to_openai_run()["metadata"]["errors"]["sample_parse_error"] is True  # not a sample
    divide = load_grader({**ALL["multi_dict_graders"]["grader"], "calculate_output": "sim / exact"})
    errors = divide.grade("Lyon", {"answer": "Paris"}).to_openai_run()["metadata"]["errors"]
    assert errors["other_error"] is True and errors["formula_parse_error"] is False
    with pytest.raises(SpecError, match="formula_parse_error"):  # a formula that doesn't parse never loads
        load_grader({**ALL["multi_dict_graders"]["grader"], "calculate_output": "exact +* sim"})


@pytest.mark.model
def test_text_parts_reach_the_embedded_model():
    spec = json.loads(json.dumps(ALL["multi_label_model"]["grader"]["graders"]["tone"]))
    spec["model"] = "local:default"
    result = load_grader(spec).grade("Paris. Thank you for asking!", {})
    assert result.status == "ok" and result.details["label"] in ("polite", "rude"), result.reason
    assert sum(result.details["label_probs"].values()) == pytest.approx(1.0)
