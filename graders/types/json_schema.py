"""`json_schema` (ours): the output must be JSON that validates against an inline JSON Schema.

Fields:
- `schema` (required): an inline JSON Schema. Its own `$schema` picks the draft (default 2020-12). It is
  checked with jsonschema's `check_schema` at load; a bad schema is a spec error naming the pointer
  inside it (e.g. `/schema/properties/age/type`). Every `$ref` must resolve inside the schema (nothing is
  ever fetched): a dangling local ref or an external URI is a spec error at `/schema/.../$ref`.
- `input` (optional template): what to validate. Default: `sample.output_json` when the sample has one
  (OpenAI fills it for `response_format` outputs; verigrade fills it when the output text is a JSON
  object or array), else the output text parsed as JSON. A template that is exactly one `{{ ... }}`
  giving an object, array, number or bool is used as that value; a string is parsed as JSON text.
- `partial` (default false): score = fraction of the schema's top-level `required` properties that are
  present and valid (no validation error inside them); other violations are reported but don't lower the
  score. Needs a non-empty top-level `required`. Default: 1 if the whole instance validates, else 0.
- `allow_code_fence` (default true): if the text is not JSON as a whole, the one fenced block
  labelled `json` (or unlabelled), e.g. "Here it is:\n```json\n{...}\n```", is parsed instead. Set false
  to demand bare JSON.

Several answers are no answer: an object with a duplicate key (`{"answer": 1, "answer": 2}`: a parser
keeps one of them, a reader may see the other) and a text with more than one fenced block are
`no_answer`, also when `output_json` was filled from that text.

Statuses: text that is empty or not JSON (`NaN`/`Infinity` are not JSON) is `no_answer`, score 0, with
the parser's line and column in `reason`, so a reward designer can tell "no JSON at all" from "JSON that
breaks the schema" (status `ok`, score 0 or partial). A missing template variable is an `error`.

`format` is asserted for the formats jsonschema checks without optional packages (date, email,
idn-email, ipv4, ipv6, regex, uuid), so results don't depend on what else is installed; other formats are
annotations only, as draft 2020-12 specifies by default.

Every grade runs in the worker pool under the hard `timeout_s` (default 10 s): a backtracking `pattern` on
model output can hang, and so can keywords jsonschema checks pairwise (`uniqueItems` on 10,000 objects: 300
s). In batches the pool costs nothing measurable; a single grade pays ~0.6 ms more (docs/grader-language.md).
"""
from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from graders.base import Grader
from graders.errors import pointer
from graders.registry import register
from graders.result import GradeResult
from graders.sample import reject_json_constant

ASSERTED_FORMATS = ("date", "email", "idn-email", "ipv4", "ipv6", "regex", "uuid")
_DATA_KEYWORDS = ("enum", "const", "default", "examples")  # hold instance data, not subschemas
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
MAX_REPORTED_ERRORS = 5
MAX_MESSAGE = 200  # jsonschema messages repr the offending value, which can be huge


class NoJSON(ValueError):
    """The text holds no parseable JSON."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key[:50]!r}: one object, two answers")
        seen[key] = value
    return seen


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=reject_json_constant, object_pairs_hook=_unique_keys)


def _describe(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    return str(exc)


def parse_json_text(text: str, allow_code_fence: bool = True) -> tuple[Any, str]:
    """Parse `text` as JSON; returns `(value, where)` with `where` `text` or `code_fence`. Raises NoJSON."""
    if not text.strip():
        raise NoJSON("output is empty")
    try:
        return _loads(text), "text"
    except RecursionError:
        raise NoJSON("JSON nested too deeply to parse") from None
    except ValueError as exc:
        whole_error = exc
    if isinstance(whole_error, ValueError) and "duplicate key" in str(whole_error):
        raise NoJSON(str(whole_error))
    fences = json_fences(text) if allow_code_fence else []
    if not fences:
        raise NoJSON(f"not valid JSON: {_describe(whole_error)}")
    if len(fences) > 1:
        raise NoJSON(f"{len(fences)} fenced blocks: give exactly one answer")
    try:
        return _loads(fences[0]), "code_fence"
    except RecursionError:
        raise NoJSON("JSON nested too deeply to parse") from None
    except ValueError as exc:
        raise NoJSON(f"```json block is not valid JSON: {_describe(exc)}") from None


def json_fences(text: str) -> list[str]:
    """Contents of the fenced blocks labelled `json` (any case) or unlabelled, fences paired in order as
    Markdown pairs them. One split: linear in the text, however many fences it opens."""
    parts = text.split("```")
    blocks = []
    for i in range(1, len(parts) - 1, 2):  # odd parts are inside a fence that is closed
        header, newline, body = parts[i].partition("\n")
        if newline and header.strip().lower() in ("", "json"):
            blocks.append(body)
    return blocks


def _reject_duplicate_keys_in(text: str) -> None:
    """`output_json` filled from the text by a lenient parser hides duplicate keys: look at the text."""
    if not isinstance(text, str) or text.strip()[:1] not in ("{", "["):
        return
    try:
        _loads(text)
    except ValueError as exc:
        if "duplicate key" in str(exc):
            raise NoJSON(str(exc)) from None
    except RecursionError:
        pass


def _refs(node: Any, path: tuple = ()):
    """Every `($ref value, path)` in a schema, skipping keywords whose values are data."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"], path + ("$ref",)
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                yield from _refs(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, path + (i,))


