"""Types of function-call tests in other languages: the signature (Python annotations), the JSON the drivers
exchange, and reading a driver's result by the declared return type.

Types: int, float, bool, str, list[T], tuple[T, ...] (fixed length), dict[K, V], Optional[T] (or T | None).
On the wire (driver -> host) a value is JSON, a dict is a list of [key, value] pairs (keys keep their
type), a tuple is an array. Reading is strict: an int must be a JSON integer (a float never passes as
an int), a bool a JSON boolean; a float accepts an integer (1.0 may print as 1).
"""
from __future__ import annotations

import ast
import json
import math
from typing import Any

Type = tuple  # ("int",) ("float",) ("bool",) ("str",) ("list", T) ("tuple", (T, ...)) ("dict", K, V) ("optional", T)
_NAMES = {"int": "int", "float": "float", "bool": "bool", "str": "str"}
_GENERIC = {"list": "list", "List": "list", "tuple": "tuple", "Tuple": "tuple", "dict": "dict", "Dict": "dict",
            "Optional": "optional"}
INT64 = (-(1 << 63), (1 << 63) - 1)


class BadSignature(ValueError):
    """The signature or a test's values can't be used for a function-call test in this language."""


def parse_signature(text: str) -> tuple[str, list[Type], Type]:
    """'def f(a: int, b: list[int]) -> bool' (or '(a: int) -> bool') -> (name, [param types], return type)."""
    src = text.strip().rstrip(":")
    if src.startswith("("):
        src = "def _" + src
    try:
        tree = ast.parse(src + ":\n    pass\n")
    except SyntaxError as exc:
        raise BadSignature(f"the signature does not parse: {exc.msg}") from None
    fn = tree.body[0] if tree.body and isinstance(tree.body[0], ast.FunctionDef) else None
    if fn is None or fn.returns is None:
        raise BadSignature("the signature needs the form 'def name(a: type, ...) -> type'")
    params = []
    for arg in fn.args.args:
        if arg.annotation is None:
            raise BadSignature(f"parameter {arg.arg} has no type")
        params.append(parse_type(arg.annotation))
    return fn.name, params, parse_type(fn.returns)


def parse_type(node: ast.AST) -> Type:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return parse_type(ast.parse(node.value, mode="eval").body)
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return (_NAMES[node.id],)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        none = [s for s in sides if isinstance(s, ast.Constant) and s.value is None]
        if len(none) == 1:
            return ("optional", parse_type(next(s for s in sides if s is not none[0])))
    if isinstance(node, ast.Subscript):
        base = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", "")
        kind = _GENERIC.get(base)
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if kind == "list" and len(inner) == 1:
            return ("list", parse_type(inner[0]))
        if kind == "optional" and len(inner) == 1:
            return ("optional", parse_type(inner[0]))
        if kind == "dict" and len(inner) == 2:
            key = parse_type(inner[0])
            if key[0] not in ("int", "str", "bool"):
                raise BadSignature("dict keys must be int, str or bool")
            return ("dict", key, parse_type(inner[1]))
        if kind == "tuple" and inner and not any(isinstance(e, ast.Constant) and e.value is Ellipsis for e in inner):
            return ("tuple", tuple(parse_type(e) for e in inner))
    raise BadSignature(f"unsupported type {ast.unparse(node)!r} (int, float, bool, str, list, tuple, dict, Optional)")


def type_text(t: Type) -> str:
    if t[0] in _NAMES:
        return t[0]
    if t[0] == "tuple":
        return f"tuple[{', '.join(type_text(x) for x in t[1])}]"
    return f"{t[0]}[{', '.join(type_text(x) for x in t[1:])}]"


