"""`verigrade serve-judge`: serve a local judge model over an OpenAI-compatible API on 127.0.0.1."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    """Add the `serve-judge` sub-command."""
    from graders.models import server

    parser = subparsers.add_parser(
        "serve-judge",
        help="serve a local judge model (OpenAI-compatible chat completions with logprobs)",
        description=server.__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    server.add_arguments(parser)  # defaults are shown by the formatter
    parser.set_defaults(func=server.run)
