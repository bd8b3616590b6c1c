"""In-process transformers backend: choice probabilities from one forward pass per micro-batch, no generation.

Forced choice without generation: every choice string is tokenised; the probability of a choice is the
product of its token probabilities after the chat prompt (teacher forcing). Choices that share a prefix
("1" and "10", "0.1" and "0.2") are read from the same row: only the *maximal* token prefixes needed are
fed ("0." covers "0", "0.1" ... "0.9" and "1"), so yes/no and 0..9 cost one row per sample. A choice that
is a prefix of another ("1" vs "10") also needs the model to stop there: P("1") * (1 - P(next token
continues another choice)). Rows are right-padded (positions stay exact) and only the needed positions go
through the LM head, so memory stays small. `LocalModel` (one per model per process) also generates: it is
what `graders.models.server` serves.
"""
from __future__ import annotations

import copy
import math
import threading
import time
from typing import Any

from graders.models.embedded import cache_keyword, checkpoint_path, load_causal_lm, new_cache
from graders.models.interface import BackendFailure, Reply, Request
from graders.models.messages import plain_chat_messages

MIN_SHARED_PREFIX = 16
_MODELS: dict[str, LocalModel] = {}
_LOADING: dict[str, tuple[threading.Event, dict[str, Any]]] = {}
_models_lock = threading.Lock()


class DeadlineExceeded(Exception):
    """Raised between decoder layers when a forward pass runs past its deadline."""


