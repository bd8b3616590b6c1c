"""One grade: extract the candidate answer, parse both sides, apply the policies, return a Verdict."""
from __future__ import annotations

from dataclasses import dataclass, field

from graders.mathcheck.compare import ComparePolicy, compare, consistent, is_undefined
from graders.mathcheck.extract import DEFAULT_CASCADE, Extraction, extract_all_boxes, extract_reference, iter_extractions
from graders.mathcheck.hedges import offered_alternatives, withdrawn
from graders.mathcheck.parse import Hedged, parse_answer, parse_reference
from graders.mathcheck.values import Answer, ParseOptions, Rejected, Unparseable
from graders.mathcheck.normalize import clean, normalize_text
from graders.mathcheck.verdict import Verdict

_APPROX_WORDS = ("\\approx", "\\sim", "≈", "~")


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


def check(output: str, reference: str, options: MathOptions) -> Verdict:
    """Grade one output against one reference. Never raises for bad input (the caller catches the rest)."""
    ref_raw = extract_reference(reference or "")
    if not ref_raw.strip():
        return Verdict.failure("invalid_reference", "the reference answer is empty", reference=reference)
    try:
        golds = parse_reference(ref_raw, options.parse)
    except (Unparseable, Rejected) as exc:
        return Verdict.failure("invalid_reference", f"reference cannot be parsed: {exc}", reference=ref_raw)
    if any(is_undefined(g) for g in golds):
        return Verdict.failure("invalid_reference", f"reference {_short(ref_raw)} is undefined", reference=ref_raw)

    output = output or ""
    found, readings, parse_problem = None, None, ""
    for found in iter_extractions(output, options.extract):
        if found.method == "boxed" and options.multiple_answers in ("all", "any"):
            found = extract_all_boxes(output) or found
        try:
            readings = _parse_found(found, options)
        except Rejected as exc:
            return Verdict.failure("rejected", f"answer rejected before evaluation: {exc}",
                                   **_details(found, ref_raw))
        except Hedged as exc:
            return Verdict(0.0, "ok", f"hedged answer {_short(found.text)}: {exc}", _details(found, ref_raw))
        except Unparseable as exc:
            if found.method == "full" and len(options.extract) > 1:
                found = None
                continue  # the whole output was only a guess at the answer: try the next step
            parse_problem = str(exc)
        break
    if found is None:
        tried = ", ".join(s if isinstance(s, str) else "regex" for s in options.extract)
        return Verdict.failure("no_answer", f"no answer found in the output (tried {tried})", reference=ref_raw)
    details = _details(found, ref_raw)

    if found.hedge:
        return Verdict(0.0, "ok", found.hedge, details)
    taken_back = withdrawn(output, found)
    if taken_back:
        return Verdict(0.0, "ok", f"the answer {_short(found.text)} is taken back ({_short(taken_back, 40)})", details)
    if options.multiple_answers != "any":
        hedge = _hedge(output, found, readings, options)
        if hedge:
            return Verdict(0.0, "ok", hedge, details)
    if readings is None:
        return _unparseable(found, golds, parse_problem, ref_raw, details)
    if options.multiple_answers in ("all", "any") and len(found.answers) > 1:
        return _each_box(found, golds, readings, options, ref_raw, details)
    ok, how = _matches(golds, readings, options)
    if ok:
        reason = f"{_short(found.text)} is equivalent to {_short(ref_raw)}" + (f" ({how})" if how else "")
        return Verdict(1.0, "ok", reason, details)
    reason = f"{_short(found.text)} is not equivalent to {_short(ref_raw)}" + (f" ({how})" if how else "")
    return Verdict(0.0, "ok", reason, details)


def _details(found: Extraction, ref_raw: str) -> dict:
    extracted = found.answers if len(found.answers) > 1 else found.answers[0]
    return {"extracted": extracted, "method": found.method, "reference": ref_raw}


def _parse_found(found: Extraction, options: MathOptions) -> tuple[Answer, ...]:
    return parse_answer(found.text, options.parse)


def _unparseable(found, golds, problem, ref_raw, details) -> Verdict:
    """An answer that is not math only matches a text reference, compared as (normalised) text."""
    text = normalize_text(clean(found.text))
    if any(g.kind == "text" and normalize_text(g.text) == text for g in golds):
        return Verdict(1.0, "ok", f"{_short(found.text)} is the text answer {_short(ref_raw)}", details)
    return Verdict(0.0, "ok", f"{_short(found.text)} is not equivalent to {_short(ref_raw)} "
                              f"(answer not parseable as math: {problem})", details)


def _hedge(output: str, found: Extraction, readings, options: MathOptions) -> str:
    """Reason when the output offers another value next to the answer (`17 or 18`, `\\boxed{72}, or maybe 73`)."""
    if readings is None:
        return ""
    offered = offered_alternatives(output, found) + [("####", other) for other in found.others]
    for word, value in offered:
        try:
            other = parse_answer(value, options.parse)
        except (Unparseable, Rejected, Hedged):
            continue
        approx = word in _APPROX_WORDS
        if not any(consistent(a, b, approx=approx) for a in readings for b in other):
            return f"hedged answer: {_short(found.text)} and {_short(value)} are both offered ({word})"
    return ""


def _each_box(found, golds, readings, options: MathOptions, ref_raw, details) -> Verdict:
    """multiple_answers all / any: every box (or one box) must match; together they may match a list."""
    verdicts = []
    for raw in dict.fromkeys(found.answers):
        try:
            verdicts.append(_matches(golds, parse_answer(raw, options.parse), options)[0])
        except (Unparseable, Rejected, Hedged):
            verdicts.append(False)
    together = _matches(golds, readings, options)[0]
    ok = any(verdicts) if options.multiple_answers == "any" else (all(verdicts) or together)
    how = "together" if together and not all(verdicts) else ("one of them" if options.multiple_answers == "any"
                                                               else "each")
    if ok:
        return Verdict(1.0, "ok", f"the {len(verdicts)} boxed answers ({how}) match {_short(ref_raw)}", details)
    return Verdict(0.0, "ok", f"the boxed answers {_short(found.text)} do not all match {_short(ref_raw)}", details)


def _matches(golds, readings, options: MathOptions) -> tuple[bool, str]:
    why = ""
    for gold in golds:
        for pred in readings:
            if options.units == "require" and gold.unit and gold.unit != pred.unit:
                continue
            ok, how = compare(gold, pred, options.compare)
            if ok:
                return True, how
            why = why or how
    if options.units == "require" and any(g.unit for g in golds):
        units = {p.unit for p in readings} - {""}
        wanted = next(g.unit for g in golds if g.unit)
        if wanted not in units:
            return False, f"unit required: {wanted}" + (f", got {', '.join(sorted(units))}" if units else "")
    return False, why if why.startswith(("differs", "not proved")) else ""
