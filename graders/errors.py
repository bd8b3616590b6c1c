"""The errors of the grader core: a spec that can't be used, a template variable that doesn't exist.

This module imports nothing from verigrade, so every other module can raise these without an import cycle.
"""
from __future__ import annotations

from typing import Any, Iterable


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


class TemplateError(Exception):
    """A template refers to a variable that does not exist (OpenAI's invalid_variable_error)."""

    error_type = "invalid_variable_error"


def pointer(parts: Iterable[Any]) -> str:
    """A JSON pointer (RFC 6901) for a path; the root is `/`."""
    out = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return out or "/"
