"""Parse instruction lists (IFEval rows or inline lists), bind them, and check a response strictly or loosely.

`check_response` is the engine's answer: a `ResponseVerdict` with one `InstructionVerdict` per instruction
(the grader type `graders/types/instruction_following.py` turns it into a `GradeResult`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from graders.instructions import robust_text
from graders.instructions.registry import InstructionError, bind_prenormalised, ensure_loaded
from graders.instructions.text import loose_variants, word_tokenize

MODES = ("strict", "loose")
SCORINGS = ("fraction", "all")


class InstructionListError(ValueError):
    """The instruction list itself is malformed; `where` is a JSON-pointer-like location inside it."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where
        self.message = message


@dataclass(frozen=True)
class BoundInstruction:
    """One instruction ready to check: its child-result name, id, kwargs as given, and the checker."""

    name: str
    id: str
    kwargs: dict[str, Any]
    check: Callable[[str], bool]


def parse_instruction_list(value: Any) -> list[tuple[str, dict[str, Any], str]]:
    """`[(id, kwargs, where)]` from an IFEval-style row, `{"instructions": [...]}`, or an inline list.

    Accepted shapes: `{"instruction_id_list": [...], "kwargs": [...]}` (IFEval / IFBench rows; `kwargs` may be
    absent), `[{"id": ..., **kwargs}]`, `[{"id": ..., "kwargs": {...}}]`, `["id", ...]`, or any of these as a
    JSON string.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InstructionListError("", "instructions resolved to a string that is not JSON") from None
    if isinstance(value, dict):
        if "instruction_id_list" in value:
            ids = value["instruction_id_list"]
            kwargs_list = value.get("kwargs")
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise InstructionListError("/instruction_id_list", "must be a list of instruction id strings")
            if kwargs_list is None:
                kwargs_list = [{}] * len(ids)
            if not isinstance(kwargs_list, list) or len(kwargs_list) != len(ids):
                size = len(kwargs_list) if isinstance(kwargs_list, list) else type(kwargs_list).__name__
                raise InstructionListError("/kwargs", f"must be a list as long as instruction_id_list "
                                                      f"({len(ids)}), got {size}")
            return [(i, k, f"/instruction_id_list/{n}") for n, (i, k) in enumerate(zip(ids, kwargs_list))]
        if "instructions" in value:
            return [(i, k, "/instructions" + w) for i, k, w in parse_instruction_list(value["instructions"])]
        raise InstructionListError("", "expected an object with 'instruction_id_list' (+ 'kwargs') or "
                                       f"'instructions'; got keys {sorted(value)[:10]}")
    if isinstance(value, list):
        out = []
        for n, entry in enumerate(value):
            where = f"/{n}"
            if isinstance(entry, str):
                out.append((entry, {}, where))
            elif isinstance(entry, dict) and isinstance(entry.get("id"), str):
                rest = {k: v for k, v in entry.items() if k != "id"}
                if set(rest) == {"kwargs"} and isinstance(rest["kwargs"], dict):
                    rest = rest["kwargs"]
                out.append((entry["id"], rest, where))
            else:
                raise InstructionListError(where, "each instruction must be an id string or an object with a "
                                                  "string 'id'")
        return out
    raise InstructionListError("", f"instructions must be a list or an IFEval row, got {type(value).__name__}")


def bind_instructions(value: Any, semantics: str = "reference") -> list[BoundInstruction]:
    """Parse and bind every instruction; raises `InstructionListError` naming the first bad one. Robust
    checkers expect the response prepared by `prepare_response`."""
    bound: list[BoundInstruction] = []
    seen: dict[str, int] = {}
    entries = parse_instruction_list(value)
    if not entries:
        raise InstructionListError("", "the instruction list is empty")
    for instruction_id, kwargs, where in entries:
        try:
            check = bind_prenormalised(instruction_id, kwargs, semantics)
        except InstructionError as exc:
            raise InstructionListError(where, str(exc)) from None
        seen[instruction_id] = seen.get(instruction_id, 0) + 1
        name = instruction_id if seen[instruction_id] == 1 else f"{instruction_id}#{seen[instruction_id]}"
        clean = {k: v for k, v in kwargs.items() if v is not None} if isinstance(kwargs, dict) else {}
        bound.append(BoundInstruction(name, instruction_id, clean, check))
    return bound


@dataclass(frozen=True)
class PreparedResponse:
    """What the checks of one response read: the text, its loose variants, and the answer test."""

    text: str
    variants: list[str]
    answered: Callable[[str], bool]


def _non_blank(text: str) -> bool:
    return bool(text.strip())


def prepare_response(response: str, mode: str, semantics: str) -> PreparedResponse:
    """Reference: the response as is, IFEval's 8 loose variants, "answered" = not blank. Robust: the
    normalised response, loose variants that drop only short first/last lines, "answered" = has a letter
    or digit."""
    if semantics == "robust":
        text = robust_text.normalise(response)
        variants = robust_text.loose_variants(text) if mode == "loose" else [text]
        return PreparedResponse(text, variants, robust_text.has_content)
    # identical variants (no '*' in the text, a one-line text) give identical verdicts: check each once
    variants = list(dict.fromkeys(loose_variants(response))) if mode == "loose" else [response]
    return PreparedResponse(response, variants, _non_blank)


def is_followed(check: Callable[[str], bool], response: str | PreparedResponse, mode: str,
                variants: list[str] | None = None) -> bool:
    """IFEval's verdict: strict = answered and passes; loose = some answered variant passes."""
    if isinstance(response, str):
        response = PreparedResponse(response, variants if variants is not None else loose_variants(response),
                                    _non_blank)
    if mode == "strict":
        return response.answered(response.text) and bool(check(response.text))
    return any(response.answered(v) and check(v) for v in response.variants)


