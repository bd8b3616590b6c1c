"""Prompt data: JSONL loading with line-numbered errors, chat templating, and a resumable shuffling sampler."""
from __future__ import annotations

from pathlib import Path

import torch

from graders.jsonl import objects
from graders.models.messages import plain_chat_messages
from trainer.config import ConfigError


def load_jsonl(path: str, prompt_field: str = "prompt", what: str = "data") -> list[dict]:
    """Rows of a JSONL file; each must be an object with a text or chat-messages `prompt_field`.

    OpenAI's RFT training files work as they are: a row without `prompt_field` but with `messages` (the
    conversation, whose content may be a list of text parts) gets it as its prompt."""
    rows = []
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as exc:
        raise ConfigError(f"config field '{what}': cannot read {path}: {exc.strerror}") from None
    for lineno, row in objects(lines, path, ConfigError):
        source = prompt_field
        if prompt_field not in row and isinstance(row.get("messages"), list):
            row[prompt_field], source = row["messages"], "messages"  # an OpenAI RFT row: the conversation
        prompt = row.get(prompt_field)
        is_chat = isinstance(prompt, list) and all(isinstance(m, dict) and "content" in m for m in prompt)
        if not (isinstance(prompt, str) or is_chat):
            raise ConfigError(f"{path}:{lineno}: field '{prompt_field}' must be a string or a list of "
                              "chat messages ({role, content})")
        if is_chat:
            try:
                plain_chat_messages(prompt)
            except (ValueError, AttributeError, TypeError) as exc:
                raise ConfigError(f"{path}:{lineno}: field '{source}': {exc}") from None
        rows.append(row)
    if not rows:
        raise ConfigError(f"config field '{what}': {path} has no rows")
    return rows


def render_prompt(tokenizer, prompt, system_prompt: str | None = None) -> str:
    """The text the model continues: the chat template when the tokenizer has one, else the raw prompt."""
    if isinstance(prompt, list):  # text parts joined, developer -> system (OpenAI RFT messages)
        prompt = plain_chat_messages(prompt)
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
        if system_prompt and messages[0].get("role") != "system":
            messages = [{"role": "system", "content": system_prompt}] + messages
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    if isinstance(prompt, list):
        prompt = "\n".join(f"{m.get('role', 'user')}: {m['content']}" for m in prompt) + "\nassistant:"
    return f"{system_prompt}\n\n{prompt}" if system_prompt else prompt


class PromptSampler:
    """Yields batches of row indices, reshuffled every epoch from (seed, epoch); its state is two ints,
    so a checkpoint can restore the exact data position."""

    def __init__(self, num_rows: int, seed: int):
        self.num_rows, self.seed = num_rows, seed
        self.epoch, self.position = 0, 0

    def _order(self) -> list[int]:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        return torch.randperm(self.num_rows, generator=gen).tolist()

    def next_batch(self, size: int) -> list[int]:
        out = []
        order = self._order()
        while len(out) < size:
            if self.position >= self.num_rows:
                self.epoch, self.position = self.epoch + 1, 0
                order = self._order()
            take = min(size - len(out), self.num_rows - self.position)
            out += order[self.position:self.position + take]
            self.position += take
        return out

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.position = int(state["epoch"]), int(state["position"])
