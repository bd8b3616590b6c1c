"""Python packages baked into a sandbox image offline: a lock of exact files, a wheel cache on the host, and
the Dockerfile build stage that installs them without network.

A lock (`sandbox/images/<name>.lock.txt`, made by `python -m sandbox.wheels lock <name>` from
`<name>.in.txt`) lists every file by name, version, sha256 and file name, in sections:

    installer  pip, run from its wheel in the build stage (never installed into the image)
    install    binary wheels (CPython 3.11, manylinux, this machine's architecture) installed into the image
    source     sdists without a Linux wheel, compiled in the build stage, then installed
    build      what only the build stage uses (compilers' Python side, data sources)

`fetch` fills the cache (`$VERIGRADE_WHEEL_CACHE`, default `~/.cache/verigrade/wheels`) with pip on the
host, using the host's configured index (nothing here names one), and checks every hash; a second build
downloads nothing. The image's build stage then installs with `--no-index` from the files copied into the
build context. The lock's bytes are part of the image's content hash.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sandbox.debootstrap import BuildError

IMAGES_DIR = Path(__file__).parent / "images"
CACHE_ENV = "VERIGRADE_WHEEL_CACHE"
SECTIONS = ("installer", "install", "source", "build")
PYTHON = "3.11"            # Debian bookworm's python3 (the debootstrap base) and python:3.11-slim
GLIBC_MINOR = 36           # bookworm's glibc 2.36: manylinux_2_5 .. manylinux_2_36 wheels run on it
SITE_DIR = "/opt/verigrade-site"
NLTK_DATA_DIR = "/usr/share/nltk_data"   # on NLTK's default search path
_LINE = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+) --hash=sha256:(?P<sha>[0-9a-f]{64})\s+# (?P<file>\S+)$")


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str
    file: str

    def requirement(self, hashes: bool = True) -> str:
        return f"{self.name}=={self.version}" + (f" --hash=sha256:{self.sha256}" if hashes else "")


@dataclass(frozen=True)
class WheelSet:
    """The Python side of an image: its lock, the Debian packages only the build stage needs (compilers,
    data sources), an optional script the build stage runs after installing (`script DEST`), the modules
    the finished image must import, and `startup` lines (`import ...`) every interpreter runs through the
    image's .pth file."""

    lock: str
    build_packages: tuple[str, ...] = ()
    script: str = ""
    data_files: tuple[str, ...] = ()
    smoke: tuple[str, ...] = ()
    startup: tuple[str, ...] = ()

    @property
    def lock_path(self) -> Path:
        return IMAGES_DIR / f"{self.lock}.lock.txt"

    def pins(self) -> dict[str, list[Pin]]:
        return read_lock(self.lock_path)

    def content(self) -> list[bytes]:
        """What the image's content hash covers beyond the Dockerfile text."""
        return [self.lock_path.read_bytes()] + [(IMAGES_DIR / name).read_bytes()
                                                for name in (self.script, *self.data_files) if name]

    def stage(self, base: str) -> str:
        """The build stage `wheels`: everything compiled, installed and generated in SITE_DIR (and the data
        under /opt/vg-data), from the context's `wheels/` directory, never from an index."""
        pins = self.pins()
        pip_wheel = f"/tmp/vg-wheels/{pins['installer'][0].file}"
        bootstrap = f"{pip_wheel}/pip"   # pip runs from its own wheel to install itself
        apt = ""
        if self.build_packages:
            apt = (" \\\n && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                   f"--no-install-recommends {' '.join(self.build_packages)}")
        def pip(path: str = "") -> str:   # the bootstrapped pip, with `path` importable too
            return f"PYTHONPATH=/tmp/vg-pip{path} PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip"

        offline = "--no-index --find-links /tmp/vg-wheels -q"
        steps = [
            f"python3 -c \"import sys; sys.exit(0 if sys.version.startswith('{PYTHON}.') else "
            f"'the locked wheels are for Python {PYTHON}; this base has ' + sys.version.split()[0])\"{apt}",
            f"python3 {bootstrap} install {offline} --no-deps --target /tmp/vg-pip {pip_wheel}",
            f"{pip()} install {offline} --no-deps --require-hashes --target /tmp/vg-build -r /tmp/vg-wheels/build.txt",
        ]
        if pins["source"]:
            steps.append(f"{pip(':/tmp/vg-build')} wheel {offline} --no-deps --no-build-isolation --require-hashes "
                         "-w /tmp/vg-built -r /tmp/vg-wheels/source.txt")
        steps += [
            f"{pip()} install {offline} --find-links /tmp/vg-built --no-deps --no-compile --target {SITE_DIR} "
            "-r /tmp/vg-wheels/install.txt",
            f"{pip(':' + SITE_DIR)} check",
            "mkdir -p /opt/vg-data",
        ]
        if self.script:
            steps.append(f"PYTHONPATH={SITE_DIR}:/tmp/vg-build python3 /tmp/vg-wheels/{self.script} /opt/vg-data")
        return (f"FROM {base} AS wheels\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
                "COPY wheels/ /tmp/vg-wheels/\nRUN " + " \\\n && ".join(steps) + "\n\n")

    def install(self) -> str:
        """Dockerfile lines of the final image: the installed tree and data from the build stage, a .pth so
        every python3 (also `-I`) finds them, byte-compiled once, and an import check of `smoke`."""
        text = base64.b64encode("".join(f"{line}\n" for line in (SITE_DIR, *self.startup)).encode()).decode()
        pth = ("import base64, pathlib, site; d = pathlib.Path(site.getsitepackages()[0]); d.mkdir(parents=True, "
               f"exist_ok=True); (d / 'verigrade-site.pth').write_bytes(base64.b64decode('{text}'))")
        return (f"COPY --from=wheels {SITE_DIR} {SITE_DIR}\n"
                f"COPY --from=wheels /opt/vg-data {NLTK_DATA_DIR}\n"
                f'RUN python3 -c "{pth}" \\\n'
                # hash-checked .pyc: valid whatever the copied files' mtimes; a file that doesn't compile
                # (a test fixture in a package) only means no .pyc for it, so the exit code is ignored
                f" && (python3 -m compileall -qq -j 0 --invalidation-mode unchecked-hash {SITE_DIR} || true) \\\n"
                f" && python3 -I -c \"import {', '.join(self.smoke)}\"\n")

    def context(self, directory: str, log: Callable[[str], None] = print) -> None:
        """Fill `directory` (the build context's wheels/) from the cache, fetching what is missing."""
        pins = self.pins()
        cache = fetch(self.lock, pins, log)
        os.makedirs(directory, exist_ok=True)
        for pin in {p.file: p for section in pins.values() for p in section}.values():
            _link_or_copy(cache / pin.file, Path(directory, pin.file))
        # build.txt and source.txt are hash-checked again by pip in the build stage; install.txt can't be, as
        # it names the wheels built there from the sdists
        for name, chosen, hashes in (("build", pins["build"], True), ("source", pins["source"], True),
                                     ("install", pins["install"] + pins["source"], False)):
            Path(directory, f"{name}.txt").write_text("".join(p.requirement(hashes) + "\n" for p in chosen))
        for name in (self.script, *self.data_files):
            if name:
                shutil.copy(IMAGES_DIR / name, Path(directory, name))


def read_lock(path: Path) -> dict[str, list[Pin]]:
    """Sections of a lock file; a malformed line is a BuildError naming it."""
    out: dict[str, list[Pin]] = {s: [] for s in SECTIONS}
    section = None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("# [")):
            continue
        if line.startswith("# ["):
            section = line[3:].rstrip("]")
            if section not in out:
                raise BuildError(f"{path.name}:{number}: unknown section {section!r}; known: {', '.join(SECTIONS)}")
            continue
        match = _LINE.match(line)
        if not match or section is None:
            raise BuildError(f"{path.name}:{number}: not 'name==version --hash=sha256:<hex>  # <file>' in a section")
        out[section].append(Pin(match["name"], match["version"], match["sha"], match["file"]))
    if len(out["installer"]) != 1:
        raise BuildError(f"{path.name}: the [installer] section must hold exactly pip's wheel")
    return out


