"""Move plain values between processes as Python literal text.

`encode` accepts only *exact* builtin types (no subclasses, no objects with custom `__eq__`), so a value
that crosses a process boundary is plain data; `decode` uses `ast.literal_eval`, which never runs code.
Stdlib only: this file also runs inside the sandbox image.
"""
from __future__ import annotations

import math

MAX_DEPTH = 100
_SCALARS = (type(None), bool, str, bytes)


class NotTransportable(TypeError):
    """The value contains something other than plain builtin data."""


def encode(value, max_chars: int = 1 << 22) -> str:
    parts: list[str] = []
    size = [0]

    def emit(text: str) -> None:
        size[0] += len(text)
        if size[0] > max_chars:
            raise NotTransportable(f"value is larger than {max_chars} characters")
        parts.append(text)

    def walk(v, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise NotTransportable(f"value is nested deeper than {MAX_DEPTH} levels")
        t = type(v)
        if t in _SCALARS:
            emit(repr(v))
        elif t is int:
            emit(repr(v) if abs(v) < 10 ** 1000 else ("-" if v < 0 else "") + hex(abs(v)))
        elif t is float:
            if math.isnan(v):
                raise NotTransportable("NaN cannot be transported (it never compares equal)")
            emit(repr(v) if math.isfinite(v) else ("1e999" if v > 0 else "-1e999"))
        elif t is complex:
            if not (math.isfinite(v.real) and math.isfinite(v.imag)):
                raise NotTransportable("non-finite complex numbers cannot be transported")
            emit(repr(v))
        elif t is list or t is tuple:
            emit("[" if t is list else "(")
            for x in v:
                walk(x, depth + 1)
                emit(",")
            emit("]" if t is list else ")")
        elif t is set:
            if not v:
                emit("set()")
                return
            emit("{")
            for x in v:
                walk(x, depth + 1)
                emit(",")
            emit("}")
        elif t is dict:
            emit("{")
            for k, x in v.items():
                walk(k, depth + 1)
                emit(":")
                walk(x, depth + 1)
                emit(",")
            emit("}")
        else:
            raise NotTransportable(f"a value of type {t.__module__}.{t.__qualname__} is not plain data")

    walk(value, 0)
    return "".join(parts)


def decode(text: str, max_chars: int = 1 << 22):
    """Parse literal text from an untrusted process; raises ValueError on anything odd."""
    if not isinstance(text, str):
        raise ValueError("literal must be a string")
    if len(text) > max_chars:
        raise ValueError(f"literal longer than {max_chars} characters")
    import ast  # lazily: importing ast costs ~20 ms of interpreter start-up in the sandbox

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not a plain literal: {type(exc).__name__}") from None


def decode_trusted(text: str):
    """Parse literal text that *we* produced (arguments sent to the candidate). Faster than `decode`, and
    only safe because the text comes from the trusted side."""
    return eval(text, {"__builtins__": {}, "set": set})  # noqa: S307 - trusted input only


def describe(value, limit: int = 120) -> str:
    """Short repr of a decoded (plain) value, for reasons shown to humans."""
    try:
        encode(value, max_chars=1 << 16)
        text = repr(value)
    except (NotTransportable, ValueError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
