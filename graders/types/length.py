"""`length` (ours): length shaping for RL. DAPO's soft overlong punishment, or a target-length band.

    {"type": "length", "unit": "tokens", "tokenizer": "/models/my-policy",
     "overlong": {"max_length": 20480, "buffer_length": 4096}}                 # DAPO (Yu et al. 2025, eq. 13)
    {"type": "length", "unit": "words", "band": {"min_length": 50, "max_length": 200, "tolerance": 50}}

`overlong` (L_max = `max_length`, L_cache = `buffer_length`): score 1 up to L_max - L_cache, then falling
linearly to 0 at L_max, 0 beyond: DAPO's penalty R_length in [-1, 0] shifted by +1 (score = 1 + R_length).
`penalty_factor` (default 1, as in verl's DAPO reward manager) scales the slope. DAPO adds the penalty to a
correctness reward in {-1, 1}; with `answer` in {0, 1} that is `(2 * answer + length) / 3` in a `multi`
formula, the same reward up to a positive affine map (GRPO's group-normalised advantages are unchanged).

`band`: 1 inside [`min_length`, `max_length`] (either may be left out), falling linearly to 0 over `tolerance`
units outside (default 0: a hard band).

`unit`: `characters`, `words` or `tokens` (with `tokenizer`: a tokenizer.json file, a directory holding one,
or a Hugging Face model id already in the local cache; nothing is downloaded, and a tokenizer that isn't
there is a spec error). What counts, so that padding doesn't pay: a *ceiling* (overlong, `max_length`) counts
everything the model produced (code points, whitespace-separated chunks, tokens of the raw text); a *floor*
(`min_length`) counts only what a reader sees: the text without zero-width, control and blank-rendering
characters or HTML comments, whitespace runs as one space, characters as grapheme clusters (a letter with 50
combining marks is one), words as runs of letters or digits (`_ _ _` is none). An empty output is
`no_answer`: a length reward never pays for saying nothing. Length is a shaping term, not a reward on its own:
a floor still pays for filler words, so gate it on correctness. Counting is linear; it runs in the caller and
takes no `timeout_s`.
"""
from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import regex

from graders.base import Grader
from graders.instructions.robust_text import count_words, normalise
from graders.registry import register
from graders.result import GradeResult

DEFAULT_INPUT = "{{ sample.output_text }}"
UNITS = ("characters", "words", "tokens")
_GRAPHEME = regex.compile(r"\X")
_WHITESPACE = regex.compile(r"\s+")
_HUB_ID = regex.compile(r"[A-Za-z0-9][\w.\-]*(?:/[\w.\-]+)?")  # "org/name" or "name", not a path
_tokenizer_lock = threading.Lock()


def visible_text(text: str) -> str:
    """What a reader sees: invisible characters and HTML comments gone, whitespace runs as one space."""
    return _WHITESPACE.sub(" ", normalise(text)).strip()


@dataclass(frozen=True)
class Counts:
    """`floor` counts what a reader sees (for minimums); `ceiling` everything produced (for maximums)."""

    floor: int
    ceiling: int


def count_characters(text: str) -> Counts:
    return Counts(floor=sum(1 for _ in _GRAPHEME.finditer(visible_text(text))), ceiling=len(text))


def count_words_both(text: str) -> Counts:
    floor = count_words(normalise(text))
    return Counts(floor=floor, ceiling=max(floor, len(text.split())))


def overlong_score(n: int, max_length: int, buffer_length: int, penalty_factor: float = 1.0) -> float:
    """DAPO's soft overlong punishment shifted into [0, 1]: 1 + R_length, and 0 past `max_length`."""
    if n > max_length:
        return 0.0
    exceed = n - (max_length - buffer_length)
    if exceed <= 0:
        return 1.0
    return max(0.0, 1.0 - penalty_factor * exceed / buffer_length)


def band_score(floor: int, ceiling: int, min_length: int, max_length: float, tolerance: int) -> float:
    """1 inside the band; linear to 0 over `tolerance` outside it (the floor count for the minimum side, the
    ceiling count for the maximum side)."""
    shortfall = max(0, min_length - floor)
    excess = max(0.0, ceiling - max_length)
    miss = max(shortfall, excess)
    if miss == 0:
        return 1.0
    if tolerance == 0:
        return 0.0
    return max(0.0, 1.0 - miss / tolerance)


