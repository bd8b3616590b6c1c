"""IFEval `keywords:*` and `punctuation:no_comma` (google-research instruction_following_eval semantics).

Keywords are regular expressions in the reference (`re.search(keyword, ...)`, no escaping); we keep that,
compile them once when the kwargs are bound, and refuse patterns with nested quantifiers such as `(a+)+`,
which can backtrack for hours on a long response and can't be interrupted in-process.
"""
from __future__ import annotations

import re
from collections import Counter

from graders.instructions.registry import InstructionError, Param, instruction

_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*{]|\?\?)")


def compile_user_regex(instruction_id: str, pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile a kwarg that the reference treats as a regex; bad or catastrophic patterns raise."""
    if _NESTED_QUANTIFIER.search(pattern):
        raise InstructionError(instruction_id, f"pattern {pattern!r} has a nested quantifier (can hang); refused")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise InstructionError(instruction_id, f"pattern {pattern!r} is not a valid regex: {exc}") from None


def compare(count: float, relation: str, threshold: float) -> bool:
    """IFEval's two relations: 'less than' is `<`, 'at least' is `>=`."""
    return count < threshold if relation == "less than" else count >= threshold


def _prepare_existence(kw: dict) -> dict:
    return {"patterns": tuple(compile_user_regex("keywords:existence", k, re.IGNORECASE) for k in kw["keywords"])}


@instruction(
    "keywords:existence", source="ifeval", params=(Param("keywords", "str_list"),), prepare=_prepare_existence,
    rule="every keyword matches somewhere: `re.search(keyword, response, IGNORECASE)` (a regex substring, "
         "no word boundary)",
    example=({"keywords": ["river", "bridge"]}, "The bridge spans the river.", "The bridge is old."))
def keywords_existence(text: str, *, patterns: tuple[re.Pattern[str], ...]) -> bool:
    return all(p.search(text) for p in patterns)


def _prepare_frequency(kw: dict) -> dict:
    return {"pattern": compile_user_regex("keywords:frequency", kw["keyword"].strip(), re.IGNORECASE),
            "frequency": kw["frequency"], "relation": kw["relation"]}


@instruction(
    "keywords:frequency", source="ifeval", prepare=_prepare_frequency,
    params=(Param("keyword", "str"), Param("frequency", "int"), Param("relation", "relation")),
    rule="`len(re.findall(keyword.strip(), response, IGNORECASE))` compared with `frequency` "
         "('less than': <, 'at least': >=); substring matches count",
    example=({"keyword": "cat", "frequency": 2, "relation": "at least"}, "A cat met another cat.",
             "One cat only."))
def keywords_frequency(text: str, *, pattern: re.Pattern[str], frequency: int, relation: str) -> bool:
    return compare(len(pattern.findall(text)), relation, frequency)


def _prepare_forbidden(kw: dict) -> dict:
    return {"patterns": tuple(compile_user_regex("keywords:forbidden_words", r"\b" + w + r"\b", re.IGNORECASE)
                              for w in sorted(set(kw["forbidden_words"])))}


@instruction(
    "keywords:forbidden_words", source="ifeval", params=(Param("forbidden_words", "str_list"),),
    prepare=_prepare_forbidden,
    rule="no forbidden word appears as a whole word: `re.search(r'\\b' + word + r'\\b', response, IGNORECASE)`",
    example=({"forbidden_words": ["very"]}, "Everything was fine.", "It was Very fine."))
def keywords_forbidden_words(text: str, *, patterns: tuple[re.Pattern[str], ...]) -> bool:
    return not any(p.search(text) for p in patterns)


def _prepare_letter(kw: dict) -> dict:
    return {"letter": kw["letter"].strip().lower(), "let_frequency": kw["let_frequency"],
            "let_relation": kw["let_relation"]}


@instruction(
    "keywords:letter_frequency", source="ifeval", prepare=_prepare_letter,
    params=(Param("letter", "letter"), Param("let_frequency", "int"), Param("let_relation", "relation")),
    rule="`Counter(response.lower())[letter.lower()]` compared with `let_frequency`; the 'letter' may be any "
         "single character (keys 1122 and 1129 use '#' and '!'; google's 3f357bde accepts them as given)",
    example=({"letter": "z", "let_frequency": 2, "let_relation": "at least"}, "Zany zebras.", "A zebra."))
def keywords_letter_frequency(text: str, *, letter: str, let_frequency: int, let_relation: str) -> bool:
    return compare(Counter(text.lower())[letter], let_relation, let_frequency)


@instruction(
    "punctuation:no_comma", source="ifeval",
    rule="no ',' anywhere in the response (`not re.search(r'\\,', response)`)",
    example=({}, "No commas here.", "Well, here is one."))
def punctuation_no_comma(text: str) -> bool:
    return "," not in text
