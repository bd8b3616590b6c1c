"""`math_equivalence` as a grader: spec handling, statuses, the guard, hard timeouts, crashes, threads, asyncio."""
import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from graders import load_grader
from graders.pool import get_pool
from graders.spec import SpecError
from grader_specs import FOLDER

TIMEOUT_S = 2.0


def grader(**fields):
    spec = {"type": "math_equivalence", "reference": "{{ item.answer }}", "timeout_s": TIMEOUT_S, **fields}
    return load_grader(spec)


def test_defaults_and_isolation():
    g = grader()
    assert type(g).isolation == "process"
    result = g.grade(r"Thus $x = \boxed{\dfrac{3}{4}}$.", {"answer": "0.75"})
    assert (result.score, result.status) == (1.0, "ok")
    assert result.details["extracted"] == r"\dfrac{3}{4}" and result.details["method"] == "boxed"


@pytest.mark.parametrize("spec, pointer", [
    ({"percent": "sometimes"}, "/percent"),
    ({"extract": "first_word"}, "/extract"),
    ({"extract": [{"regex": "(unclosed"}]}, "/extract/0/regex"),
    ({"extract": {"regex": "a(b)", "group": 3}}, "/extract/regex"),
    ({"rel_tol": -1}, "/rel_tol"),
    ({"tuple_order": "sorted"}, "/tuple_order"),
    ({"unknown_field": 1}, ""),
])
def test_bad_specs_name_the_field(spec, pointer):
    with pytest.raises(SpecError) as err:
        grader(**spec)
    assert pointer in str(err.value)


def test_regex_extraction_with_a_named_group():
    g = grader(extract=[{"regex": r"^RESULT\s*=\s*(?P<value>.+)$", "group": "value"}, "last_number"])
    results = g.grade_batch([("work\nRESULT = 3/4\nbye", {"answer": "0.75"}), ("no marker, 0.75", {"answer": "0.75"})])
    assert [(r.score, r.details["method"]) for r in results] == [(1.0, "regex"), (1.0, "last_number")]


def test_statuses():
    g = grader()
    rows = [
        ("I am not sure.\nLet me think about it more.", {"answer": "3"}),          # nothing to extract
        (r"\boxed{3}", {"answer": r"\frac{"}),                                       # broken reference
        (r"\boxed{3}", {"answer": ""}),                                              # empty reference
        (r"\boxed{3}", {"answer": "0/0"}),                                           # undefined reference
        (r"\boxed{9^{9^{9^{9}}}}", {"answer": "3"}),                                 # guard
        (r"\boxed{\frac{", {"answer": "3"}),                                         # unclosed box: truncated
        (r"\boxed{3}", {}),                                                          # missing variable
        (r"\boxed{3}", {"answer": "#### 3"}),
    ]
    results = g.grade_batch(rows)
    assert [r.status for r in results] == ["no_answer", "invalid_reference", "invalid_reference",
                                           "invalid_reference", "rejected", "no_answer", "error", "ok"]
    assert results[6].error_type == "invalid_variable_error"
    assert [r.score for r in results] == [0, 0, 0, 0, 0, 0, 0, 1]
    assert all(r.reason for r in results)


def test_unparseable_candidate_is_a_wrong_answer_with_a_reason():
    result = grader().grade(r"\boxed{\frac{1}{}}", {"answer": "3"})
    assert (result.status, result.score) == ("ok", 0.0)
    assert "not parseable" in result.reason


PATHOLOGICAL = [
    r"\boxed{9^{9^{9^{9}}}}",
    r"\boxed{5^{5^{5^{5^5}}}}",
    r"\boxed{2003^{2002^{2001}}}",
    r"\boxed{(10^{10})!}",
    r"\boxed{10000000000!}",
    r"\boxed{\binom{10^{11}}{10^{10}}}",
    r"\boxed{2^{10^{10}}}",
    r"\boxed{\frac{1}{2^{-10^{9}}}}",
    r"\boxed{\prod_{i=1}^{10^{10}} i}",
    r"\boxed{\sin(\sin(3+e^{e^{e^{3}}}))}",
    "\\boxed{" + "\\sqrt{" * 300 + "2" + "}" * 300 + "}",
    "\\boxed{" + "(" * 3000 + "1" + ")" * 3000 + "}",
    r"\boxed{" + "1+" * 5000 + "1}",
    "9**9**9**9",
    r"\boxed{7^{7^{12}}}",
    r"\boxed{\log_{2^{2^{2^{2}}}} 3}",
    "The answer is " + "x" * 100_000,
]


