"""Model-graded rewards: judge backends, prompts, hardening and cache behind `score_model`, `label_model`
and `judge` (see docs/judges.md)."""
from graders.judges.hardening import HardeningConfig, screen

__all__ = ["HardeningConfig", "screen"]
