"""Normalising what a model produced into OpenAI's `sample` object."""
from __future__ import annotations

import json
from typing import Any


def message_text(message: Any) -> str:
    """Text of a chat message whose content is a string or a list of content parts."""
    content = message.get("content", "") if isinstance(message, dict) else message
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    return "" if content is None else str(content)


def reject_json_constant(name: str):
    """`parse_constant` hook for `json.loads`: `NaN`, `Infinity` and `-Infinity` are not JSON."""
    raise ValueError(f"{name} is not valid JSON")


def normalize_sample(sample: Any) -> dict[str, Any]:
    """Return a sample dict with at least `output_text`.

    A bare string is shorthand for `{"output_text": s}`; a list of chat messages (TRL's conversational
    completions) uses the last message's text. `output_json` is filled when the text is a JSON object or
    array and the sample didn't give one (as OpenAI's run endpoint does).
    """
    if isinstance(sample, str):
        out: dict[str, Any] = {"output_text": sample}
    elif isinstance(sample, list):
        out = {"output_text": message_text(sample[-1]) if sample else "", "messages": sample}
    elif isinstance(sample, dict):
        out = dict(sample)
        if "output_text" not in out:
            if out.get("choices"):
                first = out["choices"][0]
                msg = first.get("message", first) if isinstance(first, dict) else first
                out["output_text"] = message_text(msg)
            elif "content" in out:
                out["output_text"] = message_text(out)
            else:
                raise ValueError("sample object has no 'output_text' (nor 'choices' or 'content')")
        if not isinstance(out["output_text"], str):
            raise ValueError(f"sample.output_text must be a string, got {type(out['output_text']).__name__}")
    else:
        raise ValueError(f"sample must be a string, an object or a list of messages, got {type(sample).__name__}")
    if "output_json" not in out:
        text = out["output_text"].strip()
        if text[:1] in "{[":
            try:
                parsed = json.loads(text, parse_constant=reject_json_constant)
            except (ValueError, RecursionError):  # "[" * 5000 is a sample to grade, not a crash
                parsed = None
            if isinstance(parsed, (dict, list)):
                out["output_json"] = parsed
    return out
