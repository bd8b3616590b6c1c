"""`verigrade eval --model M --data DATA.jsonl --grader SPEC`: sample k completions per prompt (local model or an
OpenAI-compatible server), grade them, report mean reward, accuracy, pass@k, maj@k and statuses."""
from __future__ import annotations

import json
import sys

from rich.table import Table

from graders.cli.output import console, load_grader_or_report, make_progress


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval", help="sample completions from a model and grade them (pass@k, maj@k, statuses)",
        description="Generate k completions per prompt with a local model or any OpenAI-compatible server, grade "
                    "them with a spec, and report mean reward, accuracy, pass@k (unbiased) and maj@k. "
                    "See docs/evaluation.md.")
    p.add_argument("--model", default="default", metavar="default|PATH|URL",
                   help="'default' (embedded SmolLM2-135M-Instruct), a local transformers dir / .gguf, or an "
                        "OpenAI-compatible base URL such as http://127.0.0.1:8000/v1")
    p.add_argument("--data", required=True, metavar="DATA.jsonl",
                   help="prompts: rows with prompt (text or chat messages), messages (OpenAI RFT), question or "
                        "problem; the whole row is the grader's item")
    p.add_argument("--grader", required=True, metavar="SPEC", help="grader spec (JSON file)")
    p.add_argument("-k", "--samples", type=int, default=1, help="completions per prompt (default 1)")
    p.add_argument("--temperature", type=float, default=None,
                   help="sampling temperature (default: 0 = greedy for 1 sample, 1.0 for several)")
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--max-tokens", type=int, default=256, help="new tokens per completion (default 256)")
    p.add_argument("-o", "--output", metavar="RESULTS.jsonl", help="write one results row per completion")
    p.add_argument("--export-accepted", metavar="FILE.jsonl",
                   help="write the passing completions (deduplicated, best first per prompt) as chat rows")
    p.add_argument("--summary-json", metavar="FILE.json", help="also write the summary as JSON")
    p.add_argument("--prompt-field", default=None, help="the row field holding the prompt (default: auto)")
    p.add_argument("--system-prompt", default=None, help="prepended as a system message")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N prompts")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (sent per request to servers)")
    p.add_argument("-j", "--workers", type=int, default=None, help="grading workers")
    g = p.add_argument_group("OpenAI-compatible servers")
    g.add_argument("--model-name", default=None, help="the `model` field sent (default: the server's first model)")
    g.add_argument("--api-key-env", default="OPENAI_API_KEY",
                   help="environment variable holding the API key (sent only when set)")
    g.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    g.add_argument("--retries", type=int, default=4, help="retries per request on 429/5xx/connection errors")
    g.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default 120)")
    loc = p.add_argument_group("local models")
    loc.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    loc.add_argument("--batch-rows", type=int, default=32, help="completions generated per forward batch")
    p.set_defaults(func=run)


def summary_tables(s: dict) -> list[Table]:
    """The rich tables printed after an evaluation."""
    main = Table(title=f"{s['grader']} ({s['grader_type']}) on {s['data']} with {s['model']}")
    main.add_column("metric", no_wrap=True)
    main.add_column("value", justify="right", no_wrap=True)
    main.add_row("prompts x samples", f"{s['prompts']} x {s['k']} = {s['samples']}")
    main.add_row("mean reward", f"{s['mean_reward']:.4f}")
    main.add_row("accuracy (per sample)", f"{s['accuracy']:.4f}")
    for k, v in s["pass@k"].items():
        main.add_row(f"pass@{k}", f"{v:.4f}")
    if s.get("maj@k") is not None:
        main.add_row(f"maj@{s['k']}", f"{s['maj@k']:.4f}  ({s['maj_answer_source']})")
    if s.get("mean_completion_tokens") is not None:
        main.add_row("mean completion tokens", f"{s['mean_completion_tokens']:.1f}")
    for reason, n in sorted(s["finish_reasons"].items()):
        main.add_row(f"finish: {reason}", str(n))
    statuses = Table(title="statuses")
    for name in s["status_counts"]:
        statuses.add_column(name, justify="right")
    statuses.add_row(*(str(n) for n in s["status_counts"].values()))
    tables = [main, statuses]
    if s["sub_grader_means"]:
        subs = Table(title="sub-graders")
        for col in ("name", "mean", "not ok"):
            subs.add_column(col, justify="left" if col == "name" else "right")
        for name, v in s["sub_grader_means"].items():
            subs.add_row(name, f"{v['mean']:.4f}", str(v["not_ok"]))
        tables.append(subs)
    return tables


def run(args) -> int:
    from graders.evaluation import EvalDataError, evaluate, load_prompts

    grader = load_grader_or_report(args.grader)
    if grader is None:
        return 2
    if args.samples < 1:
        print("error: --samples must be >= 1", file=sys.stderr)
        return 2
    try:
        total = len(load_prompts(args.data, args.prompt_field, limit=args.limit))
    except EvalDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.temperature == 0 and args.samples > 1:
        console.print(f"[yellow]note[/]: temperature 0 gives {args.samples} identical samples: pass@k = pass@1")
    options = dict(model_name=args.model_name, api_key_env=args.api_key_env, concurrency=args.concurrency,
                   retries=args.retries, timeout_s=args.timeout)
    if not args.model.startswith(("http://", "https://")):
        options = dict(threads=args.threads, batch_rows=args.batch_rows)
    try:
        with make_progress(total, f"eval {args.model}") as advance:
            result = evaluate(args.model, args.data, grader, samples=args.samples, temperature=args.temperature,
                              top_p=args.top_p, max_tokens=args.max_tokens, prompt_field=args.prompt_field,
                              system_prompt=args.system_prompt, limit=args.limit, seed=args.seed,
                              output=args.output, export_accepted=args.export_accepted, workers=args.workers,
                              progress=advance, **options)
    except (OSError, ValueError) as exc:  # a model that can't be loaded, a bad --model path
        print(f"error: {exc}", file=sys.stderr)
        return 2
    s = result.summary
    for table in summary_tables(s):
        console.print(table)
    if args.summary_json:
        with open(args.summary_json, "w", encoding="utf-8") as fh:
            json.dump(s, fh, indent=2)
    if args.output:
        console.print(f"results: {args.output}  (verigrade report {args.output} -o report.html)")
    if result.accepted is not None:
        console.print(f"accepted completions: {result.accepted} -> {args.export_accepted}")
    if s["generation_errors"]:
        console.print(f"[red]{s['generation_errors']} of {s['samples']} generations failed[/] (status error, "
                      "reason 'generation failed: ...'); the figures above count them as wrong")
        return 1
    return 0
