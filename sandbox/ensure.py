"""Make the sandbox usable on this machine: a Docker daemon that answers, and the sandbox image.

`python -m sandbox.ensure` (idempotent; what `make test` / `make demo` call): if no daemon answers and we
are root, install docker.io with apt if it is missing, start `dockerd` in the background (log in
/tmp/verigrade-dockerd.log), wait until it answers, then build the image if it is missing. Exits non-zero
with a message saying what to do when Docker can't be had.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from typing import Callable

from sandbox.debootstrap import BuildError, apt_install
from sandbox.docker_client import DockerSDKMissing, DockerUnavailable, forget_client, get_client

DOCKERD_LOG = "/tmp/verigrade-dockerd.log"


class EnsureError(RuntimeError):
    pass


def ensure_daemon(timeout_s: float = 90.0, log: Callable[[str], None] = print):
    """Return a client to an answering daemon, starting one (as root) when needed."""
    try:
        return get_client()
    except DockerSDKMissing as exc:
        raise EnsureError(str(exc)) from None
    except DockerUnavailable as exc:
        first_error = str(exc)
    if os.geteuid() != 0:
        raise EnsureError(f"{first_error}\nnot root, so not starting dockerd myself: start it (e.g. "
                          "`sudo dockerd &` or `sudo systemctl start docker`) or set DOCKER_HOST")
    if not shutil.which("dockerd"):
        _apt_install("docker.io", log)
        client = _wait_for_daemon(10.0)  # the package may have started the service itself (systemd)
        if client is not None:
            return client
    log(f"starting dockerd in the background (log: {DOCKERD_LOG})")
    logfile = open(DOCKERD_LOG, "ab")
    proc = subprocess.Popen(["dockerd"], stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        forget_client()
        try:
            client = get_client()
            log(f"dockerd answers (pid {proc.pid})")
            return client
        except DockerUnavailable:
            pass
        if proc.poll() is not None:
            raise EnsureError(f"dockerd exited with code {proc.returncode}; last lines of {DOCKERD_LOG}:\n"
                              + _tail(DOCKERD_LOG))
        time.sleep(0.5)
    raise EnsureError(f"dockerd did not answer within {timeout_s:.0f} s; see {DOCKERD_LOG}:\n" + _tail(DOCKERD_LOG))


def _wait_for_daemon(timeout_s: float):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        forget_client()
        try:
            return get_client()
        except DockerUnavailable:
            time.sleep(0.5)
    return None


def ensure(build: bool = True, source: str = "auto", log: Callable[[str], None] = print,
           families: list[str] | None = None) -> str | None:
    """Daemon up and (if `build`) the images of `families` present (default: python only); returns the
    Python image's ref."""
    from sandbox.image import build_image, find_image

    client = ensure_daemon(log=log)
    if not build:
        return None
    refs = {}
    for family in families or ["python"]:
        image = find_image(client, family)
        if image:
            log(f"sandbox image present: {image}")
        else:
            started = time.monotonic()
            image = build_image(client, source=source, log=log, family=family)
            log(f"sandbox image built: {image} ({time.monotonic() - started:.0f} s)")
        refs[family] = image
    return refs.get("python")


def _apt_install(package: str, log: Callable[[str], None]) -> None:
    if not shutil.which("apt-get"):
        raise EnsureError(f"{package} is not installed and apt-get is not available; install Docker yourself")
    try:
        apt_install(package, log)
    except BuildError as exc:
        raise EnsureError(str(exc)) from None


def _tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, errors="replace") as fh:
            return "".join(fh.readlines()[-lines:])
    except OSError:
        return "(no log)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.ensure", description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="only make sure a daemon answers")
    parser.add_argument("--source", choices=["auto", "registry", "debootstrap"], default="auto")
    parser.add_argument("--languages", default="",
                        help="comma-separated languages (or image names such as openai-2025-05-08) whose images "
                             "to build too (default: Python only)")
    parser.add_argument("--all", action="store_true",
                        help="build every image: each language family and the python grader's runtimes")
    args = parser.parse_args(argv)

    from sandbox.image import RECIPES, families_for

    try:
        families = list(RECIPES) if args.all else families_for([x for x in args.languages.split(",") if x.strip()])
        ensure(build=not args.no_build, source=args.source, log=lambda m: print(f"[sandbox] {m}", flush=True),
               families=families)
    except (EnsureError, BuildError) as exc:
        print(f"[sandbox] error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
