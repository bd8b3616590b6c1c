"""Top-level task functions for the worker-pool tests (must be importable by worker processes)."""
import os
import signal
import time
from pathlib import Path


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


def _die_while_loading_prepare(shared):
    """Signal that loading started, wait for the test's go, then die as a GMP abort or OOM kill would."""
    gate = Path(shared)
    (gate / "loading").touch()
    deadline = time.monotonic() + 30
    while not (gate / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGKILL)


def die_while_loading(shared, payload):
    return payload


die_while_loading.prepare = _die_while_loading_prepare


def _refuse_prepare(shared):
    raise ValueError(f"prepare refused {shared!r}")


def prepare_raises(shared, payload):
    return payload


prepare_raises.prepare = _refuse_prepare


def _explode(message):
    raise RuntimeError(message)


class ExplodesOnLoad:
    """Pickles fine; unpickling it raises (a payload the worker can't load, or a result the host can't)."""

    def __reduce__(self):
        return (_explode, ("boom on unpickle",))


def return_explodes_on_load(shared, payload):
    return ExplodesOnLoad()


def return_unpicklable(shared, payload):
    import threading

    return threading.Lock()


def pid_then_sleep(shared, payload):
    """Write this worker's pid to `<shared>/pid`, then sleep `payload` seconds."""
    Path(shared, "pid").write_text(str(os.getpid()))
    time.sleep(payload)
    return payload


def nap_echo(shared, payload):
    """payload = (key, seconds): sleep, then echo, so results show which payload they answer."""
    time.sleep(payload[1])
    return (shared, payload)


def worker_grader_cache_size(shared, payload):
    from graders import base

    return len(base._WORKER_GRADERS)
