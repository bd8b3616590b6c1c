"""Numbers and expressions: the rounding policy for decimals, and symbolic identity that sampling cannot fool.

Decimals. A decimal stands for an exact value only if that value rounds to it at the digits shown
(`0.3333` for 1/3, `3.1416` for pi) and it shows at least `min_significant_digits` digits; with
`rounding: "exact"` only an equal value counts (`0.25` for 1/4). A decimal that does not round to the exact
value is never accepted: `123456800.0` is not 123456789, `1000000.9` is not 1000000. Two written decimals
compare by value (`2.50` = `2.5`, `18.94` != `18.9`). `rel_tol` / `abs_tol` add an explicit tolerance (off).

Identity. Two expressions with variables are equal when sympy proves it (`expand`, `cancel`, `simplify` of
the difference is 0), or, when no proof is found, when they agree to 30 significant digits at every one of
`MIN_POINTS` pseudo-random points (real points of both signs, plus complex points for analytic expressions)
and neither is undefined where the other is defined. Any point where they differ refutes equality.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from fractions import Fraction

DIGITS = 50
EXACT_REL = 1e-40            # constants: 40 significant digits at 50-digit precision
IDENTITY_REL = 1e-30         # identity test: agreement required at each point
FLOAT_REL = 1e-12            # expressions carrying decimal coefficients (`0.5x`)
MIN_POINTS = 12              # points that must agree when sympy finds no proof
_REAL_POINTS = (0.5377, -1.2183, 2.7119, 1.6093, -0.4871, 3.1519, -2.3531, 0.8417, 1.3741, -0.7139, 2.2361,
                -1.7325, 0.3109, -2.9281, 1.1093, -0.2267)
_COMPLEX_POINTS = (complex(0.6133, 0.8291), complex(-1.1417, 0.4427), complex(0.2719, -1.3361),
                   complex(-0.5837, -0.9123), complex(1.4413, 0.3377), complex(-0.3911, 1.7219))
_NON_ANALYTIC = ("Abs", "sign", "floor", "ceiling", "re", "im", "conjugate", "arg", "Max", "Min", "Piecewise",
                 "Heaviside", "frac")


@dataclass(frozen=True)
class Rounding:
    """The decimal policy: `shown_digits` (default) or `exact`; plus an explicit tolerance (0 = none)."""

    mode: str = "shown_digits"
    min_significant_digits: int = 4
    rel_tol: float = 0.0
    abs_tol: float = 0.0


@dataclass(frozen=True)
class Num:
    """A number to compare: exact (Fraction or sympy constant) or a written decimal with its digits."""

    value: object                 # Fraction, or a sympy number for irrational exact values
    decimal: bool = False
    places: int = 0
    sig: int = 0


def _as_fraction(value) -> Fraction | None:
    if isinstance(value, Fraction):
        return value
    if getattr(value, "is_Rational", False):
        return Fraction(int(value.p), int(value.q))
    return None


def _difference(a, b) -> float | Fraction | None:
    """|a - b| exactly for rationals, else at 50 digits (None if not a finite real)."""
    fa, fb = _as_fraction(a), _as_fraction(b)
    if fa is not None and fb is not None:
        return abs(fa - fb)
    import sympy

    try:
        sa = sympy.Rational(fa.numerator, fa.denominator) if fa is not None else a
        sb = sympy.Rational(fb.numerator, fb.denominator) if fb is not None else b
        diff = sympy.N(sa - sb, DIGITS)
        if not diff.is_real or not diff.is_finite:
            return None
        return abs(Fraction(str(diff)))
    except (TypeError, ValueError, ArithmeticError):
        return None


def _half_unit(places: int) -> Fraction:
    return Fraction(1, 2) * Fraction(10) ** (-places)


def _tolerance_ok(a, b, diff, policy: Rounding) -> bool:
    if not (policy.rel_tol or policy.abs_tol) or diff is None:
        return False
    size = max(abs(float(_as_fraction(a) if _as_fraction(a) is not None else complex(a).real)),
               abs(float(_as_fraction(b) if _as_fraction(b) is not None else complex(b).real)))
    return float(diff) <= max(policy.rel_tol * size, policy.abs_tol)


def numbers_equal(gold: Num, pred: Num, policy: Rounding) -> bool:
    """Gold and predicted number under the rounding policy (symmetric)."""
    diff = _difference(gold.value, pred.value)
    if diff is None:
        return False
    if diff == 0:
        return True
    if _tolerance_ok(gold.value, pred.value, diff, policy):
        return True
    if gold.decimal == pred.decimal or policy.mode != "shown_digits":
        return False
    shown = pred if pred.decimal else gold
    return shown.sig >= policy.min_significant_digits and diff <= _half_unit(shown.places)


def consistent_numbers(a: Num, b: Num, approx: bool) -> bool:
    """Can two sides of one chain be the same value? A decimal side is a rounding of an exact side; under
    `\\approx` an integer side is a rounding too (`\\pi \\approx 3`, not `12 \\approx 13`)."""
    diff = _difference(a.value, b.value)
    if diff is None:
        return False
    if diff == 0:
        return True
    rounded = [n for n in (a, b) if n.decimal or (approx and _as_fraction(n.value) is not None
                                                   and _as_fraction(n.value).denominator == 1)]
    if not rounded:
        return False
    coarsest = min(n.places if n.decimal else 0 for n in rounded)
    return diff <= _half_unit(coarsest)


# -- expressions ----------------------------------------------------------------------------------------------
def _evaluate(expr, subs=None) -> complex | None:
    """Complex value of `expr` (50 digits) or None if it isn't a finite number there."""
    try:
        value = expr.evalf(DIGITS, subs=subs) if subs else expr.evalf(DIGITS)
        if not getattr(value, "is_number", False):
            return None
        result = complex(value)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError, AttributeError, RecursionError):
        return None
    if math.isnan(result.real) or math.isnan(result.imag) or math.isinf(abs(result)):
        return None
    return result


