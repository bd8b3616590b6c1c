"""One grade: extract the candidate answer(s), parse both sides, apply the policies, build the result."""
from __future__ import annotations

from dataclasses import dataclass, field

from graders.mathcheck.compare import ComparePolicy, answers_equal, is_undefined
from graders.mathcheck.extract import DEFAULT_CASCADE, extract_answers, extract_reference
from graders.mathcheck.parse import (
    Answer, ParseOptions, Rejected, Unparseable, clean, normalize_text, parse_answer, parse_reference,
)
from graders.result import GradeResult


@dataclass(frozen=True)
class MathOptions:
    """Everything a `math_equivalence` spec configures besides its templates."""

    extract: tuple = DEFAULT_CASCADE
    multiple_answers: str = "last"          # last | all | any
    units: str = "strip"                    # strip | require
    parse: ParseOptions = field(default_factory=ParseOptions)
    compare: ComparePolicy = field(default_factory=ComparePolicy)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def check(output: str, reference: str, options: MathOptions) -> GradeResult:
    """Grade one output against one reference. Never raises for bad input (the caller catches the rest)."""
    ref_raw = extract_reference(reference or "")
    if not ref_raw.strip():
        return GradeResult.failure("invalid_reference", "the reference answer is empty", reference=reference)
    try:
        golds = parse_reference(ref_raw, options.parse)
    except (Unparseable, Rejected) as exc:
        return GradeResult.failure("invalid_reference", f"reference cannot be parsed: {exc}", reference=ref_raw)
    if any(is_undefined(g) for g in golds):
        return GradeResult.failure("invalid_reference", f"reference {_short(ref_raw)} is undefined", reference=ref_raw)

    method, found = extract_answers(output or "", options.extract)
    if not found:
        return GradeResult.failure("no_answer", "no answer found in the output "
                                   f"(tried {', '.join(_step_name(s) for s in options.extract)})",
                                   reference=ref_raw)
    if method == "boxed" and options.multiple_answers == "last":
        found = found[-1:]
    distinct = list(dict.fromkeys(found))
    details = {"extracted": distinct if len(distinct) > 1 else distinct[0], "method": method, "reference": ref_raw}

    candidates: list[tuple[str, tuple[Answer, ...], str]] = []
    for raw in distinct:
        try:
            candidates.append((raw, parse_answer(raw, options.parse), ""))
        except Rejected as exc:
            return GradeResult.failure("rejected", f"answer rejected before evaluation: {exc}", **details)
        except Unparseable as exc:
            text = clean(raw)
            candidates.append((raw, (Answer("text", normalize_text(text), text=text),), str(exc)))

    verdicts = [_matches(golds, readings, options) for _, readings, _ in candidates]
    if len(candidates) > 1 and options.multiple_answers == "all" and not all(v for v, _ in verdicts):
        joined = Answer("list", tuple(r[0] for _, r, _ in candidates), text=", ".join(distinct))
        if _matches(golds, (joined,), options)[0]:
            return GradeResult(score=1.0, reason=f"the {len(distinct)} boxed answers together match the reference "
                               f"{_short(ref_raw)}", details=details)
    ok = any(v for v, _ in verdicts) if options.multiple_answers == "any" else all(v for v, _ in verdicts)
    if ok:
        shown = next(raw for (raw, _, _), (v, _) in zip(candidates, verdicts) if v)
        return GradeResult(score=1.0, reason=f"{_short(shown)} is equivalent to {_short(ref_raw)}", details=details)
    bad = next((c, v) for c, v in zip(candidates, verdicts) if not v[0])
    (raw, _, parse_problem), (_, why) = bad
    reason = f"{_short(raw)} is not equivalent to {_short(ref_raw)}"
    if why:
        reason += f" ({why})"
    elif parse_problem:
        reason += f" (answer not parseable as math: {parse_problem})"
    return GradeResult(score=0.0, reason=reason, details=details)


def _matches(golds, readings, options: MathOptions) -> tuple[bool, str]:
    for gold in golds:
        for pred in readings:
            if options.units == "require" and gold.unit and gold.unit != pred.unit:
                continue
            if answers_equal(gold, pred, options.compare):
                return True, ""
    if options.units == "require" and any(g.unit for g in golds):
        units = {p.unit for p in readings} - {""}
        wanted = next(g.unit for g in golds if g.unit)
        if wanted not in units:
            return False, f"unit required: {wanted}" + (f", got {', '.join(sorted(units))}" if units else "")
    return False, ""


def _step_name(step) -> str:
    return step if isinstance(step, str) else "regex"
