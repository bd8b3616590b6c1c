"""The air-gapped base image: a Debian root filesystem from the host's own apt mirror, imported into Docker.

For hosts that reach an apt mirror but no container registry. The mirror URL is read at run time from the
host's apt sources; nothing here names a mirror.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

DEFAULT_SUITE = "bookworm"
PACKAGES = ("python3",)
IMPORT_CHANGES = ("ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 'CMD ["python3"]')
SOURCES_DIR = "/etc/apt/sources.list.d"
SOURCES_LIST = "/etc/apt/sources.list"


class BuildError(RuntimeError):
    """The sandbox image could not be built; the message says why and what to do."""


def host_apt_source(sources_dir: str = SOURCES_DIR, sources_list: str = SOURCES_LIST) -> tuple[str, str]:
    """(mirror URI, suite) of the host's main Debian archive, from deb822 `.sources` files or sources.list."""
    candidates: list[tuple[str, str]] = []
    for path in sorted(glob.glob(os.path.join(sources_dir, "*.sources"))):
        for stanza in Path(path).read_text(errors="replace").split("\n\n"):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if ":" in line and not line.startswith(("#", " ")):
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.strip()
            if "deb" not in fields.get("types", "deb").split() or fields.get("enabled", "yes").lower() == "no":
                continue
            for uri in fields.get("uris", "").split():
                for suite in fields.get("suites", "").split():
                    candidates.append((uri, suite))
    list_files = [sources_list] + sorted(glob.glob(os.path.join(sources_dir, "*.list")))
    for path in list_files:
        if not os.path.exists(path):
            continue
        for line in Path(path).read_text(errors="replace").splitlines():
            words = [w for w in line.split() if not w.startswith("[")] if not line.lstrip().startswith("#") else []
            if len(words) >= 3 and words[0] == "deb":
                candidates.append((words[1], words[2]))
    for uri, suite in candidates:
        if "-" not in suite and "/" not in suite:  # the main archive, not -security / -updates
            return uri.rstrip("/"), suite
    if candidates:
        return candidates[0][0].rstrip("/"), DEFAULT_SUITE
    raise BuildError(f"no apt source found in {sources_dir}/*.sources or {sources_list}; the air-gapped build "
                     "needs the host's Debian mirror")


def base_recipe(suite: str) -> str:
    return f"debootstrap --variant=minbase --include={','.join(PACKAGES)} {suite} + {'; '.join(IMPORT_CHANGES)}"


def build_rootfs_image(client, repository: str, tag: str, log: Callable[[str], None] = print,
                       workdir: str = "/var/tmp") -> str:
    """debootstrap a minimal root filesystem with python3 and `docker import` it; returns the image ref."""
    if os.geteuid() != 0:
        raise BuildError("the air-gapped build runs debootstrap, which needs root")
    if not shutil.which("debootstrap"):
        apt_install("debootstrap", log)
    uri, suite = host_apt_source()
    root = tempfile.mkdtemp(prefix="verigrade-rootfs-", dir=workdir)
    logfile = os.path.join(tempfile.gettempdir(), "verigrade-debootstrap.log")
    try:
        cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", suite, root, uri]
        log(f"running {' '.join(cmd[:4])} (the mirror comes from the host's apt sources); log: {logfile}")
        with open(logfile, "w") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            tail = Path(logfile).read_text(errors="replace")[-1500:]
            raise BuildError(f"debootstrap failed (exit {proc.returncode}); see {logfile}:\n{tail}")
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for path in glob.glob(os.path.join(root, junk, "*")):
                if os.path.isfile(path):
                    os.unlink(path)
        tarball = root + ".tar"
        subprocess.run(["tar", "--numeric-owner", "-C", root, "-cf", tarball, "."], check=True)
        log(f"importing the root filesystem as {repository}:{tag}")
        client.api.import_image_from_file(tarball, repository=repository, tag=tag,
                                          changes=list(IMPORT_CHANGES))
        return f"{repository}:{tag}"
    finally:
        _unmount_below(root)
        shutil.rmtree(root, ignore_errors=True)
        if os.path.exists(root + ".tar"):
            os.unlink(root + ".tar")


def _unmount_below(root: str) -> None:
    """debootstrap mounts /proc and /sys in the target; never rmtree through a live mount."""
    try:
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    except OSError:
        return
    for mount in sorted((m for m in mounts if m.startswith(root + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", mount], check=False)


def apt_install(package: str, log: Callable[[str], None]) -> None:
    """apt-get install one package (root only), retrying once after `apt-get update`."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise BuildError(f"{package} is missing; install it with your package manager")
    log(f"installing {package} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", package]
    if subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdin=subprocess.DEVNULL)
        if subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL).returncode != 0:
            raise BuildError(f"apt-get install {package} failed")
