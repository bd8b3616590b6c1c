"""What an audit reads from a spec and one dataset row: the reference answer, the question, a code solution,
the tests, the instructions. Families and controls call these; each returns None when the row or the spec
has no such thing (the family then builds nothing for that row)."""
from __future__ import annotations

import functools
import json
import re
from typing import Any, Iterator

from graders import templates
from graders.sample import message_text

ANSWER_KEYS = ("answer", "reference_answer", "reference", "target", "gold", "expected_answer", "ground_truth",
               "label")
QUESTION_KEYS = ("question", "problem", "prompt", "statement", "instruction", "input", "query")
SOLUTION_KEYS = ("canonical_solution", "reference_solution", "solution_code", "solution")
_ANSWER_NAME = re.compile(r"answer|reference|target|gold|expected|truth|label", re.IGNORECASE)


def leaves(spec: dict, path: str = "") -> Iterator[tuple[str, dict]]:
    """(JSON pointer, spec) of every non-multi grader of a spec tree, depth first."""
    if spec.get("type") == "multi":
        for key, child in spec.get("graders", {}).items():
            yield from leaves(child, f"{path}/graders/{key}")
    else:
        yield path or "/", spec


def render_item(template: Any, item: dict) -> str | None:
    """A template rendered against the item alone (no sample), or None when it needs what isn't there."""
    if not isinstance(template, str):
        return None
    if any(v.split(".")[0].split("[")[0] == "sample" for v in templates.variables(template)):
        return None
    try:
        return templates.render(template, {"sample": {}, "item": item})
    except templates.TemplateError:
        return None


def _item_variables(template: str) -> list[str]:
    return [v for v in templates.variables(template) if v.split(".")[0].split("[")[0] == "item"]


def _value(expr: str, item: dict) -> str | None:
    try:
        value = templates.lookup(expr, {"item": item, "sample": {}})
    except templates.TemplateError:
        return None
    return templates.stringify(value)


def _leaf_answer(spec: dict, item: dict) -> str | None:
    kind = spec.get("type")
    if kind in ("string_check", "text_similarity", "math_equivalence", "judge"):
        reference = spec.get("reference")
        if not isinstance(reference, str):
            return None
        if kind == "string_check" and spec.get("operation") == "ne":
            return None
        if kind == "string_check" and spec.get("operation") == "regex":
            names = _item_variables(reference)  # the item's values inside the pattern are the answer
            return _value(names[0], item) if len(names) == 1 else None
        text = render_item(reference, item)
        if text is None or not text.strip():
            return None
        if kind == "math_equivalence":
            from graders.mathcheck import extract_reference

            text = extract_reference(text)
        return text.strip() or None
    if kind == "multiple_choice":
        return _choice_letter(spec, item)
    if kind in ("score_model", "label_model"):
        names = [v for m in spec.get("input", []) for v in _item_variables(_message_template(m))]
        for name in names:
            if _ANSWER_NAME.search(name):
                return _value(name, item)
        return None
    if kind == "python":
        for key in ANSWER_KEYS:
            if isinstance(item.get(key), (str, int, float)) and str(item[key]).strip():
                return str(item[key]).strip()
    return None


def _choice_letter(spec: dict, item: dict) -> str | None:
    """A multiple_choice reference as its letter (an index when `reference_index_base` is set), read as the
    grader reads it; None when it is neither."""
    from graders.types.multiple_choice import reference_letter

    value = render_item(spec.get("reference"), item)
    try:
        return None if value is None else reference_letter(value, spec.get("reference_index_base"))
    except ValueError:
        return None


def _message_template(message: Any) -> str:
    if not isinstance(message, dict):
        return ""
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    return " ".join(p.get("text", "") for p in parts if isinstance(p, dict))


def answer_of(spec: dict, item: dict) -> str | None:
    """The reference answer a grader (or the first answer-checking grader of a multi tree) compares with."""
    for _, leaf in leaves(spec):
        answer = _leaf_answer(leaf, item)
        if answer:
            return answer
    return None


def solution_text_of(item: dict) -> str | None:
    """A worked reference solution in the row (GSM8K's `answer` with its steps, MATH's `solution`)."""
    for key in ("solution", "answer", "rationale", "explanation"):
        text = item.get(key)
        if isinstance(text, str) and len(text) > 40 and ("\n" in text or "\\boxed" in text or "####" in text):
            return text
    return None


