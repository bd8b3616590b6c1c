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


def describe_types() -> list[tuple[str, str]]:
    implemented = implemented_types()
    rows = []
    for name in fragment_names():
        cls = implemented.get(name)
        if cls is not None:
            doc = (cls.__doc__ or "").strip().splitlines()
            rows.append((name, doc[0] if doc else ""))
        else:
            rows.append((name, f"(unavailable) {unavailable_reason(name)}"))
    return rows


def run_types(args) -> int:
    rows = describe_types()
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name.ljust(width)}  {text}")
    return 0


def run_schema(args) -> int:
    print(json.dumps(grader_schema(), indent=2))
    return 0
