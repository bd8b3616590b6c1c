"""Moved to `graders.models.embedded`; this alias stays until its last importers switch (see docs/judges.md)."""
from graders.models.embedded import DEFAULT_MODEL, default_model_dir, gguf_path, load_causal_lm

__all__ = ["DEFAULT_MODEL", "default_model_dir", "gguf_path", "load_causal_lm"]
