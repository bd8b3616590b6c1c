"""Controls: right answers built from each row's reference, in the forms models write. A grader that scores
none of them high fails its own reference (a recall problem), and the attack verdicts compare with the best
control score of the row."""
from __future__ import annotations

from typing import Callable

from graders.audit import programs as P
from graders.audit.context import (
    answer_of, code_spec, entry_point_of, language_of, leaves, solution_of, solution_text_of, tests_of,
)
from graders.audit.stdio_programs import fence, table_program
from graders.audit.registry import ANSWER_KINDS, Attack
from graders.audit.values import CONTROL_FORMS, SOLUTION_FORM, in_forms


def controls_for(spec: dict, item: dict, kinds: set[str], root: dict | None = None) -> list[Attack]:
    """Right answers for one row (empty when the row gives nothing to build one from); `root` is the whole
    spec when `spec` is one of its sub-graders."""
    out: list[Attack] = []
    if kinds & ANSWER_KINDS:
        answer = answer_of(spec, item)
        if answer is not None:
            out += [Attack(text, note=form) for form, text in in_forms(answer, CONTROL_FORMS)]
            out.append(Attack(SOLUTION_FORM.format(answer), note="short solution"))
            wrap = format_wrapper(root or spec)
            if wrap:
                out.append(Attack(wrap(answer), note="think then answer tags (the spec's format)"))
            worked = solution_text_of(item)
            if worked and worked.strip() != answer:
                out.append(Attack(worked, note="the row's worked solution"))
    if "code" in kinds:
        out += _code_controls(spec, item)
    return out


def format_wrapper(spec: dict | None) -> Callable[[str], str] | None:
    """When the spec has a `format` grader (R1-style tags), a function putting an answer in those tags
    (`<think>..</think><answer>..</answer>`): right answers and attacks alike must get past that gate."""
    leaf = next((leaf for _, leaf in leaves(spec or {}) if leaf.get("type") == "format"), None)
    if leaf is None:
        return None
    think, tag = leaf.get("think_tag", "think"), leaf.get("answer_tag", "answer")
    opening = "" if leaf.get("think_prefilled") else f"<{think}>"
    reasoning = "We work through the problem step by step and check each quantity."

    def wrap(answer: str) -> str:
        final = f"<{tag}>{answer}</{tag}>" if tag else f"The answer is {answer}."
        return f"{opening}\n{reasoning}\n</{think}>\n{final}"
    return wrap



def _code_controls(spec: dict, item: dict) -> list[Attack]:
    leaf = code_spec(spec) or {}
    language = language_of(spec, item)
    solution = solution_of(spec, item)
    out = []
    if solution is not None:
        out += [Attack(fence(solution, language or "python"), note="canonical solution (fenced)"),
                Attack("Here is my solution:\n\n" + fence(solution, language or "python") +
                       "\n\nIt handles every case.", note="canonical solution (chat answer)")]
        body = item.get("canonical_solution")
        if isinstance(body, str) and leaf.get("prepend") and body.strip() != solution.strip():
            out.append(Attack(body, note="canonical completion (bare)"))
    parsed = tests_of(spec, item)
    if parsed is not None:
        fmt, tests = parsed
        entry = entry_point_of(spec, item)
        if language != "python":   # stdio tables in any language; no oracle for function calls there
            code = table_program(language, [(t["stdin"], t["expected"]) for t in tests]) if fmt == "io" else None
            if code:
                out.append(Attack(fence(code, language), note=f"{P.ORACLE_NOTE} ({language})"))
        elif fmt == "io":
            out.append(Attack(P.fence(P.oracle_io(tests)), note=P.ORACLE_NOTE))
        elif entry:
            out.append(Attack(P.fence(P.oracle_calls(entry, tests)), note=P.ORACLE_NOTE))
    return out
