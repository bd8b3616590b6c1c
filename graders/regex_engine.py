"""Regular expressions with Python `re` syntax and meaning, run on RE2 (linear time) whenever that is exact.

A backtracking engine can take exponential time on model output (`^(a+)+$` on 27 characters: seconds),
so `string_check` runs patterns on google-re2, which matches in time linear in the text. RE2's syntax and
its meaning of `\\d`, `\\w`, `\\s`, `$` and case folding differ from Python's, so a pattern is not handed to
RE2 as written: Python's own parser (`re._parser`) parses it, and every node is re-emitted in RE2 syntax
with Python's meaning:

- a single-character matcher (a literal, a class, `\\d`, `\\w`, `\\s`, `.`, anything under `ignorecase`)
  becomes an explicit RE2 class holding exactly the characters Python's `re` matches with it (found by
  running Python's `re` over every code point, cached);
- `^`, `\\A`, `\\Z` and multiline `^`/`$` map one to one; a non-multiline `$` is translated where it ends
  the pattern (Python's `$` also matches before a final newline);
- groups, alternation and repeats (greedy or lazy) keep their meaning: whether a match exists does not
  depend on the engine.

What has no exact RE2 equivalent is refused with `Untranslatable`: backreferences, lookarounds,
conditionals, atomic groups, possessive repeats, Unicode `\\b`/`\\B`, a `$` in the middle of a pattern,
repeat counts over 1000 and programs over RE2's memory budget. Callers run those on Python's `re` in the
worker pool, where a hard timeout kills them. A text holding unpaired surrogates can't be given to RE2
(it matches UTF-8) and needs the Python engine too.
"""
from __future__ import annotations

import functools
import re
import re._constants as C  # noqa: N812 - sre opcode names
import re._parser as sre_parse
import threading
from dataclasses import dataclass, field

import re2

MAX_CODE = 0x10FFFF
_SURROGATES = (0xD800, 0xDFFF)
RE2_MAX_REPEAT = 1000
RE2_MAX_MEM = 64 << 20
MODES = ("search", "fullmatch")
_FLAG_MASK = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.ASCII | re.VERBOSE
_CATEGORY_SOURCE = {
    C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
}

Ranges = tuple[tuple[int, int], ...]


class Untranslatable(Exception):
    """The pattern has no exact RE2 equivalent; run it with Python's `re` under a hard timeout."""


_universe_lock = threading.Lock()
_universe: str | None = None


def _all_characters() -> str:
    """Every code point except the surrogates, once: Python's `re` is run over it to read off classes."""
    global _universe
    with _universe_lock:
        if _universe is None:
            _universe = "".join(map(chr, range(_SURROGATES[0]))) + "".join(
                map(chr, range(_SURROGATES[1] + 1, MAX_CODE + 1)))
        return _universe


@functools.lru_cache(maxsize=4096)
def python_class(body: str, flags: str = "") -> Ranges:
    """The code points (surrogates excluded) matched by the one-character Python pattern `body` under the
    inline `flags` (e.g. `(?i)`)."""
    gap = _SURROGATES[1] - _SURROGATES[0] + 1
    ranges: list[tuple[int, int]] = []
    for m in re.finditer(f"{flags}(?:{body})+", _all_characters()):  # maximal runs: few, even for \\W
        for lo, hi in _split_at_gap(m.start(), m.end() - 1):
            lo, hi = (lo if lo < _SURROGATES[0] else lo + gap), (hi if hi < _SURROGATES[0] else hi + gap)
            if ranges and lo == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], hi)
            else:
                ranges.append((lo, hi))
    return tuple(ranges)


def _split_at_gap(lo: int, hi: int) -> list[tuple[int, int]]:
    """Universe indexes [lo, hi] as pieces that don't cross the place where the surrogates were cut out."""
    cut = _SURROGATES[0]
    return [(lo, hi)] if hi < cut or lo >= cut else [(lo, cut - 1), (cut, hi)]


def _hex(cp: int) -> str:
    return f"\\x{{{cp:x}}}"


def _re2_class(ranges: Ranges) -> str:
    if not ranges:
        return f"[^{_hex(0)}-{_hex(MAX_CODE)}]"  # matches nothing
    parts = [_hex(lo) if lo == hi else f"{_hex(lo)}-{_hex(hi)}" for lo, hi in ranges]
    if _is_ascii_case_pair(ranges):
        # RE2 rewrites a class like [Kk] as a case-folding literal, and when it then merges that literal
        # into an alternation it adds the whole Unicode fold orbit (U+212A KELVIN SIGN). A capture
        # group keeps the class out of that merge.
        return "([" + "".join(parts) + "])"
    return "[" + "".join(parts) + "]"


def _is_ascii_case_pair(ranges: Ranges) -> bool:
    return (len(ranges) == 2 and all(lo == hi for lo, hi in ranges)
            and ord("A") <= ranges[0][0] <= ord("Z") and ranges[1][0] == ranges[0][0] + 32)


def _py_char(cp: int) -> str:
    return f"\\U{cp:08x}"


def _py_class_item(op, av) -> str:
    if op is C.LITERAL:
        return _py_char(av)
    if op is C.RANGE:
        return f"{_py_char(av[0])}-{_py_char(av[1])}"
    if op is C.CATEGORY:
        return _CATEGORY_SOURCE[av]
    raise Untranslatable(f"class item {op} is not supported")


def _flag_prefix(flags: int) -> str:
    return ("(?i)" if flags & re.IGNORECASE else "") + ("(?a)" if flags & re.ASCII else "")


