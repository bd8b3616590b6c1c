"""`verigrade sandbox doctor`: is there a daemon, is the image built, and what to do if not."""
from __future__ import annotations

from typing import Any


def diagnose() -> dict[str, Any]:
    """A JSON-able report: daemon, server version, image (present / expected tags), leftovers, advice."""
    from sandbox.container import LABEL
    from sandbox.docker_client import DockerUnavailable, get_client
    from sandbox.image import RECIPES, find_image, image_tag

    report: dict[str, Any] = {"daemon": False, "image": None, "ok": False,
                              "expected_images": {"registry": image_tag("registry"),
                                                  "debootstrap": image_tag("debootstrap")}}
    try:
        client = get_client()
    except DockerUnavailable as exc:
        report["problem"] = str(exc)
        report["advice"] = "run `python -m sandbox.ensure` as root (or `verigrade sandbox ensure`)"
        return report
    report["daemon"] = True
    info = client.version()
    report["server_version"] = info.get("Version")
    report["image"] = find_image(client)
    from sandbox.runtime.languages import LANGUAGES

    built = {family: find_image(client, family) for family in RECIPES}   # language families + python grader runtimes
    report["images"] = {family: ref for family, ref in sorted(built.items())}
    report["languages"] = [name for name, spec in LANGUAGES.items() if built.get(spec["family"])]
    report["languages_missing"] = [name for name, spec in LANGUAGES.items() if not built.get(spec["family"])]
    report["sandbox_containers"] = len(client.containers.list(all=True, filters={"label": LABEL}, ignore_removed=True))
    if report["image"] is None:
        report["problem"] = "the sandbox image for this version of the runner is not built"
        report["advice"] = "run `verigrade sandbox build` (air-gapped hosts: `--source debootstrap`, needs root)"
        return report
    report["ok"] = True
    return report
