"""Regenerate the instruction tables of docs/instructions.md from the registry.

    .venv/bin/python tools/make_instruction_docs.py            # rewrites the tables in place
    .venv/bin/python tools/make_instruction_docs.py --check    # exit 1 if the committed file is stale

`tests/test_instructions_text.py` fails when the committed tables are stale.
"""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

from graders.instructions.registry import InstructionDef, all_instructions

DOC = Path(__file__).resolve().parents[1] / "docs" / "instructions.md"
BEGIN = "<!-- BEGIN GENERATED TABLES (python tools/make_instruction_docs.py) -->"
END = "<!-- END GENERATED TABLES -->"
MAX_EXAMPLE = 110


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_BLANK_LETTERS = "\u115f\u1160\u3164\uffa0\u2800"


def _visible(char: str) -> str:
    """Invisible, blank-rendering and combining characters are shown as \\uXXXX escapes."""
    if char.isprintable() and char not in _BLANK_LETTERS and unicodedata.category(char) not in ("Mn", "Me"):
        return char
    return f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}"


def _example(text: str) -> str:
    shown = "".join(_visible(c) for c in json.dumps(text, ensure_ascii=False))
    if len(shown) > MAX_EXAMPLE:
        shown = shown[:MAX_EXAMPLE] + "…"
    return "`` " + _cell(shown) + " ``"


def _row(d: InstructionDef) -> str:
    kwargs = json.dumps(d.example_kwargs, ensure_ascii=False)
    if d.unsupported:
        return f"| `{d.id}` | {_cell(d.describe_kwargs())} | {_cell(d.rule)} | **not supported offline**: " \
               f"{_cell(d.unsupported)} | |"
    given = f"kwargs `` {_cell(kwargs)} ``<br>" if d.example_kwargs else ""
    return (f"| `{d.id}` | {_cell(d.describe_kwargs())} | {_cell(d.rule)} | "
            f"{given}{_example(d.example_pass)} | {_example(d.example_fail)} |")


def _examples(pairs) -> str:
    shown = []
    for kwargs, text in pairs:
        given = f"`` {_cell(json.dumps(kwargs, ensure_ascii=False))} `` " if kwargs else ""
        shown.append(given + _example(text))
    return "<br>".join(shown)


def robust_table() -> str:
    out = ["### Robust rules", "",
           "The rule each id follows under `\"semantics\": \"robust\"` (on the normalised response): all 25 "
           "IFEval ids and the IFBench ids with a rule of their own (every other IFBench id applies its reference "
           "rule to the normalised response). Gamed: responses the reference counts as followed and the robust "
           "rule does not. Honest: responses the robust rule follows (some the reference rejects).", "",
           "| id | robust rule | gamed: reference follows, robust does not | honest: robust follows |",
           "|---|---|---|---|"]
    for d in all_instructions().values():
        if d.robust is not None:
            out.append(f"| `{d.id}` | {_cell(d.robust.rule)} | {_examples(d.robust.gamed) or '-'} | "
                       f"{_examples(d.robust.honest) or '-'} |")
    out.append("")
    return "\n".join(out)


def tables() -> str:
    out = [robust_table()]
    for source, title in (("ifeval", "IFEval (25 ids)"), ("ifbench", "IFBench (58 ids)")):
        out += [f"### {title}", "", "| id | kwargs | rule | example that follows | example that fails |",
                "|---|---|---|---|---|"]
        out += [_row(d) for d in all_instructions().values() if d.source == source]
        out.append("")
    out.append("Examples are JSON strings (\\n is a newline); long ones are cut with …, the full text is the "
               "`example=` of the checker in `graders/instructions/`. Every example is asserted by the tests.")
    return "\n".join(out)


def render(current: str) -> str:
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{tables()}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = DOC.read_text(encoding="utf-8")
    if BEGIN not in current or END not in current:
        print(f"{DOC}: markers {BEGIN!r} / {END!r} not found", file=sys.stderr)
        return 2
    fresh = render(current)
    if args.check:
        return 0 if fresh == current else 1
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
