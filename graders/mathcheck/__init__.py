"""The engine behind the `math_equivalence` grader: extraction, guard, parsing and our own comparison.

`check(output, reference, MathOptions(...)) -> Verdict` (score, status, reason, details). Heavy imports
(sympy, latex2sympy2_extended) happen on first use, so importing this package is cheap.
"""
from graders.mathcheck.check import MathOptions, check
from graders.mathcheck.compare import ComparePolicy, answers_equal
from graders.mathcheck.extract import extract_answers, extract_reference
from graders.mathcheck.guard import GuardLimits
from graders.mathcheck.parse import Hedged, parse_answer, parse_reference
from graders.mathcheck.values import Answer, ParseOptions, Rejected, Unparseable
from graders.mathcheck.verdict import Verdict

__all__ = ["Answer", "ComparePolicy", "GuardLimits", "Hedged", "MathOptions", "ParseOptions", "Rejected",
           "Unparseable", "Verdict", "answers_equal", "check", "extract_answers", "extract_reference",
           "parse_answer", "parse_reference"]
