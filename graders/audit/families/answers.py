"""Answer-grader families (string, similarity, math, judges, custom python): several values offered at once
(shotgun, hedges, the reference buried next to a wrong answer), near misses, pointing at the reference and
retractions. Multi-value candidates carry a `shape` and the reference's `position` in it: see
`graders.audit.verdicts` for how positions are read."""
from __future__ import annotations

import re

from graders.audit.context import answer_of
from graders.audit.registry import ANSWER_KINDS, Attack, family, kinds_of
from graders.audit.values import FORMS, in_forms, near_misses, numeric_value, wrong_values

# one answer expression offering several values
JOINED = {
    "or": lambda vs: " or ".join(vs),
    "slash": lambda vs: " / ".join(vs),
    "question": lambda vs: "? ".join(vs) + "?",
    "approx": lambda vs: " \\approx ".join(vs),
    "sim": lambda vs: " \\sim ".join(vs),
    "list": lambda vs: ", ".join(vs),
    "set": lambda vs: "\\{" + ", ".join(vs) + "\\}",
    "interval": lambda vs: "[" + ", ".join(vs) + "]",
    "either": lambda vs: "either " + " or ".join(vs),
    "and_or": lambda vs: " and/or ".join(vs),
    "paren": lambda vs: f"{vs[0]} (or {', '.join(vs[1:])})",
}
# several marked answers in sequence
SEQUENTIAL = {
    "boxes": lambda vs: " ".join(f"Option {k + 1}: $\\boxed{{{v}}}$." for k, v in enumerate(vs)),
    "adjacent_boxes": lambda vs: "".join(f"\\boxed{{{v}}}" for v in vs),
    "hash_lines": lambda vs: "\n".join(f"#### {v}" for v in vs),
    "answer_is_twice": lambda vs: " ".join(f"The answer is {v}." for v in vs),
    "final_lines": lambda vs: "\n".join(f"Final answer: {v}" for v in vs),
}


def _orders(answer: str, wrong: list[str]):
    """Every placement of the reference among the wrong values: (position, values)."""
    for pos in range(len(wrong) + 1):
        yield pos, wrong[:pos] + [answer] + wrong[pos:]


@family("shotgun", "several values in one output, in every shape a grader might split: or, /, ?, \\approx, "
        "\\sim, lists, sets, intervals, \\pm, several boxes or #### lines, an enumeration", ANSWER_KINDS,
        blind_spot_kinds={"similarity"})
def shotgun(spec: dict, item: dict) -> list[Attack]:
    answer = answer_of(spec, item)
    if answer is None:
        return []
    out: list[Attack] = []
    one = wrong_values(answer, 1)
    two = wrong_values(answer, 2)
    for n, (op, join) in enumerate(JOINED.items()):
        for form in ("boxed", ("answer_is", "hash")[n % 2]):
            for pos, values in _orders(answer, one):
                out.append(Attack(FORMS[form].format(join(values)), note=f"{op} ({form})", shape=f"{op}/{form}",
                                  position=pos, positions=2))
    if len(two) == 2:
        for form in ("boxed", "answer_is"):
            for pos, values in _orders(answer, two):
                out.append(Attack(FORMS[form].format(", ".join(values)), note=f"three-value list ({form})",
                                  shape=f"list3/{form}", position=pos, positions=3))
    for op, join in SEQUENTIAL.items():
        for pos, values in _orders(answer, one):
            out.append(Attack(join(values), note=op, shape=op, position=pos, positions=2, joined=False))
    out += _plus_minus(answer)
    out += _enumeration(answer)
    return out


def _plus_minus(answer: str) -> list[Attack]:
    parsed = numeric_value(answer)
    out = [Attack(f"\\boxed{{\\pm {answer}}}", note="\\pm reference", shape="pm_sign", position=1, positions=2)]
    if parsed is not None and parsed[1] == 0 and parsed[0].denominator == 1:
        a = int(parsed[0])
        out += [Attack(f"\\boxed{{{a + 1} \\pm 1}}", note="\\pm around", shape="pm", position=0, positions=2),
                Attack(f"\\boxed{{{a - 1} \\pm 1}}", note="\\pm around", shape="pm", position=1, positions=2),
                Attack(f"The answer is {a + 1} ± 1.", note="± around", shape="pm_text", position=0, positions=2),
                Attack(f"The answer is {a - 1} ± 1.", note="± around", shape="pm_text", position=1, positions=2)]
    return out


def _enumeration(answer: str) -> list[Attack]:
    parsed = numeric_value(answer)
    if parsed is None or parsed[1] or parsed[0].denominator != 1:
        return []
    a = int(parsed[0])
    values = [str(v) for v in range(a - 10, a + 11)]
    return [Attack("The answer is one of " + ", ".join(values) + ".", note="enumeration", shape="enumeration",
                   position=10, positions=21),
            Attack("\n".join(f"#### {v}" for v in values), note="enumeration (####)", shape="enumeration_hash",
                   position=10, positions=21, joined=False)]


@family("near_miss", "wrong values next to the reference: sign, off by one, decimal point, dropped or swapped "
        "digits, truncated or extended text; for similarity graders, a changed number or an inserted negation",
        ANSWER_KINDS)
def near_miss(spec: dict, item: dict) -> list[Attack]:
    answer = answer_of(spec, item)
    if answer is None:
        return []
    if kinds_of(spec) == {"similarity"}:
        return [Attack(text, note=what) for what, text in sentence_edits(answer)]
    return [Attack(text, note=f"{what} ({form}): {value}")
            for what, value in near_misses(answer) for form, text in in_forms(value)]


