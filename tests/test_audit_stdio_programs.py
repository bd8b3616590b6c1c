"""The audit's stdin/stdout programs in every sandbox language (graders.audit.stdio_programs), compiled and
run in the real Docker sandbox: a table of a row's expected outputs passes the row's tests, a table of bent
outputs and a constant program fail them, and texts that need quoting survive every language's literals."""
import pytest

from graders import load_grader
from graders.audit.stdio_programs import fence, table_program
from sandbox.runtime.languages import LANGUAGES

pytestmark = pytest.mark.docker

# inputs and outputs with what each language's string literals treat specially: quotes, backslashes,
# $ and @ (PHP, Perl, Bash), # (Ruby), % (Lua patterns, printf), braces (Rust's print!), tabs
TESTS = {"inputs": ["3\n1 2 3\n", "say \"hi\" $x @y #{z}\n", "  7  \n"],
         "outputs": ["6\n", "\"hi\" \\ $x @y #{z} %d {}\n", "a\tb\n"]}
PAIRS = list(zip(TESTS["inputs"], TESTS["outputs"]))


def grade(language: str, code: str):
    spec = {"type": "unit_tests", "name": "t", "language": language, "test_format": "io",
            "tests": "{{ item.tests }}", "io_compare": "exact", "all_or_nothing": True}
    return load_grader(spec).grade(fence(code, language), {"tests": TESTS})


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_a_table_of_the_expected_outputs_is_a_right_answer_in_every_language(language):
    right = grade(language, table_program(language, PAIRS))
    assert (right.score, right.status) == (1.0, "ok"), right.reason
    bent = grade(language, table_program(language, [(i, o.upper()) for i, o in PAIRS]))
    assert (bent.score, bent.status) == (0.0, "ok"), bent.reason
    constant = grade(language, table_program(language, [], default="6\n"))
    assert (constant.score, constant.status) == (0.0, "ok"), constant.reason


def test_texts_that_cannot_be_written_safely_build_no_program():
    assert table_program("cpp", [("1\n", "caf\u00e9\n")]) is None          # non-ASCII
    assert table_program("java", [("1\n", "\x00")]) is None                 # control characters
    assert table_program("java", [("1\n", "9" * 40_000)]) is None           # too large for a Java constant
    assert table_program("cobol", PAIRS) is None                            # not a sandbox language
