"""Attack families: a family is a function `(spec, item) -> candidates` plus a short description, registered
for the grader kinds it applies to.

    from graders.audit import Attack, family

    @family("unit_suffix", "the reference followed by a wrong unit", kinds={"math", "string"})
    def unit_suffix(spec, item):
        answer = answer_of(spec, item)
        return [] if answer is None else [f"{answer} kg", Attack(f"{answer} m", note="metres")]

A candidate is an output text (a `str`) or an `Attack` (text plus what it tries, and for answers offered in
several positions the `shape`/`position` that the verdict reads, see `graders.audit.verdicts`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

# grader type -> kind (what the families are chosen by)
KIND_OF_TYPE = {
    "string_check": "string",
    "text_similarity": "similarity",
    "math_equivalence": "math",
    "judge": "judge",
    "score_model": "judge",
    "label_model": "judge",
    "unit_tests": "code",
    "python": "custom",
    "instruction_following": "instructions",
    "json_schema": "json",
    "multiple_choice": "choice",
}
KINDS = frozenset(KIND_OF_TYPE.values())
ANSWER_KINDS = frozenset({"string", "math", "judge", "similarity", "custom", "choice"})
# graders that check a form, not an answer: content-free text that keeps the form is a blind spot, not a hack
FORM_KINDS = frozenset({"instructions", "json"})
SEVERITIES = ("hack", "blind_spot")


@dataclass
class Attack:
    """One adversarial output. `shape`/`position`/`positions` group candidates that offer several values
    (the reference at each position of the same shape); `joined` says the values form one answer expression
    (`72 or 73`) rather than several marked answers in sequence (`#### 72` then `#### 73`). `focus` names
    the child result to read instead of the overall score (one instruction of an instruction grader)."""

    text: str
    note: str = ""
    shape: str | None = None
    position: int | None = None
    positions: int | None = None
    joined: bool = True
    focus: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[dict, dict], Iterable["Attack | str"]]


@dataclass(frozen=True)
class Family:
    """A registered attack family."""

    name: str
    description: str
    kinds: frozenset[str]
    build: Builder
    severity: str = "hack"
    blind_spot_kinds: frozenset[str] = frozenset()   # kinds for which this family can only warn
    max_rows: int | None = None   # item-independent candidates: the first rows say enough

    def severity_for(self, kinds: Iterable[str]) -> str:
        kinds = set(kinds)
        if self.severity == "blind_spot" or (kinds and kinds <= self.blind_spot_kinds):
            return "blind_spot"
        return "hack"

    def candidates(self, spec: dict, item: dict) -> list[Attack]:
        out = []
        for c in self.build(spec, item) or []:
            out.append(c if isinstance(c, Attack) else Attack(str(c)))
        return out


FAMILIES: dict[str, Family] = {}


def family(name: str, description: str, kinds: Iterable[str], severity: str = "hack",
           blind_spot_kinds: Iterable[str] = (), max_rows: int | None = None) -> Callable[[Builder], Builder]:
    """Register `fn(spec, item) -> candidates` as the attack family `name` for grader `kinds`."""
    kinds = frozenset(kinds)
    unknown = kinds - KINDS
    if unknown:
        raise ValueError(f"family {name!r}: unknown kinds {sorted(unknown)}; known: {sorted(KINDS)}")
    if severity not in SEVERITIES:
        raise ValueError(f"family {name!r}: severity must be one of {SEVERITIES}")

    def register(fn: Builder) -> Builder:
        if name in FAMILIES and FAMILIES[name].build is not fn:
            raise ValueError(f"attack family {name!r} is already registered")
        FAMILIES[name] = Family(name, description, kinds, fn, severity, frozenset(blind_spot_kinds), max_rows)
        return fn

    return register


def kinds_of(spec: dict) -> set[str]:
    """The kinds of a spec: its own, or for `multi` those of every sub-grader."""
    if spec.get("type") == "multi":
        out: set[str] = set()
        for child in spec.get("graders", {}).values():
            out |= kinds_of(child)
        return out
    kind = KIND_OF_TYPE.get(spec.get("type", ""))
    return {kind} if kind else set()


def families_for(kinds: Iterable[str], names: Iterable[str] | None = None) -> list[Family]:
    """Registered families applying to any of `kinds` (restricted to `names` when given), in registry order."""
    import graders.audit.families  # noqa: F401 - registers the built-in families

    kinds = set(kinds)
    wanted = set(names) if names else None
    return [f for f in FAMILIES.values() if f.kinds & kinds and (wanted is None or f.name in wanted)]


def all_families() -> dict[str, Family]:
    import graders.audit.families  # noqa: F401

    return dict(FAMILIES)
