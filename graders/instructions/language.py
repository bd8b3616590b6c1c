"""Deterministic language detection with `langdetect`, as IFEval uses it.

`DetectorFactory.seed = 0` makes `detect` deterministic (the 2026 reference test asserts this seed).
A `LangDetectException` (e.g. a response with no letters) counts as *followed* in the reference, so
`detect_language` returns None and callers treat None as "can't tell -> followed".
"""
from __future__ import annotations

import functools
import threading

import langdetect
from langdetect import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0
_init_lock = threading.Lock()
_initialised = False

def _ensure_profiles() -> None:
    global _initialised
    if _initialised:
        return
    with _init_lock:  # langdetect loads its profiles lazily and not thread-safely
        if not _initialised:
            from langdetect.detector_factory import init_factory

            init_factory()
            _initialised = True


@functools.lru_cache(maxsize=1)
def supported_languages() -> frozenset[str]:
    """Every code langdetect can return."""
    _ensure_profiles()
    from langdetect import detector_factory

    return frozenset(detector_factory._factory.get_lang_list())


@functools.lru_cache(maxsize=2048)
def detect_language(text: str) -> str | None:
    """`langdetect.detect(text)` with the fixed seed; None when langdetect raises (no features). Cached:
    the seed makes it a pure function, and loose mode asks about the same variants more than once."""
    _ensure_profiles()
    try:
        return langdetect.detect(text)
    except LangDetectException:
        return None