@dataclass(frozen=True)
class InstructionVerdict:
    """One instruction on one response: followed or not, or `error` (the check raised; `followed` is False)."""

    name: str
    id: str
    kwargs: dict[str, Any]
    followed: bool
    error: str | None = None


@dataclass(frozen=True)
class ResponseVerdict:
    """Every instruction's verdict on one response. `unanswered` says why the response counts as no answer
    (blank; robust: no letter or digit), `rejected` why it was not checked at all; both None otherwise."""

    instructions: list[InstructionVerdict]
    mode: str
    semantics: str
    unanswered: str | None = None
    rejected: str | None = None

    @property
    def followed(self) -> list[str]:
        return [v.name for v in self.instructions if v.followed]

    @property
    def not_followed(self) -> list[str]:
        return [v.name for v in self.instructions if not v.followed and v.error is None]

    @property
    def broken(self) -> list[str]:
        return [v.name for v in self.instructions if v.error is not None]


def check_response(response: str, bound: list[BoundInstruction], mode: str,
                   semantics: str = "reference") -> ResponseVerdict:
    """Check every bound instruction on `response`; one check that raises is reported, not propagated."""
    if semantics == "robust" and robust_text.has_bidi_controls(response):
        return ResponseVerdict([], mode, semantics, rejected="response contains bidirectional override/"
                               "embedding/isolate controls: what a reader sees is not the text checked")
    prepared = prepare_response(response, mode, semantics)
    verdicts = []
    for instr in bound:
        try:
            verdicts.append(InstructionVerdict(instr.name, instr.id, instr.kwargs,
                                               is_followed(instr.check, prepared, mode)))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            verdicts.append(InstructionVerdict(instr.name, instr.id, instr.kwargs, False,
                                               error=f"{type(exc).__name__}: {exc}"))
    unanswered = None
    if not prepared.answered(prepared.text):
        unanswered = "empty response" if semantics == "reference" else "no letter or digit in the response"
    return ResponseVerdict(verdicts, mode, semantics, unanswered=unanswered)


def warm_up() -> None:
    """Load what the checks load lazily: Punkt and NLTK, langdetect's profiles, the Unicode tables."""
    from graders.instructions.language import supported_languages  # langdetect: imported only when needed

    ensure_loaded()
    supported_languages()
    robust_text.comma_characters()
    word_tokenize("Warm up. Done.")
