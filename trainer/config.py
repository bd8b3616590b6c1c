"""Training configuration: one flat dataclass, loaded from YAML/JSON, overridable with `--set key=value`.

Every field is documented in docs/training.md. Nested values (the inline `grader` spec, `lora`) are plain
dicts; `--set lora.r=16` or `--set grader.operation=eq` reaches into them with dotted keys.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A bad training config; the message names the offending field (and file, when there is one)."""


@dataclass
class TrainConfig:
    # what to train, on what, against which grader
    model: str = "default"                 # local transformers dir, or "default" = embedded SmolLM2-135M-Instruct
    data: str = ""                         # JSONL: `prompt` (text or chat messages) + any fields the grader reads
    eval_data: str | None = None           # JSONL evaluated with greedy decoding at start, every eval_steps, at end
    grader: Any = None                     # grader spec: path to a JSON file or an inline dict
    output_dir: str = "runs/grpo"
    prompt_field: str = "prompt"
    system_prompt: str | None = None       # prepended as a system message when the model has a chat template
    max_prompt_length: int = 512           # prompts longer than this (in tokens) are left-truncated
    # steps and batch
    seed: int = 0
    max_steps: int = 100
    prompts_per_step: int = 4
    num_generations: int = 8               # completions per prompt (the GRPO group)
    gradient_accumulation_steps: int = 1   # micro-batches per optimizer step (same result, less memory)
    # sampling
    max_completion_length: int = 128
    temperature: float = 1.0
    top_p: float = 1.0
    # GRPO objective
    loss_type: str = "dapo"                # grpo | dr_grpo | dapo
    scale_rewards: str = "group"           # group | batch | none
    epsilon: float = 0.2
    epsilon_high: float | None = None      # None = epsilon (symmetric clip); DAPO suggests 0.28
    beta: float = 0.0                      # k3 KL coefficient to the frozen initial model; 0 = no reference model
    num_iterations: int = 1                # μ: optimizer passes over each generated batch
    mask_truncated_completions: bool = False
    skip_zero_advantage: bool = True       # skip forward/backward for zero-advantage sequences (exact when beta=0)
    # optimisation
    learning_rate: float = 1e-6
    lr_scheduler: str = "constant"         # constant | linear | cosine
    warmup_steps: int = 0
    weight_decay: float = 0.0
    adam_beta1: float = 0.9
    adam_beta2: float = 0.99
    max_grad_norm: float = 1.0
    lora: dict | None = None               # e.g. {r: 16, alpha: 32, dropout: 0.0, target_modules: all-linear}
    # hardware
    device: str = "auto"                   # auto | cpu | cuda | cuda:N
    dtype: str = "auto"                    # auto (bf16 on CUDA, fp32 on CPU) | float32 | bfloat16
    threads: int | None = None             # torch CPU threads (None = torch default)
    grader_workers: int | None = None      # passed to grader.grade_batch(workers=...)
    # evaluation, logging, checkpoints
    eval_steps: int = 0                    # 0 = only at start and end
    eval_max_items: int | None = None      # evaluate on the first N eval items
    eval_pass_k: int = 0                   # > 1: also sample k completions per eval prompt and report pass@k
    eval_max_completion_length: int | None = None
    save_steps: int = 0                    # 0 = only the final model
    save_total_limit: int = 2              # checkpoints kept on disk
    log_samples: int = 2                   # completions written to samples.jsonl per step
    save_final_model: bool = True
    progress: bool = True
    # experiment trackers (trainer/trackers.py): any of tensorboard, wandb (offline unless WANDB_MODE says
    # otherwise), trackio; each gets every metrics.jsonl value and a completions table per step
    report_to: list | str | None = field(default_factory=list)
    run_name: str | None = None            # tracker run name (default: the output_dir's name)
    tracker_project: str = "verigrade"     # wandb / trackio project

    # model/data/eval_data/grader paths resolve against the config file; output_dir against the working dir
    base_dir: str = field(default=".", repr=False)

    # ----------------------------------------------------------------------------------------------------
    def validate(self) -> "TrainConfig":
        """Check every field; raise ConfigError naming the first bad one."""
        def bad(name: str, msg: str) -> ConfigError:
            return ConfigError(f"config field '{name}': {msg} (got {getattr(self, name)!r})")

        if not self.data:
            raise bad("data", "a JSONL file of prompts is required")
        if self.grader is None or not isinstance(self.grader, (str, dict)):
            raise bad("grader", "must be a path to a grader JSON file or an inline grader spec (mapping)")
        for name in ("max_steps", "prompts_per_step", "num_generations", "gradient_accumulation_steps",
                     "max_completion_length", "num_iterations", "max_prompt_length"):
            if getattr(self, name) < 1:
                raise bad(name, "must be >= 1")
        for name in ("warmup_steps", "eval_steps", "save_steps", "log_samples", "eval_pass_k", "save_total_limit"):
            if getattr(self, name) < 0:
                raise bad(name, "must be >= 0")
        if self.num_generations < 2:
            raise bad("num_generations", "GRPO needs at least 2 completions per prompt to compare")
        if self.gradient_accumulation_steps > self.prompts_per_step * self.num_generations:
            raise bad("gradient_accumulation_steps", "cannot exceed prompts_per_step * num_generations")
        choices = {"loss_type": ("grpo", "dr_grpo", "dapo"), "scale_rewards": ("group", "batch", "none"),
                   "lr_scheduler": ("constant", "linear", "cosine"), "dtype": ("auto", "float32", "bfloat16")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise bad(name, f"must be one of {', '.join(allowed)}")
        if not (self.device in ("auto", "cpu", "cuda") or str(self.device).startswith("cuda:")):
            raise bad("device", "must be auto, cpu, cuda or cuda:N")
        if self.temperature <= 0:
            raise bad("temperature", "must be > 0 (greedy decoding is used for evaluation only)")
        if not 0 < self.top_p <= 1:
            raise bad("top_p", "must be in (0, 1]")
        if self.learning_rate <= 0:
            raise bad("learning_rate", "must be > 0")
        if not 0 <= self.epsilon < 1:
            raise bad("epsilon", "must be in [0, 1)")
        if self.epsilon_high is not None and self.epsilon_high < 0:
            raise bad("epsilon_high", "must be >= 0")
        if self.beta < 0:
            raise bad("beta", "must be >= 0")
        if self.lora is not None and not isinstance(self.lora, dict):
            raise bad("lora", "must be a mapping like {r: 16, alpha: 32} or null")
        self.report_to = self._trackers(bad)
        return self

    def _trackers(self, bad) -> list[str]:
        from trainer.trackers import TRACKERS

        value = self.report_to
        if value is None or value in ("none", "None"):
            return []
        if value == "all":
            return list(TRACKERS)
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise bad("report_to", f"must be a list of tracker names ({', '.join(TRACKERS)}), 'all' or 'none'")
        unknown = [n for n in names if n not in TRACKERS]
        if unknown:
            raise bad("report_to", f"unknown tracker {unknown[0]!r} (known: {', '.join(TRACKERS)})")
        return list(dict.fromkeys(names))

    def path_from_config(self, path: str | None) -> str | None:
        """A config path made absolute against the config file's directory."""
        if path is None:
            return None
        p = Path(path).expanduser()
        return str(p if p.is_absolute() else (Path(self.base_dir) / p))

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d.pop("base_dir")
        return d


FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig) if f.name != "base_dir"}


