"""The engine behind the `math_equivalence` grader: extraction, guard, parsing and our own comparison.

`check(output, reference, MathOptions(...)) -> GradeResult`. Heavy imports (sympy, latex2sympy2_extended)
happen on first use, so importing this package is cheap.
"""
from graders.mathcheck.check import MathOptions, check
from graders.mathcheck.compare import ComparePolicy
from graders.mathcheck.guard import GuardLimits
from graders.mathcheck.parse import ParseOptions

__all__ = ["ComparePolicy", "GuardLimits", "MathOptions", "ParseOptions", "check"]
