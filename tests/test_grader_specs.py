"""Every ready-made spec validates, and its example JSONL scores as its `expect` fields say."""
import json

import pytest

from grader_specs import FOLDER, list_specs
from graders import load_grader
from graders.scoring import grade_rows, iter_rows

# specs whose graders need Docker or a model are exercised by their own test files too
SPECS = list_specs()


def test_there_are_ready_made_specs():
    for name in ("exact_answer", "fuzzy_reference", "json_output", "format_then_answer"):
        assert name in SPECS


@pytest.mark.parametrize("name", SPECS)
def test_spec_validates_and_has_an_example(name):
    grader = load_grader(FOLDER / f"{name}.json")
    assert grader.name
    data = FOLDER / f"{name}.jsonl"
    assert data.exists(), f"{name}.json needs an example {name}.jsonl beside it"
    assert len([line for line in data.read_text().splitlines() if line.strip()]) >= 3


@pytest.mark.parametrize("name", [s for s in SPECS if s in {"exact_answer", "format_then_answer", "fuzzy_reference",
                                                             "json_output"}])
def test_example_scores_match_expectations(name):
    grader = load_grader(FOLDER / f"{name}.json")
    lines = (FOLDER / f"{name}.jsonl").read_text().splitlines()
    rows = list(iter_rows(lines))
    results = grade_rows(grader, rows)
    for row, res in zip(rows, results):
        expect = json.loads(lines[row.line - 1]).get("expect")
        if not expect:
            assert res.status != "error", f"{name}.jsonl line {row.line}: {res.reason}"
        else:
            assert res.score == pytest.approx(expect["score"], abs=1e-4), f"line {row.line}: {res.reason}"
            if "status" in expect:
                assert res.status == expect["status"]


# -- attacks on the shipped specs: how would a policy get 1 without being right, or a right answer 0? ------
def grade(name, sample, item):
    return load_grader(FOLDER / f"{name}.json").grade(sample, item)


@pytest.mark.parametrize("sample,answer,score", [
    ("so\n#### 42", "4", 0.2),                        # a substring is not the answer
    ("so\n#### 4", "42", 0.2),
    ("so\n#### 172", "72", 0.2),
    ("so\n#### -72", "72", 0.2),
    ("so\n#### 7.2", "72", 0.2),
    ("#### 70\n#### 71\n#### 72\n#### 73", "72", 0.0),  # several final answers: 0
    ("#### 72\nor\n#### 72", "72", 0.0),              # one marker only
    ("I think #### 71 but\n#### 72", "72", 0.0),
    ("so\n#### 72\nHope this helps!", "72", 0.0),     # the format line must end the output
    ("so\n#### 72 or 73", "72", 0.0),
    ("so\n####72", "72", 1.0),
    ("so\n#### 72  \n\n", "72", 1.0),
    ("so\r\n#### 72\r\n", "72", 1.0),
    ("so\n#### 1,000", "1000", 1.0),                  # thousands separators on either side
    ("so\n#### 1000", "1,000", 1.0),
    ("so\n#### -5", "-5", 1.0),
    ("so\n#### 1", ".", 0.2),                         # a reference can't be a wildcard
])
def test_format_then_answer_attacks(sample, answer, score):
    res = grade("format_then_answer", sample, {"answer": answer})
    assert res.status == "ok" and res.score == pytest.approx(score), (sample, answer, res.reason)


def test_format_then_answer_on_gsm8k_solutions(shared_data):
    """Outside data: every GSM8K test solution (it ends in `#### n`) scores 1 against its own number and
    at most the 0.2 format credit against a near miss (n with a digit more or less, n + 1, -n)."""
    grader = load_grader(FOLDER / "format_then_answer.json")
    rows = [json.loads(line) for line in open(shared_data / "gsm8k" / "test.jsonl")]
    pairs, expected = [], []
    for row in rows:
        solution = row["answer"]
        final = solution.rsplit("####", 1)[1].strip()
        plain = final.replace(",", "")
        pairs.append((solution, {"answer": final}))
        expected.append(1.0)
        for wrong in (plain + "0", plain[:-1] or "9", str(int(plain) + 1), "-" + plain):
            if wrong.lstrip("-") != plain or wrong.startswith("-") != plain.startswith("-"):
                pairs.append((solution, {"answer": wrong}))
                expected.append(0.2)
    results = grader.grade_batch(pairs)
    assert len(rows) == 1319 and len(pairs) > 5 * 1300
    bad = [(p[1], r.score, r.reason) for p, r, e in zip(pairs, results, expected) if r.score != pytest.approx(e)]
    assert not bad, bad[:5]


@pytest.mark.parametrize("sample,answer,score", [
    ("-42", "42", 0), ("4.2", "42", 0), ("3/4", "34", 0), ("2^{10}", "210", 0), ("10²", "102", 0),
    ("42", "-42", 0), ("", "Paris", 0), ("Paris Lyon", "Paris", 0),
    ("**Paris**.", "Paris", 1), ('"paris"', "Paris", 1), ("The Hague", "the hague", 1),
])
def test_exact_answer_attacks(sample, answer, score):
    res = grade("exact_answer", sample, {"answer": answer})
    assert res.score == score, (sample, answer, res.reason)


@pytest.mark.parametrize("sample,status", [
    ('{"answer": 41, "answer": 42, "reasoning": "r", "confidence": 0.5}', "no_answer"),   # duplicate key
    ('{"answer": 42, "reasoning": "r", "confidence": 0.5, "reasoning": "s"}', "no_answer"),
    ('```json\n{"answer": 41, "reasoning": "r", "confidence": 1}\n```\n```json\n{"answer": 42, "reasoning": "r", '
     '"confidence": 1}\n```', "no_answer"),                                                  # two fenced answers
    ('{"answer": 1e400, "reasoning": "r", "confidence": 1}', "no_answer"),                  # infinity is not JSON
    ('{"answer": NaN, "reasoning": "r", "confidence": 1}', "no_answer"),
    ('{"answer": true, "reasoning": "r", "confidence": 1}', "ok"),                          # a bool is no number
    ('{"answer": "42", "reasoning": "r", "confidence": 1}', "ok"),
    ("```json\n" * 20_000, "no_answer"),                                                    # many openers: linear
])
def test_json_output_attacks_score_zero(sample, status):
    res = grade("json_output", sample, {})
    assert res.score == 0 and res.status == status, (sample[:80], res.reason)


def test_json_output_right_answers_pass():
    for sample in ('{"answer": 42, "reasoning": "6 times 7", "confidence": 0.9}\n',
                   'Sure.\n```JSON\n{"answer": 42, "reasoning": "6 x 7", "confidence": 1}\n```\n```python\nprint(42)\n```',
                   {"output_text": '{"answer": 42, "reasoning": "r", "confidence": 0}',
                    "output_json": {"answer": 42, "reasoning": "r", "confidence": 0}}):
        res = grade("json_output", sample, {})
        assert res.score == 1 and res.status == "ok", (sample, res.reason)
