"""The Grader base class: error capture, clamping, pass_threshold, timing, batching and isolation."""
from __future__ import annotations

import asyncio
import json
import time
import traceback
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, Iterable

from graders.errors import SpecError, TemplateError
from graders.pool import Outcome, get_pool
from graders.result import GradeResult, clamp_score
from graders.sample import normalize_sample
from graders.templates import render, render_value

Pair = tuple[dict[str, Any], dict[str, Any]]

# Where a grader's work runs, and so what bounds it:
#   "process"   every grade runs in the shared worker pool (graders.pool): hard timeout, memory cap
#   "container" the grader runs code in sandbox containers, which enforce time and memory themselves
#   "none"      in the calling process (fast, pure-Python or I/O-bound work)
ISOLATIONS = ("process", "container", "none")


class _IsolatedAlias:
    """`isolated`, the old name of `isolation == "process"`, kept for grader types written against it."""

    def __get__(self, grader: Any, cls: type) -> bool:
        return (cls if grader is None else grader).isolation == "process"

    def __set__(self, grader: Any, value: bool) -> None:
        if value:
            grader.isolation = "process"
        elif grader.isolation == "process":
            grader.isolation = "none"


class Grader:
    """Base class of every grader type. Subclasses set `type`, implement `setup()` and `evaluate()`."""

    type: ClassVar[str] = ""
    isolation: ClassVar[str] = "none"  # one of ISOLATIONS; a type may set it per instance in setup()
    default_timeout_s: ClassVar[float] = 10.0
    isolated = _IsolatedAlias()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        legacy = cls.__dict__.get("isolated")
        if isinstance(legacy, bool):  # `isolated = True` in a class body: the old spelling of "process"
            if legacy and "isolation" not in cls.__dict__:
                cls.isolation = "process"
            cls.isolated = _IsolatedAlias()
        if cls.isolation not in ISOLATIONS:
            raise TypeError(f"{cls.__name__}.isolation must be one of {ISOLATIONS}, not {cls.isolation!r}")

    def __init__(self, spec: dict[str, Any], path: str = ""):
        self.spec = spec
        self.path = path
        self.name: str = spec.get("name") or self.type
        self.pass_threshold: float | None = spec.get("pass_threshold")
        self.timeout_s = float(spec.get("timeout_s", self.default_timeout_s))
        self.setup()

    # -- for subclasses ------------------------------------------------------------------------------
    def setup(self) -> None:
        """Read type-specific fields from `self.spec` (already schema-valid)."""

    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        raise NotImplementedError

    def evaluate_batch(self, pairs: list[Pair]) -> list[GradeResult]:
        """Grade several samples; override for batched work. The default grades one at a time."""
        return [self._evaluate_safely(sample, item) for sample, item in pairs]

    def spec_error(self, field: str, message: str) -> SpecError:
        return SpecError(f"{self.path}/{field}: {message}")

    def render(self, template: str, sample: dict[str, Any], item: dict[str, Any]) -> str:
        return render(template, {"sample": sample, "item": item})

    def render_value(self, template: Any, sample: dict[str, Any], item: dict[str, Any]) -> Any:
        """The raw JSON value when `template` is exactly one `{{ ... }}` (e.g. a list of tests), else `render`."""
        return render_value(template, {"sample": sample, "item": item})

    resolve = render_value  # the old name, kept for grader types written against it

    # -- public API -----------------------------------------------------------------------------------
    def grade(self, sample: Any, item: dict[str, Any] | None = None) -> GradeResult:
        """Grade one sample against one dataset row. Never raises for a bad sample."""
        return self.grade_batch([(sample, item)])[0]

    def grade_batch(self, pairs: Iterable[Any], workers: int | None = None, executor: str | None = None,
                    address: str | None = None) -> list[GradeResult]:
        """Grade many `(sample, item)` pairs (or `{"sample", "item"}` dicts); results keep input order.

        `executor="ray"` spreads the batch over a Ray cluster (`address`; default $RAY_ADDRESS or a local
        instance): same results, same order (graders/executors/ray.py)."""
        if executor == "ray":
            from graders.executors.ray import grade_batch_on_ray  # optional dependency: imported on use

            return grade_batch_on_ray(self, pairs, address)
        if executor not in (None, "local"):
            raise ValueError(f"unknown executor {executor!r}: expected 'local' or 'ray'")
        rows = list(pairs)
        results: list[GradeResult | None] = [None] * len(rows)
        good: list[int] = []
        normalized: list[Pair] = []
        for i, row in enumerate(rows):
            try:
                sample, item = _split_row(row)
                normalized.append((normalize_sample(sample), item))
                good.append(i)
            except (ValueError, TypeError) as exc:
                results[i] = GradeResult.failure("error", f"bad sample: {exc}", "sample_parse_error")
        if normalized:
            for i, res in zip(good, self._grade_normalized(normalized, workers)):
                results[i] = res
        return results  # type: ignore[return-value]

    async def agrade(self, sample: Any, item: dict[str, Any] | None = None) -> GradeResult:
        """`grade` for async code: runs in a thread so the event loop stays free."""
        return await asyncio.to_thread(self.grade, sample, item)

    async def agrade_batch(self, pairs: Iterable[Any], workers: int | None = None) -> list[GradeResult]:
        return await asyncio.to_thread(self.grade_batch, list(pairs), workers)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def __reduce__(self):
        # graders pickle as (class, spec): caches, models and compiled state are rebuilt by setup()
        return (type(self), (self.spec, self.path))

    # -- machinery ------------------------------------------------------------------------------------
    def _grade_normalized(self, pairs: list[Pair], workers: int | None) -> list[GradeResult]:
        if self.isolation == "process":
            return self._grade_in_pool(pairs)
        start = time.perf_counter()
        if type(self).evaluate_batch is not Grader.evaluate_batch:
            try:
                raw = self.evaluate_batch(pairs)
                if len(raw) != len(pairs):
                    raise RuntimeError(f"evaluate_batch returned {len(raw)} results for {len(pairs)} samples")
            except Exception:  # noqa: BLE001 - fall back to one at a time, so one bad sample stays one
                return [self._evaluate_safely(s, i) for s, i in pairs]
            share = (time.perf_counter() - start) * 1000.0 / len(pairs)
            return [self._finish(r, share) for r in raw]
        if workers and workers > 1 and len(pairs) > 1:
            with ThreadPoolExecutor(max_workers=workers) as ex:
                return list(ex.map(lambda p: self._evaluate_safely(*p), pairs))
        return [self._evaluate_safely(s, i) for s, i in pairs]

    def _evaluate_safely(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        start = time.perf_counter()
        try:
            result = self.evaluate(sample, item)
            if not isinstance(result, GradeResult):
                result = GradeResult(score=result)
        except Exception as exc:  # noqa: BLE001 - a bad sample is a result, never an exception
            result = failure_from_exception(exc)
        return self._finish(result, (time.perf_counter() - start) * 1000.0)

    def _finish(self, result: GradeResult, elapsed_ms: float) -> GradeResult:
        if not isinstance(result, GradeResult):
            result = GradeResult(score=result)
        result = clamp_score(result)
        if not result.elapsed_ms:
            result.elapsed_ms = elapsed_ms
        if self.pass_threshold is not None:
            result.passed = result.status == "ok" and result.score >= self.pass_threshold
        return result

    def _grade_in_pool(self, pairs: list[Pair]) -> list[GradeResult]:
        spec_key = json.dumps(self.spec, sort_keys=True)
        shared = (spec_key, self.path, type(self))  # the class pickles by reference
        outcomes = get_pool().map(_pool_task, pairs, timeout_s=self.timeout_s, shared=shared)
        return [o.value if o.kind == "ok" else self._finish(failure_from_outcome(o), o.elapsed_ms) for o in outcomes]


def failure_from_outcome(outcome: Outcome) -> GradeResult:
    """The result for a pool task that did not return (`timeout`, `crash` or `error` outcome)."""
    if outcome.kind == "timeout":
        return GradeResult.failure("timeout", outcome.message)
    if outcome.kind == "crash":
        hint = "; likely memory exhaustion or a native crash" if "killed by" in outcome.message else ""
        return GradeResult.failure("error", outcome.message + hint, "other_error")
    return GradeResult.failure("error", outcome.message.splitlines()[0] if outcome.message else "error",
                               "other_error", traceback=outcome.message)


def failure_from_exception(exc: Exception) -> GradeResult:
    """The result for an exception raised while grading one sample; call it inside the `except` block."""
    if isinstance(exc, TemplateError):
        return GradeResult.failure("error", f"invalid_variable_error: {exc}", "invalid_variable_error")
    if isinstance(exc, MemoryError):
        return GradeResult.failure("error", "out of memory while grading (memory cap reached)", "other_error")
    return GradeResult.failure("error", f"{type(exc).__name__}: {exc}", "other_error",
                               traceback=traceback.format_exc(limit=6))


def _split_row(row: Any) -> tuple[Any, dict[str, Any]]:
    """A batch row is a `(sample, item)` pair, a `{"sample", "item"}` object, or a bare sample."""
    if isinstance(row, dict) and ("sample" in row or "output_text" in row):
        sample = row["sample"] if "sample" in row else {k: v for k, v in row.items() if k != "item"}
        item = row.get("item") or {}
    elif isinstance(row, tuple) and len(row) == 2:
        sample, item = row
    elif isinstance(row, list) and len(row) == 2 and not all(isinstance(m, dict) and "role" in m for m in row):
        sample, item = row
    elif isinstance(row, (str, list)):
        sample, item = row, {}
    else:
        raise ValueError("each row must be a (sample, item) pair, an object with 'sample' and 'item', or a sample")
    item = {} if item is None else item
    if not isinstance(item, dict):
        raise ValueError(f"item must be a JSON object, got {type(item).__name__}")
    return sample, item


# -- worker-side: rebuild the grader once per spec and evaluate in the worker process ---------------------
WORKER_GRADER_CACHE_SIZE = 32  # graders kept per worker process, least recently used dropped first
_WORKER_GRADERS: OrderedDict[tuple[str, str, type], Grader] = OrderedDict()


def _worker_grader(shared: tuple[str, str, type]) -> Grader:
    grader = _WORKER_GRADERS.get(shared)
    if grader is not None:
        _WORKER_GRADERS.move_to_end(shared)
        return grader
    spec_key, path, cls = shared
    grader = _WORKER_GRADERS[shared] = cls(json.loads(spec_key), path)
    while len(_WORKER_GRADERS) > WORKER_GRADER_CACHE_SIZE:
        _WORKER_GRADERS.popitem(last=False)
    return grader


def _pool_task(shared: tuple[str, str, type], pair: Pair) -> GradeResult:
    return _worker_grader(shared)._evaluate_safely(*pair)


_pool_task.prepare = _worker_grader  # type: ignore[attr-defined]
