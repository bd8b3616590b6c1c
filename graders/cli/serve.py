"""`verigrade serve SPEC_OR_DIR...`: serve graders over HTTP (OpenAI graders API, batch, OpenRLHF)."""
from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="serve graders over HTTP (FastAPI on uvicorn); see docs/serving.md")
    p.add_argument("specs", nargs="+", metavar="SPEC_OR_DIR", help="spec files, or directories of *.json specs")
    p.add_argument("--host", default="127.0.0.1", help="bind address (anything but loopback needs --token-env)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=None, metavar="N", help="grading worker processes "
                   "(default: CPU count)")
    p.add_argument("--token-env", default=None, metavar="VAR",
                   help="require 'Authorization: Bearer $VAR' on every route but /healthz")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="grade batches on a Ray cluster (no ADDRESS: $RAY_ADDRESS or a local Ray instance)")
    p.add_argument("--threads-per-request", type=int, default=None, metavar="N",
                   help="threads for one batch of an in-process grader (I/O-bound graders such as HTTP judges)")
    p.add_argument("--max-body-mb", type=float, default=32.0, help="413 above this request size (default 32)")
    p.add_argument("--max-batch", type=int, default=4096, help="422 above this many rows per request")
    p.add_argument("--max-queue", type=int, default=16384, help="429 (Retry-After) above this many samples "
                   "in flight")
    p.add_argument("--deadline", type=float, default=120.0, metavar="SECONDS", help="per request; unfinished "
                   "samples answer `timeout` results (default 120)")
    p.add_argument("--openrlhf-grader", default=None, metavar="NAME", help="grader behind /get_reward "
                   "(default: the only one served)")
    p.add_argument("--label-key", default="answer", help="item key for a non-object OpenRLHF label")
    p.add_argument("--allow-request-judge-models", action="store_true",
                   help="let graders sent to /graders/run name any judge model or URL")
    p.add_argument("--log-level", default="warning")
    p.set_defaults(func=run)


def run(args) -> int:
    from graders.service.auth import token_from_env
    from graders.service.config import ServiceConfig, load_served_graders
    from graders.service.server import serve
    from graders.spec import SpecError

    try:
        graders = load_served_graders(args.specs)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        config = ServiceConfig(
            graders=graders, token=token_from_env(args.token_env), workers=args.workers,
            max_body_bytes=int(args.max_body_mb * 1024 * 1024), max_batch=args.max_batch,
            max_queue=args.max_queue, deadline_s=args.deadline, openrlhf_grader=args.openrlhf_grader,
            label_key=args.label_key, allow_request_judge_models=args.allow_request_judge_models,
            ray_address=args.ray, threads_per_request=args.threads_per_request)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"verigrade serve: {', '.join(sorted(graders))} on http://{args.host}:{args.port} "
          f"({'token required' if config.token else 'no token'})", file=sys.stderr, flush=True)
    serve(config, args.host, args.port, args.log_level)
    return 0
