"""`verigrade sandbox ...`: doctor, build, ensure. `register(subparsers)` is wired in by graders/cli."""
from __future__ import annotations

import json
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("sandbox", help="the Docker sandbox: doctor, build, ensure",
                                   description="Manage the Docker sandbox used by unit_tests and python graders.")
    sub = parser.add_subparsers(dest="sandbox_command", required=True)
    doctor = sub.add_parser("doctor", help="say whether a daemon answers and the image is built, and what to do")
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                        help="check every node of a Ray cluster (no ADDRESS: $RAY_ADDRESS or a local instance)")
    doctor.set_defaults(func=cmd_doctor)
    build = sub.add_parser("build", help="build the sandbox image (content-hash tagged)")
    build.add_argument("--source", choices=["auto", "registry", "debootstrap"], default="auto",
                       help="registry: FROM python:3.11-slim; debootstrap: air-gapped, from the host's apt "
                            "mirror (root); auto: registry if one answers")
    build.add_argument("--from-registry", dest="source", action="store_const", const="registry",
                       help="same as --source registry")
    build.add_argument("--force", action="store_true", help="rebuild even if the image exists")
    build.add_argument("--languages", default="",
                       help="comma-separated languages (cpp,java,rust,...) or images (openai-2025-05-08: the python "
                            "grader's default runtime; 'all' for every image) to build as well as the Python one")
    build.set_defaults(func=cmd_build)
    ensure = sub.add_parser("ensure", help="start dockerd if needed (root) and build the image if missing")
    ensure.add_argument("--no-build", action="store_true")
    ensure.set_defaults(func=cmd_ensure)


def cmd_doctor(args) -> int:
    if getattr(args, "ray", None) is not None:
        return _doctor_on_ray(args)
    from sandbox.doctor import diagnose

    report = diagnose()
    if getattr(args, "json", False):
        print(json.dumps(report, indent=2))
        return 0 if report["ok"] else 1
    print(f"docker daemon: {'answers' if report['daemon'] else 'NOT reachable'}"
          + (f" (server {report.get('server_version')})" if report.get("server_version") else ""))
    print(f"sandbox image: {report['image'] or 'NOT built'}")
    if report.get("languages") is not None:
        print(f"languages available: {', '.join(report['languages']) or 'none'}")
        if report.get("languages_missing"):
            print(f"languages not built (verigrade sandbox build --languages ...): {', '.join(report['languages_missing'])}")
    if report["daemon"]:
        print(f"labelled sandbox containers: {report.get('sandbox_containers', 0)}")
    if not report["ok"]:
        print(f"problem: {report.get('problem')}")
        print(f"to fix: {report.get('advice')}")
    return 0 if report["ok"] else 1


def _doctor_on_ray(args) -> int:
    """The doctor on every node: Docker graders need a daemon and the images on each node."""
    from graders.executors.ray import diagnose_nodes

    reports = diagnose_nodes(args.ray or None)
    if getattr(args, "json", False):
        print(json.dumps(reports, indent=2))
    else:
        for node in reports:
            state = "ok" if node.get("ok") else f"PROBLEM: {node.get('problem')} (fix: {node.get('advice', '-')})"
            print(f"node {node.get('host')} {str(node.get('node_id'))[:12]}: image {node.get('image') or 'NOT built'}; "
                  f"{state}")
    return 0 if reports and all(node.get("ok") for node in reports) else 1


def cmd_build(args) -> int:
    from sandbox.debootstrap import BuildError
    from sandbox.docker_client import DockerUnavailable, get_client
    from sandbox.image import build_images

    wanted = [x.strip() for x in getattr(args, "languages", "").split(",") if x.strip()]
    try:
        refs = build_images(get_client(), None if wanted == ["all"] else wanted, source=args.source, force=args.force,
                            log=lambda m: print(m, flush=True))
    except (BuildError, DockerUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for ref in refs.values():
        print(ref)
    return 0


def cmd_ensure(args) -> int:
    from sandbox.ensure import main

    return main(["--no-build"] if getattr(args, "no_build", False) else [])
