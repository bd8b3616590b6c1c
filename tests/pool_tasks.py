"""Top-level task functions for the worker-pool tests (must be importable by worker processes)."""
import os
import signal
import time


def echo(shared, payload):
    return (shared, payload)


def sleep_then_echo(shared, payload):
    time.sleep(payload)
    return payload


def allocate(shared, payload):
    block = bytearray(payload * 1024 * 1024)
    return len(block)


def abort(shared, payload):
    if payload == "abort":
        os.kill(os.getpid(), signal.SIGABRT)
    return payload


def raise_error(shared, payload):
    raise ValueError(f"bad payload {payload}")


def pid(shared, payload):
    return os.getpid()
