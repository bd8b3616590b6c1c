"""The shared base of the model-graded types (`graders/types/{judge,score_model,label_model}.py`).

This is the types' side of the judges, the one module here that builds GradeResults (it lives here because
grader type modules don't import each other). A subclass reads its own fields (`setup_fields`), turns a
sample into a forced-choice `Request` or a gate verdict (`prepare`), and a model `Judgement` into a result
(`interpret`). This base reads the common fields (`model`, `backend_options`, `hardening`, `cache`) into a
`JudgeEngine`, makes one engine call per batch, and turns gate verdicts and failed judgements into results.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from graders.base import Grader, failure_from_exception
from graders.judges.engine import JudgeEngine, Judgement
from graders.judges.hardening import HardeningConfig, Screened
from graders.models.interface import Backend, BackendOptions, Request
from graders.models.messages import media_parts, render_messages
from graders.models.routing import canonical_model, check_model
from graders.result import GradeResult


@dataclass
class Prepared:
    """A sample that needs the judge model: its request, and details its result will carry."""

    request: Request
    details: dict[str, Any] = field(default_factory=dict)


def gate_result(s: Screened) -> GradeResult:
    """The result of a hardening gate that decided without the model (`details.decided_by` = "gate")."""
    details = {"decided_by": "gate", "gate_rule": s.rule or "content", "flags": s.flags}
    if s.final_answer is not None:
        details["final_answer"] = s.final_answer
    if s.verdict == "mismatch":
        return GradeResult(score=0.0, reason=s.reason, details=details)
    reason = s.reason
    if not reason.startswith("decided by gate"):
        reason = f"decided by gate ({details['gate_rule']}): {reason}"
    return GradeResult.failure(s.verdict or "rejected", reason, **details)


def failure_result(j: Judgement) -> GradeResult:
    """The result of a request the model could not answer (backend down, timeout, load failure)."""
    extra = {"model": j.model, **j.details} if j.model else dict(j.details)
    return GradeResult.failure(j.status, j.reason, j.error_type, **extra)


class ModelGradedGrader(Grader):
    """Base of the model-graded types; not registered itself."""

    # in the calling process: the torch model is loaded there once (batching is the speed-up), and the engine
    # keeps the total deadline itself
    isolation: ClassVar[str] = "none"
    default_timeout_s: ClassVar[float] = 60.0

    def setup(self) -> None:
        raw = dict(self.spec.get("backend_options") or {})
        known = {f.name for f in fields(BackendOptions)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise self.spec_error("backend_options", f"unknown option(s) {unknown}; known: {sorted(known)}")
        if "timeout_s" in self.spec and "request_timeout_s" not in raw:
            raw["request_timeout_s"] = float(self.spec["timeout_s"])
        try:
            check_model(self.spec.get("model"))
        except FileNotFoundError as exc:
            raise self.spec_error("model", str(exc)) from None
        try:
            hardening = HardeningConfig.from_spec(self.spec.get("hardening"))
        except TypeError as exc:
            raise self.spec_error("hardening", str(exc)) from None
        self.engine = JudgeEngine(self.spec.get("model"), BackendOptions(**raw), hardening,
                                  use_cache=bool(self.spec.get("cache", True)), timeout_s=self.timeout_s)
        # OpenAI returns unset fields as null (`sampling_params: null`, `"seed": null`): null means unset
        self.sampling = {k: v for k, v in (self.spec.get("sampling_params") or {}).items() if v is not None}
        self.setup_fields()
        self.check_media(getattr(self, "messages", None) or [])

    def setup_fields(self) -> None:
        """Type-specific setup (read fields, raise `self.spec_error`)."""

    def check_media(self, messages: list[dict[str, Any]]) -> None:
        """Refuse image and audio parts the chosen backend can't take (a spec error naming the part).

        The local models read text only; an OpenAI-compatible server gets images and audio as
        chat-completions parts, but none of our backends can reach a file in OpenAI's storage (`file_id`)."""
        model = canonical_model(self.spec.get("model"))
        for part in media_parts(messages):
            where = part.pointer.removeprefix("/input")
            if part.file_id_only:
                raise self.spec_error(f"input{where}", "an input_image given only by file_id names a file in "
                                      "OpenAI's file storage, which no verigrade backend can read; give its "
                                      "image_url (an https: URL or a data: URL with the base64 image)")
            if model.startswith("local:"):
                raise self.spec_error(f"input{where}", f"{part.kind} parts need a model that takes them: "
                                      f"{model} reads text only; point `model` at an OpenAI-compatible server "
                                      "(http://HOST:PORT/v1#MODEL, or openai:MODEL) that serves a vision or "
                                      "audio model")

    @property
    def backend(self) -> Backend:
        return self.engine.backend

    # -- for subclasses -------------------------------------------------------------------------------
    def prepare(self, sample: dict[str, Any], item: dict[str, Any]) -> Prepared | Screened | GradeResult:
        """A request for the model, a gate verdict (`Screened` with a verdict), or a result already."""
        raise NotImplementedError

    def interpret(self, prepared: Prepared, judgement: Judgement) -> GradeResult:
        """The result of an answered request (`judgement.reply` is set)."""
        raise NotImplementedError

    def prepare_openai_messages(self, sample: dict[str, Any], item: dict[str, Any],
                                choices: list[str]) -> Prepared | Screened:
        """Screen the candidate, then render the spec's OpenAI `input` messages as a choice among `choices`."""
        screened = self.engine.screen(sample.get("output_text", ""))
        if screened.verdict is not None:
            return screened
        sample = {**sample, "output_text": screened.text}
        messages = render_messages(self.messages, lambda text: self.render(text, sample, item))
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
            if isinstance(prepared, Screened):
                results[i] = gate_result(prepared)
            elif isinstance(prepared, GradeResult):
                results[i] = prepared
            else:
                pending.append((i, prepared))
        judgements = self.engine.ask([p.request for _, p in pending]) if pending else []
        for (i, prepared), judgement in zip(pending, judgements):
            if judgement.reply is None:
                results[i] = failure_result(judgement)
                continue
            result = self.interpret(prepared, judgement)
            result.details = {**prepared.details, **result.details, "model": judgement.model,
                              "method": judgement.reply.method, "cached": judgement.cached}
            results[i] = result
        return results  # type: ignore[return-value]
