"""Instruction-following checks: all 25 IFEval instruction ids and IFBench's offline-checkable ones.

    from graders.instructions import bind, all_instructions
    bind("punctuation:no_comma")("no commas here")            # True
    bind("length_constraints:number_words", {"num_words": 3, "relation": "at least"})("two words")  # False

Modules: `text` (word/sentence counting), `language` (deterministic langdetect), `registry` (id -> checker
and kwargs schema), `evaluate` (instruction lists, strict/loose), and one module per family
(`ifeval_*`, `ifbench_*`). The grader type is `graders/types/instruction_following.py`.
"""
from graders.instructions.evaluate import (
    MODES, SCORINGS, BoundInstruction, InstructionListError, bind_instructions, is_followed,
    parse_instruction_list)
from graders.instructions.registry import (
    InstructionDef, InstructionError, Param, all_instructions, bind, ensure_loaded, validate_kwargs)

__all__ = [
    "MODES", "SCORINGS", "BoundInstruction", "InstructionDef", "InstructionError", "InstructionListError",
    "Param", "all_instructions", "bind", "bind_instructions", "ensure_loaded", "is_followed",
    "parse_instruction_list", "validate_kwargs",
]
