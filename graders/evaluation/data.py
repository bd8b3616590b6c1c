"""Evaluation prompts from JSONL: the trainer's formats (`prompt` as text or chat messages, or any field such as
GSM8K's `question`) and OpenAI RFT data (`messages` + extra fields). The whole row is the grader's `item`."""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from graders.jsonl import read_objects

PROMPT_FIELDS = ("prompt", "messages", "question", "problem")


class EvalDataError(ValueError):
    """A data file that can't be evaluated; the message names the file and line."""


@dataclass
class Prompt:
    """One evaluation prompt: its 1-based line in the data file, chat messages, and the row as `item`."""

    line: int
    messages: list[dict[str, Any]]
    item: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The last user turn (what a report shows as the prompt)."""
        for msg in reversed(self.messages):
            if msg.get("role") == "user":
                return _content_text(msg.get("content"))
        return _content_text(self.messages[-1].get("content")) if self.messages else ""


def _content_text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return "" if content is None else str(content)


def _messages(value: Any, where: str, prompt_field: str) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, list) and value and all(isinstance(m, dict) and "content" in m for m in value):
        msgs = [{"role": m.get("role", "user"), "content": m["content"]} for m in value]
        while msgs and msgs[-1]["role"] == "assistant":  # an SFT-style row: its answer is not part of the prompt
            msgs.pop()
        if msgs:
            return msgs
    raise EvalDataError(f"{where}: field '{prompt_field}' must be a string or a non-empty list of chat messages "
                        "({role, content}) with at least one non-assistant turn")


def load_prompts(path: str | Path, prompt_field: str | None = None, system_prompt: str | None = None,
                 limit: int | None = None) -> list[Prompt]:
    """Prompts of a JSONL file. `prompt_field=None` picks the first of prompt, messages, question, problem."""
    path = Path(path)
    out: list[Prompt] = []
    # each row adds one prompt or raises: rows past the limit are not read at all
    for lineno, row in islice(read_objects(path, EvalDataError), limit):
        where = f"{path}:{lineno}"
        name = prompt_field or next((f for f in PROMPT_FIELDS if f in row), None)
        if name is None or name not in row:
            hint = " ('sample' rows are for `verigrade score`)" if "sample" in row else ""
            wanted = f"'{prompt_field}'" if prompt_field else "one of " + ", ".join(PROMPT_FIELDS)
            raise EvalDataError(f"{where}: no prompt field: expected {wanted}{hint}; set it with --prompt-field")
        messages = _messages(row[name], where, name)
        if system_prompt and messages[0]["role"] not in ("system", "developer"):
            messages = [{"role": "system", "content": system_prompt}] + messages
        out.append(Prompt(lineno, messages, row))
    if not out:
        raise EvalDataError(f"{path} has no rows")
    return out
