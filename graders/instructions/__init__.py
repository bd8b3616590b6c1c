"""Instruction-following checks: all 25 IFEval instruction ids and IFBench's offline-checkable ones.

    from graders.instructions import bind, all_instructions
    bind("punctuation:no_comma")("no commas here")            # True
    bind("length_constraints:number_words", {"num_words": 3, "relation": "at least"})("two words")  # False
    bind("punctuation:no_comma", semantics="robust")("one， two")   # False (the reference says True)

Modules: `text` (word/sentence counting), `language` (deterministic langdetect), `registry` (id -> checker
and kwargs schema), `evaluate` (instruction lists, strict/loose, `check_response` -> `ResponseVerdict`), one
module per family (`ifeval_*`, `ifbench_*`), `scan` (linear-time stand-ins for quadratic reference regexes),
`stopwords`, and the robust semantics: `robust_text` (normalisation, words, look-alikes), `robust_ifeval_*` and
`robust_ifbench` (the robust rules). The engine returns verdicts; the grader type
`graders/types/instruction_following.py` turns them into a `GradeResult`.
"""
from graders.instructions.evaluate import (
    MODES, SCORINGS, BoundInstruction, InstructionListError, InstructionVerdict, PreparedResponse, ResponseVerdict,
    bind_instructions, check_response, is_followed, parse_instruction_list, prepare_response, warm_up)
from graders.instructions.registry import (
    SEMANTICS, InstructionDef, InstructionError, Param, RobustDef, all_instructions, bind, ensure_loaded,
    validate_kwargs)

__all__ = [
    "MODES", "SCORINGS", "SEMANTICS", "BoundInstruction", "InstructionDef", "InstructionError",
    "InstructionListError", "InstructionVerdict", "Param", "PreparedResponse", "ResponseVerdict", "RobustDef",
    "all_instructions", "bind", "bind_instructions", "check_response", "ensure_loaded", "is_followed",
    "parse_instruction_list", "prepare_response", "validate_kwargs", "warm_up",
]
