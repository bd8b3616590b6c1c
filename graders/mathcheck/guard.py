"""Cheap checks that stop hostile answers before sympy sees them.

Two layers: `check_text` on the answer string (before any parsing) and `check_expr` on the parsed,
still-unevaluated sympy tree (before any comparison evaluates it). Each returns a reason string when the
input must be rejected, else None. They only have to catch what would be *expensive*; the worker pool's
hard timeout and memory cap remain the real protection.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

_POW_OP = re.compile(r"\^|\*\*")
_FACTORIAL_INT = re.compile(r"(\d+)\s*!")
_EXP_CALL = re.compile(r"\\?exp\s*[({]")


@dataclass(frozen=True)
class GuardLimits:
    """Limits applied to one extracted answer (defaults documented in docs/math.md)."""

    max_chars: int = 1000
    max_nesting: int = 40
    max_power_depth: int = 3      # a^{b^{c^{d}}} (three stacked exponentiations) is rejected
    max_digits: int = 10_000      # estimated decimal digits of any exact intermediate
    max_factorial: int = 10_000
    max_nodes: int = 3000


def _operand(text: str, i: int) -> tuple[str, int]:
    """The exponent starting at text[i]: a {group}, a (group) or a single token; returns (text, end)."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return "", i
    opener = text[i]
    if opener in "{(":
        closer = "}" if opener == "{" else ")"
        depth = 0
        for j in range(i, len(text)):
            if text[j] == opener:
                depth += 1
            elif text[j] == closer:
                depth -= 1
                if depth == 0:
                    return text[i + 1:j], j + 1
        return text[i + 1:], len(text)
    m = re.match(r"-?(?:\\[A-Za-z]+|\d+(?:\.\d+)?|[A-Za-z])", text[i:])
    if m:
        return m.group(0), i + m.end()
    return text[i], i + 1


def _exponent_at(text: str, pos: int) -> tuple[str, int]:
    """The whole exponent after a `^`/`**` ending at `pos`; a chain `a^b^c` is right-associative."""
    exponent, end = _operand(text, pos)
    while True:
        j = end
        while j < len(text) and text[j] == " ":
            j += 1
        nxt = _POW_OP.match(text, j)
        if not nxt:
            return exponent, end
        more, end = _operand(text, nxt.end())
        exponent = f"{exponent}^{{{more}}}"


def power_depth(text: str, _level: int = 0) -> int:
    """How many exponentiations are stacked (`2^3` -> 1, `2^{3^4}` -> 2, `9**9**9` -> 2)."""
    if _level > 50:
        return _level
    best = 0
    i = 0
    while True:
        m = _POW_OP.search(text, i)
        if not m:
            return best
        exponent, end = _exponent_at(text, m.end())
        best = max(best, 1 + power_depth(exponent, _level + 1))
        i = max(end, m.end())


def nesting_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            best = max(best, depth)
        elif ch in ")]}":
            depth = max(0, depth - 1)
    return best


def _log10_value(text: str) -> float | None:
    """log10 of a plain integer or an integer power chain written in `text`, else None (unknown)."""
    text = text.strip().strip("{}()").strip()
    if re.fullmatch(r"\d+", text):
        return math.log10(int(text)) if int(text) > 0 else 0.0
    m = re.fullmatch(r"(\d+)\s*(?:\^|\*\*)\s*(.+)", text)
    if m:
        exponent = _log10_value(m.group(2))
        if exponent is None:
            return None
        base = math.log10(max(int(m.group(1)), 1))
        return math.inf if exponent > 300 else base * 10 ** exponent
    return None


def check_text(text: str, limits: GuardLimits) -> str | None:
    """Reason to reject the raw answer string, or None."""
    if len(text) > limits.max_chars:
        return f"answer is {len(text)} characters long (limit {limits.max_chars})"
    depth = nesting_depth(text)
    if depth > limits.max_nesting:
        return f"brackets nested {depth} deep (limit {limits.max_nesting})"
    if len(_EXP_CALL.findall(text)) >= limits.max_power_depth and power_depth(_EXP_CALL.sub("e^(", text)) >= 3:
        return "nested exponentials"
    tower = power_depth(text)
    if tower >= limits.max_power_depth:
        return f"power tower of depth {tower} (limit {limits.max_power_depth - 1})"
    for m in _POW_OP.finditer(text):
        head = re.search(r"(\d+)\s*$", text[:m.start()])
        if not head:
            continue
        exponent, _ = _exponent_at(text, m.end())
        log_exp = _log10_value(exponent)
        if log_exp is not None and log_exp > math.log10(limits.max_digits) - 1:
            digits = math.inf if log_exp > 300 else math.log10(max(int(head.group(1)), 2)) * 10 ** log_exp
            if digits > limits.max_digits:
                shown = "astronomically many" if digits > 1e300 else f"about {digits:.3g}"
                return f"integer power with {shown} digits (limit {limits.max_digits})"
    for m in _FACTORIAL_INT.finditer(text):
        if int(m.group(1)) > limits.max_factorial:
            return f"factorial of {m.group(1)} (limit {limits.max_factorial})"
    for m in re.finditer(r"[)}]\s*!", text):
        inner = _group_before(text, m.start())
        value = _log10_value(inner)
        if value is not None and value > math.log10(limits.max_factorial):
            return f"factorial of a number with about {value:.0f} digits"
    reason = _check_binomials(text, limits)
    if reason:
        return reason
    return None


