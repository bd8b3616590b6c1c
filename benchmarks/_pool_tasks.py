"""Grader types for benchmarks/pool_overhead.py.

Workers import these by reference (module `_pool_tasks`): the benchmark's folder is on the host's sys.path
when it runs as a script, and the pool passes the host's sys.path to its workers as PYTHONPATH.
"""
import time

from graders.base import Grader
from graders.result import GradeResult


class EchoLengthGrader(Grader):
    """Score = len(output_text) / 100: trivial work, so the benchmark measures the pool, not the grader."""

    type = "bench_echo_length"
    isolation = "process"

    def evaluate(self, sample, item):
        return GradeResult(score=len(sample["output_text"]) / 100.0)


class InProcessEchoLengthGrader(EchoLengthGrader):
    isolation = "none"


class SleepGrader(Grader):
    """Sleeps item['sleep'] seconds, then scores 1 (to time a hard timeout)."""

    type = "bench_sleep"
    isolation = "process"
    default_timeout_s = 1.0

    def evaluate(self, sample, item):
        time.sleep(float(item.get("sleep", 0)))
        return GradeResult(score=1.0)
