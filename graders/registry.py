"""Grader types by their JSON `type` name, and building a grader from a spec.

A grader type is a module `graders/types/<type>.py` whose class is decorated with `@register`, plus a
schema fragment `graders/schema/types/<type>.json`. The type modules are plugins above the core: the
core never imports them by name; `discover()` loads every module of the `graders.types` package on first
use (so this module depends on none of them, and they may import it).
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
from typing import Any

from graders.base import Grader
from graders.errors import SpecError

TYPES_PACKAGE = "graders.types"

_REGISTRY: dict[str, type[Grader]] = {}
_IMPORT_ERRORS: dict[str, str] = {}
_discovered = False
_lock = threading.RLock()


def register(cls: type[Grader]) -> type[Grader]:
    """Class decorator: make `cls` the implementation of grader type `cls.type`."""
    name = getattr(cls, "type", None)
    if not name:
        raise TypeError(f"{cls.__name__} must define a `type` class attribute")
    _REGISTRY[name] = cls
    return cls


def discover() -> None:
    """Import every module in `graders.types` once, so their `@register` decorators run."""
    global _discovered
    with _lock:
        if _discovered:
            return
        package = importlib.import_module(TYPES_PACKAGE)
        for mod in pkgutil.iter_modules(package.__path__):
            try:
                importlib.import_module(f"{TYPES_PACKAGE}.{mod.name}")
            except ImportError as exc:  # a type whose optional dependency is missing stays listed but unusable
                _IMPORT_ERRORS[mod.name] = f"{type(exc).__name__}: {exc}"
        _discovered = True


def grader_class(type_name: str) -> type[Grader] | None:
    discover()
    return _REGISTRY.get(type_name)


def implemented_types() -> dict[str, type[Grader]]:
    discover()
    return dict(sorted(_REGISTRY.items()))


def unavailable_reason(type_name: str) -> str:
    """Why grader type `type_name` can't be built: its module failed to import, or no such type exists."""
    discover()
    if type_name in _IMPORT_ERRORS:
        return f"grader type '{type_name}' failed to import ({_IMPORT_ERRORS[type_name]})"
    return f"unknown grader type '{type_name}' (known: {', '.join(sorted(_REGISTRY))})"


def build_grader(spec: dict[str, Any], path: str = "") -> Grader:
    """Build the typed grader for an already schema-valid spec (nested graders pass their `path`)."""
    cls = grader_class(spec["type"])
    if cls is None:
        raise SpecError(f"{path}/type: {unavailable_reason(spec['type'])}")
    return cls(spec, path=path)