def question_of(spec: dict, item: dict) -> str | None:
    """The question the model was asked: a judge's `question` template, else the row's prompt fields."""
    for _, leaf in leaves(spec):
        if isinstance(leaf.get("question"), str):
            text = render_item(leaf["question"], item)
            if text and text.strip():
                return text.strip()
    for key in QUESTION_KEYS:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    messages = item.get("messages") or (item.get("prompt") if isinstance(item.get("prompt"), list) else None)
    if isinstance(messages, list):
        users = [message_text(m) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        if users and users[-1].strip():
            return users[-1].strip()
    return None


# -- code ---------------------------------------------------------------------------------------------------
def code_spec(spec: dict) -> dict | None:
    """The first unit_tests grader of a spec tree."""
    for _, leaf in leaves(spec):
        if leaf.get("type") == "unit_tests":
            return leaf
    return None


def language_of(spec: dict, item: dict) -> str:
    """The sandbox language of a code row (canonical name; `python` when the spec names none), or '' when the
    spec's language template names one the sandbox doesn't know."""
    from sandbox.runtime.languages import canonical

    leaf = code_spec(spec)
    if leaf is None or not leaf.get("language"):
        return "python"
    return canonical(render_item(leaf["language"], item)) or ""


def entry_point_of(spec: dict, item: dict) -> str | None:
    leaf = code_spec(spec)
    if leaf is None or not leaf.get("entry_point"):
        return item.get("entry_point") if isinstance(item.get("entry_point"), str) else None
    return render_item(leaf["entry_point"], item)


def prompt_code_of(spec: dict, item: dict) -> str:
    """The code the spec prepends (HumanEval's prompt: signature and docstring), or ''."""
    leaf = code_spec(spec)
    for field in ("prepend", "setup"):
        if leaf is not None and leaf.get(field):
            text = render_item(leaf[field], item)
            if text:
                return text
    return item.get("prompt", "") if isinstance(item.get("prompt"), str) else ""


def solution_of(spec: dict, item: dict) -> str | None:
    """A complete reference program for a code row: the prompt plus `canonical_solution` (HumanEval), or a
    full `solution` that defines the entry point. None when the row has none."""
    from sandbox.testcases import defines

    entry = entry_point_of(spec, item)
    for key in SOLUTION_KEYS:
        code = item.get(key)
        if not isinstance(code, str) or not code.strip():
            continue
        if entry and not defines(code, entry):
            prompt = prompt_code_of(spec, item)
            if prompt and defines(prompt, entry):
                return prompt.rstrip("\n") + "\n" + code
            continue
        return code
    return None


def tests_of(spec: dict, item: dict) -> tuple[str, list[dict]] | None:
    """(test_format, parsed tests) of a code row for `io` and `calls` specs (expected values included)."""
    from sandbox import testcases
    from sandbox.compare import CompareRules

    leaf = code_spec(spec)
    if leaf is None or leaf.get("test_format") not in ("io", "calls"):
        return None
    try:
        raw = templates.render_value(leaf["tests"], {"sample": {}, "item": item})
        if isinstance(raw, str) and raw.strip()[:1] in "[{":
            raw = json.loads(raw)
        if leaf["test_format"] == "io":
            return "io", testcases.io_tests(raw)
        return "calls", _calls_with_raw_args(testcases.calls_tests(raw, entry_point_of(spec, item), CompareRules()),
                                             raw)
    except (templates.TemplateError, testcases.BadTests, ValueError):
        return None


def _calls_with_raw_args(tests: list[dict], raw: list) -> list[dict]:
    for test, source in zip(tests, raw):
        if isinstance(source, list) and len(source) == 2:
            source = {"args": source[0]}
        args = source["args"] if isinstance(source["args"], list) else [source["args"]]
        test["raw_args"], test["raw_kwargs"] = args, source.get("kwargs") or {}
        test["expected_literal"] = source.get("expected_literal")
    return tests


# -- instructions -------------------------------------------------------------------------------------------
def instructions_of(spec: dict, item: dict) -> list[tuple[str, str, dict]] | None:
    """(child name, instruction id, kwargs) for each instruction of an instruction_following grader."""
    from graders.instructions.evaluate import InstructionListError, parse_instruction_list

    leaf = next((s for _, s in leaves(spec) if s.get("type") == "instruction_following"), None)
    if leaf is None:
        return None
    value = leaf.get("instructions", "{{ item }}")
    if isinstance(value, str):
        try:
            value = templates.render_value(value, {"sample": {}, "item": item})
        except templates.TemplateError:
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return None
    try:
        entries = parse_instruction_list(value)
    except (InstructionListError, TypeError, ValueError):
        return None
    seen: dict[str, int] = {}
    out = []
    for instruction_id, kwargs, _ in entries:
        seen[instruction_id] = seen.get(instruction_id, 0) + 1
        name = instruction_id if seen[instruction_id] == 1 else f"{instruction_id}#{seen[instruction_id]}"
        clean = {k: v for k, v in (kwargs or {}).items() if v is not None} if isinstance(kwargs, dict) else {}
        out.append((name, instruction_id, clean))
    return out


# -- numbers --------------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"^\s*\$?\s*(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*$")


@functools.lru_cache(maxsize=4096)
def number_parts(text: str) -> tuple[str, str, str] | None:
    """(sign, integer digits, decimal digits) of a plain number such as `-1,234.5`, else None."""
    m = _NUMBER.match(text or "")
    if not m:
        return None
    return m.group(1), m.group(2).replace(",", ""), m.group(3) or ""
