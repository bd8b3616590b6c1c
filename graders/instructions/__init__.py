"""Instruction-following checks: all 25 IFEval instruction ids and IFBench's offline-checkable ones.

    from graders.instructions import bind, all_instructions
    bind("punctuation:no_comma")("no commas here")            # True
    bind("length_constraints:number_words", {"num_words": 3, "relation": "at least"})("two words")  # False
    bind("punctuation:no_comma", semantics="robust")("one， two")   # False (the reference says True)

Modules: `text` (word/sentence counting), `language` (deterministic langdetect), `registry` (id -> checker
and kwargs schema), `evaluate` (instruction lists, strict/loose), one module per family (`ifeval_*`,
`ifbench_*`), and the robust semantics: `robust_text` (normalisation, words, look-alikes) and
`robust_ifeval_*` (the robust rule of each IFEval id). The grader type is `graders/types/instruction_following.py`.
"""
from graders.instructions.evaluate import (
    MODES, SCORINGS, BoundInstruction, InstructionListError, PreparedResponse, bind_instructions, is_followed,
    parse_instruction_list, prepare_response)
from graders.instructions.registry import (
    SEMANTICS, InstructionDef, InstructionError, Param, RobustDef, all_instructions, bind, ensure_loaded,
    validate_kwargs)

__all__ = [
    "MODES", "SCORINGS", "SEMANTICS", "BoundInstruction", "InstructionDef", "InstructionError",
    "InstructionListError", "Param", "PreparedResponse", "RobustDef", "all_instructions", "bind",
    "bind_instructions", "ensure_loaded", "is_followed", "parse_instruction_list", "prepare_response",
    "validate_kwargs",
]
