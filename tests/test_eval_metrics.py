"""Evaluation maths and data handling without a model: pass@k against brute force over every subset,
majority voting, answer keys, prompt loading (trainer / OpenAI RFT / GSM8K rows), the SFT export."""
import itertools
import json
import math
import random

import pytest

from graders import GradeResult, load_grader
from graders.evaluation import EvalDataError, load_prompts, majority_vote, pass_at_k, summarize_eval
from graders.evaluation.data import Prompt
from graders.evaluation.generators import Completion
from graders.evaluation.metrics import answer_key
from graders.evaluation.runner import accepted_messages, grade_groups


def brute_force_pass_at_k(outcomes, k):
    """The definition: the share of all k-subsets of the n samples that contain a correct one."""
    subsets = list(itertools.combinations(outcomes, k))
    return sum(any(s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n", range(1, 9))
def test_pass_at_k_equals_the_subset_definition(n):
    for c in range(n + 1):
        outcomes = [True] * c + [False] * (n - c)
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(brute_force_pass_at_k(outcomes, k), abs=1e-12)
            assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k), abs=1e-12)


def test_pass_at_k_is_stable_for_large_n_and_rejects_nonsense():
    rng = random.Random(0)
    for _ in range(200):
        n = rng.randint(50, 400)
        c, k = rng.randint(0, n), rng.randint(1, n)
        assert pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k), abs=1e-9)
    for bad in [(4, 5, 1), (4, 1, 5), (4, 1, 0), (3, -1, 1)]:
        with pytest.raises(ValueError):
            pass_at_k(*bad)


def ok(score, **details):
    return GradeResult(score=score, passed=score >= 1, details=details)


def test_majority_vote_counts_answers_not_samples_and_breaks_ties_by_first_seen():
    right, wrong = ok(1.0, extracted="5"), ok(0.0, extracted="4")
    assert majority_vote([wrong, right, right], ["4", "5", "5"]) is True
    assert majority_vote([right, wrong, wrong], ["5", "4", "4"]) is False
    assert majority_vote([wrong, right], ["4", "5"]) is False          # tie: first seen wins
    assert majority_vote([right, wrong], ["5", "4"]) is True
    no = GradeResult.failure("no_answer", "none")
    assert majority_vote([no, no, right], [None, None, "5"]) is True   # no answer, no vote
    assert majority_vote([no, no], [None, None]) is None


def test_answer_key_prefers_the_extracted_answer_then_normalised_text():
    assert answer_key(ok(1.0, extracted=" 18 "), "blah 18") == ("18", "extracted")
    multi = GradeResult(score=1.0, children={"fmt": ok(1.0), "ans": ok(1.0, extracted="7")})
    assert answer_key(multi, "x") == ("7", "extracted")
    assert answer_key(ok(0.0), "  The   Answer. ") == ("the answer", "text")
    assert answer_key(GradeResult.failure("no_answer", "none"), "text") == (None, "extracted")


def test_summary_counts_failed_generations_as_wrong_not_as_missing():
    """Dropping failed samples would shrink n and inflate pass@k; they must stay in as errors."""
    grader = load_grader({"type": "string_check", "name": "eq", "input": "{{ sample.output_text }}",
                          "reference": "{{ item.answer }}", "operation": "eq"})
    prompts = [Prompt(1, [{"role": "user", "content": "q"}], {"answer": "yes"})]
    comps = [[Completion("yes"), Completion("", "error", None, "HTTP 503"), Completion("", "error", None, "x"),
              Completion("no")]]
    results = grade_groups(grader, prompts, comps, None)
    assert [r.status for r in results[0]] == ["ok", "error", "error", "ok"]
    assert results[0][1].error_type == "sample_generation_error" and "HTTP 503" in results[0][1].reason
    s = summarize_eval(results)
    assert s["samples"] == 4 and s["pass@k"][1] == pytest.approx(0.25)
    assert s["pass@k"][2] == pytest.approx(brute_force_pass_at_k([1, 0, 0, 0], 2))