@pytest.mark.parametrize("guard", [True, False])
def test_pathological_inputs_return_within_timeout_and_pool_survives(guard):
    # unguarded, most of these burn their whole timeout and cost a worker respawn: a sample keeps the test short
    inputs = PATHOLOGICAL if guard else PATHOLOGICAL[::4]
    g = grader(guard=guard)
    results = g.grade_batch([(text, {"answer": "5"}) for text in inputs])
    for text, res in zip(inputs, results):
        assert res.score == 0.0, text[:40]
        assert res.elapsed_ms <= (TIMEOUT_S + 1.0) * 1000, (text[:40], res.status, res.elapsed_ms)
        # unguarded, a deep expression either overruns the timeout or hits the parser's recursion limit
        # (reported as `rejected`) first, depending on how busy the machine is
        assert res.status in (("rejected", "ok") if guard else ("timeout", "ok", "error", "rejected")), (
            text[:40], res.reason)
    if guard:
        rejected = sum(r.status == "rejected" for r in results)
        assert rejected >= len(inputs) - 2, [(t[:30], r.status) for t, r in zip(inputs, results)]
    else:
        assert any(r.status == "timeout" for r in results)
    after = g.grade(r"\boxed{5}", {"answer": "5"})
    assert (after.status, after.score) == ("ok", 1.0)


def test_unguarded_hang_is_killed_at_the_hard_timeout():
    g = grader(guard=False)
    timeouts_before = get_pool().stats["timeouts"]
    started = time.monotonic()
    result = g.grade(r"\boxed{9^{9^{9^{9}}}}", {"answer": "5"})
    assert result.status == "timeout"
    assert time.monotonic() - started < TIMEOUT_S + 1.0
    assert get_pool().stats["timeouts"] > timeouts_before


def test_gmp_abort_costs_one_worker_not_the_batch():
    """With the guard off, latex2sympy evaluates this binomial while parsing and GMP aborts the process."""
    g = grader(guard=False, timeout_s=30)
    crashes_before = get_pool().stats["crashes"]
    rows = [(rf"\boxed{{{i}}}", {"answer": str(i)}) for i in range(6)]
    rows.insert(3, (r"\boxed{\binom{10^{11}}{10^{10}}}", {"answer": "5"}))
    results = g.grade_batch(rows)
    crashed = results.pop(3)
    assert crashed.status == "error" and "SIGABRT" in crashed.reason, crashed.reason
    assert [(r.status, r.score) for r in results] == [("ok", 1.0)] * 6
    assert get_pool().stats["crashes"] > crashes_before
    # the same input with the guard on is refused before parsing
    guarded = grader().grade(r"\boxed{\binom{10^{11}}{10^{10}}}", {"answer": "5"})
    assert guarded.status == "rejected"


def test_threads_and_asyncio():
    g = grader()
    pairs = [(rf"\boxed{{\frac{{{n}}}{{2}}}}", {"answer": str(n / 2)}) for n in range(1, 25)]
    pairs += [(rf"\boxed{{{n + 1}}}", {"answer": str(n)}) for n in range(1, 9)]
    expected = [1.0] * 24 + [0.0] * 8
    with ThreadPoolExecutor(max_workers=6) as ex:
        scores = list(ex.map(lambda p: g.grade(*p).score, pairs))
    assert scores == expected

    async def main():
        return await asyncio.gather(*(g.agrade(s, i) for s, i in pairs))

    assert [r.score for r in asyncio.run(main())] == expected


def test_results_do_not_depend_on_batching():
    g = grader()
    pairs = [(r"\boxed{x^2+2x+1}", {"answer": "(x+1)^2"}), (r"\boxed{1/2^{99}}", {"answer": "1/2^{98}"}),
             ("#### 1,234", {"answer": "1234"})] * 5
    batch = [r.score for r in g.grade_batch(pairs)]
    single = [g.grade(*p).score for p in pairs[:3]]
    assert batch == single * 5 == [1.0, 0.0, 1.0] * 5


@pytest.mark.parametrize("name", ["gsm8k", "math"])
def test_ready_made_specs_grade_their_examples(name):
    g = load_grader(FOLDER / f"{name}.json")
    lines = [json.loads(line) for line in (FOLDER / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    assert len(lines) >= 5
    results = g.grade_batch([(row["sample"], row["item"]) for row in lines])
    scores = [r.score for r in results]
    assert 0.0 in scores and 1.0 in scores
    for row, res in zip(lines, results):
        assert res.score == row["expect"]["score"], (row["sample"][-80:], res.reason)
        assert res.status == row["expect"].get("status", "ok"), res.reason


LONG_OUTPUTS = [
    "The answer is x? " * 8000,                      # 8,000 final-answer markers, each a question
    "$1$ 2 " * 15000,                                 # 15,000 spans and 15,000 numbers in one sentence
    "1 or " * 20000 + "2",
    r"\boxed{1} and " * 5000 + r"\boxed{2}",
    "1. " * 30000,
    "$5 and $6 " * 10000,
    "{" * 20000 + "}" * 20000,
]


def test_long_hostile_outputs_are_graded_not_timed_out():
    """The extraction scans are linear: 100k-character outputs finish well inside a generous hard timeout
    (quadratic scans took minutes on these, i.e. every one of them would be a timeout)."""
    g = grader(timeout_s=20)
    results = g.grade_batch([(text, {"answer": "2"}) for text in LONG_OUTPUTS])
    assert [r.status for r in results if r.status not in ("ok", "no_answer", "rejected")] == []
    assert [r.score for r in results] == [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
