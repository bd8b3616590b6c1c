"""Where completions come from: the trainer's KV-cached sampler on a local model, or any OpenAI-compatible
chat-completions server (vLLM, llama.cpp, `verigrade serve-judge`, OpenAI) over httpx with a concurrency limit,
per-request timeout and retries with exponential backoff. A generation that still fails is returned as a
completion with `error` set (graded as status `error`), never raised."""
from __future__ import annotations

import asyncio
import os
import random
from dataclasses import dataclass
from typing import Any, Callable

from graders.evaluation.data import Prompt

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
MAX_BACKOFF_S = 30.0


@dataclass
class Completion:
    """One generated completion; `finish_reason` is stop, length or error."""

    text: str
    finish_reason: str = "stop"
    tokens: int | None = None
    error: str | None = None


def is_remote(model: str) -> bool:
    return model.startswith(("http://", "https://"))


class LocalGenerator:
    """k samples per prompt from a local causal LM (the embedded default, a transformers directory or a .gguf)
    with trainer/generate.py; temperature 0 is greedy (one completion, repeated k times)."""

    def __init__(self, model: str = "default", *, max_tokens: int = 256, temperature: float = 1.0,
                 top_p: float = 1.0, seed: int = 0, batch_rows: int = 32, threads: int | None = None):
        import torch

        from graders.models.embedded import load_causal_lm
        from trainer.modeling import eos_ids

        if threads:
            torch.set_num_threads(threads)
        self.model, self.tokenizer = load_causal_lm(None if model == "default" else model)
        self.model.eval()
        self.eos, self.pad = eos_ids(self.tokenizer, self.model), self.tokenizer.pad_token_id
        self.max_tokens, self.temperature, self.top_p = max_tokens, temperature, top_p
        self.batch_rows = max(1, batch_rows)
        self.generator = torch.Generator().manual_seed(seed)
        self.name = model

    def _encode(self, prompt: Prompt) -> list[int]:
        from trainer.data import render_prompt

        messages = [{**m, "role": "system" if m["role"] == "developer" else m["role"]} for m in prompt.messages]
        text = render_prompt(self.tokenizer, messages)
        special = not getattr(self.tokenizer, "chat_template", None)
        return self.tokenizer(text, add_special_tokens=special)["input_ids"]

    def generate(self, prompts: list[Prompt], k: int, done: Callable[[int], None] = lambda n: None
                 ) -> list[list[Completion]]:
        from trainer.generate import generate

        greedy = self.temperature == 0
        per_prompt = 1 if greedy else k
        step = max(1, self.batch_rows // per_prompt)
        out: list[list[Completion]] = []
        for start in range(0, len(prompts), step):
            chunk = prompts[start:start + step]
            roll = generate(self.model, [self._encode(p) for p in chunk], max_new_tokens=self.max_tokens,
                            eos_token_ids=self.eos, pad_token_id=self.pad, num_generations=per_prompt,
                            temperature=self.temperature or 1.0, top_p=self.top_p, greedy=greedy,
                            generator=self.generator)
            lengths = roll.completion_mask.sum(-1).tolist()
            texts = [self.tokenizer.decode(ids[m.bool()].tolist(), skip_special_tokens=True)
                     for ids, m in zip(roll.completion_ids, roll.completion_mask)]
            for i in range(len(chunk)):
                rows = range(i * per_prompt, (i + 1) * per_prompt)
                group = [Completion(texts[j], "length" if bool(roll.truncated[j]) else "stop", int(lengths[j]))
                         for j in rows]
                out.append(group * k if greedy else group)
            done(len(chunk))
        return out


class OpenAIGenerator:
    """k samples per prompt from `POST {base_url}/chat/completions`. Asks for `n` = the samples still missing
    (servers that ignore `n` answer one at a time; after a server rejects `n` > 1 with a 400/422, every later
    request asks for one), each request with its own `seed` when a seed is given."""

    def __init__(self, base_url: str, *, model_name: str | None = None, api_key_env: str | None = "OPENAI_API_KEY",
                 max_tokens: int = 256, temperature: float = 1.0, top_p: float = 1.0, seed: int | None = 0,
                 concurrency: int = 8, retries: int = 4, timeout_s: float = 120.0, backoff_s: float = 0.5):
        self.base_url = base_url.rstrip("/")
        self.api_key = os.environ.get(api_key_env) if api_key_env else None
        self.max_tokens, self.temperature, self.top_p, self.seed = max_tokens, temperature, top_p, seed
        self.concurrency, self.retries = max(1, concurrency), max(0, retries)
        self.timeout_s, self.backoff_s = timeout_s, backoff_s
        self.model_name = model_name
        self.name = base_url
        self.requests = 0  # HTTP requests sent, retries included
        self.one_at_a_time = False  # set when the server refuses n > 1 (llama.cpp's server does)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    async def _served_model(self, client) -> str:
        """The server's first model id (GET /models), or 'default' when it doesn't say."""
        try:
            reply = await client.get(f"{self.base_url}/models", headers=self._headers())
            data = reply.json().get("data") or []
            return str(data[0]["id"]) if reply.status_code == 200 and data else "default"
        except Exception:  # noqa: BLE001 - servers without /models still serve completions
            return "default"

    async def _post(self, client, body: dict[str, Any]) -> dict[str, Any]:
        """One chat-completions call with retries; raises RuntimeError with the last failure."""
        import httpx

        last = "no attempt"
        for attempt in range(self.retries + 1):
            wait = min(MAX_BACKOFF_S, self.backoff_s * 2 ** attempt) * (0.5 + random.random())
            try:
                self.requests += 1
                reply = await client.post(f"{self.base_url}/chat/completions", json=body, headers=self._headers())
            except httpx.TimeoutException:
                last = f"no reply within {self.timeout_s:g}s"
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if reply.status_code == 200:
                    try:
                        return reply.json()
                    except ValueError:
                        last = "the reply is not JSON"
                else:
                    last = f"HTTP {reply.status_code}: {reply.text[:300]}"
                    if reply.status_code not in RETRY_STATUS:
                        raise RuntimeError(last)
                    after = reply.headers.get("Retry-After", "")
                    if after.replace(".", "", 1).isdigit():
                        wait = min(60.0, float(after))
            if attempt < self.retries:
                await asyncio.sleep(wait)
        raise RuntimeError(f"{last} (after {self.retries + 1} attempts)")

    async def _complete(self, client, sem, prompt: Prompt, k: int) -> list[Completion]:
        got: list[Completion] = []
        while len(got) < k:
            body: dict[str, Any] = {"model": self.model_name, "messages": prompt.messages,
                                    "max_tokens": self.max_tokens, "temperature": self.temperature,
                                    "top_p": self.top_p}
            if not self.one_at_a_time:
                body["n"] = k - len(got)
            if self.seed is not None:  # distinct per request, so seed-honouring servers give distinct samples
                body["seed"] = self.seed + prompt.line * 1009 + len(got)
            try:
                async with sem:
                    data = await self._post(client, body)
                choices = data.get("choices") or []
                if not choices:
                    raise RuntimeError("the reply has no choices")
            except RuntimeError as exc:
                if body.get("n", 1) > 1 and str(exc).startswith(("HTTP 400", "HTTP 422")):
                    self.one_at_a_time = True  # ask again for a single sample
                    continue
                return got + [Completion("", "error", None, str(exc)) for _ in range(k - len(got))]
            usage = data.get("usage") or {}
            for choice in choices[:k - len(got)]:
                msg = choice.get("message") or {}
                text = msg.get("content") if isinstance(msg.get("content"), str) else ""
                tokens = usage.get("completion_tokens") if len(choices) == 1 else None
                got.append(Completion(text, choice.get("finish_reason") or "stop", tokens))
        return got

    async def _run(self, prompts: list[Prompt], k: int, done: Callable[[int], None]):
        import httpx

        sem = asyncio.Semaphore(self.concurrency)
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        async with httpx.AsyncClient(timeout=self.timeout_s, limits=limits) as client:
            if self.model_name is None:
                self.model_name = await self._served_model(client)

            async def one(p: Prompt) -> list[Completion]:
                res = await self._complete(client, sem, p, k)
                done(1)
                return res
            return await asyncio.gather(*(one(p) for p in prompts))

    def generate(self, prompts: list[Prompt], k: int, done: Callable[[int], None] = lambda n: None
                 ) -> list[list[Completion]]:
        return list(asyncio.run(self._run(prompts, k, done)))
