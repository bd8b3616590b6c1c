"""Differential fuzzing corpus for `math_equivalence`: (reference, output, intended label) pairs built from the
MATH and GSM8K answers in ../shared/data, with the surface variations real model outputs have.

Each pair writes one reference answer in some *shape* (as is, `a/b` for `\\frac{a}{b}`, a decimal, thousands
separators, `x = ...`, a unit, reordered solutions, `bmatrix` ...) and puts it in some *wrapper* (a boxed
sentence, several boxes, "Final Answer: ... I hope it is correct.", `####`, `\\(..\\)`, a final sentence in
French or German ...). Wrong answers have the same shapes (the value perturbed, a sign flipped, a tuple
swapped, a decimal that does not round to the value) and hedges (`a or b`, `a \\approx b`, two boxes,
`a = x = b`) and buried answers (the gold number mid-text, no conclusion). The label is known by
construction; `policy` names the documented verigrade policy a label follows when math-verify follows another
(so a disagreement there is "deliberate policy", not "math-verify wrong").

Used by benchmarks/math_fuzz.py (full size) and tests/test_math_fuzz.py (small size).
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class FuzzPair:
    id: str
    source: str           # math | gsm8k
    reference: str        # what verigrade gets (the MATH answer, or the whole GSM8K solution)
    gold_for_mv: str      # what math-verify gets (`$answer$`, or the number after ####)
    output: str
    label: int            # 1: the output's answer is right; 0: wrong, hedged or buried
    shape: str
    wrapper: str
    policy: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def load_rows(split: str = "test") -> tuple[list[dict], list[dict]]:
    math_rows = [json.loads(line) for line in (DATA / "math" / f"{split}.jsonl").read_text().splitlines() if line]
    gsm_rows = [json.loads(line) for line in (DATA / "gsm8k" / f"{split}.jsonl").read_text().splitlines() if line]
    return [r for r in math_rows if r.get("answer")], gsm_rows


# -- shapes ------------------------------------------------------------------------------------------------
_INT = re.compile(r"-?\d+")
_FRAC = re.compile(r"(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}")
_DEC = re.compile(r"-?\d+\.\d+")
_LAST_INT = re.compile(r"(\d+)(?!.*\d)", re.DOTALL)
_BARE_LIST = re.compile(r"-?\d+(?:\s*,\s*-?\d+)+")
_TUPLE = re.compile(r"\((-?\d+),\s*(-?\d+)\)")
_UNITS = ("cm", "meters", "dollars", "hours", "\\text{ cm}", "\\text{ units}")


def _fraction_of(answer: str) -> Fraction | None:
    if _INT.fullmatch(answer):
        return Fraction(int(answer))
    m = _FRAC.fullmatch(answer)
    if m and int(m.group(3)):
        value = Fraction(int(m.group(2)), int(m.group(3)))
        return -value if m.group(1) else value
    if _DEC.fullmatch(answer):
        return Fraction(answer)
    return None


def _terminating(value: Fraction) -> bool:
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def _decimal(value: Fraction, places: int) -> str:
    """`value` rounded half-up to `places` decimals, as text."""
    scaled = value * 10 ** places
    rounded = (abs(scaled) + Fraction(1, 2)).__floor__() * (1 if scaled >= 0 else -1)
    sign = "-" if rounded < 0 else ""
    digits = str(abs(rounded)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def _thousands(n: int, style: int) -> str:
    text = f"{abs(n):,}"
    text = (text, text.replace(",", " "), text.replace(",", "{,}"), text.replace(",", ",\\!"))[style % 4]
    return ("-" if n < 0 else "") + text


def correct_shapes(answer: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """Equivalent ways of writing `answer`: (text, shape name, policy)."""
    out = [(answer, "as_is", "")]
    value = _fraction_of(answer)
    if value is not None:
        if value.denominator == 1:
            n = int(value)
            out.append((f"{n}.0", "decimal_exact", ""))
            if abs(n) >= 1000:
                style = rng.randrange(4)
                out.append((_thousands(n, style), f"thousands_{('comma', 'space', 'brace', 'thin')[style]}", ""))
            if n >= 0:
                unit = rng.choice(_UNITS)
                out.append((f"{n} {unit}" if not unit.startswith("\\") else f"{n}{unit}", "unit", ""))
                out.append((f"\\${n}", "currency", ""))
                out.append((f"{n}{rng.choice(('weeks', 'cm', 'km', 'dollars'))}", "glued_unit", ""))
        else:
            m = _FRAC.fullmatch(answer)
            if m:
                out.append((f"{m.group(1)}{m.group(2)}/{m.group(3)}", "frac_slash", ""))
                out.append((answer.replace("\\frac", "\\dfrac"), "dfrac", ""))
            if _terminating(value):
                out.append((str(float(value)), "decimal_exact", ""))
            elif Fraction(1, 10) <= abs(value) < 1000:
                out.append((_decimal(value, 6), "decimal_6_places", ""))
                places = 4 if abs(value) < 10 else 3
                out.append((_decimal(value, places), "decimal_4_significant", "rounding"))
            if abs(value) > 1 and value.denominator != 1 and value > 0 and m:
                whole, rest = divmod(value.numerator, value.denominator)
                out.append((f"{whole}\\frac{{{rest}}}{{{value.denominator}}}", "mixed_number", ""))
        if not answer.startswith("-"):
            out.append((f"x = {answer}", "assignment", ""))
    elif _BARE_LIST.fullmatch(answer) and not re.fullmatch(r"-?\d{1,3}(?:,\d{3})+", answer):
        parts = [p.strip() for p in answer.split(",")]
        out.append((", ".join(reversed(parts)), "list_reordered", ""))
        out.append((" and ".join(parts), "list_and", ""))
    elif "pmatrix" in answer:
        out.append((answer.replace("pmatrix", "bmatrix"), "bmatrix", ""))
        out.append((answer.replace("\\begin{pmatrix}", "\\left[\\begin{array}{" + "c" * (answer.split("\\\\")[0].count("&") + 1)
                                   + "}").replace("\\end{pmatrix}", "\\end{array}\\right]"), "array_matrix", ""))
    elif _TUPLE.fullmatch(answer):
        out.append((_TUPLE.sub(r"\\left( \1, \2 \\right)", answer), "left_right", ""))
        out.append((f"(x, y) = {answer}", "named_tuple", ""))
    elif answer.endswith("\\%"):
        out.append((answer[:-2], "percent_dropped", ""))
    return out


def wrong_shapes(answer: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """Wrong answers of the same shapes: (text, shape name, policy)."""
    out = []
    m = _LAST_INT.search(answer)
    if re.search(r"\\text\{[^}]*\}\s*\^", answer):  # `440\text{ cm}^2`: change the number, not the unit
        m = re.search(r"(\d+)", answer)
    if m and not re.search(r"(?<![\d.])[01]\s*\^|\^\s*\{?\s*0", answer):  # 1^5 -> 1^6 would still be 1
        k = rng.randint(1, 7)
        out.append((answer[:m.start()] + str(int(m.group(1)) + k) + answer[m.end():], "off_by_k", ""))
    value = _fraction_of(answer)
    if value is not None:
        if value != 0:
            out.append((str(-value) if value.denominator == 1 else
                        (answer[1:] if answer.startswith("-") else "-" + answer), "sign_flipped", ""))
        k = rng.randint(1, 3)
        out.append((f"{answer} or {_plain(value + k)}", "hedge_or", "hedge"))
        out.append((f"{answer} \\approx {_plain(value + k)}", "hedge_approx", "hedge"))
        out.append((f"{_plain(value - k)} = x = {answer}", "contradictory_chain", "hedge"))
        if value.denominator != 1 and not _terminating(value) and Fraction(1, 10) <= abs(value) < 1000:
            places = 4 if abs(value) < 10 else 3
            good = Fraction(_decimal(value, places))
            out.append((_decimal(good + Fraction(1, 10 ** places), places), "decimal_not_rounding", ""))
        if value.denominator == 1 and abs(value) >= 100:
            out.append((f"{int(value)}.9", "decimal_close", "rounding"))
    t = _TUPLE.fullmatch(answer)
    if t and t.group(1) != t.group(2):
        out.append((f"({t.group(2)}, {t.group(1)})", "tuple_swapped", ""))
    if "pmatrix" in answer and m:
        out.append((answer[:m.start()] + str(int(m.group(1)) + 1) + answer[m.end():], "matrix_entry", ""))
    if answer.endswith("\\%"):
        number = _fraction_of(answer[:-2])
        if number is not None and number != 0:
            out.append((_plain(number / 100), "percent_as_fraction", "percent"))
    return out


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"\\frac{{{value.numerator}}}{{{value.denominator}}}" \
        if value > 0 else f"-\\frac{{{-value.numerator}}}{{{value.denominator}}}"


# -- wrappers ---------------------------------------------------------------------------------------------
def _math(text: str) -> str:
    """Inline math for prose wrappers when the answer is LaTeX."""
    return f"${text}$" if re.search(r"[\\^_{}]", text) else text


_WRAPPERS = {
    "boxed_sentence": lambda body, x: f"{body}\nThus the answer is $\\boxed{{{x}}}$.",
    "boxed_display": lambda body, x: f"{body}\n\\[\n\\boxed{{{x}}}\n\\]",
    "minerva": lambda body, x: f"{body}\nFinal Answer: The final answer is ${x}$. I hope it is correct.",
    "final_answer_colon": lambda body, x: f"{body}\nFinal Answer: {_math(x)}",
    "bold_answer": lambda body, x: f"{body}\n**Answer:** {_math(x)}",
    "answer_is": lambda body, x: f"{body}\nThe answer is {_math(x)}.",
    "span_end": lambda body, x: f"{body}\nTherefore, we get ${x}$.",
    "paren_delims": lambda body, x: f"{body}\nSo the result is \\({x}\\)",
    "display_dollars": lambda body, x: f"{body}\nHence\n$$ {x} $$",
    "gsm8k": lambda body, x: f"{body}\n#### {x}",
    "french": lambda body, x: f"{body}\nLa réponse est {_math(x)}.",
    "german": lambda body, x: f"{body}\nDie Antwort ist {_math(x)}.",
    "chinese": lambda body, x: f"{body}\n答案是 {_math(x)}。",
    "chat_tail": lambda body, x: f"{body}\nSo the answer is $\\boxed{{{x}}}$.<|im_end|>\n<|im_start|>user\nThanks!",
    "bold_heading": lambda body, x: f"{body}\n\n**Final Answer**\n\\[\n\\boxed{{{x}}}\n\\]",
    "intermediate_boxes": lambda body, x: f"{body}\nThe first part gives $\\boxed{{17}}$ steps.\n"
                                          f"Combining everything, the answer is $\\boxed{{{x}}}$.",
    "retracted_box": lambda body, x: f"{body}\nSo we get $\\boxed{{0}}$. Wait, no, that is wrong: the answer is "
                                     f"$\\boxed{{{x}}}$.",
    "named_final": lambda body, x: f"{body}\nHence, $f(2) = {x}$.",
    "boxed_with_units": lambda body, x: f"{body}\nThe area is $\\boxed{{{x}}}$ square units.",
}
_NUMBER_WRAPPERS = {
    "final_number_sentence": lambda body, x: f"{body}\nSo the total is {x}.",
    "final_number_units": lambda body, x: f"{body}\nShe ends up with {x} apples in all.",
}


def _body(source: str, row: dict, rng: random.Random) -> str:
    if source == "gsm8k":
        return re.sub(r"<<[^>]*>>", "", row["answer"].split("####")[0]).strip()
    a, b = rng.randint(2, 99), rng.randint(2, 99)
    return (f"Let us work through the problem step by step.\nFirst we note that {a} + {b} = {a + b}, "
            f"which we use below.\nAfter simplifying, we obtain the value we need.")


def _wrap(source: str, answer_text: str, rng: random.Random, is_number: bool) -> tuple[str, str]:
    names = list(_WRAPPERS) + (list(_NUMBER_WRAPPERS) if is_number else [])
    if source == "math":
        names.remove("gsm8k")
    if "=" in answer_text or "\\text" in answer_text:
        names.remove("named_final")
    name = rng.choice(names)
    return name, {**_WRAPPERS, **_NUMBER_WRAPPERS}[name]


def _several_boxes(parts: list[str], rng: random.Random) -> str:
    sep = rng.choice([", ", " and ", " \\quad\\text{and}\\quad ", ", and "])
    return sep.join(f"\\boxed{{{p}}}" for p in parts)


def _is_plain_number(text: str) -> bool:
    text = text.replace(",\\!", ",").replace("{,}", ",")
    return bool(re.fullmatch(r"-?\d{1,3}(?:[, ]\d{3})*(?:\.\d+)?|-?\d+(?:\.\d+)?(?:/\d+)?", text))


def generate(n: int, seed: int = 0, split: str = "test") -> list[FuzzPair]:
    """`n` pairs, about 60% from MATH and 40% from GSM8K, half correct and half wrong / hedged / buried."""
    rng = random.Random(seed)
    math_rows, gsm_rows = load_rows(split)
    pairs: list[FuzzPair] = []
    n_math = n * 3 // 5
    for i in range(n):
        source = "math" if i < n_math else "gsm8k"
        row = rng.choice(math_rows if source == "math" else gsm_rows)
        if source == "math":
            answer = row["answer"]
            reference, gold_mv, row_id = answer, f"${answer}$", row["unique_id"]
        else:
            answer = row["answer"].split("####")[-1].strip().replace(",", "")
            reference, gold_mv, row_id = row["answer"], answer, f"gsm8k/{gsm_rows.index(row)}"
        correct = i % 2 == 0
        body = _body(source, row, rng)
        shapes = correct_shapes(answer, rng) if correct else wrong_shapes(answer, rng)
        if not shapes:
            shapes = correct_shapes(answer, rng) if not correct else shapes
            correct = True
        hedges = [s for s in shapes if s[2] == "hedge"]
        plain = [s for s in shapes if s[2] != "hedge"]
        text, shape, policy = rng.choice(hedges if hedges and (not plain or rng.random() < 0.3) else plain)
        label = 1 if correct else 0
        if not correct and rng.random() < 0.08 and _fraction_of(answer) is not None:
            k = rng.randint(1, 3)
            output = f"{body}\nSo it is $\\boxed{{{answer}}}$, or maybe $\\boxed{{{_plain(_fraction_of(answer) + k)}}}$."
            pairs.append(FuzzPair(f"{i}", source, reference, gold_mv, output, 0, "two_boxes", "boxed_sentence",
                                  "hedge"))
            continue
        if not correct and rng.random() < 0.05 and _INT.fullmatch(answer):
            output = f"Step 1: we compute {answer} things.\nThen some reasoning follows.\nNo conclusion."
            pairs.append(FuzzPair(f"{i}", source, reference, gold_mv, output, 0, "as_is", "buried", "final_region"))
            continue
        if shape in ("list_and", "list_reordered") and rng.random() < 0.5:
            parts = [p.strip() for p in re.split(r",| and ", text)]
            output = f"{body}\nThe solutions are {_several_boxes(parts, rng)}."
            pairs.append(FuzzPair(f"{i}", source, reference, gold_mv, output, label, shape, "several_boxes", policy))
            continue
        wrapper, make = _wrap(source, text, rng, _is_plain_number(text))
        if "hedge" in shape or shape == "contradictory_chain":
            wrapper, make = ("boxed_sentence", _WRAPPERS["boxed_sentence"]) if rng.random() < 0.5 else (wrapper, make)
        pairs.append(FuzzPair(f"{i}", source, reference, gold_mv, make(body, text), label, shape, wrapper, policy))
    return pairs


# -- the other side of the differential test, and the triage -----------------------------------------------
def math_verify_scores(pairs: list[FuzzPair]) -> list[float]:
    """Plain math-verify 0.9.0 in this process: `verify(parse(gold), parse(output))`, no signal timeouts."""
    import logging

    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.CRITICAL)
    scores = []
    for p in pairs:
        try:
            gold = parse(p.gold_for_mv, parsing_timeout=None)
            pred = parse(p.output, parsing_timeout=None)
            scores.append(1.0 if verify(gold, pred, timeout_seconds=None) else 0.0)
        except Exception:  # noqa: BLE001 - math-verify's own failures count as "not equal"
            scores.append(0.0)
    return scores


def triage(pair: FuzzPair, ours: float, theirs: float) -> str:
    """agree | both wrong | verigrade wrong | deliberate policy: <name> | math-verify wrong."""
    if ours == theirs:
        return "agree" if ours == pair.label else "both wrong"
    if ours != pair.label:
        return "verigrade wrong"
    return f"deliberate policy: {pair.policy}" if pair.policy else "math-verify wrong"
