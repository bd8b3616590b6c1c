"""The grader JSON Schema (draft 2020-12), assembled from one fragment per grader type.

`graders/schema/types/<type>.json` holds the type's own fields (and optional helper `$defs`, shared by
name across fragments); `common.json` the fields every grader has. `grader_schema()` returns the assembled
schema; `verigrade schema` prints it.

`timeout_s` is accepted only by types that enforce it as a hard timeout (a worker process or a container is
killed, a deadline is kept): their fragment opts in with `"accepts_timeout_s": "<what the timeout bounds>"`.
Any other type refuses the field with a spec error that says why (its fragment's `"refuses_timeout_s"`, by
default "it grades in the calling process"); `REFUSED_KEYWORD` carries the message to `validate_spec`.
"""
from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

SCHEMA_ID = "urn:verigrade:grader-spec"
TIMEOUT_MARKER = "accepts_timeout_s"
REFUSAL_MARKER = "refuses_timeout_s"  # optional: why a type that doesn't opt in refuses it (default: runs in the caller)
REFUSED_KEYWORD = "x-refused"  # annotation on a refused field's schema: the spec error's message


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
        props["timeout_s"] = _timeout_field(name, frag, common["hard_timeout_properties"]["timeout_s"])
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


def _timeout_field(type_name: str, fragment: dict[str, Any], field: dict[str, Any]) -> dict[str, Any]:
    """`timeout_s` for a type that opted in (its fragment says what the timeout bounds), else a refusal."""
    bounds = fragment.get(TIMEOUT_MARKER)
    if bounds:
        return {**field, "description": f"{field['description']} {type_name}: {bounds}"}
    why = fragment.get(REFUSAL_MARKER, "it grades in the calling process, where no hard timeout can be enforced")
    return {"not": {}, REFUSED_KEYWORD: f"{type_name} does not accept timeout_s: {why}"}
