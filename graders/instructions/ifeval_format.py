"""IFEval `detectable_format:*` and `detectable_content:*` (google-research semantics, 2025+ code)."""
from __future__ import annotations

import json
import re

from graders.instructions.ifeval_keywords import compile_user_regex
from graders.instructions.registry import Param, instruction
from graders.instructions.scan import count_bullet_lines, count_placeholders, has_title

_HIGHLIGHT = re.compile(r"\*[^\n\*]*\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*[^\n\*]*\*\*")
_CONSTRAINED = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


@instruction(
    "detectable_content:number_placeholders", source="ifeval", params=(Param("num_placeholders", "int"),),
    rule="at least `num_placeholders` non-greedy `[...]` matches (`re.findall(r'\\[.*?\\]')`)",
    example=({"num_placeholders": 2}, "Dear [name], see you at [place].", "Dear [name], see you soon."))
def number_placeholders(text: str, *, num_placeholders: int) -> bool:
    return count_placeholders(text) >= num_placeholders


def _prepare_postscript(kw: dict) -> dict:
    # the reference searches r"\s*" + core + r".*$"; the affixes always match (and made it quadratic on long
    # whitespace), so searching the core alone gives the same verdict
    marker = kw["postscript_marker"].strip()
    if marker == "P.P.S":
        pattern = r"p\.\s?p\.\s?s"
    elif marker == "P.S.":
        pattern = r"p\.\s?s\."
    else:
        pattern = marker.lower()
    return {"pattern": compile_user_regex("detectable_content:postscript", pattern, re.MULTILINE)}


@instruction(
    "detectable_content:postscript", source="ifeval", params=(Param("postscript_marker", "str"),),
    prepare=_prepare_postscript,
    rule="on the lowercased response, 'P.P.S' searches `\\s*p\\.\\s?p\\.\\s?s.*$`, 'P.S.' searches "
         "`\\s*p\\.\\s?s\\..*$`, any other marker `\\s*<marker lowercased, as a regex>.*$` (MULTILINE, anywhere)",
    example=({"postscript_marker": "P.S."}, "Main text.\n\nP.S. One more thing.", "Main text. PS one more."))
def postscript(text: str, *, pattern: re.Pattern[str]) -> bool:
    return pattern.search(text.lower()) is not None


@instruction(
    "detectable_format:number_bullet_lists", source="ifeval", params=(Param("num_bullets", "int"),),
    rule="lines matching `^\\s*\\*[^\\*].*$` plus lines matching `^\\s*-.*$` (MULTILINE) must be exactly "
         "`num_bullets`",
    example=({"num_bullets": 2}, "* first\n* second", "* first\n* second\n- third"))
def number_bullet_lists(text: str, *, num_bullets: int) -> bool:
    return count_bullet_lines(text, "*") + count_bullet_lines(text, "-") == num_bullets


@instruction(
    "detectable_format:constrained_response", source="ifeval",
    rule="the stripped response contains 'My answer is yes.', 'My answer is no.' or 'My answer is maybe.'",
    example=({}, "My answer is no.", "My answer is probably."))
def constrained_response(text: str) -> bool:
    text = text.strip()
    return any(option in text for option in _CONSTRAINED)


@instruction(
    "detectable_format:number_highlighted_sections", source="ifeval", params=(Param("num_highlights", "int"),),
    rule="non-blank `\\*[^\\n\\*]*\\*` matches plus non-blank `\\*\\*[^\\n\\*]*\\*\\*` matches must be at least "
         "`num_highlights` (the 2025+ reference also counts **bold**; a **bold** span counts once here)",
    example=({"num_highlights": 2}, "*one* and *two*", "*one* and ** **"))
def number_highlighted_sections(text: str, *, num_highlights: int) -> bool:
    count = sum(1 for h in _HIGHLIGHT.findall(text) if h.strip("*").strip())
    count += sum(1 for h in _DOUBLE_HIGHLIGHT.findall(text) if h.removeprefix("**").removesuffix("**").strip())
    return count >= num_highlights


def _prepare_sections(kw: dict) -> dict:
    spliter = kw["section_spliter"].strip()
    return {"pattern": compile_user_regex("detectable_format:multiple_sections", r"\s?" + spliter + r"\s?\d+\s?"),
            "num_sections": kw["num_sections"]}


@instruction(
    "detectable_format:multiple_sections", source="ifeval", prepare=_prepare_sections,
    params=(Param("section_spliter", "str"), Param("num_sections", "int")),
    rule="`len(re.split(r'\\s?' + section_spliter + r'\\s?\\d+\\s?', response)) - 1 >= num_sections` "
         "(case-sensitive; the splitter is a regex)",
    example=({"section_spliter": "Section", "num_sections": 2}, "Section 1\nIntro\nSection 2\nBody",
             "SECTION 1\nIntro\nSECTION 2\nBody"))
def multiple_sections(text: str, *, pattern: re.Pattern[str], num_sections: int) -> bool:
    return len(pattern.split(text)) - 1 >= num_sections


@instruction(
    "detectable_format:json_format", source="ifeval",
    rule="strip; remove one leading markdown fence (three backticks, optionally followed by json, Json or JSON) "
         "and one trailing fence; strip; then `json.loads` must succeed",
    example=({}, '```json\n{"a": 1}\n```', "Here is JSON: {\"a\": 1}"))
def json_format(text: str) -> bool:
    text = (text.strip().removeprefix("```json").removeprefix("```Json").removeprefix("```JSON")
            .removeprefix("```").removesuffix("```").strip())
    try:
        json.loads(text)
    except (ValueError, RecursionError):  # the reference crashes on RecursionError; we call it not JSON
        return False
    return True


@instruction(
    "detectable_format:title", source="ifeval",
    rule="some `<<[^\\n]+>>` match has non-blank text inside the brackets",
    example=({}, "<<My Poem>>\nRoses are red.", "<< >>\nRoses are red."))
def title(text: str) -> bool:
    return has_title(text)
