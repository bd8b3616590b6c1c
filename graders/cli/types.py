"""`verigrade types` and `verigrade schema`: what grader types exist, and the full JSON Schema."""
from __future__ import annotations

import json

from graders.registry import implemented_types, unavailable_reason
from graders.schema import fragment_names, grader_schema


def register(subparsers) -> None:
    p = subparsers.add_parser("types", help="list the grader types")
    p.set_defaults(func=run_types)
    s = subparsers.add_parser("schema", help="print the grader spec JSON Schema (draft 2020-12)")
    s.set_defaults(func=run_schema)


def describe_types() -> list[tuple[str, str, str, str]]:
    """`(type, isolation, "timeout_s" or "-", first docstring line)` per schema fragment."""
    implemented = implemented_types()
    definitions = grader_schema()["$defs"]
    rows = []
    for name in fragment_names():
        timeout = "-" if "not" in definitions[name]["properties"]["timeout_s"] else "timeout_s"
        cls = implemented.get(name)
        if cls is not None:
            doc = (cls.__doc__ or "").strip().splitlines()
            rows.append((name, cls.isolation, timeout, doc[0] if doc else ""))
        else:
            rows.append((name, "-", timeout, f"(unavailable) {unavailable_reason(name)}"))
    return rows


def run_types(args) -> int:
    """One line per type: name, where it runs (isolation), whether it takes a hard timeout_s, summary."""
    rows = describe_types()
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    return 0


def run_schema(args) -> int:
    print(json.dumps(grader_schema(), indent=2))
    return 0
