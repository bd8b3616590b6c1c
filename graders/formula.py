"""OpenAI's `calculate_output` formula language, parsed with Python's `ast` under a whitelist (never `eval`).

Variables are the multi grader's keys; operators `+ - * / ^` (`^` is power, as in OpenAI's docs; `**`
also works); functions `min max abs floor ceil exp sqrt log`; numeric literals; parentheses. Everything is
evaluated in floating point, so `10^10^10` overflows to an error instead of building a huge integer.
"""
from __future__ import annotations

import ast
import math
import re
from typing import Callable

MAX_FORMULA_CHARS = 2000
MAX_NODES = 500

FUNCTIONS: dict[str, tuple[Callable[..., float], int, int | None]] = {
    # name: (implementation, min args, max args)
    "min": (min, 1, None),
    "max": (max, 1, None),
    "abs": (abs, 1, 1),
    "floor": (lambda x: float(math.floor(x)), 1, 1),
    "ceil": (lambda x: float(math.ceil(x)), 1, 1),
    "exp": (math.exp, 1, 1),
    "sqrt": (math.sqrt, 1, 1),
    "log": (math.log, 1, 1),
}
_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a ** b,
}


class FormulaError(ValueError):
    """A formula that can't be parsed (formula_parse_error) or evaluated (division by zero, domain error)."""


class Formula:
    """A compiled formula: `Formula(text, variables)(values) -> float`."""

    def __init__(self, text: str, variables: set[str] | list[str]):
        self.text = text
        self.variables = set(variables)
        if len(text) > MAX_FORMULA_CHARS:
            raise FormulaError(f"formula is longer than {MAX_FORMULA_CHARS} characters")
        source = re.sub(r"\^", "**", text)
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            detail = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
            raise FormulaError(f"cannot parse formula {text!r}: {detail}") from None
        nodes = 0
        for _ in ast.walk(tree):
            nodes += 1
            if nodes > MAX_NODES:
                raise FormulaError(f"formula {text!r} is too complex (over {MAX_NODES} syntax nodes)")
        try:
            self.used: set[str] = set()
            self._fn = self._compile(tree.body)
        except RecursionError:
            raise FormulaError(f"formula {text!r} is nested too deeply") from None

    def _compile(self, node: ast.AST) -> Callable[[dict[str, float]], float]:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = float(node.value)
            return lambda env: value
        if isinstance(node, ast.Name):
            name = node.id
            if name not in self.variables:
                known = ", ".join(sorted(self.variables)) or "none"
                raise FormulaError(f"unknown variable '{name}' in formula {self.text!r} (graders: {known})")
            self.used.add(name)
            return lambda env: env[name]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self._compile(node.operand)
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return lambda env: sign * inner(env)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            op, left, right = _BINOPS[type(node.op)], self._compile(node.left), self._compile(node.right)
            return lambda env: op(left(env), right(env))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            name = node.func.id
            if name not in FUNCTIONS:
                raise FormulaError(f"unknown function '{name}' in formula {self.text!r} "
                                   f"(allowed: {', '.join(FUNCTIONS)})")
            impl, lo, hi = FUNCTIONS[name]
            if len(node.args) < lo or (hi is not None and len(node.args) > hi):
                raise FormulaError(f"{name}() takes {lo if hi == lo else f'at least {lo}'} argument(s) in formula "
                                   f"{self.text!r}, got {len(node.args)}")
            if any(isinstance(a, ast.Starred) for a in node.args):
                raise FormulaError(f"argument unpacking is not allowed in formula {self.text!r}")
            args = [self._compile(a) for a in node.args]
            return lambda env: float(impl(*[a(env) for a in args]))
        raise FormulaError(f"'{ast.unparse(node)}' is not allowed in formula {self.text!r} (only numbers, "
                           "grader names, + - * / ^ and min max abs floor ceil exp sqrt log)")

    def __call__(self, values: dict[str, float]) -> float:
        try:
            result = self._fn({k: float(v) for k, v in values.items()})
        except ZeroDivisionError:
            raise FormulaError(f"division by zero in formula {self.text!r}") from None
        except (ValueError, OverflowError) as exc:
            raise FormulaError(f"math error in formula {self.text!r}: {exc}") from None
        if isinstance(result, complex) or math.isnan(result) or math.isinf(result):
            raise FormulaError(f"formula {self.text!r} produced a non-real or infinite value")
        return result
