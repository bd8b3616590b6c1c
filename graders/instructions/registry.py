"""The instruction registry: id -> checker, its kwargs schema, its rule and a passing/failing example.

A checker is a plain function `check(text, **kwargs) -> bool` registered with `@instruction(...)`.
`bind(id, kwargs)` validates the kwargs against the declared `Param`s (dropping `None` values, as
IFBench's evaluator does), runs the optional `prepare` hook (strip/lower/compile, as the reference's
`build_description` does) and returns a one-argument callable. Problems raise `InstructionError`, which
the grader turns into a spec error (inline instructions) or an `invalid_reference` result (item-driven).

Two semantics: `reference` (the reference implementation's verdicts, for evaluation parity) and `robust`
(the default for rewards: the check reads `robust_text.normalise(response)` and, where a policy could get
"followed" without following, a stricter rule registered with `@robust(...)`; see docs/instructions.md).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, Callable

RELATIONS = ("less than", "at least")
SEMANTICS = ("robust", "reference")


class InstructionError(ValueError):
    """An unknown id, an unsupported id, or missing/malformed kwargs for an instruction."""

    def __init__(self, instruction_id: str, message: str):
        super().__init__(f"{instruction_id}: {message}")
        self.instruction_id = instruction_id
        self.message = message


@dataclass(frozen=True)
class Param:
    """One kwarg of an instruction. `kind`: int, number, str, str_list, relation, language, letter."""

    name: str
    kind: str
    required: bool = True
    minimum: float = 0
    allow_empty: bool = False


@dataclass(frozen=True)
class RobustDef:
    """The robust rule of an instruction: `check(normalised_text, **kwargs)`, optional own `prepare`, and
    responses the reference follows although they don't follow the instruction (`gamed`: (kwargs, text)),
    plus honest responses the robust rule must still follow (`honest`)."""

    check: Callable[..., bool]
    rule: str
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    gamed: tuple[tuple[dict[str, Any], str], ...] = ()
    honest: tuple[tuple[dict[str, Any], str], ...] = ()


@dataclass
class InstructionDef:
    """A registered instruction: how to check it, what it takes, and how it reads in the docs."""

    id: str
    check: Callable[..., bool]
    params: tuple[Param, ...]
    rule: str
    source: str
    example_kwargs: dict[str, Any] = field(default_factory=dict)
    example_pass: str = ""
    example_fail: str = ""
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    unsupported: str | None = None
    robust: RobustDef | None = None

    def describe_kwargs(self) -> str:
        if not self.params:
            return "-"
        return ", ".join(f"{p.name}: {p.kind}" + ("" if p.required else " (optional)") for p in self.params)


REGISTRY: dict[str, InstructionDef] = {}


def instruction(instruction_id: str, *, rule: str, source: str, params: tuple[Param, ...] = (),
                example: tuple[dict[str, Any], str, str] | None = None,
                prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                unsupported: str | None = None) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Register `fn(text, **kwargs) -> bool` as the checker of `instruction_id`."""

    def decorate(fn: Callable[..., bool]) -> Callable[..., bool]:
        if instruction_id in REGISTRY:
            raise RuntimeError(f"instruction {instruction_id!r} registered twice")
        kwargs, good, bad = example if example else ({}, "", "")
        REGISTRY[instruction_id] = InstructionDef(
            instruction_id, fn, params, rule, source, kwargs, good, bad, prepare, unsupported)
        return fn

    return decorate


def robust(instruction_id: str, *, rule: str, prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
           gamed: tuple[tuple[dict[str, Any], str], ...] = (),
           honest: tuple[tuple[dict[str, Any], str], ...] = ()) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    """Register `fn(normalised_text, **kwargs) -> bool` as the robust rule of an already registered id."""

    def decorate(fn: Callable[..., bool]) -> Callable[..., bool]:
        defn = REGISTRY[instruction_id]
        if defn.robust is not None:
            raise RuntimeError(f"robust rule of {instruction_id!r} registered twice")
        defn.robust = RobustDef(fn, rule, prepare, gamed, honest)
        return fn

    return decorate


def _languages() -> frozenset[str]:
    from graders.instructions.language import supported_languages

    return supported_languages()


def _validate(defn: InstructionDef, param: Param, value: Any) -> Any:
    where = f"kwarg '{param.name}'"
    kind = param.kind
    if kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InstructionError(defn.id, f"{where} must be a number, got {value!r}")
        if kind == "int":
            if isinstance(value, float):
                if not value.is_integer():
                    raise InstructionError(defn.id, f"{where} must be an integer, got {value!r}")
                value = int(value)
        if value < param.minimum:
            raise InstructionError(defn.id, f"{where} must be >= {param.minimum:g}, got {value!r}")
        return value
    if kind in ("str", "letter", "relation", "language"):
        if not isinstance(value, str):
            raise InstructionError(defn.id, f"{where} must be a string, got {value!r}")
        if kind == "relation" and value not in RELATIONS:
            raise InstructionError(defn.id, f"{where} must be one of {list(RELATIONS)}, got {value!r}")
        if kind == "letter" and len(value.strip()) != 1:
            raise InstructionError(defn.id, f"{where} must be a single character, got {value!r}")
        if kind == "language" and value not in _languages():
            raise InstructionError(defn.id, f"{where} {value!r} is not a language code langdetect can detect")
        if not param.allow_empty and not value.strip():
            raise InstructionError(defn.id, f"{where} must not be empty")
        return value
    if kind == "str_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InstructionError(defn.id, f"{where} must be a list of strings, got {value!r}")
        if not value or not all(v.strip() for v in value):
            raise InstructionError(defn.id, f"{where} must be a non-empty list of non-empty strings")
        return list(value)
    raise AssertionError(f"unknown param kind {kind!r}")