# -- values -------------------------------------------------------------------------------------------------
def to_wire(value: Any, t: Type, where: str = "value") -> Any:
    """A test's argument as the drivers read it (JSON-able; dicts as [key, value] pairs); checks its type."""
    kind = t[0]
    if kind == "optional":
        return None if value is None else to_wire(value, t[1], where)
    if kind == "int":
        if type(value) is not int or not INT64[0] <= value <= INT64[1]:
            raise BadSignature(f"{where}: {value!r} is not a 64-bit int")
        return value
    if kind == "float":
        if type(value) not in (int, float) or not math.isfinite(value):
            raise BadSignature(f"{where}: {value!r} is not a finite float (NaN and infinities can't be sent)")
        return float(value)
    if kind == "bool":
        if type(value) is not bool:
            raise BadSignature(f"{where}: {value!r} is not a bool")
        return value
    if kind == "str":
        if type(value) is not str:
            raise BadSignature(f"{where}: {value!r} is not a str")
        return value
    if kind == "list":
        if type(value) not in (list, tuple):
            raise BadSignature(f"{where}: {value!r} is not a list")
        return [to_wire(v, t[1], f"{where}[{i}]") for i, v in enumerate(value)]
    if kind == "tuple":
        if type(value) not in (list, tuple) or len(value) != len(t[1]):
            raise BadSignature(f"{where}: {value!r} is not a {type_text(t)}")
        return [to_wire(v, s, f"{where}[{i}]") for i, (v, s) in enumerate(zip(value, t[1]))]
    if type(value) is not dict:
        raise BadSignature(f"{where}: {value!r} is not a dict")
    return [[to_wire(_key(k, t[1]), t[1], f"{where} key"), to_wire(v, t[2], f"{where}[{k!r}]")] for k, v in value.items()]


def _key(key: Any, t: Type) -> Any:
    """JSON object keys are strings: read them as the declared key type."""
    if isinstance(key, str) and t[0] == "int":
        try:
            return int(key)
        except ValueError:
            return key
    if isinstance(key, str) and t[0] == "bool" and key in ("true", "false"):
        return key == "true"
    return key


def to_expected(value: Any, t: Type) -> Any:
    """The expected value in the Python shape `read_result` gives (tuples, typed dict keys, floats)."""
    kind = t[0]
    if kind == "optional":
        return None if value is None else to_expected(value, t[1])
    if kind == "float" and type(value) is int:
        return float(value)
    if kind == "list" and type(value) in (list, tuple):
        return [to_expected(v, t[1]) for v in value]
    if kind == "tuple" and type(value) in (list, tuple):
        return tuple(to_expected(v, s) for v, s in zip(value, t[1]))
    if kind == "dict" and type(value) is dict:
        return {_key(k, t[1]): to_expected(v, t[2]) for k, v in value.items()}
    return value


def read_result(text: str, t: Type) -> Any:
    """The driver's JSON line as a Python value of type `t`; ValueError when it is not one."""
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError("the result is not JSON") from None
    return _read(value, t, "value")


def _read(value: Any, t: Type, where: str) -> Any:
    kind = t[0]
    if kind == "optional":
        return None if value is None else _read(value, t[1], where)
    if kind == "int":
        if type(value) is not int:
            raise ValueError(f"{where}: {json.dumps(value)[:40]} where an int was declared")
        return value
    if kind == "float":
        if type(value) not in (int, float):
            raise ValueError(f"{where}: {json.dumps(value)[:40]} where a float was declared")
        return float(value) if not (isinstance(value, float) and math.isnan(value)) else value
    if kind == "bool":
        if type(value) is not bool:
            raise ValueError(f"{where}: {json.dumps(value)[:40]} where a bool was declared")
        return value
    if kind == "str":
        if type(value) is not str:
            raise ValueError(f"{where}: {json.dumps(value)[:40]} where a str was declared")
        return value
    if type(value) is not list:
        raise ValueError(f"{where}: {json.dumps(value)[:40]} where a {type_text(t)} was declared")
    if kind == "list":
        return [_read(v, t[1], f"{where}[{i}]") for i, v in enumerate(value)]
    if kind == "tuple":
        if len(value) != len(t[1]):
            raise ValueError(f"{where}: {len(value)} elements where a {type_text(t)} was declared")
        return tuple(_read(v, s, f"{where}[{i}]") for i, (v, s) in enumerate(zip(value, t[1])))
    out: dict = {}
    for pair in value:
        if type(pair) is not list or len(pair) != 2:
            raise ValueError(f"{where}: a dict entry is not a [key, value] pair")
        key = _read(pair[0], t[1], f"{where} key")
        if key in out:
            raise ValueError(f"{where}: key {key!r} twice")
        out[key] = _read(pair[1], t[2], f"{where}[{key!r}]")
    return out
