"""The judge engine behind `score_model`, `label_model` and `judge` (see docs/judges.md): hardening gates
(`hardening`, and the answer gate in `answers`, `math_gate`, `text_gate`), the judge's prompts and reply
readers (`prompts`), the reply cache (`cache`), and `engine.JudgeEngine`, which returns verdicts. The models
themselves are in `graders.models`; `model_graded` is the grader types' shared base (verdicts -> GradeResult).
"""
from graders.judges.hardening import HardeningConfig, screen

__all__ = ["HardeningConfig", "screen"]
