"""Loading grader specs: parse JSON, validate once against the schema, build typed grader objects."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from graders.schema import grader_schema

if TYPE_CHECKING:
    from graders.base import Grader


class SpecError(ValueError):
    """A spec that can't be used; `errors` lists every problem as `<json pointer>: <what is wrong>`."""

    def __init__(self, errors: list[str] | str, source: str = ""):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        if len(self.errors) == 1:
            return head + self.errors[0]
        return head + f"{len(self.errors)} problems:\n" + "\n".join(f"  {e}" for e in self.errors)


def pointer(parts) -> str:
    """A JSON pointer (RFC 6901) for a path; the root is `/`."""
    out = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return out or "/"


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
            problems.add((tuple(str(p) for p in leaf.absolute_path), leaf.message))
    return [f"{pointer(path)}: {msg}" for path, msg in sorted(problems)]


def build_grader(spec: dict[str, Any], path: str = "") -> Grader:
    """Build the typed grader for an already schema-valid spec (nested graders use `path`)."""
    from graders.registry import grader_class, unavailable_reason

    cls = grader_class(spec["type"])
    if cls is None:
        raise SpecError(f"{path}/type: {unavailable_reason(spec['type'])}")
    return cls(spec, path=path)


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