def cache_dir() -> Path:
    root = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "verigrade", "wheels")
    return Path(root)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def platform_args() -> list[str]:
    """pip download's target: CPython 3.11 on this architecture's manylinux up to bookworm's glibc."""
    machine = platform.machine()
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(GLIBC_MINOR, 4, -1)]
    tags += [f"manylinux2014_{machine}", f"manylinux2010_{machine}", f"manylinux1_{machine}"]
    return ["--python-version", PYTHON, "--implementation", "cp", "--abi", f"cp{PYTHON.replace('.', '')}",
            *[arg for tag in tags for arg in ("--platform", tag)]]


def fetch(name: str, pins: dict[str, list[Pin]], log: Callable[[str], None] = print) -> Path:
    """Every locked file in the cache with its locked hash; downloads only what is missing. Returns the cache."""
    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {p.file: p for section in pins.values() for p in section}
    missing = [p for p in wanted.values() if not _cached(cache / p.file, p)]
    if missing:
        arch = _lock_arch(IMAGES_DIR / f"{name}.lock.txt")
        if arch and arch != platform.machine():
            raise BuildError(f"the lock {name} is for {arch}, this machine is {platform.machine()}: "
                             f"run `python -m sandbox.wheels lock {name}` here first")
        log(f"downloading {len(missing)} locked Python package files into {cache} (pip, the host's index)")
        sdists = [p for p in missing if not p.file.endswith(".whl")]
        wheels = [p for p in missing if p.file.endswith(".whl")]
        if wheels:
            _pip_download(wheels, cache, ["--only-binary", ":all:", *platform_args()])
        if sdists:
            _pip_download(sdists, cache, ["--no-binary", ",".join(p.name for p in sdists)])
    bad = [p.file for p in missing if not _cached(cache / p.file, p)]   # the others were verified above
    if bad:
        raise BuildError(f"after pip download these locked files are missing or differ from the lock's hash: "
                         f"{', '.join(bad)} (cache: {cache})")
    return cache


