"""OpenAI grader messages, prepared for a model: templates rendered, then shaped for a backend.

A grader spec's `input` messages are `{"role", "content"}` with `content` a string, one content part or a
list of parts (`input_text` / `output_text` / `input_image` / `input_audio`). `render_messages` renders the
templates in their text; the local backend reads them as plain chat (`plain_chat_messages`: text only,
developer -> system); HTTP backends send them as chat-completions messages (`wire_messages`).
"""
from __future__ import annotations

import json
from typing import Any, Callable

from graders.sample import message_text


def render_messages(messages: list[dict[str, Any]], render: Callable[[str], str]) -> list[dict[str, Any]]:
    """Render the templates inside the messages (string content or text parts); content becomes str or a list."""
    out = []
    for msg in messages:
        content = msg.get("content", "")
        if isinstance(content, str):
            content = render(content)
        else:
            parts = content if isinstance(content, list) else [content]
            content = [dict(p, text=render(p["text"])) if "text" in p else dict(p) for p in parts]
        out.append({"role": msg.get("role", "user"), "content": content})
    return out


def plain_chat_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Messages -> plain {role, content} chat messages for a chat template (text only, developer -> system)."""
    out = []
    for msg in messages:
        role = msg.get("role", "user")
        out.append({"role": "system" if role == "developer" else role, "content": message_text(msg)})
    return out


def _wire_part(part: Any) -> Any:
    """OpenAI grader content part -> chat-completions content part."""
    if not isinstance(part, dict):
        return {"type": "text", "text": str(part)}
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "text": part.get("text", "")}
    if kind == "input_image":
        image = {"url": part.get("image_url", ""), "detail": part.get("detail", "auto")}
        return {"type": "image_url", "image_url": image}
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": part.get("input_audio", {})}
    return {"type": "text", "text": json.dumps(part)}


def wire_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages -> chat-completions messages (all-text parts joined into one string)."""
    out = []
    for msg in messages:
        content = msg.get("content", "")
        if isinstance(content, dict):
            content = [content]
        if isinstance(content, list):
            parts = [_wire_part(p) for p in content]
            content = "".join(p["text"] for p in parts) if all(p["type"] == "text" for p in parts) else parts
        out.append({"role": msg.get("role", "user"), "content": content})
    return out