def _parse_value(text: str) -> Any:
    """`--set` values are YAML scalars: 1e-6 -> float, true -> bool, null -> None, [a, b] -> list."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def apply_override(raw: dict, assignment: str) -> None:
    """Apply one `key=value` (dotted key for nested mappings) to a raw config dict, in place."""
    if "=" not in assignment:
        raise ConfigError(f"--set '{assignment}': expected key=value")
    key, value = assignment.split("=", 1)
    parts = key.strip().split(".")
    if parts[0] not in FIELDS:
        raise ConfigError(f"--set '{assignment}': unknown config field '{parts[0]}'")
    node = raw
    for i, part in enumerate(parts[:-1]):
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(f"--set '{assignment}': '{'.'.join(parts[:i + 1])}' is not a mapping")
        node = nxt
    node[parts[-1]] = _parse_value(value)


def _coerce(name: str, value: Any) -> Any:
    """Light type checking against the dataclass annotation (YAML already gives real types)."""
    ann = str(FIELDS[name].type)
    base = ann.split(" | ")[0]
    if value is None:
        if "None" in ann or base == "Any":
            return None
        raise ConfigError(f"config field '{name}': must not be null")
    if base == "float" and isinstance(value, str):
        try:  # YAML 1.1 reads "1e-6" as a string
            value = float(value)
        except ValueError:
            pass
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    checks = {"int": isinstance(value, int) and not isinstance(value, bool), "float": is_number,
              "bool": isinstance(value, bool), "str": isinstance(value, str), "dict": isinstance(value, dict)}
    ok = checks.get(base, True)
    if not ok:
        raise ConfigError(f"config field '{name}': expected {base}, got {value!r}")
    return float(value) if base == "float" else value


def from_dict(raw: dict, base_dir: str = ".", source: str = "config") -> TrainConfig:
    """Build and validate a TrainConfig from a mapping; unknown keys and bad types name the field."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of config fields")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{source}: unknown config field '{unknown[0]}' (known: see docs/training.md)")
    kwargs = {name: _coerce(name, value) for name, value in raw.items()}
    try:
        return TrainConfig(base_dir=base_dir, **kwargs).validate()
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Read a YAML or JSON config file, apply `--set` overrides, validate."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None
    raw = raw or {}
    for assignment in overrides or []:
        apply_override(raw, assignment)
    return from_dict(raw, base_dir=str(path.parent.resolve()), source=str(path))
