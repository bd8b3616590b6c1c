"""JSON Lines input: one object per line, each problem named by its file and line number."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator


def json_object(text: str) -> tuple[dict[str, Any] | None, str]:
    """`(object, "")` for a line holding a JSON object, else `(None, why not)`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(data, dict):
        return None, f"each line must be a JSON object, got {type(data).__name__}"
    return data, ""


def objects(lines: Iterable[str], source: str | Path,
            error: Callable[[str], Exception]) -> Iterator[tuple[int, dict[str, Any]]]:
    """`(line number, object)` for each non-blank line; `error("source:line: why")` is raised at a bad line."""
    for lineno, text in enumerate(lines, 1):
        if not text.strip():
            continue
        data, problem = json_object(text)
        if data is None:
            raise error(f"{source}:{lineno}: {problem}")
        yield lineno, data


def read_objects(path: str | Path,
                 error: Callable[[str], Exception]) -> Iterator[tuple[int, dict[str, Any]]]:
    """`objects` of a file; a file that cannot be read raises `error("cannot read path: why")`."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None
    return objects(lines, path, error)