class LocalModel:
    """A causal LM loaded once per process (keyed by its name or path), shared by graders and the server."""

    def __init__(self, name_or_path: str):
        self.path = checkpoint_path(name_or_path)
        self.model, self.tokenizer = load_causal_lm(self.path)
        self.model.eval()
        self.lock = threading.Lock()  # torch forward passes are serialised; callers may be threads
        self.deadline = math.inf      # monotonic time; checked before every decoder layer (set under `lock`)
        for layer in self._decoder_layers():
            layer.register_forward_pre_hook(self._check_deadline)
        self._prefix_cache: dict[tuple[int, ...], Any] = {}
        self._last_row: list[int] | None = None

    @classmethod
    def get(cls, name_or_path: str) -> LocalModel:
        with _models_lock:
            if name_or_path not in _MODELS:
                _MODELS[name_or_path] = cls(name_or_path)
            return _MODELS[name_or_path]

    @classmethod
    def get_within(cls, name_or_path: str, timeout_s: float | None) -> LocalModel | None:
        """The model, loading it in a background thread; None if it isn't ready within `timeout_s` (the load goes
        on, so a later call finds it). A failed load raises here and is retried by the next call."""
        with _models_lock:
            if name_or_path in _MODELS:
                return _MODELS[name_or_path]
            if name_or_path not in _LOADING:
                ready, box = threading.Event(), {}

                def load() -> None:
                    try:
                        box["model"] = cls.get(name_or_path)
                    except BaseException as exc:  # noqa: BLE001 - re-raised in the waiting callers
                        box["error"] = exc
                    finally:
                        ready.set()

                _LOADING[name_or_path] = (ready, box)
                threading.Thread(target=load, daemon=True, name=f"judge-load-{name_or_path}").start()
            ready, box = _LOADING[name_or_path]
        if not ready.wait(timeout_s):
            return None
        if "error" in box:
            with _models_lock:
                _LOADING.pop(name_or_path, None)
            raise box["error"]
        return box["model"]

    def _decoder_layers(self):
        layers = getattr(self.model.base_model, "layers", None)
        return list(layers) if layers is not None else []

    def _check_deadline(self, module, args) -> None:
        if time.monotonic() > self.deadline:
            raise DeadlineExceeded("forward pass past its deadline")

    def prompt_ids(self, messages: list[dict[str, Any]]) -> list[int]:
        chat = plain_chat_messages(messages)
        if chat and chat[-1]["role"] == "assistant":  # a prefilled assistant turn: continue it
            text = self.tokenizer.apply_chat_template(chat, tokenize=False, continue_final_message=True)
        else:
            text = self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        return self.tokenizer.encode(text, add_special_tokens=False)

    def choice_logprobs(self, prompts: list[list[int]], choices: list[list[str]],
                        deadline: float = math.inf) -> list[dict[str, float]]:
        """Log-probability of every choice string after every prompt, in one forward pass.

        Raises DeadlineExceeded if the model lock or the pass itself (checked before every decoder layer) would
        run past monotonic time `deadline`."""
        import torch

        rows: list[list[int]] = []
        plans = []
        for prompt, options in zip(prompts, choices):
            seqs = {c: tuple(self.tokenizer.encode(c, add_special_tokens=False)) for c in options}
            needed = {s[:k] for s in seqs.values() for k in range(len(s))}
            needed |= {s for s in seqs.values() if any(o != s and o[:len(s)] == s for o in seqs.values())}
            probes = [p for p in needed if not any(q != p and q[:len(p)] == p for q in needed)]
            where: dict[tuple[int, ...], tuple[int, int]] = {}  # prefix -> (row, position of its next-token logits)
            for probe in probes:
                row = len(rows)
                rows.append(prompt + list(probe))
                for k in range(len(probe) + 1):
                    where.setdefault(probe[:k], (row, len(prompt) + k - 1))
            plans.append((seqs, where))
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
        index = sorted({pos for _, where in plans for pos in where.values()})
        lookup = {pos: n for n, pos in enumerate(index)}
        wait = deadline - time.monotonic()
        if not self.lock.acquire(timeout=max(0.0, min(wait, 1e6))):
            raise DeadlineExceeded("waited for the model past the deadline")
        try:
            self.deadline = deadline
            with torch.inference_mode():
                shared = self._shared_prefix(rows, limit=min(len(p) for p in prompts) - 1)
                hidden = self._hidden(ids, mask, shared)
                picked = hidden[torch.tensor([r for r, _ in index]), torch.tensor([p - shared for _, p in index])]
                logprobs = torch.log_softmax(self.model.get_output_embeddings()(picked).float(), dim=-1)
        finally:
            self.deadline = math.inf
            self.lock.release()
        out = []
        for seqs, where in plans:
            scores: dict[str, float] = {}
            for choice, seq in seqs.items():
                total = 0.0
                for k, tok in enumerate(seq):
                    total += float(logprobs[lookup[where[seq[:k]]], tok])
                longer = {o[len(seq)] for o in seqs.values() if len(o) > len(seq) and o[:len(seq)] == seq}
                if longer:  # the choice must end here, not continue into a longer choice
                    cont = float(torch.logsumexp(logprobs[lookup[where[seq]], sorted(longer)], dim=0))
                    total += math.log(max(1e-12, -math.expm1(cont)))
                scores[choice] = total
            out.append(scores)
        return out

    def _shared_prefix(self, rows: list[list[int]], limit: int) -> int:
        """How many leading tokens to encode once: those shared by the batch, or by this batch and the previous
        call (one-at-a-time grading with the same instructions reuses their cache); 0 if too short."""
        within = _common_prefix(rows, limit) if len(rows) > 1 else 0
        across = _common_prefix(rows + [self._last_row], limit) if self._last_row else 0
        self._last_row = rows[0]
        shared = max(within, across)
        return shared if shared >= MIN_SHARED_PREFIX else 0

    def _hidden(self, ids, mask, shared: int):
        """Last hidden states of `ids[:, shared:]`; the first `shared` tokens (identical in every row: the
        judge's fixed instructions) are encoded once and their key/value cache reused across the batch."""
        if not shared:
            return self.model.base_model(input_ids=ids, attention_mask=mask).last_hidden_state
        key = tuple(ids[0, :shared].tolist())
        base = self.model.base_model
        keyword = cache_keyword(base)
        cache = self._prefix_cache.get(key)
        if cache is None:
            cache = new_cache(base)
            base(input_ids=ids[:1, :shared], use_cache=True, **{keyword: cache})  # fills the cache in place
            self._prefix_cache[key] = cache
            while len(self._prefix_cache) > 8:
                self._prefix_cache.pop(next(iter(self._prefix_cache)))
        batch_cache = copy.deepcopy(cache)
        batch_cache.batch_repeat_interleave(ids.shape[0])
        out = base(input_ids=ids[:, shared:], attention_mask=mask, use_cache=True, **{keyword: batch_cache})
        return out.last_hidden_state

    def generate(self, messages: list[dict[str, Any]], max_tokens: int = 16, top_logprobs: int = 0,
                 temperature: float = 0.0, seed: int | None = None) -> dict[str, Any]:
        """Generate a reply (greedy unless temperature > 0) with per-token logprobs, OpenAI style."""
        import torch

        prompt = torch.tensor([self.prompt_ids(messages)])
        kwargs: dict[str, Any] = {"max_new_tokens": max(1, int(max_tokens)), "output_scores": True,
                                  "return_dict_in_generate": True, "pad_token_id": self.tokenizer.pad_token_id}
        if temperature and temperature > 0:
            kwargs.update(do_sample=True, temperature=float(temperature))
            if seed is not None:
                torch.manual_seed(int(seed))
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with self.lock, torch.inference_mode():
            gen = self.model.generate(prompt, attention_mask=torch.ones_like(prompt), **kwargs)
        new = gen.sequences[0, prompt.shape[1]:].tolist()
        tokens = []
        finish = "length"
        for step, tok in enumerate(new):
            if tok == self.tokenizer.eos_token_id:
                finish = "stop"
                break
            lp = torch.log_softmax(gen.scores[step][0].float(), dim=-1)
            entry = {"token": self.tokenizer.decode([tok]), "logprob": float(lp[tok]), "id": tok}
            if top_logprobs:
                vals, idx = torch.topk(lp, int(top_logprobs))
                entry["top_logprobs"] = [{"token": self.tokenizer.decode([int(i)]), "logprob": float(v)}
                                         for v, i in zip(vals, idx)]
            tokens.append(entry)
        text = self.tokenizer.decode([t["id"] for t in tokens], skip_special_tokens=True)
        return {"text": text, "tokens": tokens, "finish_reason": finish, "prompt_tokens": prompt.shape[1]}


