"""Grader types by their JSON `type` name.

A grader type is a module `graders/types/<type>.py` whose class is decorated with `@register`, plus a
schema fragment `graders/schema/types/<type>.json`. Modules are discovered on first use.
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graders.base import Grader

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
        import graders.types as pkg

        for mod in pkgutil.iter_modules(pkg.__path__):
            try:
                importlib.import_module(f"graders.types.{mod.name}")
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
    """Why a type declared in the schema can't be loaded."""
    discover()
    if type_name in _IMPORT_ERRORS:
        return f"grader type '{type_name}' failed to import ({_IMPORT_ERRORS[type_name]})"
    return f"grader type '{type_name}' is declared in the schema but not available yet in this version"