@functools.lru_cache(maxsize=8)
def load_tokenizer(name: str) -> Any:
    """A `tokenizers.Tokenizer` from a local file, a directory with tokenizer.json, or the local Hub cache.
    Raises LookupError (with what to do) when it isn't available offline."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        raise LookupError("unit 'tokens' needs the tokenizers package (pip install -e '.[ml]')") from None
    path = Path(name).expanduser()
    if path.is_dir():
        path = path / "tokenizer.json"
    elif not path.exists() and _HUB_ID.fullmatch(name):
        path = _from_hub_cache(name) or path
    if not path.is_file():
        raise LookupError(f"no tokenizer.json at {str(path)!r}, and {name!r} is not a model in the local Hugging "
                          "Face cache; verigrade never downloads: give a local tokenizer.json or its directory")
    try:
        return Tokenizer.from_file(str(path))
    except Exception as exc:  # noqa: BLE001 - tokenizers raises plain Exception for a bad file
        raise LookupError(f"{str(path)!r} is not a tokenizers tokenizer.json: {exc}") from None


def _from_hub_cache(repo_id: str) -> Path | None:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(repo_id, "tokenizer.json")
    return Path(found) if isinstance(found, str) else None


def token_counter(name: str) -> Callable[[list[str]], list[Counts]]:
    tokenizer = load_tokenizer(name)

    def count(texts: list[str]) -> list[Counts]:
        with _tokenizer_lock:  # one encode_batch at a time: it already uses every core
            raw = tokenizer.encode_batch(texts, add_special_tokens=False)
            seen = tokenizer.encode_batch([visible_text(t) for t in texts], add_special_tokens=False)
        return [Counts(floor=len(s.ids), ceiling=len(r.ids)) for r, s in zip(raw, seen)]

    return count


@register
class LengthGrader(Grader):
    """Length shaping: DAPO's soft overlong punishment or a target band, in characters, words or tokens."""

    type = "length"

    def setup(self) -> None:
        spec = self.spec
        self.input = spec.get("input", DEFAULT_INPUT)
        self.unit = spec["unit"]
        if ("overlong" in spec) == ("band" in spec):
            raise self.spec_error("", "give exactly one of 'overlong' (DAPO's soft overlong punishment) or 'band'")
        if self.unit == "tokens":
            if "tokenizer" not in spec:
                raise self.spec_error("tokenizer", "unit 'tokens' needs a tokenizer (a local tokenizer.json or "
                                                   "its directory)")
            try:
                self._count_batch = token_counter(spec["tokenizer"])
            except LookupError as exc:
                raise self.spec_error("tokenizer", str(exc)) from None
        elif "tokenizer" in spec:
            raise self.spec_error("tokenizer", f"only used with unit 'tokens', not {self.unit!r}")
        else:
            one = count_characters if self.unit == "characters" else count_words_both
            self._count_batch = lambda texts: [one(t) for t in texts]
        self.overlong = spec.get("overlong")
        self.band = spec.get("band")
        if self.overlong is not None:
            if self.overlong["buffer_length"] > self.overlong["max_length"]:
                raise self.spec_error("overlong/buffer_length", "must not exceed max_length")
        else:
            low, high = self.band.get("min_length", 0), self.band.get("max_length", math.inf)
            if "min_length" not in self.band and "max_length" not in self.band:
                raise self.spec_error("band", "needs min_length, max_length or both")
            if low > high:
                raise self.spec_error("band/min_length", "must not exceed max_length")

    def score(self, counts: Counts) -> float:
        if self.overlong is not None:
            o = self.overlong
            return overlong_score(counts.ceiling, o["max_length"], o["buffer_length"], o.get("penalty_factor", 1.0))
        b = self.band
        return band_score(counts.floor, counts.ceiling, b.get("min_length", 0), b.get("max_length", math.inf),
                          b.get("tolerance", 0))

    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        return self._results([self.render(self.input, sample, item)])[0]

    def evaluate_batch(self, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[GradeResult]:
        """Tokenizes the whole batch in one call."""
        return self._results([self.render(self.input, sample, item) for sample, item in pairs])

    def _results(self, texts: list[str]) -> list[GradeResult]:
        counted = iter(self._count_batch([t for t in texts if visible_text(t)]))
        results = []
        for text in texts:
            if not visible_text(text):
                results.append(GradeResult.failure("no_answer", "output is empty"))
                continue
            counts = next(counted)
            value = self.score(counts)
            results.append(GradeResult(score=value, reason=f"{counts.ceiling} {self.unit} (visible: {counts.floor}) "
                                                           f"-> {value:.4g}",
                                       details={"unit": self.unit, "length": counts.ceiling,
                                                "visible_length": counts.floor}))
        return results