def validate_kwargs(instruction_id: str, kwargs: Any, semantics: str = "reference") -> dict[str, Any]:
    """Checked, prepared kwargs for `instruction_id`; raises `InstructionError`. `None` values are dropped.
    Kwargs are validated the same way under both semantics; only the `prepare` hook may differ."""
    defn = REGISTRY.get(instruction_id)
    if defn is None:
        raise InstructionError(instruction_id, "unknown instruction id")
    if defn.unsupported:
        raise InstructionError(instruction_id, f"not checkable offline: {defn.unsupported}")
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise InstructionError(instruction_id, f"kwargs must be an object, got {type(kwargs).__name__}")
    given = {k: v for k, v in kwargs.items() if v is not None}
    known = {p.name: p for p in defn.params}
    unexpected = sorted(set(given) - set(known))
    if unexpected:
        raise InstructionError(instruction_id, f"unexpected kwarg(s) {unexpected}; accepted: {sorted(known) or 'none'}")
    out: dict[str, Any] = {}
    for param in defn.params:
        if param.name not in given:
            if param.required:
                raise InstructionError(instruction_id, f"missing required kwarg '{param.name}'")
            continue
        out[param.name] = _validate(defn, param, given[param.name])
    hooks = [defn.prepare]
    if semantics == "robust" and defn.robust is not None and defn.robust.prepare is not None:
        # the reference's refusals (bad regex, bad index) apply to both semantics; its result is not used
        hooks.append(defn.robust.prepare)
    prepared = out
    for hook in hooks:
        if hook is None:
            continue
        try:
            prepared = hook(dict(out))
        except InstructionError:
            raise
        except (ValueError, TypeError) as exc:
            raise InstructionError(instruction_id, str(exc)) from None
    return prepared


@functools.lru_cache(maxsize=4096)
def _bind_cached(instruction_id: str, kwargs_json: str, semantics: str) -> Callable[[str], bool]:
    kwargs = validate_kwargs(instruction_id, json.loads(kwargs_json), semantics)
    defn = REGISTRY[instruction_id]
    check = defn.robust.check if semantics == "robust" and defn.robust is not None else defn.check
    return functools.partial(check, **kwargs) if kwargs else check


def bind_prenormalised(instruction_id: str, kwargs: dict[str, Any] | None = None,
                       semantics: str = "reference") -> Callable[[str], bool]:
    """Like `bind`, but a robust checker expects text already passed through `robust_text.normalise` (the
    grader normalises each response once for all its instructions)."""
    if semantics not in SEMANTICS:
        raise ValueError(f"semantics must be one of {SEMANTICS}, got {semantics!r}")
    ensure_loaded()
    try:
        key = json.dumps(kwargs or {}, sort_keys=True)
    except (TypeError, ValueError):
        raise InstructionError(instruction_id, "kwargs are not JSON values") from None
    return _bind_cached(instruction_id, key, semantics)


def bind(instruction_id: str, kwargs: dict[str, Any] | None = None,
         semantics: str = "reference") -> Callable[[str], bool]:
    """A validated one-argument checker `text -> bool` for `instruction_id` with `kwargs` (cached).
    `semantics="robust"` normalises the text first (and says "not followed" to bidi-reordered text)."""
    check = bind_prenormalised(instruction_id, kwargs, semantics)
    if semantics == "reference":
        return check
    from graders.instructions.robust_text import has_bidi_controls, normalise

    return lambda text: not has_bidi_controls(text) and check(normalise(text))


_LOADED = False


def ensure_loaded() -> None:
    """Import every checker module so their `@instruction` decorators run."""
    global _LOADED
    if _LOADED:
        return
    from graders.instructions import (  # noqa: F401 - imported for registration
        ifbench_count, ifbench_custom, ifbench_format, ifbench_words, ifeval_format, ifeval_keywords,
        ifeval_length, ifeval_misc)
    from graders.instructions import (  # noqa: F401 - robust rules attach to the ids registered above
        robust_ifbench, robust_ifeval_content, robust_ifeval_text)

    _LOADED = True


def all_instructions() -> dict[str, InstructionDef]:
    """Every registered instruction by id (IFEval first, then IFBench)."""
    ensure_loaded()
    return dict(sorted(REGISTRY.items(), key=lambda kv: (kv[1].source != "ifeval", kv[0])))
