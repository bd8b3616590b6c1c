"""graders.regex_engine: RE2 translations match exactly what Python's re matches, or are refused."""
import random
import re

import pytest

from graders.regex_engine import Untranslatable, compile_regex, python_class, translate

# characters where Python's re and RE2 disagree when given the same pattern text: Unicode digits, spaces
# and word characters, the Kelvin sign and long s (case folding), dotted capital I, a final newline
TRICKY = ["a", "b", "k", "s", "i", "K", "S", "1", "_", " ", "\n", "\t", "\x0b", "\x1c", ".", "\u212a", "\u017f",
          "\u0130", "\u0131", "\u00df", "\u1e9e", "\u0663", "\u00e9", "\u00c9", "\u2028", "\u00a0", "\u00b2",
          "\u2160", "\u0345", "\u03b9", "\u1fbe", "\U0001d7d8"]
ATOMS = ["a", "b", "k", "s", "K", "\u212a", "\u017f", "\u0130", "i", "\u00df", "1", "\u0663", "_", " ", "\\n", ".",
         r"\d", r"\w", r"\s", r"\D", r"\W", r"\S", "[a-c]", "[^a]", r"[\d_]", r"[^\W\d]", "[K-k]", r"\.", "\u00e9",
         "[\u00c0-\u00ff]", r"\x1c", "\u2028", "\u00b2", "(?i:k)", "(?s:.)", "[Kk]", "[Ss]", "(?:K|k)"]


def random_pattern(rng: random.Random, depth: int = 0) -> str:
    r = rng.random()
    if depth > 3 or r < 0.4:
        return rng.choice(ATOMS)
    if r < 0.55:
        return random_pattern(rng, depth + 1) + random_pattern(rng, depth + 1)
    if r < 0.65:
        return f"(?:{random_pattern(rng, depth + 1)}|{random_pattern(rng, depth + 1)})"
    if r < 0.8:
        return f"(?:{random_pattern(rng, depth + 1)})" + rng.choice(["*", "+", "?", "{2}", "{1,3}", "*?", "+?"])
    if r < 0.85:
        return rng.choice(["^", "$", r"\A", r"\Z"]) + random_pattern(rng, depth + 1)
    return random_pattern(rng, depth + 1) + rng.choice(["$", r"\Z", ""])


@pytest.mark.parametrize("seed", range(4))
def test_re2_translation_agrees_with_python_re_on_random_patterns(seed):
    rng = random.Random(seed)
    checked = 0
    for _ in range(400):
        pattern = random_pattern(rng)
        flags = rng.choice([0, re.I, re.M, re.S, re.I | re.M, re.A, re.A | re.I])
        mode = rng.choice(["search", "fullmatch"])
        try:
            regex = compile_regex(pattern, flags, mode)
        except re.error:
            continue
        if not regex.linear:
            continue
        for _ in range(12):
            text = "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 6)))
            found = regex.python.fullmatch(text) if mode == "fullmatch" else regex.python.search(text)
            assert regex.matches(text) == (found is not None), (pattern, flags, mode, text)
            checked += 1
    assert checked > 3000


@pytest.mark.parametrize("pattern,flags,mode,text,expected", [
    (r"\d+", 0, "fullmatch", "\u0663\u0664", True),          # Arabic-Indic digits are \d in Python
    (r"\d+", re.A, "fullmatch", "\u0663\u0664", False),
    (r"^\s$", 0, "fullmatch", "\x1c", True),                  # Python's \s includes the file separator
    (r"k", re.I, "search", "\u212a", True),                  # KELVIN SIGN folds to k
    (r"i", re.I, "search", "\u0130", True),                  # Python folds I WITH DOT to i; RE2 alone doesn't
    (r"(?:[Kk]|a)", 0, "search", "\u212a", False),            # RE2 alone would match (it folds [Kk])
    (r"abc$", 0, "search", "abc\n", True),                   # Python's $ matches before a final newline
    (r"abc$", 0, "fullmatch", "abc\n", False),
    (r"abc\Z", 0, "search", "abc\n", False),
    (r"^b", re.M, "search", "a\nb", True),
    (r"a.b", 0, "search", "a\nb", False),
    (r"a.b", re.S, "search", "a\nb", True),
    (r"a b # comment", re.X, "fullmatch", "ab", True),
])
def test_python_meaning_is_kept(pattern, flags, mode, text, expected):
    regex = compile_regex(pattern, flags, mode)
    assert regex.linear
    assert regex.matches(text) is expected
    assert (regex.python.search(text) if mode == "search" else regex.python.fullmatch(text)) is not None \
        if expected else True


@pytest.mark.parametrize("pattern,why", [
    (r"(a)\1", "groupref"), (r"a(?=b)", "assert"), (r"a(?!b)", "assert_not"), (r"(?<=a)b", "assert"),
    (r"\bword\b", "word boundaries"), (r"a$b", "before the end"), (r"(?>a+)b", "atomic"), (r"a++b", "possessive"),
    (r"a{1001}", "over 1000"), (r"(a)?(?(1)b|c)", "groupref_exists"),
])
def test_constructs_without_an_exact_re2_form_are_refused(pattern, why):
    with pytest.raises(Untranslatable, match=re.escape(why)):
        translate(pattern)
    regex = compile_regex(pattern)
    assert not regex.linear and regex.why_not_linear


def test_ascii_word_boundary_is_translated():
    regex = compile_regex(r"\bcat\b", re.A)
    assert regex.linear and regex.matches("a cat sat") and not regex.matches("concatenate")


def test_invalid_patterns_raise_pythons_error():
    with pytest.raises(re.error):
        compile_regex("([a-z")


@pytest.mark.parametrize("body,flags", [(r"\w", ""), (r"[^\W\d]", "(?i)"), ("k", "(?i)"), (r"\s", ""), ("[^k]", "(?i)(?a)")])
def test_classes_are_read_off_pythons_re_exactly(body, flags):
    ranges = python_class(body, flags)
    got = {cp for lo, hi in ranges for cp in range(lo, hi + 1) if cp < 0x10000}
    want = {cp for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF and re.fullmatch(flags + body, chr(cp))}
    assert got == want