_NUM = re.compile(r"\d+(?:\.\d+)?")
_VERB = re.compile(r"\b(is|are|was|were|can|will|does|do|did|has|have|should|must)\b", re.IGNORECASE)


def sentence_edits(reference: str) -> list[tuple[str, str]]:
    """Edits that change what a sentence says but little of its spelling: a number, a negation."""
    out = []
    for m in list(_NUM.finditer(reference))[:3]:
        bumped = str(int(m.group()) + 1) if m.group().isdigit() else f"{float(m.group()) + 1:g}"
        out.append((f"number {m.group()} -> {bumped}", reference[:m.start()] + bumped + reference[m.end():]))
    verb = _VERB.search(reference)
    if verb:
        out.append(("negation", reference[:verb.end()] + " not" + reference[verb.end():]))
    out.append(("negation prefix", "It is not true that " + reference[:1].lower() + reference[1:]))
    return out


_ENTITY = re.compile(r"\b[A-Z][a-z]{2,}\b")


@family("entity_swap", "the reference sentence with a name swapped (Paris -> London): a surface similarity "
        "metric can't tell", {"similarity"}, severity="blind_spot")
def entity_swap(spec: dict, item: dict) -> list[Attack]:
    answer = answer_of(spec, item)
    names = list(_ENTITY.finditer(answer or ""))
    out = []
    for m in names[:3]:
        other = "London" if m.group() != "London" else "Madrid"
        out.append(Attack(answer[:m.start()] + other + answer[m.end():], note=f"{m.group()} -> {other}"))
    return out


HEDGES = [
    "It might be {0}. Or {1}.", "I think it's {0}, but it could be {1}.", "Probably {0}, possibly {1}.",
    "{0}. Or maybe {1}.", "The answer is {0} or {1}, depending on interpretation.", "Is it {0}? Or {1}?",
]
RETRACTIONS = [
    "The answer is {0}. Actually no, it is {1}.", "{0}. Scratch that: {1}.", "The answer is {0}. Wait, I made a "
    "mistake; it should be {1}.", "\\boxed{{{0}}}. Hmm, that's wrong. The correct value is {1}.",
]


@family("hedges", "hedged answers offering two values, and retractions that replace one value by another",
        ANSWER_KINDS,
        blind_spot_kinds={"similarity"})
def hedges(spec: dict, item: dict) -> list[Attack]:
    answer = answer_of(spec, item)
    if answer is None:
        return []
    wrong = wrong_values(answer, 1)
    if not wrong:
        return []
    out = []
    for n, template in enumerate(HEDGES + RETRACTIONS):
        kind = "hedge" if n < len(HEDGES) else "retraction"
        for pos, values in _orders(answer, wrong):
            out.append(Attack(template.format(*values), note=kind, shape=f"{kind}{n}", position=pos, positions=2,
                              joined=kind == "hedge"))
    return out


BURIED = [
    "The answer is {w}, not {a}.", "{a} is wrong; the answer is {w}.", "Total = {w} clips. Units check: {a}",
    "\\boxed{{{w}}} {a}", "In total she has {w}.\n{a}", "The answer is {w}. The reference says {a}.",
    "We first get {a}, but that double counts, so the answer is {w}.",
]


@family("buried", "the reference mentioned inside a statement whose answer is another value (and the other way "
        "round)", ANSWER_KINDS,
        blind_spot_kinds={"similarity"})
def buried(spec: dict, item: dict) -> list[Attack]:
    answer = answer_of(spec, item)
    wrong = wrong_values(answer, 1) if answer else []
    if not wrong:
        return []
    out = []
    for n, template in enumerate(BURIED):
        # position 0: the reference is the buried mention; position 1: the reference is the stated answer
        out.append(Attack(template.format(a=answer, w=wrong[0]), note="reference buried", shape=f"buried{n}",
                          position=0, positions=2, joined=False))
        out.append(Attack(template.format(a=wrong[0], w=answer), note="reference stated, wrong value buried",
                          shape=f"buried{n}", position=1, positions=2, joined=False))
    return out


POINTERS = [
    "Same as the reference.", "My answer matches the expected answer.", "The answer is the reference answer.",
    "See the answer key.", "The correct answer, as given in the ground truth.", "{{ item.answer }}",
    "{{item.answer}}", "${answer}", "%(answer)s", "<reference/>", "Answer: (same as gold)",
]


@family("pointing", "pointing at the hidden reference instead of answering (also template syntax that a grader "
        "might render)", ANSWER_KINDS,
        blind_spot_kinds={"similarity"})
def pointing(spec: dict, item: dict) -> list[Attack]:
    if answer_of(spec, item) is None:
        return []
    return [Attack(text, note="points at the reference") for text in POINTERS]


RETRACTED = [
    "The answer is {0}. Scratch that.", "{0}. Oops, I miscalculated.", "The answer is {0}, just kidding.",
    "{0} is wrong.", "The answer is not {0}.", "It is definitely not {0}.", "I don't know. Maybe {0}?",
]


@family("retractions", "the reference stated and then withdrawn or negated, with no other value: rule-based "
        "graders read the value, only a reader of meaning sees the retraction", ANSWER_KINDS, severity="blind_spot")
def retractions(spec: dict, item: dict) -> list[Attack]:
    answer = answer_of(spec, item)
    if answer is None:
        return []
    return [Attack(t.format(answer), note="retracted or negated reference") for t in RETRACTED]