class LocalBackend:
    """`model: "local:PATH_OR_NAME"`; the model is loaded on first use, once per process."""

    def __init__(self, name_or_path: str = "default", batch_size: int = 8):
        self.name_or_path = name_or_path
        self.batch_size = max(1, int(batch_size))
        self.model_id = f"local:{name_or_path}"

    @property
    def lm(self) -> LocalModel:
        return LocalModel.get(self.name_or_path)

    def choose(self, requests: list[Request], timeout_s: float | None = None) -> list[Reply | BackendFailure]:
        """Micro-batches of `batch_size` requests, each one forward pass; sorted by length to cut padding.

        Each micro-batch must finish within `timeout_s` of its start, waits for the model (its first load, or
        another caller's pass) included; past it, its requests are `timeout` failures. The pass is stopped
        before the next decoder layer, so the overrun is at most one layer's compute."""
        started = time.monotonic()
        lm = LocalModel.get_within(self.name_or_path, timeout_s)
        if lm is None:
            failure = BackendFailure("timeout", f"the judge model {self.name_or_path!r} was still loading after "
                                     f"the {timeout_s:g} s deadline (the load goes on in the background)",
                                     details={"deadline_s": timeout_s})
            return [failure] * len(requests)
        prompts = [lm.prompt_ids(r.messages) for r in requests]
        order = sorted(range(len(requests)), key=lambda i: len(prompts[i]))
        results: list[Reply | BackendFailure | None] = [None] * len(requests)
        for n, start in enumerate(range(0, len(order), self.batch_size)):
            chunk = order[start:start + self.batch_size]
            begun = started if n == 0 else time.monotonic()
            deadline = begun + timeout_s if timeout_s else math.inf
            try:
                scores = lm.choice_logprobs([prompts[i] for i in chunk], [requests[i].choices for i in chunk],
                                            deadline=deadline)
            except DeadlineExceeded as exc:
                failure = BackendFailure("timeout", f"local judge: {exc} ({timeout_s:g} s deadline, "
                                         f"{time.monotonic() - begun:.1f} s spent)", details={"deadline_s": timeout_s})
                for i in chunk:
                    results[i] = failure
                continue
            for i, logps in zip(chunk, scores):
                results[i] = reply_from_logprobs(logps)
        return results  # type: ignore[return-value]


def _common_prefix(rows: list[list[int]], limit: int) -> int:
    """Length of the token prefix shared by every row (at most `limit`)."""
    first = rows[0]
    n = 0
    while n < limit and all(len(r) > n and r[n] == first[n] for r in rows):
        n += 1
    return n


def reply_from_logprobs(logps: dict[str, float]) -> Reply:
    """Choice log-probabilities -> a `Reply` normalised over the choices, with the raw mass they had."""
    top = max(logps.values())
    weights = {c: math.exp(v - top) for c, v in logps.items()}
    norm = sum(weights.values())
    mass = sum(math.exp(v) for v in logps.values())
    return Reply(probs={c: w / norm for c, w in weights.items()}, mass=mass, method="logprobs")
