"""Differential fuzzing at a small size (benchmarks/math_fuzz.py runs it at 6,000 pairs): generated
(reference, output) pairs from MATH and GSM8K answers, graded by verigrade and by math-verify 0.9.0. verigrade
must match the label of every pair (known by construction), so that each disagreement with math-verify is
either a documented policy or a math-verify error."""
import sys
from collections import Counter
from pathlib import Path

import pytest

from graders import load_grader

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from math_fuzz_cases import generate, math_verify_scores, triage  # noqa: E402

N_PAIRS = 240


@pytest.fixture(scope="module")
def graded(shared_data):
    pairs = generate(N_PAIRS, seed=11)
    grader = load_grader({"type": "math_equivalence", "reference": "{{ item.answer }}", "timeout_s": 10})
    results = grader.grade_batch([({"output_text": p.output}, {"answer": p.reference}) for p in pairs])
    return pairs, results, math_verify_scores(pairs)


def test_generator_covers_the_issue_shapes(shared_data):
    pairs = generate(N_PAIRS, seed=11)
    assert len(pairs) == N_PAIRS and {p.source for p in pairs} == {"math", "gsm8k"}
    assert Counter(p.label for p in pairs)[0] >= N_PAIRS // 3
    assert {p.policy for p in pairs} >= {"", "hedge"}
    assert len({p.wrapper for p in pairs}) >= 10 and len({p.shape for p in pairs}) >= 10


def test_verigrade_matches_every_label(graded):
    pairs, results, _ = graded
    wrong = [(p.shape, p.wrapper, p.label, r.reason) for p, r in zip(pairs, results) if r.score != p.label]
    assert wrong == []
    assert {r.status for r in results} <= {"ok", "no_answer"}


def test_every_disagreement_with_math_verify_is_triaged(graded):
    pairs, results, theirs = graded
    categories = Counter(triage(p, r.score, m) for p, r, m in zip(pairs, results, theirs))
    assert categories["verigrade wrong"] == categories["both wrong"] == 0
    assert sum(v for k, v in categories.items() if k != "agree") > 0  # the test can see a disagreement
    assert set(categories) <= {"agree", "math-verify wrong", "deliberate policy: hedge", "deliberate policy: rounding",
                               "deliberate policy: percent", "deliberate policy: final_region"}
