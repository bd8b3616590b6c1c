"""`verigrade train CONFIG [--set key=value ...] [--resume]`."""
from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    """Add the `train` sub-command to the verigrade CLI."""
    p = subparsers.add_parser(
        "train", help="GRPO-train a model with a verigrade grader as the reward",
        description="Train a causal LM with GRPO, using any verigrade grader as the reward. "
                    "See docs/training.md for every config field.")
    p.add_argument("config", help="training config, YAML or JSON")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config field (dotted for nested keys, e.g. lora.r=8); repeatable")
    p.add_argument("--resume", action="store_true",
                   help="continue from the latest checkpoint in output_dir")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from trainer.config import ConfigError, load_config

    try:
        cfg = load_config(args.config, args.overrides)
        if args.no_progress:
            cfg.progress = False
        from trainer.train import train
        train(cfg, resume=args.resume)
    except ConfigError as exc:
        print(f"verigrade train: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("verigrade train: interrupted; continue with --resume", file=sys.stderr)
        return 130
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: python -m trainer.cli CONFIG ..."""
    parser = argparse.ArgumentParser(prog="verigrade")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["train", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
