"""The template language: `{{ sample.output_text }}`, `{{ item.tests[0] }}`, `{{item.a.b[2].c}}`.

Only the `sample` and `item` namespaces exist. A missing key, a bad index or a `null` value raises
`TemplateError` (OpenAI's `invalid_variable_error`); it is never rendered as an empty string. A path may walk
into a string that holds JSON (`{{ sample.output_tools[0].function.arguments.symbols }}`, where `arguments`
is the JSON text a tool call carries). Strings are inserted as they are; numbers, booleans, objects and
arrays as JSON. The braces of a placeholder hold no brace, so `{{{item.x}}}` is a literal brace around one.

Filters follow the variable: `{{ item.answer | regex_escape }}` inserts the value with every regex
metacharacter escaped; `{{ item.pattern | raw }}` inserts it unchanged. A caller rendering into a pattern
passes `default_filter="regex_escape"` so values are escaped unless the placeholder says `raw`.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from graders.errors import TemplateError

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_PATH_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_\-]*)|\[\s*(-?\d+)\s*\]|\[\s*[\"']([^\"']*)[\"']\s*\]")
NAMESPACES = ("sample", "item")
_FILTER_SUFFIX = re.compile(r"^(.*?)((?:\s*\|\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*$", re.DOTALL)
_FILTER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Filter = Callable[[str], str]
FILTERS: dict[str, Filter] = {
    "regex_escape": re.escape,  # also escapes whitespace and '#', so values survive the `verbose` flag
    "raw": lambda value: value,
}


def parse_path(expr: str) -> list[str | int]:
    """Split `item.tests[0].name` into `["item", "tests", 0, "name"]`; raise TemplateError if malformed."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(expr):
        m = _PATH_TOKEN.match(expr, pos)
        if not m or m.end() == pos or (pos == 0 and expr.startswith(".")):
            raise TemplateError(f"malformed template variable {{{{ {expr} }}}} at character {pos}")
        if m.group(1) is not None:
            parts.append(m.group(1))
        elif m.group(2) is not None:
            parts.append(int(m.group(2)))
        else:
            parts.append(m.group(3))
        pos = m.end()
    if not parts or parts[0] not in NAMESPACES:
        raise TemplateError(f"template variable {{{{ {expr} }}}} must start with 'sample.' or 'item.'")
    return parts


def lookup(expr: str, context: dict[str, Any]) -> Any:
    """The value a template variable refers to."""
    parts = parse_path(expr)
    value: Any = context
    walked = ""
    for part in parts:
        shown = f"{walked}[{part}]" if isinstance(part, int) else (f"{walked}.{part}" if walked else part)
        if isinstance(value, str):  # a JSON-encoded string on the way (a tool call's `arguments`)
            value = _json_container(value)
        if isinstance(part, int):
            if not isinstance(value, list) or not -len(value) <= part < len(value):
                size = len(value) if isinstance(value, list) else type(value).__name__
                raise TemplateError(f"template variable '{expr}': index {part} out of range at '{shown}' ({size})")
            value = value[part]
        else:
            if not isinstance(value, dict) or part not in value:
                keys = sorted(value)[:12] if isinstance(value, dict) else type(value).__name__
                raise TemplateError(f"template variable '{expr}' not found: no '{shown}' (available: {keys})")
            value = value[part]
        walked = shown
    if value is None:
        raise TemplateError(f"template variable '{expr}' is null")
    return value


def _json_container(text: str) -> Any:
    """The object or array a JSON-encoded string holds, else the string itself."""
    stripped = text.strip()
    if stripped[:1] not in ("{", "["):
        return text
    try:
        parsed = json.loads(stripped)
    except (ValueError, RecursionError):
        return text
    return parsed if isinstance(parsed, (dict, list)) else text


def stringify(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def split_filters(inner: str) -> tuple[str, list[str]]:
    """`"item.a | regex_escape"` -> `("item.a", ["regex_escape"])`; names are not checked here."""
    m = _FILTER_SUFFIX.match(inner)
    return m.group(1).strip(), _FILTER_NAME.findall(m.group(2))


def apply_filters(value: str, names: list[str], default_filter: str | None = None,
                  filters: dict[str, Filter] | None = None) -> str:
    """Run the named filters in order; `default_filter` runs when none is named."""
    table = {**FILTERS, **(filters or {})}
    for name in names or ([default_filter] if default_filter else []):
        if name not in table:
            raise TemplateError(f"unknown template filter '{name}' (filters: {', '.join(sorted(table))})")
        value = table[name](value)
    return value


def render(template: str, context: dict[str, Any], default_filter: str | None = None,
           filters: dict[str, Filter] | None = None) -> str:
    """Substitute every `{{ ... }}` in `template`.

    `default_filter` is applied to placeholders that name no filter; `filters` overrides or adds filter
    implementations (e.g. a grader that normalises a value before escaping it).
    """
    def substitute(m: re.Match) -> str:
        expr, names = split_filters(m.group(1))
        return apply_filters(stringify(lookup(expr, context)), names, default_filter, filters)

    return PLACEHOLDER.sub(substitute, template)


def render_value(template: Any, context: dict[str, Any]) -> Any:
    """Like `render`, but a template that is exactly one placeholder returns the raw JSON value.

    Non-string templates (lists, objects, numbers given inline in a spec) are returned unchanged.
    """
    if not isinstance(template, str):
        return template
    m = PLACEHOLDER.fullmatch(template.strip())
    if m and not split_filters(m.group(1))[1]:
        return lookup(m.group(1), context)
    return render(template, context)


def variables(template: str) -> list[str]:
    """The variable expressions a template uses (for validation), without their filters."""
    return [split_filters(m.group(1))[0] for m in PLACEHOLDER.finditer(template)]


def filters_used(template: str) -> list[list[str]]:
    """The filter names of each placeholder, in order (`[]` for a placeholder without filters)."""
    return [split_filters(m.group(1))[1] for m in PLACEHOLDER.finditer(template)]


def check(template: str) -> list[str]:
    """Problems a template has before any data is seen: malformed variables, unknown filters."""
    problems = []
    for m in PLACEHOLDER.finditer(template):
        expr, names = split_filters(m.group(1))
        try:
            parse_path(expr)
        except TemplateError as exc:
            problems.append(str(exc))
        problems.extend(f"unknown template filter '{n}' in {m.group(0)} (filters: {', '.join(sorted(FILTERS))})"
                        for n in names if n not in FILTERS)
    return problems
