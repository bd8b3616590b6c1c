"""Loading grader specs: parse JSON, validate once against the schema, build typed grader objects."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

from graders.base import Grader
from graders.errors import SpecError, pointer
from graders.registry import build_grader
from graders.schema import REFUSED_KEYWORD, grader_schema

__all__ = ["SpecError", "build_grader", "load_grader", "pointer", "read_spec", "validate_spec"]


def read_spec(source: str | Path | dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Return `(spec_dict, label)`; a file that isn't JSON gives line and column."""
    if isinstance(source, dict):
        return source, "<spec>"
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read spec file: {exc.strerror or exc}", str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", str(path)) from None
    if not isinstance(data, dict):
        raise SpecError(f"a grader spec must be a JSON object, got {type(data).__name__}", str(path))
    return data, str(path)


@functools.lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    schema = grader_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _leaf_errors(error: jsonschema.ValidationError):
    """Descend into if/then and $ref wrappers so messages point at the real field."""
    if error.context:
        for sub in error.context:
            yield from _leaf_errors(sub)
    else:
        yield error


def validate_spec(spec: dict[str, Any]) -> list[str]:
    """All schema problems, each `<json pointer>: <message>`, sorted by position."""
    problems = set()
    for err in _validator().iter_errors(spec):
        for leaf in _leaf_errors(err):
            refused = leaf.schema.get(REFUSED_KEYWORD) if isinstance(leaf.schema, dict) else None
            problems.add((tuple(str(p) for p in leaf.absolute_path), refused or leaf.message))
    return [f"{pointer(path)}: {msg}" for path, msg in sorted(problems)]


def load_grader(source: str | Path | dict[str, Any]) -> Grader:
    """Load, validate and build a grader from a spec file path or dict. Raises SpecError."""
    spec, label = read_spec(source)
    problems = validate_spec(spec)
    if problems:
        raise SpecError(problems, label)
    try:
        return build_grader(spec)
    except SpecError as exc:
        exc.source = exc.source or label
        raise