def _close(a: complex, b: complex, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300) or (a == b)


def constants_equal(gold, pred, inexact: bool) -> bool:
    """Two expressions without variables: exact rationals exactly, else 40 digits (decimals: 12)."""
    import sympy

    if gold == pred:
        return True
    if not inexact:
        try:
            g_val, p_val = gold.doit(), pred.doit()
        except Exception:  # noqa: BLE001 - sympy may fail to carry out an operation: compare numerically
            g_val, p_val = gold, pred
        if g_val.is_Rational and p_val.is_Rational:
            return g_val == p_val
        if g_val.is_infinite or p_val.is_infinite or g_val is sympy.nan or p_val is sympy.nan:
            return g_val == p_val
    g_num, p_num = _evaluate(gold), _evaluate(pred)
    if g_num is None or p_num is None:
        return False
    return _close(g_num, p_num, FLOAT_REL if inexact else EXACT_REL)


def _exact_point(value):
    """A sample point as an exact 50-digit sympy number (Python floats and complexes would cost precision)."""
    import sympy

    if isinstance(value, complex):
        return sympy.Float(repr(value.real), DIGITS) + sympy.I * sympy.Float(repr(value.imag), DIGITS)
    return sympy.Float(repr(value), DIGITS)


def _points(symbols, analytic: bool, salt: str = ""):
    """Sample points: fixed real values of both signs (and complex ones) shifted by an offset derived from a
    hash of the two expressions, so that a difference crafted to vanish at known points cannot."""
    digest = hashlib.sha256(salt.encode()).digest()
    shift = [(digest[j % 32] / 255.0 - 0.5) * 0.1 for j in range(len(symbols) + 1)]
    for k in range(len(_REAL_POINTS)):
        yield {s: _exact_point(_REAL_POINTS[(k * 3 + j * 5) % len(_REAL_POINTS)] + shift[j])
               for j, s in enumerate(symbols)}
    if analytic:
        for k in range(len(_COMPLEX_POINTS)):
            yield {s: _exact_point(_COMPLEX_POINTS[(k + j * 2) % len(_COMPLEX_POINTS)] + complex(shift[j], -shift[j]))
                   for j, s in enumerate(symbols)}


def _has_named(expr, names) -> bool:
    import sympy

    return any(type(node).__name__ in names for node in sympy.preorder_traversal(expr))


def _proved_zero(diff) -> str:
    """The sympy rewrite that reduces `diff` to 0, or ""."""
    import sympy

    for name, rewrite in (("expand", sympy.expand), ("cancel", sympy.cancel), ("simplify", sympy.simplify)):
        try:
            if rewrite(diff) == 0:
                return name
        except Exception:  # noqa: BLE001 - a rewrite that fails proves nothing
            continue
    return ""


def identity(gold, pred, inexact: bool) -> tuple[bool, str]:
    """Are two expressions with variables equal? (verdict, how): proved by sympy, refuted at a point, or
    accepted numerically at MIN_POINTS points."""
    import sympy

    if gold == pred:
        return True, "identical"
    symbols = sorted(gold.free_symbols | pred.free_symbols, key=lambda s: s.name)
    rel = FLOAT_REL if inexact else IDENTITY_REL
    analytic = not (_has_named(gold, _NON_ANALYTIC) or _has_named(pred, _NON_ANALYTIC))
    agreed = one_sided = 0
    for subs in _points(symbols, analytic, f"{sympy.srepr(gold)}|{sympy.srepr(pred)}"):
        g_num, p_num = _evaluate(gold, subs), _evaluate(pred, subs)
        if g_num is None or p_num is None:
            one_sided += (g_num is None) != (p_num is None)
            continue
        if not _close(g_num, p_num, rel):
            return False, f"differs at {', '.join(f'{s}={complex(v):.4g}'.replace('+0j', '') for s, v in subs.items())}"
        agreed += 1
    how = _proved_zero(gold - pred)
    if how:
        return True, f"proved by sympy ({how})"
    if agreed >= MIN_POINTS and not one_sided:
        return True, f"agrees at {agreed} points to 30 digits (no proof found)"
    return False, f"not proved equal (agrees at {agreed} points, undefined on one side at {one_sided})"


def proportional(f, g, inexact: bool) -> tuple[bool, str]:
    """Is `f` a constant non-zero multiple of `g` (two equations `f = 0`, `g = 0` with the same solutions)?"""
    import sympy

    try:
        ratio = sympy.cancel(f / g)
        if ratio.free_symbols == set() and ratio != 0 and ratio.is_finite:
            return True, "proved by sympy (cancel)"
    except Exception:  # noqa: BLE001
        pass
    symbols = sorted(f.free_symbols | g.free_symbols, key=lambda s: s.name)
    rel = FLOAT_REL if inexact else 1e-25
    first, agreed = None, 0
    for subs in _points(symbols, True, f"{sympy.srepr(f)}|{sympy.srepr(g)}"):
        f_num, g_num = _evaluate(f, subs), _evaluate(g, subs)
        if f_num is None or g_num is None:
            continue
        f_zero, g_zero = abs(f_num) < 1e-30, abs(g_num) < 1e-30
        if f_zero or g_zero:
            if f_zero != g_zero:
                return False, "different solutions"
            continue
        r = f_num / g_num
        if first is None:
            first = r
        elif not _close(r, first, rel):
            return False, "not proportional"
        agreed += 1
    if agreed >= MIN_POINTS:
        return True, f"proportional at {agreed} points (no proof found)"
    return False, "not proved proportional"
