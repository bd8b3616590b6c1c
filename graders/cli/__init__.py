"""The `verigrade` command line. Each sub-command lives in its own module with `register(subparsers)`."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

# built-in commands, then commands contributed by the other packages (if installed)
COMMAND_MODULES = [
    "graders.cli.validate",
    "graders.cli.score",
    "graders.cli.run",
    "graders.cli.serve",
    "graders.cli.types",
    "graders.cli.demo",
    "graders.cli.eval",
    "graders.cli.report",
    "graders.cli.audit",
    "graders.models.cli",
    "sandbox.cli",
    "trainer.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verigrade",
        description="Graders for RL fine-tuning with verifiable rewards: validate, score, run, train.",
    )
    parser.add_argument("--version", action="version", version=f"verigrade {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            importlib.import_module(name).register(subparsers)
    return parser


def _version() -> str:
    from graders import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