def test_summary_of_multi_grader_has_sub_grader_means():
    spec = {"type": "multi", "name": "m", "calculate_output": "0.5 * a + 0.5 * b", "graders": {
        "a": {"type": "string_check", "name": "a", "input": "{{ sample.output_text }}", "reference": "x",
              "operation": "like"},
        "b": {"type": "string_check", "name": "b", "input": "{{ sample.output_text }}", "reference": "y",
              "operation": "like"}}}
    g = load_grader(spec)
    groups = [[g.grade(t) for t in ("x", "xy", "z", "y")]]
    s = summarize_eval(groups)
    assert s["sub_grader_means"]["a"]["mean"] == pytest.approx(0.5)
    assert s["sub_grader_means"]["b"]["mean"] == pytest.approx(0.5)
    assert s["mean_reward"] == pytest.approx((0.5 + 1 + 0 + 0.5) / 4)


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_load_prompts_reads_trainer_rft_and_gsm8k_rows(tmp_path):
    data = write(tmp_path / "d.jsonl", [
        {"prompt": "What is 2 + 2?", "answer": "4"},
        "",
        {"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}], "answer": "x"},
        {"messages": [{"role": "developer", "content": "Answer."}, {"role": "user", "content": "Q?"}],
         "reference_answer": "A"},
        {"question": "How many?", "answer": "#### 3"},
        {"messages": [{"role": "user", "content": "Q2"}, {"role": "assistant", "content": "the SFT answer"}]},
    ])
    ps = load_prompts(data, system_prompt="SYS")
    assert [p.line for p in ps] == [1, 3, 4, 5, 6]
    assert ps[0].messages == [{"role": "system", "content": "SYS"}, {"role": "user", "content": "What is 2 + 2?"}]
    assert ps[1].messages[0] == {"role": "system", "content": "Be brief."} and len(ps[1].messages) == 2
    assert ps[2].messages[0]["role"] == "developer" and ps[2].item["reference_answer"] == "A"
    assert ps[3].text == "How many?" and ps[3].item["answer"] == "#### 3"
    assert ps[4].messages[-1] == {"role": "user", "content": "Q2"}  # the assistant turn is not part of the prompt
    assert len(load_prompts(data, limit=2)) == 2


@pytest.mark.parametrize("rows,needle", [
    (['{"prompt": "a"}', "{not json"], "d.jsonl:2: not valid JSON"),
    ([{"prompt": "a"}, [1, 2]], "d.jsonl:2: each line must be a JSON object"),
    ([{"sample": "a", "item": {}}], "'sample' rows are for `verigrade score`"),
    ([{"prompt": 3}], "d.jsonl:1: field 'prompt' must be a string"),
    ([{"messages": [{"role": "assistant", "content": "only"}]}], "d.jsonl:1: field 'messages'"),
    ([], "has no rows"),
])
def test_bad_data_names_the_line(tmp_path, rows, needle):
    with pytest.raises(EvalDataError, match=None) as err:
        load_prompts(write(tmp_path / "d.jsonl", rows))
    assert needle in str(err.value)


def test_rows_past_the_limit_are_not_read(tmp_path):
    data = write(tmp_path / "d.jsonl", ['{"prompt": "a"}', '{"prompt": "b"}', "{not json"])
    assert [p.text for p in load_prompts(data, limit=2)] == ["a", "b"]
    with pytest.raises(EvalDataError, match="d.jsonl:3: not valid JSON"):
        load_prompts(data, limit=3)


def test_accepted_completions_are_deduplicated_passing_and_best_first():
    grader = load_grader({"type": "text_similarity", "name": "sim", "input": "{{ sample.output_text }}",
                          "reference": "{{ item.answer }}", "evaluation_metric": "fuzzy_match",
                          "pass_threshold": 0.8})
    prompt = Prompt(7, [{"role": "user", "content": "Say hello world"}], {"answer": "hello world"})
    texts = ["hello worl", "hello world", "hello   world ", "goodbye", "", "hello world"]
    comps = [Completion(t) for t in texts]
    results = grade_groups(grader, [prompt], [comps], None)[0]
    rows = accepted_messages(prompt, comps, results)
    answers = [r["messages"][-1]["content"] for r in rows]
    assert answers == ["hello world", "hello worl"]  # exact match first; whitespace variants and repeats dropped
    assert all(r["messages"][:-1] == prompt.messages and r["messages"][-1]["role"] == "assistant" for r in rows)
