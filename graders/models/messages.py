"""OpenAI grader messages, prepared for a model: templates rendered, then shaped for a backend.

A grader spec's `input` messages are `{"role", "content", "type"?}` (openai-python's
`score_model_grader.Input`). `content` is a string, one content part, or a list of strings and parts:
`input_text` / `output_text` (`text`), `input_image` (`image_url` or `file_id`, `detail`), `input_audio`
(`input_audio: {data, format}`); a part may carry `prompt_cache_breakpoint`, which is accepted and dropped.
This module is the one place message shapes are handled:

* `render_messages`: templates rendered in every text, image URL, file id and audio payload; content
  becomes a string or a list of dict parts (strings in a list become `input_text` parts).
* `media_parts`: the image and audio parts of spec messages, for a backend that reads text only to refuse.
* `plain_chat_messages`: the local backend's plain chat (text only, developer -> system).
* `wire_messages`: chat-completions messages for HTTP backends (images and audio passed through).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

TEXT_PARTS = ("input_text", "output_text", "text")
PART_SEPARATOR = "\n"  # between the text parts of one message: two parts never run into one word


@dataclass(frozen=True)
class MediaPart:
    """An image or audio part of a spec message: where it is (a JSON pointer below `input`) and what."""

    pointer: str
    kind: str              # "input_image" | "input_audio"
    file_id_only: bool     # an image given only by an OpenAI file id (no URL)


def content_parts(content: Any) -> list[Any]:
    """A message's content as a list: a string or one part becomes a one-item list."""
    if content is None:
        return []
    return list(content) if isinstance(content, list) else [content]


def _render_part(part: Any, render: Callable[[str], str]) -> dict[str, Any]:
    if isinstance(part, str):
        return {"type": "input_text", "text": render(part)}
    kind = part.get("type")
    if kind in TEXT_PARTS:
        return {"type": kind, "text": render(part.get("text") or "")}
    if kind == "input_image":
        out: dict[str, Any] = {"type": kind}
        for key in ("image_url", "file_id"):
            if part.get(key) is not None:
                out[key] = render(part[key])
        out["detail"] = part.get("detail") or "auto"
        return out
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        return {"type": kind, "input_audio": {"data": render(audio.get("data", "")), "format": audio.get("format")}}
    return dict(part)


def render_messages(messages: list[dict[str, Any]], render: Callable[[str], str]) -> list[dict[str, Any]]:
    """Render the templates inside the messages; content becomes a string or a list of dict parts."""
    out = []
    for msg in messages:
        content = msg.get("content", "")
        if isinstance(content, str):
            content = render(content)
        else:
            content = [_render_part(p, render) for p in content_parts(content)]
        out.append({"role": msg.get("role", "user"), "content": content})
    return out


def media_parts(messages: list[dict[str, Any]]) -> list[MediaPart]:
    """The image and audio parts of (spec or rendered) messages, with their pointers (`/input/0/content/1`)."""
    found = []
    for i, msg in enumerate(messages):
        content = msg.get("content")
        single = not isinstance(content, list)
        for j, part in enumerate(content_parts(content)):
            if isinstance(part, dict) and part.get("type") in ("input_image", "input_audio"):
                pointer = f"/input/{i}/content" + ("" if single else f"/{j}")
                file_only = part["type"] == "input_image" and part.get("image_url") is None
                found.append(MediaPart(pointer, part["type"], file_only))
    return found


def message_text(message: dict[str, Any]) -> str:
    """The text of one message: a string content, or its text parts joined by `PART_SEPARATOR`.

    Raises ValueError on an image or audio part: a text-only model must not silently lose it."""
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    texts = []
    for part in content_parts(content):
        if isinstance(part, str):
            texts.append(part)
        elif part.get("type") in TEXT_PARTS:
            texts.append(part.get("text") or "")
        else:
            raise ValueError(f"this model reads text only; it can't take the {part.get('type')!r} content part")
    return PART_SEPARATOR.join(texts)


def plain_chat_messages(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Messages -> plain {role, content} chat messages for a chat template (text only, developer -> system)."""
    out = []
    for msg in messages:
        role = msg.get("role", "user")
        out.append({"role": "system" if role == "developer" else role, "content": message_text(msg)})
    return out


def _wire_part(part: Any) -> dict[str, Any]:
    """OpenAI grader content part -> chat-completions content part."""
    if isinstance(part, str):
        return {"type": "text", "text": part}
    kind = part.get("type")
    if kind in TEXT_PARTS:
        return {"type": "text", "text": part.get("text") or ""}
    if kind == "input_image":
        if part.get("image_url") is None:
            raise ValueError("an input_image given only by file_id can't be sent as a chat-completions image")
        return {"type": "image_url", "image_url": {"url": part["image_url"], "detail": part.get("detail") or "auto"}}
    if kind == "input_audio":
        audio = part.get("input_audio") or {}
        return {"type": "input_audio", "input_audio": {"data": audio.get("data", ""), "format": audio.get("format")}}
    raise ValueError(f"unknown content part type {kind!r}")


def wire_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages -> chat-completions messages: all-text content joined into one string (every
    OpenAI-compatible server reads that), content with images or audio as a list of parts."""
    out = []
    for msg in messages:
        content = msg.get("content", "")
        if not isinstance(content, str):
            parts = [_wire_part(p) for p in content_parts(content)]
            if all(p["type"] == "text" for p in parts):
                content = PART_SEPARATOR.join(p["text"] for p in parts)
            else:
                content = parts
        out.append({"role": msg.get("role", "user"), "content": content})
    return out
