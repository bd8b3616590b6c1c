"""What a `verigrade serve` process serves and the limits it enforces."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graders.base import Grader
from graders.spec import SpecError, load_grader


@dataclass
class ServiceConfig:
    """Graders by name plus the service's limits. Every limit is enforced per request."""

    graders: dict[str, Grader]
    token: str | None = None                  # bearer token; None = no auth (loopback only)
    workers: int | None = None                # grading worker pool size (None: CPU count)
    max_body_bytes: int = 32 * 1024 * 1024    # 413 above this
    max_batch: int = 4096                     # rows per request; 422 above this
    max_queue: int = 16384                    # samples admitted and not finished; 429 above this
    deadline_s: float = 120.0                 # per request; unfinished samples become `timeout` results
    threads: int | None = None                # concurrent grading calls (None: 2 x workers, at least 4)
    threads_per_request: int | None = None    # threads for one batch of an in-process grader: raise it for
                                              # I/O-bound graders (HTTP judges); CPU-bound ones gain nothing
    openrlhf_grader: str | None = None        # grader behind /get_reward (None: the only one served)
    label_key: str = "answer"                 # a non-object OpenRLHF/verl label goes to item[label_key]
    strip_tokens: tuple[str, ...] = (         # removed from the end of an OpenRLHF query's response
        "<|im_end|>", "<|endoftext|>", "</s>", "<|eot_id|>", "<|end_of_text|>", "<eos>", "<end_of_turn>",
        "<|end|>", "<|eom_id|>", "<pad>", "<|pad|>")
    allow_request_judge_models: bool = False  # OpenAI /run graders may name any judge model (SSRF, spend)
    ray_address: str | None = None           # set: batches run on Ray ("" = local Ray / RAY_ADDRESS)
    grader_cache_size: int = 128              # request-borne graders kept built (OpenAI run/validate)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.max_batch > self.max_queue:
            raise ValueError(f"max_batch ({self.max_batch}) must not exceed max_queue ({self.max_queue}): "
                             "a batch larger than the queue could never be admitted")
        if self.deadline_s <= 0 or not math.isfinite(self.deadline_s):
            raise ValueError("deadline_s must be a positive number of seconds")
        if self.openrlhf_grader is not None and self.openrlhf_grader not in self.graders:
            raise ValueError(f"--openrlhf-grader {self.openrlhf_grader!r} is not served "
                             f"(served: {', '.join(sorted(self.graders)) or 'none'})")

    @property
    def thread_count(self) -> int:
        return self.threads or max(4, 2 * (self.workers or os.cpu_count() or 1))

    def reward_grader(self) -> Grader | None:
        """The grader behind `/get_reward`: the one named at start, else the only one served."""
        if self.openrlhf_grader:
            return self.graders[self.openrlhf_grader]
        if len(self.graders) == 1:
            return next(iter(self.graders.values()))
        return None


def load_served_graders(sources: list[str | Path]) -> dict[str, Grader]:
    """Load spec files and directories (every `*.json` in them) into `{name: grader}`.

    Raises SpecError naming the file for a bad spec or for two specs with the same name."""
    graders: dict[str, Grader] = {}
    origin: dict[str, str] = {}
    for source in sources:
        path = Path(source)
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        if path.is_dir() and not files:
            raise SpecError(f"no *.json grader specs in directory {path}")
        for spec_path in files:
            grader = load_grader(spec_path)
            if grader.name in graders:
                raise SpecError(f"grader name {grader.name!r} is also used by {origin[grader.name]}",
                                str(spec_path))
            graders[grader.name] = grader
            origin[grader.name] = str(spec_path)
    return graders