_BINOM = re.compile(r"\\[dt]?binom\s*|\bbinomial\s*(?=\()|\bC\s*(?=\()")


def _check_binomials(text: str, limits: GuardLimits) -> str | None:
    """`\\binom{10^{11}}{10^{10}}` is evaluated while parsing and aborts GMP: estimate its size first."""
    for m in _BINOM.finditer(text):
        if text[m.end():m.end() + 1] == "(":
            args = [a.strip() for a in _operand(text, m.end())[0].split(",")]
        else:
            first, end = _operand(text, m.end())
            second, _ = _operand(text, end)
            args = [first, second]
        logs = [_log10_value(a) for a in args[:2]]
        if not logs or logs[0] is None:
            continue
        if logs[0] > 300:
            return "binomial coefficient of an astronomically large number"
        n = 10 ** logs[0]
        k = 10 ** logs[1] if len(logs) > 1 and logs[1] is not None and logs[1] < 300 else n / 2
        digits = min(k, max(n - k, 0)) * max(logs[0], 1.0)
        if digits > limits.max_digits:
            return f"binomial coefficient with about {digits:.3g} digits (limit {limits.max_digits})"
    return None


def _group_before(text: str, close: int) -> str:
    closer = text[close]
    opener = "(" if closer == ")" else "{"
    depth = 0
    for j in range(close, -1, -1):
        if text[j] == closer:
            depth += 1
        elif text[j] == opener:
            depth -= 1
            if depth == 0:
                return text[j + 1:close]
    return text[:close]


# -- on the parsed sympy tree ------------------------------------------------------------------------------
def _approx_abs(expr) -> float | None:
    """|expr| as a float for small numeric sub-expressions; inf when clearly huge; None if symbolic."""
    if expr.free_symbols:
        return None
    if expr.is_Integer or expr.is_Rational:
        p, q = abs(int(expr.p)), int(expr.q)
        if p.bit_length() > 1000 or q.bit_length() > 1000:
            return math.inf
        return p / q
    if expr.is_Float:
        return abs(float(expr))
    digits = expr_digits(expr)
    if digits > 300:
        return math.inf
    try:
        return abs(complex(expr.evalf(15)))
    except (TypeError, ValueError, OverflowError):
        return None


def expr_digits(expr, _depth: int = 0) -> float:
    """Rough number of decimal digits needed to hold `expr` exactly if it were evaluated."""
    import sympy

    if _depth > 200:
        return math.inf
    if expr.is_Integer:
        return max(1.0, int(abs(expr.p)).bit_length() * 0.30103)
    if expr.is_Rational:
        return (int(abs(expr.p)).bit_length() + int(expr.q).bit_length()) * 0.30103
    if expr.is_Atom:
        return 1.0
    if isinstance(expr, sympy.Pow):
        base, exponent = expr.args
        base_digits = expr_digits(base, _depth + 1)
        value = _approx_abs(exponent)
        if value is None:
            return base_digits + expr_digits(exponent, _depth + 1)
        if value == math.inf:
            return math.inf
        return base_digits * max(1.0, value) + expr_digits(exponent, _depth + 1)
    if isinstance(expr, (sympy.factorial, sympy.factorial2, sympy.gamma, sympy.subfactorial)):
        value = _approx_abs(expr.args[0])
        if value is None:
            return expr_digits(expr.args[0], _depth + 1)
        if value == math.inf:
            return math.inf
        return max(1.0, value * math.log10(max(value, 2.0)))
    if isinstance(expr, sympy.binomial):
        value = _approx_abs(expr.args[0])
        if value == math.inf:
            return math.inf
        return sum(expr_digits(a, _depth + 1) for a in expr.args) + (value or 0)
    if isinstance(expr, (sympy.Product, sympy.Sum)) and len(expr.args) > 1:
        total = expr_digits(expr.args[0], _depth + 1)
        for limit in expr.args[1:]:
            if len(limit) == 3:
                low, high = _approx_abs(limit[1]), _approx_abs(limit[2])
                if low is not None and high is not None:
                    span = abs(high - low) if math.inf not in (low, high) else math.inf
                    total *= max(1.0, span) if isinstance(expr, sympy.Product) else 1.0
                    total += math.log10(max(span, 1.0)) if span != math.inf else math.inf
        return total
    if isinstance(expr, sympy.exp):
        value = _approx_abs(expr.args[0])
        if value == math.inf:
            return math.inf
        return expr_digits(expr.args[0], _depth + 1) + (value or 0) * 0.4343
    return sum(expr_digits(a, _depth + 1) for a in expr.args) + 1.0


def check_expr(expr, limits: GuardLimits) -> str | None:
    """Reason to reject a parsed (unevaluated) sympy object, or None."""
    import sympy

    if not isinstance(expr, sympy.Basic):
        try:  # matrices and other containers: check their entries
            items = list(expr)
        except TypeError:
            return None
        for item in items:
            reason = check_expr(item, limits)
            if reason:
                return reason
        return None
    nodes = 0
    stack = [(expr, 0)]
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            return f"expression has more than {limits.max_nodes} nodes"
        if depth > limits.max_nesting * 2:
            return f"expression nested deeper than {limits.max_nesting * 2}"
        stack.extend((a, depth + 1) for a in getattr(node, "args", ()) if isinstance(a, sympy.Basic))
    digits = expr_digits(expr)
    if digits > limits.max_digits:
        shown = "an astronomically large number of" if digits == math.inf else f"about {digits:.0f}"
        return f"evaluating it would need {shown} digits (limit {limits.max_digits})"
    return None
