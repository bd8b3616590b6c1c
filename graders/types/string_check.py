"""`string_check`: OpenAI's exact/contains string comparison, plus starts_with, ends_with, regex, normalisation.

Regexes have Python `re` syntax and meaning. They run on RE2 (linear time, see `graders.regex_engine`)
whenever that is exact; otherwise (backreferences, lookarounds, Unicode `\\b`, ...) the grade runs in the
worker pool under the hard `timeout_s`. Item values rendered into a regex reference are escaped (and
normalised like the input) unless the placeholder says `| raw`.
"""
from __future__ import annotations

import re
import string
import unicodedata
from typing import Any

from graders import templates
from graders.base import Grader, failure_from_outcome
from graders.pool import get_pool
from graders.regex_engine import Regex, compile_regex
from graders.registry import register
from graders.result import GradeResult

_FLAGS = {"ignorecase": re.IGNORECASE, "multiline": re.MULTILINE, "dotall": re.DOTALL, "verbose": re.VERBOSE}
_ALL_PUNCT = str.maketrans("", "", string.punctuation)

# sentence punctuation closing a word: "Paris." "Paris!" "Paris, France" "Wait..."
_SENTENCE_PUNCT = "[.,;:!?\u3002\uff01\uff1f\uff0c\uff1b\uff1a\u2026]"
# a whole run only (the lookbehind), taken possessively: linear even on a million dots
# and attached to the word before it ("1 : 2" keeps its colon)
_AFTER_WORD = f"(?<=[^\\s{_SENTENCE_PUNCT[1:-1]}])"
_SENTENCE_END = re.compile(f"{_AFTER_WORD}{_SENTENCE_PUNCT}++(?=\\s|$)")
_FINAL_PUNCT = re.compile(f"{_AFTER_WORD}{_SENTENCE_PUNCT}++$")
MAX_UNWRAP = 3
_WRAPPERS = (("**", "**"), ("__", "__"), ("*", "*"), ("_", "_"), ('"', '"'), ("'", "'"), ("`", "`"),
             ("\u201c", "\u201d"), ("\u2018", "\u2019"), ("$", "$"))
_SUPERSCRIPT_RUN = re.compile("[\u2070\u00b9\u00b2\u00b3\u2074-\u207f]+")
_VULGAR_AFTER_DIGIT = re.compile(r"(?<=\d)(?=[\u00bc-\u00be\u2150-\u215f\u2189])")
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def strip_punctuation(text: str) -> str:
    """Drop punctuation that only frames an answer, keep punctuation that carries meaning.

    Removed: sentence punctuation ending a word (`Paris.`, `Paris, France`, `yes!`), and wrapping quotes,
    emphasis (`**Paris**`), `$...$` or parentheses around the whole text (parentheses only when the
    content has no `,`/`;`, so intervals and tuples survive). Kept: signs, decimal points, fractions,
    powers, brackets and everything inside a word (`-42`, `4.2`, `3/4`, `2^{10}`, `(1, 2]`), and `!`
    right after a digit (a factorial).
    """
    text = text.strip()
    for _ in range(MAX_UNWRAP):  # "**'Paris'**.": a few layers, never a quadratic loop
        text = _FINAL_PUNCT.sub(_drop_sentence_end, text).strip()
        unwrapped = _unwrap(text)
        if unwrapped == text:
            break
        text = unwrapped.strip()
    return _SENTENCE_END.sub(_drop_sentence_end, text).strip()


def _drop_sentence_end(m: re.Match) -> str:
    run, start = m.group(), m.start()
    if start and m.string[start - 1].isdigit():
        return run[: len(run) - len(run.lstrip("!"))]  # "5!" is a factorial
    return ""


def _unwrap(text: str) -> str:
    for left, right in _WRAPPERS:
        if len(text) > len(left) + len(right) and text.startswith(left) and text.endswith(right):
            return text[len(left):-len(right)]
    if text.startswith("(") and text.endswith(")") and _closing_paren(text) == len(text) - 1:
        inner = text[1:-1]
        if not any(sep in inner for sep in ",;"):
            return inner
    return text


def _closing_paren(text: str) -> int:
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return i
    return -1


