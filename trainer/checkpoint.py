"""Atomic checkpoints: trainable weights, optimizer, scheduler, RNG streams and data position.

A checkpoint is written to a temporary directory, fsynced, then renamed into place, and only then is
`latest` (a one-line file) replaced; a run killed at any moment leaves the previous checkpoint usable.
"""
from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import numpy as np
import torch

STATE_FILE = "state.pt"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def trainable_state(model) -> dict:
    """Only parameters that train (all of them, or the LoRA adapters), plus buffers of a full fine-tune."""
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    return {k: v.detach().clone() for k, v in model.state_dict().items() if k in names}


def save_checkpoint(output_dir: str | Path, step: int, *, model, optimizer, scheduler, sampler,
                    extra: dict | None = None, keep: int = 2) -> Path:
    """Write checkpoint-<step>/ atomically and point `latest` at it; prune to the newest `keep`."""
    output_dir = Path(output_dir)
    final = output_dir / f"checkpoint-{step:07d}"
    tmp = output_dir / f".tmp-checkpoint-{step:07d}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    state = {"step": step, "model": trainable_state(model), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "rng": rng_state(), "sampler": sampler.state_dict(),
             "extra": extra or {}}
    with open(tmp / STATE_FILE, "wb") as fh:
        torch.save(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(tmp)
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    pointer = output_dir / ".latest.tmp"
    pointer.write_text(final.name + "\n")
    os.replace(pointer, output_dir / "latest")
    _fsync_dir(output_dir)
    if keep > 0:
        for old in sorted(output_dir.glob("checkpoint-*"))[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The checkpoint named in `latest`, else the newest complete checkpoint-*/ directory, else None."""
    output_dir = Path(output_dir)
    pointer = output_dir / "latest"
    if pointer.exists():
        cand = output_dir / pointer.read_text().strip()
        if (cand / STATE_FILE).exists():
            return cand
    done = [d for d in sorted(output_dir.glob("checkpoint-*")) if (d / STATE_FILE).exists()]
    return done[-1] if done else None


def load_checkpoint(path: str | Path, *, model, optimizer, scheduler, sampler) -> dict:
    """Restore everything saved by save_checkpoint; returns the state (with `step` and `extra`)."""
    state = torch.load(Path(path) / STATE_FILE, map_location="cpu", weights_only=False)
    missing = set(trainable_state(model)) - set(state["model"])
    if missing:
        raise ValueError(f"checkpoint {path} does not match the model: missing {sorted(missing)[:3]}")
    model.load_state_dict(state["model"], strict=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    sampler.load_state_dict(state["sampler"])
    set_rng_state(state["rng"])
    return state
