"""Shared machinery of the model-graded types (`score_model`, `label_model`, `judge`).

A subclass turns a sample into a forced-choice `Request` (`prepare`) and a backend `Reply` into a
`GradeResult` (`interpret`). This class does the rest: hardening gates decided before any model call,
the result cache, one backend call per batch (one forward pass per micro-batch locally, bounded
concurrency over HTTP), and turning backend failures into statuses.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from graders.base import Grader, failure_from_exception
from graders.judges.backends import BackendFailure, BackendOptions, Reply, Request, get_backend, resolve_model
from graders.judges.cache import cache_key, shared_cache
from graders.judges.hardening import HardeningConfig, Screened, screen
from graders.result import GradeResult


@dataclass
class Prepared:
    """A sample that needs the judge model."""

    request: Request
    details: dict[str, Any] = field(default_factory=dict)


def screened_failure(s: Screened) -> GradeResult:
    """The result of a hardening gate that decided without the model (`details.decided_by` = "gate")."""
    details = {"decided_by": "gate", "gate_rule": s.rule or "content", "flags": s.flags}
    if s.final_answer is not None:
        details["final_answer"] = s.final_answer
    if s.verdict == "mismatch":
        return GradeResult(score=0.0, reason=s.reason, details=details)
    reason = s.reason if s.reason.startswith("decided by gate") else f"decided by gate ({details['gate_rule']}): {s.reason}"
    return GradeResult.failure(s.verdict or "rejected", reason, **details)


class ModelGrader(Grader):
    """Base of the judge types; not registered itself."""

    isolated: ClassVar[bool] = False  # the torch model lives in this process; batching does the speed-up
    default_timeout_s: ClassVar[float] = 60.0

    def setup(self) -> None:
        raw = dict(self.spec.get("backend_options") or {})
        known = {f.name for f in fields(BackendOptions)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise self.spec_error("backend_options", f"unknown option(s) {unknown}; known: {sorted(known)}")
        if "timeout_s" in self.spec and "request_timeout_s" not in raw:
            raw["request_timeout_s"] = float(self.spec["timeout_s"])
        self.backend_options = BackendOptions(**raw)
        self.model_string = resolve_model(self.spec.get("model"))
        if self.model_string.startswith("local:"):
            name = self.model_string[len("local:"):]
            if name not in ("", "default", "smollm2-135m-instruct", "SmolLM2-135M-Instruct"):
                from graders.local_model import resolve_model_path

                try:
                    resolve_model_path(name)
                except FileNotFoundError as exc:
                    raise self.spec_error("model", str(exc)) from None
        try:
            self.hardening = HardeningConfig.from_spec(self.spec.get("hardening"))
        except TypeError as exc:
            raise self.spec_error("hardening", str(exc)) from None
        self.use_cache = bool(self.spec.get("cache", True))
        self.setup_judge()

    def setup_judge(self) -> None:
        """Type-specific setup (read fields, raise `self.spec_error`)."""

    @property
    def backend(self):
        return get_backend(self.model_string, self.backend_options)

    # -- for subclasses -------------------------------------------------------------------------------
    def prepare(self, sample: dict[str, Any], item: dict[str, Any]) -> Prepared | GradeResult:
        raise NotImplementedError

    def interpret(self, prepared: Prepared, reply: Reply) -> GradeResult:
        raise NotImplementedError

    def render_messages(self, messages: list[dict[str, Any]], sample: dict[str, Any],
                        item: dict[str, Any]) -> list[dict[str, Any]]:
        """Render the templates inside OpenAI grader messages (string content or text parts)."""
        out = []
        for msg in messages:
            content = msg.get("content", "")
            if isinstance(content, str):
                content = self.render(content, sample, item)
            else:
                parts = content if isinstance(content, list) else [content]
                content = [dict(p, text=self.render(p["text"], sample, item)) if "text" in p else dict(p)
                           for p in parts]
            out.append({"role": msg.get("role", "user"), "content": content})
        return out

    def prepare_openai_messages(self, sample: dict[str, Any], item: dict[str, Any],
                                choices: list[str]) -> Prepared | GradeResult:
        """Screen the candidate, then render the spec's OpenAI `input` messages as a choice among `choices`."""
        screened = screen(sample.get("output_text", ""), self.hardening)
        if screened.verdict is not None:
            return screened_failure(screened)
        sample = {**sample, "output_text": screened.text}
        messages = self.render_messages(self.messages, sample, item)
        return Prepared(Request(messages, choices, self.sampling), {"flags": screened.flags, "decided_by": "model"})

    # -- batching -------------------------------------------------------------------------------------
    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        return self.evaluate_batch([(sample, item)])[0]

    def evaluate_batch(self, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[GradeResult]:
        results: list[GradeResult | None] = [None] * len(pairs)
        pending: list[tuple[int, Prepared]] = []
        for i, (sample, item) in enumerate(pairs):
            try:
                prepared = self.prepare(sample, item)
            except Exception as exc:  # noqa: BLE001 - one broken sample must not unbatch the others
                prepared = failure_from_exception(exc)
            if isinstance(prepared, GradeResult):
                results[i] = prepared
            else:
                pending.append((i, prepared))
        if pending:
            self._ask(pending, results)
        return results  # type: ignore[return-value]

    def _ask(self, pending: list[tuple[int, Prepared]], results: list[GradeResult | None]) -> None:
        cache = shared_cache() if self.use_cache else None
        try:
            backend = self.backend
            model_id = backend.model_id
        except Exception as exc:  # noqa: BLE001 - e.g. a model that fails to load: a status, not a crash
            for i, _ in pending:
                results[i] = GradeResult.failure("error", f"judge backend unavailable: {exc}",
                                                 "model_grader_server_error")
            return
        replies: dict[str, Reply | BackendFailure] = {}
        cached: set[str] = set()
        keys = {i: cache_key(model_id, p.request) for i, p in pending}
        todo: dict[str, Request] = {}
        for i, prepared in pending:
            key = keys[i]
            if key in replies or key in todo:
                continue
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                replies[key] = hit
                cached.add(key)
            else:
                todo[key] = prepared.request
        if todo:
            try:
                answers = backend.choose(list(todo.values()), timeout_s=self.timeout_s)
            except Exception as exc:  # noqa: BLE001
                answers = [BackendFailure("error", f"judge backend failed: {type(exc).__name__}: {exc}")] * len(todo)
            for key, answer in zip(todo, answers):
                replies[key] = answer
                if cache is not None and isinstance(answer, Reply):
                    cache.put(key, answer)
        for i, prepared in pending:
            answer = replies[keys[i]]
            if isinstance(answer, BackendFailure):
                results[i] = GradeResult.failure(answer.status, answer.reason, answer.error_type,
                                                 model=model_id, **answer.details)
                continue
            result = self.interpret(prepared, answer)
            result.details = {**prepared.details, **result.details, "model": model_id, "method": answer.method,
                              "cached": keys[i] in cached}
            results[i] = result