def _cached(path: Path, pin: Pin) -> bool:
    return path.is_file() and sha256(path) == pin.sha256


def _pip_download(pins: list[Pin], dest: Path, extra: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="verigrade-lock-") as tmp:
        req = Path(tmp, "requirements.txt")
        req.write_text("".join(p.requirement() + "\n" for p in pins))
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes", "-d", str(dest),
               "-r", str(req), *extra]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"pip download of the locked packages failed (exit {proc.returncode}):\n"
                             + proc.stderr[-2500:])


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy(src, dst)


def _lock_arch(path: Path) -> str | None:
    for line in path.read_text().splitlines():
        if line.startswith("# arch: "):
            return line.split(":", 1)[1].strip()
    return None


# -- making a lock (maintainers) ----------------------------------------------------------------------------
def read_spec(path: Path) -> dict[str, list[str]]:
    """`<name>.in.txt`: requirement lines under `[installer]`, `[install]`, `[source]`, `[build]` and
    `[constraints]` (versions for the dependencies `install` pulls in)."""
    out: dict[str, list[str]] = {s: [] for s in (*SECTIONS, "constraints")}
    section = None
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            if section not in out:
                raise BuildError(f"{path.name}:{number}: unknown section {section!r}")
        elif section is None:
            raise BuildError(f"{path.name}:{number}: a requirement before any [section]")
        else:
            out[section].append(line)
    return out


def lock(name: str, log: Callable[[str], None] = print) -> Path:
    """Resolve `<name>.in.txt` with pip (the [install] section with its dependencies, binary wheels only,
    under [constraints]; the others without dependencies) and write `<name>.lock.txt`."""
    spec = read_spec(IMAGES_DIR / f"{name}.in.txt")
    sections: dict[str, list[Pin]] = {}
    with tempfile.TemporaryDirectory(prefix="verigrade-lock-") as tmp:
        constraints = Path(tmp, "constraints.txt")
        constraints.write_text("\n".join(spec["constraints"]) + "\n")
        for section in SECTIONS:
            dest = Path(tmp, section)
            if not spec[section]:
                sections[section] = []
                continue
            args = ["--only-binary", ":all:", *platform_args()] if section != "source" else \
                ["--no-binary", ",".join(re.split(r"[=<>!~ ]", r)[0] for r in spec["source"])]
            args += ["-c", str(constraints)] if section == "install" else ["--no-deps"]
            log(f"resolving [{section}]")
            cmd = [sys.executable, "-m", "pip", "download", "-q", "-d", str(dest), *args, *spec[section]]
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            if proc.returncode != 0:
                raise BuildError(f"pip download for [{section}] failed:\n{proc.stderr[-2500:]}")
            sections[section] = sorted((_pin_of(path) for path in dest.iterdir()), key=lambda p: p.name.lower())
    out = IMAGES_DIR / f"{name}.lock.txt"
    lines = [f"# Locked files of the {name} image: made by `python -m sandbox.wheels lock {name}` from {name}.in.txt.",
             f"# python: {PYTHON}", f"# arch: {platform.machine()}"]
    for section in SECTIONS:
        lines.append(f"# [{section}]")
        lines += [f"{p.requirement()}  # {p.file}" for p in sections[section]]
    out.write_text("\n".join(lines) + "\n")
    return out


def _pin_of(path: Path) -> Pin:
    if path.name.endswith(".tar.gz"):   # sdist: name-version.tar.gz, the name may hold dashes
        name, version = path.name[:-len(".tar.gz")].rsplit("-", 1)
    else:                               # wheel: name-version-tags.whl, dashes in the name are underscores
        name, version = path.name.split("-")[:2]
    return Pin(re.sub(r"[-_.]+", "-", name).lower(), version, sha256(path), path.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.wheels", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("lock", help="resolve <name>.in.txt into <name>.lock.txt").add_argument("name")
    sub.add_parser("fetch", help="fill the wheel cache for a lock").add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "lock":
            print(lock(args.name))
        else:
            print(fetch(args.name, read_lock(IMAGES_DIR / f"{args.name}.lock.txt")))
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
