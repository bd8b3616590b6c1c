"""Model set-up: device/dtype choice, policy + tokenizer loading, optional LoRA, frozen reference model."""
from __future__ import annotations

import copy
import contextlib

import torch

from trainer.config import ConfigError, TrainConfig



def pick_device(cfg: TrainConfig) -> tuple[torch.device, torch.dtype]:
    """`device: auto` = CUDA with bf16 when present, else CPU with fp32."""
    if cfg.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(cfg.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"config field 'device': {cfg.device!r} asked for but CUDA is not available")
    if cfg.dtype == "auto":
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    else:
        dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[cfg.dtype]
    return device, dtype


def load_policy(cfg: TrainConfig, device: torch.device, dtype: torch.dtype):
    """(model, tokenizer) from a local transformers directory, or the embedded default SmolLM2."""
    from graders.models.embedded import is_default_model, load_causal_lm

    name = cfg.model
    if not is_default_model(name):
        name = cfg.path_from_config(name)
    try:
        model, tokenizer = load_causal_lm(name, dtype=dtype, device=str(device))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"config field 'model': cannot load {name!r}: {exc}") from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(device)
    model.config.use_cache = True
    if cfg.lora:
        model = add_lora(model, cfg.lora)
    return model, tokenizer


def add_lora(model, lora: dict):
    """Wrap the model with peft LoRA adapters; only the adapters train."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise ConfigError("config field 'lora': needs the `peft` package (pip install peft)") from None
    known = {"r", "alpha", "dropout", "target_modules"}
    unknown = sorted(set(lora) - known)
    if unknown:
        raise ConfigError(f"config field 'lora.{unknown[0]}': unknown (known: {', '.join(sorted(known))})")
    peft_cfg = LoraConfig(r=int(lora.get("r", 16)), lora_alpha=int(lora.get("alpha", 32)),
                          lora_dropout=float(lora.get("dropout", 0.0)),
                          target_modules=lora.get("target_modules", "all-linear"), task_type="CAUSAL_LM")
    return get_peft_model(model, peft_cfg)


def make_reference(model, cfg: TrainConfig):
    """The frozen reference for the KL term: None when beta = 0 (nothing is loaded or copied).

    With LoRA the reference is the same model with adapters disabled, so no second copy is kept."""
    if cfg.beta == 0.0:
        return None
    if cfg.lora:
        return model
    ref = copy.deepcopy(model).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    return ref


def reference_context(ref, model):
    """Context manager under which `ref` computes reference log-probs (adapters off for LoRA)."""
    if ref is model and hasattr(model, "disable_adapter"):
        return model.disable_adapter()
    return contextlib.nullcontext()


def eos_ids(tokenizer, model) -> list[int]:
    """Every token id that ends a completion: the tokenizer's EOS and the generation config's."""
    ids = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(gen_eos, int):
        ids.add(gen_eos)
    elif isinstance(gen_eos, (list, tuple)):
        ids.update(int(i) for i in gen_eos)
    if not ids:
        raise ConfigError("config field 'model': the tokenizer has no EOS token")
    return sorted(ids)
