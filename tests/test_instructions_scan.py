"""The linear scanners equal the reference regexes, and degenerate responses grade fast."""
import random
import re
import time

import pytest

from graders import load_grader
from graders.instructions.scan import (
    count_bullet_lines, count_placeholders, has_title, quoted_special_field, split_mcq_questions)


def random_texts(alphabet, count=3000, max_len=14, seed=7):
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len)))


def test_placeholders_equal_the_regex():
    for text in random_texts(["[", "]", "a", "\n", " "]):
        assert count_placeholders(text) == len(re.findall(r"\[.*?\]", text)), repr(text)


@pytest.mark.parametrize("marker,pattern", [("*", r"^\s*\*[^\*].*$"), ("-", r"^\s*-.*$")])
def test_bullet_lines_equal_the_regex(marker, pattern):
    for text in random_texts(["*", "-", " ", "\n", "a", "\t"]):
        assert count_bullet_lines(text, marker) == len(re.findall(pattern, text, flags=re.MULTILINE)), repr(text)


def test_title_equals_the_regex():
    for text in random_texts(["<", ">", " ", "a", "\n"]):
        expected = any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", text))
        assert has_title(text) is expected, repr(text)


def test_mcq_split_equals_the_regex():
    tokens = ["Question ", "1", "23", ".", ")", "|", ":", "\n", " ", "x", "Q"]
    for text in random_texts(tokens, max_len=10):
        assert split_mcq_questions(text) == re.split(r"\n*(?:Question \d+[\.|\):;]?\s*)", text), repr(text)


def test_quoted_special_field_equals_the_regex():
    for text in random_texts(['"', "a", "1", "_", " ", "&", "\n", "é"], max_len=8):
        expected = re.match(r'".*[^\d\w\s].*"', text) is not None
        assert quoted_special_field(text) is expected, repr(text)


def test_degenerate_responses_grade_quickly():
    ids = ["detectable_content:number_placeholders", "detectable_format:number_bullet_lists",
           "detectable_format:title", "detectable_content:postscript", "length_constraints:number_sentences",
           "change_case:capital_word_frequency", "detectable_format:number_highlighted_sections",
           "length_constraints:number_paragraphs", "combination:two_responses", "custom:mcq_count_length"]
    kwargs = [{"num_placeholders": 1}, {"num_bullets": 1}, {}, {"postscript_marker": "P.S."},
              {"num_sentences": 2, "relation": "at least"}, {"capital_frequency": 1, "capital_relation": "at least"},
              {"num_highlights": 1}, {"num_paragraphs": 1}, {}, {}]
    grader = load_grader({"type": "instruction_following", "mode": "loose"})
    item = {"instruction_id_list": ids, "kwargs": kwargs}
    for text in ("\n" * 50000, "x" + "[" * 50000, " " * 50000 + "x", "<" * 50000, "Question 1" + "\n" * 50000,
                 "*" * 50000, "a " * 25000):
        start = time.perf_counter()
        res = grader.grade(text, item)
        assert res.status in ("ok", "no_answer")
        assert time.perf_counter() - start < 10, f"{text[:12]!r}... took too long"
