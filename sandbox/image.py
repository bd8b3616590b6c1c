"""The sandbox images: a Python base, a family's Debian packages (compilers, runtimes), optionally locked Python
packages installed offline (sandbox/wheels.py), and the trusted runner, each tagged with a content hash of its
recipe (`Recipe`; one per language family, see runtime/languages.py, plus the python grader's runtimes,
`GRADER_IMAGES`).

Two recipes give the same layer on different bases: `registry` (FROM python:3.X-slim, when a registry
answers) and `debootstrap` (a Debian minbase root filesystem built from the host's apt mirror, for
air-gapped hosts). A changed runner or recipe changes the hash, so the image is rebuilt.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sandbox.debootstrap import DEFAULT_SUITE, BuildError, base_recipe, build_rootfs_image, host_apt_source
from sandbox.runtime.languages import FAMILY_PACKAGES, LANGUAGES, canonical
from sandbox.wheels import WheelSet

REPOSITORY = "verigrade-sandbox"
BASE_REPOSITORY = "verigrade-sandbox-base"
REGISTRY_BASE = "python:3.11-slim"
RUNTIME_DIR = Path(__file__).parent / "runtime"
RUNTIME_FILES = ("harness.py", "child.py", "hygiene.py", "candidate.py", "literal.py", "languages.py", "programs.py",
                 "node-globals.d.ts")
KEEPER_UID, SANDBOX_UID = 10001, 10002
RUNNER_PATH = "/opt/verigrade/harness.py"
IMAGE_ENV = "VERIGRADE_SANDBOX_IMAGE"

LAYER = """\
FROM {base}
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN groupadd -g {keeper} vgkeeper && useradd -u {keeper} -g {keeper} -M -d /nonexistent -s /bin/false vgkeeper \\
 && groupadd -g {sandbox} vgsandbox && useradd -u {sandbox} -g {sandbox} -M -d /work -s /bin/false vgsandbox \\
 && mkdir -p /work /opt/verigrade && chmod 1777 /work
{install}COPY runtime/ /opt/verigrade/
RUN python3 -m compileall -q /opt/verigrade && chmod -R a+rX,go-w /opt/verigrade \\
 && rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/*
LABEL verigrade.sandbox.recipe="{digest}" verigrade.sandbox.source="{source}" verigrade.sandbox.family="{family}"
"""
# Debian packages come from the base's own apt sources (debootstrap wrote the host's mirror there); the
# build step that installs them is the only one with network
INSTALL = """\
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends {packages} \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb{post}
"""


@dataclass(frozen=True)
class Recipe:
    """One sandbox image: the base plus Debian `packages`, shell `post` steps run after installing them,
    `wheels` (Python packages from a lock, installed offline in a build stage) and the trusted runner.
    `exec_work`: the work dir is mounted exec (compiled languages run binaries from it). The content hash
    covers all of it."""

    name: str
    packages: tuple[str, ...] = ()
    post: tuple[str, ...] = ()
    exec_work: bool = False
    wheels: WheelSet | None = None

    @property
    def repository(self) -> str:
        return REPOSITORY if self.name == "python" else f"{REPOSITORY}-{self.name}"

    @property
    def needs_network(self) -> bool:
        """Only apt steps fetch anything during the build (from the base's apt sources)."""
        return bool(self.packages or (self.wheels and self.wheels.build_packages))

    def install_step(self) -> str:
        step = ""
        if self.packages:
            post = "".join(f" \\\n && {step}" for step in self.post)
            step = INSTALL.format(packages=" ".join(self.packages), post=post)
        return step + (self.wheels.install() if self.wheels else "")

    def dockerfile(self, base: str, **fields: str) -> str:
        stage = self.wheels.stage(base) if self.wheels else ""
        return stage + LAYER.format(base=base, install=self.install_step(), family=self.name, **fields)

    def digest(self, source: str) -> str:
        files = [(name, (RUNTIME_DIR / name).read_bytes()) for name in RUNTIME_FILES]
        wheels = [self.wheels.stage("{base}"), *self.wheels.content()] if self.wheels else []
        return _digest(source, base_for(source), LAYER, self.name, self.install_step(),
                       *[x for pair in files for x in pair], *wheels)

    def tag(self, source: str) -> str:
        return f"{self.repository}:{self.digest(source)}"


# The python grader's runtimes beyond the standard-library "python" image, by name (graders/types/python.py
# maps `image_tag` to them). OpenAI's 2025-05-08 image: its package list at its versions (the lock), NLTK
# data where a package ships it (images/nltk_data.py); libgomp1 for scikit-bio's OpenMP extensions.
GRADER_IMAGES: dict[str, Recipe] = {
    "openai-2025-05-08": Recipe("openai-2025-05-08", packages=("libgomp1",), wheels=WheelSet(
        lock="openai-2025-05-08",
        build_packages=("gcc", "python3-dev", "wordnet-base", "wordnet-sense-index"),
        script="nltk_data.py", data_files=("wordnet-lexnames.txt",),
        smoke=("numpy", "scipy", "sympy", "pandas", "rapidfuzz", "sklearn", "rouge_score.rouge_scorer", "deepdiff",
               "jsonschema", "pydantic", "yaml", "nltk", "sqlparse", "rdkit.Chem", "skbio", "ast_grep_py"),
        # joblib (scikit-learn, nltk, rouge-score) probes for POSIX semaphores at import by creating one in
        # /dev/shm, which counts as state left behind and costs the grader its warm container every time;
        # without the probe joblib runs its parallel loops serially
        startup=("import os; os.environ.setdefault('JOBLIB_MULTIPROCESSING', '0')",))),
}

RECIPES: dict[str, Recipe] = {
    **{name: Recipe(name, tuple(packages), exec_work=name != "python") for name, packages in FAMILY_PACKAGES.items()},
    **GRADER_IMAGES,
}


def recipe(family: str = "python") -> Recipe:
    try:
        return RECIPES[family]
    except KeyError:
        raise BuildError(f"unknown sandbox image {family!r}; known: {', '.join(RECIPES)}") from None


def families_for(languages: list[str]) -> list[str]:
    """The image families that run these languages (names or aliases; an image name such as
    `openai-2025-05-08` names itself), python always first."""
    out = ["python"]
    for name in languages:
        lang = canonical(name)
        if lang is None and name not in RECIPES:
            raise BuildError(f"unknown language or image {name!r}; known: {', '.join(LANGUAGES)}, "
                             f"{', '.join(GRADER_IMAGES)}")
        family = name if lang is None else LANGUAGES[lang]["family"]
        if family not in out:
            out.append(family)
    return out


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:16]


def base_for(source: str) -> str:
    """The base recipe string of a source (what the content hash covers)."""
    if source == "registry":
        return REGISTRY_BASE
    try:
        suite = host_apt_source()[1]
    except BuildError:
        suite = DEFAULT_SUITE
    return base_recipe(suite)


def recipe_digest(source: str, family: str = "python") -> str:
    return recipe(family).digest(source)


def image_tag(source: str, family: str = "python") -> str:
    return recipe(family).tag(source)


def image_env(family: str) -> str:
    return IMAGE_ENV if family == "python" else f"{IMAGE_ENV}_{family.upper().replace('-', '_')}"


def find_image(client, family: str = "python") -> str | None:
    """The image of this family for the current recipe if present (either source), or the
    `VERIGRADE_SANDBOX_IMAGE` (`..._<FAMILY>`) override."""
    import docker.errors

    override = os.environ.get(image_env(family))
    candidates = [override] if override else [image_tag("registry", family), image_tag("debootstrap", family)]
    for ref in candidates:
        try:
            client.images.get(ref)
            return ref
        except docker.errors.ImageNotFound:
            continue
    return None


def registry_answers(client, timeout_s: float = 20.0) -> bool:
    """Does a registry serve the base image? Asks for its manifest only (no pull), bounded in time."""
    if _image_exists(client, REGISTRY_BASE):
        return True
    box: dict[str, bool] = {}

    def probe() -> None:
        try:
            client.api.inspect_distribution(REGISTRY_BASE)
            box["ok"] = True
        except Exception:  # noqa: BLE001 - unreachable registry, DNS failure, rate limit...
            box["ok"] = False

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout_s)
    return box.get("ok", False)


def _pull_base(client, log: Callable[[str], None]) -> None:
    if _image_exists(client, REGISTRY_BASE):
        return
    log(f"pulling {REGISTRY_BASE}")
    repo, tag = REGISTRY_BASE.split(":")
    try:
        client.images.pull(repo, tag=tag)
    except Exception as exc:  # noqa: BLE001
        raise BuildError(f"cannot pull {REGISTRY_BASE} ({exc}); on an air-gapped host use --source debootstrap") from None


def build_image(client, source: str = "auto", force: bool = False, log: Callable[[str], None] = print,
                family: str = "python") -> str:
    """Build (or find) the sandbox image of a family; `source` is auto | registry | debootstrap. Returns the ref."""
    rec = recipe(family)
    if source == "auto":
        existing = find_image(client, family)
        if existing and not force:
            return existing
        source = "registry" if registry_answers(client) else "debootstrap"
        log(f"image source: {source}")
    if source not in ("registry", "debootstrap"):
        raise BuildError(f"unknown image source {source!r}; use auto, registry or debootstrap")
    tag = rec.tag(source)
    if _image_exists(client, tag) and not force:
        log(f"{tag} is already built")
        return tag
    if source == "registry":
        _pull_base(client, log)
        base = REGISTRY_BASE
    else:
        base = f"{BASE_REPOSITORY}:{_digest(base_for('debootstrap'))}"
        if force or not _image_exists(client, base):
            repo, base_tag = base.split(":")
            build_rootfs_image(client, repo, base_tag, log=log)
    _build_layer(client, base, source, tag, rec, log)
    return tag


def build_images(client, languages: list[str] | None = None, source: str = "auto", force: bool = False,
                 log: Callable[[str], None] = print) -> dict[str, str]:
    """Build the images that run `languages` (all families when None); {family: image ref}."""
    families = list(RECIPES) if languages is None else families_for(languages)
    return {family: build_image(client, source, force, log, family) for family in families}


def _build_layer(client, base: str, source: str, tag: str, rec: Recipe, log: Callable[[str], None]) -> None:
    context = tempfile.mkdtemp(prefix="verigrade-image-")
    try:
        Path(context, "Dockerfile").write_text(rec.dockerfile(
            base, keeper=KEEPER_UID, sandbox=SANDBOX_UID, digest=tag.split(":")[1], source=source))
        os.mkdir(os.path.join(context, "runtime"))
        for name in RUNTIME_FILES:
            shutil.copy(RUNTIME_DIR / name, os.path.join(context, "runtime", name))
        if rec.wheels:
            rec.wheels.context(os.path.join(context, "wheels"), log)
        log(f"building {tag} from {base}")
        try:
            # timeout: a quiet step (compiling, installing offline) may print nothing for minutes
            _, output = client.images.build(path=context, tag=tag, rm=True, forcerm=True,
                                            network_mode="host" if rec.needs_network else "none",
                                            labels={"verigrade.sandbox.image": "1"}, timeout=3600)
        except Exception as exc:  # noqa: BLE001 - docker.errors.BuildError and API errors alike
            raise BuildError(f"docker build of {tag} failed: {exc}") from None
        for chunk in output:
            if isinstance(chunk, dict) and chunk.get("stream", "").strip():
                log(chunk["stream"].rstrip())
    finally:
        shutil.rmtree(context, ignore_errors=True)


def _image_exists(client, ref: str) -> bool:
    import docker.errors

    try:
        client.images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False
