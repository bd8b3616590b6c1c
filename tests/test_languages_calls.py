"""Function-call tests in C++, Java, Go, Rust, JavaScript and TypeScript through generated drivers: correct
solutions pass, wrong ones fail, and the in-process hacks (exit 0 before the driver writes, a forged
result line) get nothing. Data: tests/data/code/calls_solutions.py (written for this repository)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from graders import load_grader
from sandbox_support import require_docker

sys.path.insert(0, str(Path(__file__).parent / "data" / "code"))
import calls_solutions as cs  # noqa: E402

LANGUAGES = sorted(cs.COUNT_WORDS)
EXIT_EARLY = {
    "cpp": "#include <cstdlib>\n#include <map>\n#include <string>\nstd::map<std::string, long> count_words(std::string t, long n) { std::exit(0); }\n",
    "java": "import java.util.*;\nclass Solution { static Map<String, Long> count_words(String t, long n) { System.exit(0); return null; } }\n",
    "go": "package main\nimport \"os\"\nfunc count_words(t string, n int) map[string]int { os.Exit(0); return nil }\n",
    "rust": "use std::collections::HashMap;\nfn count_words(t: String, n: i64) -> HashMap<String, i64> { std::process::exit(0) }\n",
    "nodejs": "function count_words(t, n) { process.exit(0); }\n",
    "typescript": "function count_words(t: string, n: number): any { process.exit(0); }\n",
}
# writes a plausible result to the result pipe itself, then lets the driver write its own
FORGE = {
    "cpp": "#include <map>\n#include <string>\n#include <unistd.h>\n#include <cstdlib>\nextern char **environ;\n"
           "std::map<std::string, long> count_words(std::string t, long n) { for (int fd = 3; fd < 64; fd++) write(fd, \"[]\\n\", 3); return {}; }\n",
    "nodejs": "function count_words(t, n) { const fs = require('fs'); for (let fd = 3; fd < 64; fd++) { try { fs.writeSync(fd, '[]\\n'); } catch (e) {} } return {}; }\n",
}


@pytest.fixture(scope="module")
def graders():
    require_docker()
    base = {"type": "unit_tests", "language": "{{ item.language }}", "test_format": "calls", "tests": "{{ item.tests }}",
            "test_timeout_s": 10, "batch_size": 4}
    return (load_grader({**base, "entry_point": "count_words", "signature": cs.COUNT_WORDS_SIGNATURE}),
            load_grader({**base, "entry_point": "mean_and_max", "signature": cs.MEAN_AND_MAX_SIGNATURE}))


@pytest.mark.parametrize("language", LANGUAGES)
def test_drivers_pass_right_answers_and_fail_wrong_ones(graders, language):
    words, stats = graders
    item = {"language": language, "tests": cs.COUNT_WORDS_TESTS}
    right, wrong, early = words.grade_batch([(cs.COUNT_WORDS[language], item), (cs.wrong_count_words(language), item),
                                             (EXIT_EARLY[language], item)])
    assert (right.score, right.status) == (1.0, "ok"), right.reason
    assert wrong.score < 1.0 and wrong.status == "ok" and "returned" in wrong.reason, wrong.reason
    assert (early.score, early.status) == (0.0, "ok") and "before returning a result" in early.reason, early.reason
    item = {"language": language, "tests": cs.MEAN_AND_MAX_TESTS}
    right, wrong = stats.grade_batch([(cs.MEAN_AND_MAX[language], item), (cs.wrong_mean_and_max(language), item)])
    assert (right.score, right.status) == (1.0, "ok"), right.reason
    assert wrong.score < 1.0 and "float_tolerance" in wrong.reason, wrong.reason


@pytest.mark.parametrize("language", sorted(FORGE))
def test_a_forged_result_line_is_no_pass(graders, language):
    words, _ = graders
    r = words.grade(FORGE[language], {"language": language, "tests": cs.COUNT_WORDS_TESTS})
    assert r.score == 0.0 and "more than one result" in r.reason, r.reason


def test_what_the_drivers_cannot_carry_is_the_items_fault():
    require_docker()
    g = load_grader({"type": "unit_tests", "language": "rust", "test_format": "calls", "tests": "{{ item.tests }}",
                     "entry_point": "f", "signature": "def f(x: set[int]) -> int"})
    r = g.grade("fn f(x: i64) -> i64 { x }", {"tests": [[[1], 1]]})
    assert r.status == "invalid_reference" and "unsupported type" in r.reason, r.reason
    g = load_grader({"type": "unit_tests", "language": "bash", "test_format": "calls", "tests": "{{ item.tests }}",
                     "entry_point": "f", "signature": "def f(x: int) -> int"})
    r = g.grade("f() { echo 1; }", {"tests": [[[1], 1]]})
    assert r.status == "invalid_reference" and "not available for bash" in r.reason, r.reason
