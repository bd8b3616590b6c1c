"""The judge engine: hardening gates, the reply cache and one backend call per batch; it returns verdicts.

A `JudgeEngine` holds one grader's model settings. Per sample, `screen()` decides what a rule can decide
(a `Screened` verdict, see `hardening`); what is left is asked as a forced-choice `Request` (the judge's
prompt is in `prompts`), and `ask()` answers a batch of requests with one `Judgement` each: the model's
reply (from the cache, or from one backend call for the whole batch: one forward pass per micro-batch
locally, bounded concurrency over HTTP), or the failure that stopped it. `prompts.read_*` read a value
(P(Yes), a label, a score) from a reply. Nothing here builds a GradeResult: the model-graded types in
`graders/types/` do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graders.judges.cache import cache_key, shared_cache
from graders.judges.hardening import HardeningConfig, Screened, screen
from graders.models.interface import Backend, BackendFailure, BackendOptions, Reply, Request
from graders.models.routing import canonical_model, model_backend_for


@dataclass
class Judgement:
    """The judge model's answer to one request, or why there is none (`status` error / timeout)."""

    model: str                        # the backend's model id ("" if the backend could not be set up)
    reply: Reply | None = None
    cached: bool = False              # the reply came from the cache
    status: str = "ok"                # ok | error | timeout
    reason: str = ""                  # why it failed
    error_type: str | None = None     # OpenAI-style error flag of a failure
    details: dict[str, Any] = field(default_factory=dict)  # failure extras (http_status, deadline_s, ...)


class JudgeEngine:
    """Gates, cache and backend for one model setting (`model`, `backend_options`, `hardening`, `cache`)."""

    def __init__(self, model: str | None, options: BackendOptions = BackendOptions(),
                 hardening: HardeningConfig = HardeningConfig(), use_cache: bool = True,
                 timeout_s: float | None = None):
        self.model = canonical_model(model)
        self.options = options
        self.hardening = hardening
        self.use_cache = use_cache
        self.timeout_s = timeout_s

    @property
    def backend(self) -> Backend:
        return model_backend_for(self.model, self.options)

    def screen(self, candidate: str, reference: str | None = None, question: str | None = None) -> Screened:
        """The hardening gates on `candidate`: a verdict, or (`verdict` None) the text the model should see."""
        return screen(candidate, self.hardening, reference=reference, question=question)

    def ask(self, requests: list[Request]) -> list[Judgement]:
        """One judgement per request, in order: cached replies reused, duplicates asked once, the rest in one
        backend call. Never raises: a backend that fails to load or answer gives failed judgements."""
        try:
            backend = self.backend
            model_id = backend.model_id
        except Exception as exc:  # noqa: BLE001 - e.g. a model that fails to load: a status, not a crash
            failed = Judgement("", status="error", reason=f"judge backend unavailable: {exc}",
                               error_type="model_grader_server_error")
            return [failed] * len(requests)
        cache = shared_cache() if self.use_cache else None
        keys = [cache_key(model_id, r) for r in requests]
        replies: dict[str, Reply | BackendFailure] = {}
        cached: set[str] = set()
        todo: dict[str, Request] = {}
        for key, request in zip(keys, requests):
            if key in replies or key in todo:
                continue
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                replies[key] = hit
                cached.add(key)
            else:
                todo[key] = request
        if todo:
            try:
                answers = backend.choose(list(todo.values()), timeout_s=self.timeout_s)
            except Exception as exc:  # noqa: BLE001
                answers = [BackendFailure("error", f"judge backend failed: {type(exc).__name__}: {exc}")] * len(todo)
            for key, answer in zip(todo, answers):
                replies[key] = answer
                if cache is not None and isinstance(answer, Reply):
                    cache.put(key, answer)
        out = []
        for key in keys:
            answer = replies[key]
            if isinstance(answer, BackendFailure):
                out.append(Judgement(model_id, status=answer.status, reason=answer.reason,
                                     error_type=answer.error_type, details=dict(answer.details)))
            else:
                out.append(Judgement(model_id, reply=answer, cached=key in cached))
        return out
