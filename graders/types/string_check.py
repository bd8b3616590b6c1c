"""`string_check`: OpenAI's exact/contains string comparison, plus starts_with, ends_with, regex, normalisation."""
from __future__ import annotations

import re
import string
import unicodedata

from graders.base import Grader
from graders.registry import register
from graders.result import GradeResult

_PUNCT = str.maketrans("", "", string.punctuation)
_FLAGS = {"ignorecase": re.IGNORECASE, "multiline": re.MULTILINE, "dotall": re.DOTALL, "verbose": re.VERBOSE}
_NORMALIZERS = {
    "strip": str.strip,
    "lower": str.lower,
    "collapse_whitespace": lambda s: " ".join(s.split()),
    "strip_punctuation": lambda s: s.translate(_PUNCT),
    "unicode_nfkc": lambda s: unicodedata.normalize("NFKC", s),
}
_OPS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "like": lambda a, b: b in a,
    "ilike": lambda a, b: b.lower() in a.lower(),
    "starts_with": lambda a, b: a.startswith(b),
    "ends_with": lambda a, b: a.endswith(b),
}


@register
class StringCheckGrader(Grader):
    """Exact, contains, prefix/suffix or regex match of input against reference; score 1 or 0."""

    type = "string_check"

    def setup(self) -> None:
        self.operation = self.spec["operation"]
        self.normalizers = [_NORMALIZERS[n] for n in self.spec.get("normalize", [])]
        self.regex_mode = self.spec.get("regex_mode", "search")
        self.flags = 0
        for flag in self.spec.get("flags", []):
            self.flags |= _FLAGS[flag]
        self.static_pattern = None
        reference = self.spec["reference"]
        if self.operation == "regex" and "{{" not in reference:
            try:
                self.static_pattern = re.compile(reference, self.flags)
            except re.error as exc:
                raise self.spec_error("reference", f"invalid regular expression: {exc}") from None

    def normalize(self, text: str) -> str:
        for fn in self.normalizers:
            text = fn(text)
        return text

    def evaluate(self, sample, item) -> GradeResult:
        text = self.normalize(self.render(self.spec["input"], sample, item))
        if self.operation == "regex":
            pattern = self.static_pattern
            if pattern is None:
                source = self.render(self.spec["reference"], sample, item)
                try:
                    pattern = re.compile(source, self.flags)
                except re.error as exc:
                    return GradeResult.failure("invalid_reference", f"reference is not a valid regex: {exc}")
            match = pattern.fullmatch(text) if self.regex_mode == "fullmatch" else pattern.search(text)
            ok = match is not None
            return GradeResult(score=float(ok), reason=f"regex {self.regex_mode} {'matched' if ok else 'did not match'}")
        reference = self.normalize(self.render(self.spec["reference"], sample, item))
        ok = _OPS[self.operation](text, reference)
        return GradeResult(score=float(ok), reason=f"{self.operation}: {'true' if ok else 'false'}")
