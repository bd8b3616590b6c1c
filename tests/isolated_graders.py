"""Isolated grader types used by the worker-pool tests (importable by worker processes)."""
import os
import signal
import time

from graders.base import Grader
from graders.result import GradeResult


class SleepGrader(Grader):
    """Sleeps item['sleep'] seconds, then scores 1."""

    type = "test_sleep"
    isolation = "process"
    default_timeout_s = 1.0

    def evaluate(self, sample, item):
        time.sleep(float(item.get("sleep", 0)))
        return GradeResult(score=1.0, reason=f"slept {item.get('sleep', 0)}", details={"pid": os.getpid()})


class AllocateGrader(Grader):
    """Allocates item['mb'] megabytes, then scores 1."""

    type = "test_allocate"
    isolation = "process"

    def evaluate(self, sample, item):
        block = bytearray(int(item["mb"]) * 1024 * 1024)
        return GradeResult(score=1.0, reason=f"allocated {len(block)} bytes")


class AbortGrader(Grader):
    """Kills its own process with SIGABRT when the sample says 'abort' (like a GMP allocation failure)."""

    type = "test_abort"
    isolation = "process"

    def evaluate(self, sample, item):
        if sample["output_text"] == "abort":
            os.kill(os.getpid(), signal.SIGABRT)
        return GradeResult(score=1.0, reason="fine")


class EchoLengthGrader(Grader):
    """Score = len(output_text) / 100, so results reveal which sample they belong to."""

    type = "test_echo_length"
    isolation = "process"

    def evaluate(self, sample, item):
        return GradeResult(score=len(sample["output_text"]) / 100.0, details={"text": sample["output_text"]})
