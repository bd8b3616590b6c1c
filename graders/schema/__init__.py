"""The grader JSON Schema (draft 2020-12), assembled from one fragment per grader type.

`graders/schema/types/<type>.json` holds the type's own fields (and optional helper `$defs`, shared by
name across fragments); `common.json` the fields every grader has. `grader_schema()` returns the assembled schema; `verigrade schema` prints it.
"""
from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

SCHEMA_ID = "urn:verigrade:grader-spec"


def _read(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def fragment_names() -> list[str]:
    folder = resources.files(__package__).joinpath("types")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


@functools.lru_cache(maxsize=1)
def grader_schema() -> dict[str, Any]:
    """The whole schema: `#/$defs/grader` dispatches on `type` to `#/$defs/<type>`."""
    common = _read("common.json")
    types = fragment_names()
    defs: dict[str, Any] = {"common": common}
    dispatch = []
    for name in types:
        frag = copy.deepcopy(_read(f"types/{name}.json"))
        props = {"type": {"const": name}, **{k: v for k, v in common["properties"].items() if k != "type"}}
        props.update(frag.get("properties", {}))
        definition: dict[str, Any] = {
            "type": "object",
            "description": frag.get("description", ""),
            "properties": props,
            "required": sorted(set(["type", *frag.get("required", [])])),
            "additionalProperties": False,
        }
        for key in ("allOf", "anyOf", "oneOf", "if", "then", "else", "dependentRequired", "not"):
            if key in frag:
                definition[key] = frag[key]
        defs[name] = definition
        for key, shared in frag.get("$defs", {}).items():  # helper definitions, referenced as #/$defs/<key>
            if key in defs and defs[key] != shared:
                raise ValueError(f"schema fragment '{name}' redefines $defs/{key} differently")
            defs[key] = shared
        dispatch.append(
            {"if": {"properties": {"type": {"const": name}}, "required": ["type"]}, "then": {"$ref": f"#/$defs/{name}"}}
        )
    defs["grader"] = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": types}},
        "allOf": dispatch,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "verigrade grader spec",
        "$ref": "#/$defs/grader",
        "$defs": defs,
    }