def unicode_nfkc(text: str) -> str:
    """NFKC (full-width letters, ligatures, ...) that keeps the meaning of superscripts and fractions:
    `10²` becomes `10^2` (plain NFKC: `102`), `1½` becomes `1 1/2` (plain NFKC: `11⁄2`)."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group(), text)
    text = _VULGAR_AFTER_DIGIT.sub(" ", text)
    return unicodedata.normalize("NFKC", text).replace("\u2044", "/")


NORMALIZERS = {
    "strip": str.strip,
    "lower": str.lower,
    "collapse_whitespace": lambda s: " ".join(s.split()),
    "strip_punctuation": strip_punctuation,
    "remove_all_punctuation": lambda s: s.translate(_ALL_PUNCT),
    "remove_thousands_separators": lambda s: _THOUSANDS_COMMA.sub("", s),
    "unicode_nfkc": unicode_nfkc,
}
_OPS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "like": lambda a, b: b in a,
    "ilike": lambda a, b: b.lower() in a.lower(),
    "starts_with": lambda a, b: a.startswith(b),
    "ends_with": lambda a, b: a.endswith(b),
}


def _regex_task(_shared: Any, job: tuple[str, int, str, str]) -> bool:
    """Pool task: match with Python's `re` (the pool's hard timeout bounds it)."""
    source, flags, mode, text = job
    return compile_regex(source, flags, mode).matches(text)


@register
class StringCheckGrader(Grader):
    """Exact, contains, prefix/suffix or regex match of input against reference; score 1 or 0."""

    type = "string_check"  # isolation: set per instance in setup(), "process" when a regex can't run on RE2

    def setup(self) -> None:
        self.operation = self.spec["operation"]
        self.normalizers = [NORMALIZERS[n] for n in self.spec.get("normalize", [])]
        self.regex_mode = self.spec.get("regex_mode", "search")
        self.flags = 0
        for flag in self.spec.get("flags", []):
            self.flags |= _FLAGS[flag]
        reference = self.spec["reference"]
        for field in ("input", "reference"):
            problems = templates.check(self.spec[field])
            if problems:
                raise self.spec_error(field, "; ".join(problems))
        self.static_pattern: Regex | None = None
        self.templated = bool(templates.variables(reference))
        if self.operation == "regex":
            self.isolation = "process" if self._regex_needs_isolation(reference) else "none"
        elif not self.templated and self.operation != "ne" and not self.normalize(reference).strip():
            raise self.spec_error("reference", "is empty (after normalisation): every output would compare "
                                               "the same way")

    def _regex_needs_isolation(self, reference: str) -> bool:
        """Compile a static pattern; decide whether grades must run in the pool (no exact RE2 form)."""
        if not self.templated:
            if not reference.strip():
                raise self.spec_error("reference", "empty pattern: it matches every output")
            try:
                self.static_pattern = compile_regex(reference, self.flags, self.regex_mode)
            except re.error as exc:
                raise self.spec_error("reference", f"invalid regular expression: {exc}") from None
            return not self.static_pattern.linear
        if any("raw" in names for names in templates.filters_used(reference)):
            return True  # the item supplies pattern syntax: anything may come
        skeleton = templates.PLACEHOLDER.sub("x", reference)  # every value is a literal once escaped
        try:
            return not compile_regex(skeleton, self.flags, self.regex_mode).linear
        except re.error as exc:
            raise self.spec_error("reference", f"invalid regular expression: {exc}") from None

    def normalize(self, text: str) -> str:
        for fn in self.normalizers:
            text = fn(text)
        return text

    def render_pattern(self, sample: dict[str, Any], item: dict[str, Any]) -> str:
        """The regex reference with values normalised like the input and escaped (unless `| raw`)."""
        return templates.render(self.spec["reference"], {"sample": sample, "item": item},
                                default_filter="regex_escape",
                                filters={"regex_escape": lambda v: re.escape(self.normalize(v))})

    def evaluate(self, sample, item) -> GradeResult:
        text = self.normalize(self.render(self.spec["input"], sample, item))
        if self.operation == "regex":
            return self._evaluate_regex(text, sample, item)
        reference = self.normalize(self.render(self.spec["reference"], sample, item))
        if self.operation != "ne" and not reference.strip():
            return GradeResult.failure("invalid_reference", "reference is empty (after normalisation)")
        ok = _OPS[self.operation](text, reference)
        return GradeResult(score=float(ok), reason=f"{self.operation}: {'true' if ok else 'false'}")

    def _evaluate_regex(self, text: str, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        pattern = self.static_pattern
        if pattern is None:
            source = self.render_pattern(sample, item)
            if not source.strip():
                return GradeResult.failure("invalid_reference", "the rendered pattern is empty")
            try:
                pattern = compile_regex(source, self.flags, self.regex_mode)
            except re.error as exc:
                return GradeResult.failure("invalid_reference", f"reference is not a valid regex: {exc}")
        engine = "re2" if pattern.can_run_linear(text) else "re"
        if engine == "re2" or self.isolation == "process":  # "process": this already runs in a pool worker
            ok = pattern.matches(text)
        else:  # a surrogate in the text, or RE2 refused this rendered pattern: Python's re, hard timeout
            outcome = self._match_in_pool(pattern, text)
            if isinstance(outcome, GradeResult):
                return outcome
            ok = outcome
        return GradeResult(score=float(ok), reason=f"regex {self.regex_mode} {'matched' if ok else 'did not match'}",
                           details={"engine": engine})

    def _match_in_pool(self, pattern: Regex, text: str) -> bool | GradeResult:
        job = (pattern.source, pattern.flags, pattern.mode, text)
        outcome = get_pool().map(_regex_task, [job], timeout_s=self.timeout_s)[0]
        return bool(outcome.value) if outcome.kind == "ok" else failure_from_outcome(outcome)
