"""verigrade's minimal GRPO trainer: `verigrade train CONFIG` (see docs/training.md)."""
from trainer.config import ConfigError, TrainConfig, load_config

__all__ = ["ConfigError", "TrainConfig", "load_config", "train"]


def train(cfg, resume: bool = False, **kwargs):
    """Run GRPO training (imports torch lazily)."""
    from trainer.train import train as _train
    return _train(cfg, resume=resume, **kwargs)