def _char_node_source(op, av, flags: int) -> tuple[str, str]:
    """A one-character node written back as a Python pattern, and the inline flags in force."""
    if op is C.LITERAL:
        body = _py_char(av)
    elif op is C.NOT_LITERAL:
        body = f"[^{_py_char(av)}]"
    else:  # IN
        negate = bool(av) and av[0][0] is C.NEGATE
        items = "".join(_py_class_item(o, a) for o, a in (av[1:] if negate else av))
        body = f"[{'^' if negate else ''}{items}]"
    return body, _flag_prefix(flags)


@dataclass
class _Emitter:
    mode: str
    out: list[str] = field(default_factory=list)

    def sequence(self, items, flags: int, tail: bool) -> str:
        last = len(items) - 1
        return "".join(self.node(op, av, flags, tail and i == last) for i, (op, av) in enumerate(items))

    def node(self, op, av, flags: int, tail: bool) -> str:
        if op in (C.LITERAL, C.NOT_LITERAL, C.IN):
            return self.char(op, av, flags)
        if op is C.ANY:
            return "(?s:.)" if flags & re.DOTALL else "[^\\n]"
        if op is C.SUBPATTERN:
            _group, add, remove, body = av
            return "(?:" + self.sequence(body, (flags | add) & ~remove, tail) + ")"
        if op is C.BRANCH:
            return "(?:" + "|".join(self.sequence(alt, flags, tail) for alt in av[1]) + ")"
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, high, body = av
            if low > RE2_MAX_REPEAT or (high != C.MAXREPEAT and high > RE2_MAX_REPEAT):
                raise Untranslatable(f"repeat count over {RE2_MAX_REPEAT}")
            count = f"{{{low},}}" if high == C.MAXREPEAT else f"{{{low},{high}}}"
            lazy = "?" if op is C.MIN_REPEAT else ""
            return "(?:" + self.sequence(body, flags, False) + ")" + count + lazy
        if op is C.AT:
            return self.at(av, flags, tail)
        raise Untranslatable(f"{str(op).lower()} has no RE2 equivalent")

    def char(self, op, av, flags: int) -> str:
        if op is C.LITERAL and not flags & re.IGNORECASE:
            if _SURROGATES[0] <= av <= _SURROGATES[1]:
                raise Untranslatable("a surrogate code point in the pattern")
            return chr(av) if chr(av).isascii() and chr(av).isalnum() else _hex(av)
        return _re2_class(python_class(*_char_node_source(op, av, flags)))

    def at(self, code, flags: int, tail: bool) -> str:
        multiline = flags & re.MULTILINE
        if code is C.AT_BEGINNING_STRING or (code is C.AT_BEGINNING and not multiline):
            return "\\A"
        if code is C.AT_END_STRING:
            return "\\z"
        if code is C.AT_BEGINNING:
            return "(?m:^)"
        if code is C.AT_END and multiline:
            return "(?m:$)"
        if code is C.AT_END:
            if not tail:
                raise Untranslatable("'$' before the end of the pattern (it also matches before a final newline)")
            # Python's '$' matches at the end or before a final newline
            return "\\z" if self.mode == "fullmatch" else "(?:\\n?\\z)"
        if code in (C.AT_BOUNDARY, C.AT_NON_BOUNDARY):
            if not flags & re.ASCII:
                raise Untranslatable("Unicode word boundaries (\\b, \\B) have no RE2 equivalent")
            return "\\b" if code is C.AT_BOUNDARY else "\\B"
        raise Untranslatable(f"anchor {code} has no RE2 equivalent")


def translate(source: str, flags: int = 0, mode: str = "search") -> str:
    """The RE2 pattern that matches exactly what Python's `re` matches; raises `re.error` or `Untranslatable`."""
    parsed = sre_parse.parse(source, flags)
    return _Emitter(mode).sequence(list(parsed), parsed.state.flags, True)


@dataclass(frozen=True)
class Regex:
    """A compiled pattern; `.linear` says whether it runs on RE2 (else only the Python engine can run it)."""

    source: str
    flags: int
    mode: str
    python: re.Pattern
    re2: object | None
    why_not_linear: str = ""

    @property
    def linear(self) -> bool:
        return self.re2 is not None

    def can_run_linear(self, text: str) -> bool:
        """RE2 can run this pattern on this text (RE2 matches UTF-8, so no unpaired surrogates)."""
        return self.re2 is not None and _encodable(text)

    def matches(self, text: str) -> bool:
        """Whether the pattern matches (search or fullmatch). Uses RE2 when it can; otherwise Python's
        `re`, which can backtrack for a long time: only call it without RE2 under a hard timeout."""
        if self.can_run_linear(text):
            found = self.re2.fullmatch(text) if self.mode == "fullmatch" else self.re2.search(text)
        else:
            found = self.python.fullmatch(text) if self.mode == "fullmatch" else self.python.search(text)
        return found is not None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def compile_regex(source: str, flags: int = 0, mode: str = "search") -> Regex:
    """Compile with Python's syntax (raises `re.error` for an invalid pattern) and, where exact, for RE2."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    python = re.compile(source, flags & _FLAG_MASK)
    try:
        options = re2.Options()
        options.max_mem = RE2_MAX_MEM
        options.log_errors = False
        engine, why = re2.compile(translate(source, flags & _FLAG_MASK, mode), options), ""
    except Untranslatable as exc:
        engine, why = None, str(exc)
    except re2.error as exc:  # e.g. a program over RE2's memory budget
        engine, why = None, f"RE2 refused the translated pattern: {exc}"
    return Regex(source, flags, mode, python, engine, why)