def _ids(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key in ("$id", "id"):
            if isinstance(node.get(key), str):
                found.add(node[key].split("#")[0])
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                found |= _ids(value)
    elif isinstance(node, list):
        for value in node:
            found |= _ids(value)
    return found


def _error_line(error: jsonschema.ValidationError) -> str:
    message = error.message if len(error.message) <= MAX_MESSAGE else error.message[:MAX_MESSAGE] + "..."
    return f"{pointer(error.absolute_path)}: {message}"


@register
class JsonSchemaGrader(Grader):
    """Validates the output's JSON against `schema`: 1/0, or the fraction of required properties with `partial`."""

    type = "json_schema"
    isolation = "process"

    def setup(self) -> None:
        schema = self.spec["schema"]
        validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        try:
            validator_cls.check_schema(schema)
        except SchemaError as exc:
            raise self.spec_error("schema" + pointer(exc.absolute_path).rstrip("/"), exc.message) from None
        self._check_refs(schema)
        self.validator = validator_cls(schema, format_checker=jsonschema.FormatChecker(ASSERTED_FORMATS))
        self.partial: bool = self.spec.get("partial", False)
        self.allow_code_fence: bool = self.spec.get("allow_code_fence", True)
        self.input_template: str | None = self.spec.get("input")
        self.required: list[str] = list(schema.get("required", [])) if isinstance(schema, dict) else []
        if self.partial and not self.required:
            raise self.spec_error("partial",
                                  "partial scoring needs a non-empty top-level 'required' list in the schema")

    def __reduce__(self):  # the compiled validator doesn't pickle: rebuild from the spec
        return type(self), (self.spec, self.path)

    def _check_refs(self, schema: dict[str, Any]) -> None:
        """Refs must resolve inside the schema: verigrade never fetches a schema from the network."""
        ids = _ids(schema)
        root = referencing.Resource.from_contents(schema, default_specification=referencing.jsonschema.DRAFT202012)
        resolver = referencing.Registry().resolver_with_root(root)
        nested_base = len(ids - {root.id() or ""}) > 0
        for ref, path in _refs(schema):
            where = "schema" + pointer(path)
            if ref.startswith("#") and not nested_base:  # with nested $id the base URI varies: checked when grading
                try:
                    resolver.lookup(ref)
                except Unresolvable:
                    raise self.spec_error(where, f"{ref!r} does not resolve inside the schema") from None
            elif _ABSOLUTE_URI.match(ref) and ref.split("#")[0] not in ids:
                raise self.spec_error(where, f"external reference {ref!r} can't be resolved: verigrade never "
                                             "fetches schemas; inline it under $defs")

    def _instance(self, sample: dict[str, Any], item: dict[str, Any]) -> tuple[Any, str]:
        if self.input_template is not None:
            value = self.render_value(self.input_template, sample, item)
            if isinstance(value, str):
                return parse_json_text(value, self.allow_code_fence)
            return value, "input"
        if sample.get("output_json") is not None:
            _reject_duplicate_keys_in(sample.get("output_text", ""))
            return sample["output_json"], "output_json"
        return parse_json_text(sample.get("output_text", ""), self.allow_code_fence)

    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        try:
            instance, source = self._instance(sample, item)
        except NoJSON as exc:
            return GradeResult.failure("no_answer", f"no JSON found: {exc}")
        try:  # output_json filled by the caller or by sample normalisation may hold NaN/Infinity
            json.dumps(instance, allow_nan=False)
        except (ValueError, TypeError) as exc:
            return GradeResult.failure("no_answer", f"no JSON found: {source} is not valid JSON ({exc})")
        errors = sorted(self.validator.iter_errors(instance),
                        key=lambda e: (list(map(str, e.absolute_path)), e.message))
        details: dict[str, Any] = {"source": source, "valid": not errors,
                                   "errors": [_error_line(e) for e in errors[:MAX_REPORTED_ERRORS]]}
        if not self.partial:
            if not errors:
                return GradeResult(score=1.0, reason="valid against the schema", details=details)
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            return GradeResult(score=0.0, reason=f"schema violation: {_error_line(errors[0])}{more}", details=details)
        return self._partial_result(instance, errors, details)

    def _partial_result(self, instance: Any, errors: list, details: dict[str, Any]) -> GradeResult:
        if not isinstance(instance, dict):
            return GradeResult(score=0.0, reason=f"expected a JSON object, got {type(instance).__name__}",
                               details=details)
        failed: dict[str, str] = {}
        for name in self.required:
            if name not in instance:
                failed[name] = "missing"
                continue
            inside = [e for e in errors if list(e.absolute_path)[:1] == [name]]
            if inside:
                failed[name] = _error_line(inside[0])
        good = len(self.required) - len(failed)
        details["required_failed"] = failed
        reason = f"{good}/{len(self.required)} required properties present and valid"
        if failed:
            reason += "; " + "; ".join(f"{k}: {v}" for k, v in list(failed.items())[:3])
        elif errors:
            reason += f"; other violation: {_error_line(errors[0])}"
        return GradeResult(score=good / len(self.required), reason=reason, details=details)
