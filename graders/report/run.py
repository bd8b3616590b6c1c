"""Report on a training run directory (what trainer/train.py writes: metrics.jsonl, samples.jsonl,
config.json, summary.json): curves for reward, accuracy, sub-rewards, statuses, lengths, KL / entropy /
clipping, timing, and the logged samples per step."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graders.jsonl import read_objects
from graders.report import charts
from graders.report.html import Raw, cards, chart_grid, fmt, pass_mark, section, status_badge, table, text_cell
from graders.report.results import ReportError
from graders.result import STATUSES

SAMPLE_LIMIT = 3000


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [row for _, row in read_objects(path, ReportError)]


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON ({exc.msg})") from None


def _smooth(ys: list[float | None], window: int) -> list[float | None]:
    out, vals = [], []
    for y in ys:
        if y is not None:
            vals.append(y)
        recent = vals[-window:]
        out.append(sum(recent) / len(recent) if recent else None)
    return out


def _one_decimal(value: Any) -> str | None:
    return f"{value:.1f}" if isinstance(value, (int, float)) else None


def _series(rows: list[dict], key: str, label: str | None = None) -> tuple[str, list, list]:
    return (label or key, [r["step"] for r in rows], [r.get(key) for r in rows])


def _keys(rows: list[dict], prefix: str, suffix: str = "") -> list[str]:
    return list(dict.fromkeys(k for r in rows for k in r if k.startswith(prefix) and k.endswith(suffix)))


def run_charts(train: list[dict], evals: list[dict]) -> list[str | None]:
    line = charts.line_chart
    out = []
    reward = [r.get("reward") for r in train]
    window = max(1, len(train) // 10)
    curves = [_series(train, "reward", "train reward"), _series(train, "accuracy", "train accuracy"),
              _series(evals, "eval/reward", "eval reward"), _series(evals, "eval/accuracy", "eval accuracy")]
    if window > 1:
        curves.insert(1, (f"train reward (mean of {window})", [r["step"] for r in train], _smooth(reward, window)))
    out.append(line("reward and accuracy", curves, ylim=(-0.02, 1.02), dashed=["eval reward", "eval accuracy"]))
    subs = _keys(train + evals, "rewards/", "/mean")
    sub_curves = [_series(train, k, k.split("/")[1]) for k in subs]
    sub_curves += [_series(evals, "eval/" + k, "eval " + k.split("/")[1]) for k in subs]
    out.append(line("sub-rewards (multi: mean per sub-grader)", sub_curves, ylim=(-0.02, 1.02),
                    dashed=["eval " + k.split("/")[1] for k in subs]))
    totals = [sum(r.get(f"status/{s}", 0) for s in STATUSES) or 1 for r in train]
    seen = [s for s in STATUSES if any(f"status/{s}" in r for r in train)]
    out.append(line("grader statuses (share of samples)",
                    [(s, [r["step"] for r in train], [r.get(f"status/{s}", 0) / t for r, t in zip(train, totals)])
                     for s in seen], ylim=(-0.02, 1.02)))
    out.append(line("completion length (tokens)",
                    [_series(train, "completions/mean_length", "mean"), _series(train, "completions/min_length", "min"),
                     _series(train, "completions/max_length", "max"),
                     _series(train, "completions/clipped_ratio", "truncated share")],
                    ylabel="tokens", secondary=["truncated share"], secondary_label="share",
                    secondary_ylim=(-0.02, 1.02)))
    trained = [{**r, "entropy": r.get("entropy") if r.get("trained_sequences", 1) else None} for r in train]
    out.append(line("entropy and KL", [_series(trained, "entropy", "policy entropy (trained tokens)"),
                                       _series(train, "completions/entropy", "sampling entropy (all tokens)"),
                                       _series(train, "kl", "KL to reference")],
                    ylabel="nats", secondary=["KL to reference"], secondary_label="KL"))
    out.append(line("clip ratios (share of tokens clipped)",
                    [_series(train, "clip_ratio/low", "low"), _series(train, "clip_ratio/high", "high"),
                     _series(train, "frac_reward_zero_std", "groups with zero reward std")]))
    out.append(line("loss and gradient norm", [_series(train, "loss"), _series(train, "grad_norm", "grad norm")],
                    secondary=["grad norm"], secondary_label="grad norm"))
    out.append(line("time per step (s)", [_series(train, "time/generate", "generate"),
                                          _series(train, "time/grade", "grade"),
                                          _series(train, "time/update", "update"),
                                          _series(train, "tokens_per_s", "tokens/s")],
                    ylabel="seconds", secondary=["tokens/s"], secondary_label="tokens/s"))
    pass_keys = _keys(evals, "eval/pass@")
    if pass_keys:
        out.append(line("eval pass@k", [_series(evals, k, k[5:]) for k in pass_keys], ylim=(-0.02, 1.02)))
    return out


def _sample_rows(samples: list[dict]) -> tuple[list[str], list[list[Any]], list[dict[str, str]]]:
    subs = list(dict.fromkeys(n for s in samples for n in (s.get("sub_rewards") or {})))
    cols = ["step", "prompt", "completion", "reward", *subs, "advantage", "result", "status", "reason", "tokens"]
    rows, attrs = [], []
    for s in samples[-SAMPLE_LIMIT:]:
        prompt = s.get("prompt")
        if isinstance(prompt, list):
            prompt = "\n".join(f"{m.get('role')}: {m.get('content')}" for m in prompt if isinstance(m, dict))
        rows.append([s.get("step"), text_cell(prompt, 60), text_cell(s.get("completion")), s.get("reward"),
                     *[(s.get("sub_rewards") or {}).get(n) for n in subs], s.get("advantage"),
                     pass_mark(s.get("passed")), status_badge(s.get("status")), text_cell(s.get("reason"), 80),
                     s.get("length")])
        attrs.append({"step": str(s.get("step")), "status": str(s.get("status"))})
    return cols, rows, attrs


def build_run_report(run_dir: str | Path) -> tuple[str, str, list[Raw], list[tuple[str, str]]]:
    run_dir = Path(run_dir)
    metrics = _jsonl(run_dir / "metrics.jsonl")
    if not metrics:
        raise ReportError(f"{run_dir}: no metrics.jsonl with rows (is it a `verigrade train` output_dir?)")
    train = [r for r in metrics if r.get("kind") == "train" and "step" in r]
    evals = [r for r in metrics if r.get("kind") == "eval" and "step" in r]
    samples = _jsonl(run_dir / "samples.jsonl")
    config, summ = _json(run_dir / "config.json"), _json(run_dir / "summary.json")
    grader = config.get("grader")
    grader_name = (grader.get("name") or grader.get("type")) if isinstance(grader, dict) else grader
    last = train[-1] if train else {}
    first_eval, last_eval = (evals[0], evals[-1]) if evals else ({}, {})
    items = [("steps", last.get("step", 0), f"of {config.get('max_steps', '?')}"),
             ("last reward", last.get("reward"), f"accuracy {fmt(last.get('accuracy'))}"),
             ("eval accuracy", last_eval.get("eval/accuracy"),
              f"step {first_eval.get('step')}: {fmt(first_eval.get('eval/accuracy'))}" if evals else "no eval_data"),
             ("eval reward", last_eval.get("eval/reward"),
              f"step {first_eval.get('step')}: {fmt(first_eval.get('eval/reward'))}" if evals else None),
             ("train time", _one_decimal(summ.get("train_seconds")), "seconds"),
             ("mean length", _one_decimal(last.get("completions/mean_length")), "tokens, last step")]
    status_rows = [[r["step"]] + [r.get(f"status/{s}", 0) for s in STATUSES] for r in train]
    cols, rows, attrs = _sample_rows(samples)
    steps = sorted({a["step"] for a in attrs}, key=lambda s: int(s) if s.isdigit() else 0)
    statuses = sorted({a["status"] for a in attrs})
    config_rows = [[k, text_cell(json.dumps(v) if not isinstance(v, str) else v, 100)] for k, v in config.items()]
    sections = [
        section("Summary", cards(items), section_id="summary",
                note=f"model {config.get('model', '?')}, grader {grader_name}, loss {config.get('loss_type', '?')}, "
                     f"{config.get('prompts_per_step', '?')} prompts x {config.get('num_generations', '?')} "
                     "generations per step"),
        section("Curves", chart_grid(*run_charts(train, evals)), section_id="curves"),
        section("Grader statuses per step", table(["step", *STATUSES], status_rows, numeric=range(0, 7)),
                section_id="statuses"),
        section(f"Logged samples ({len(samples)})", table(cols, rows, table_id="samples",
                                                          numeric=[0, 3, *range(4, 5 + len(cols) - 10)],
                                                          row_attrs=attrs, filters={"step": steps,
                                                                                    "status": statuses})
                if rows else Raw('<p class="note">samples.jsonl is empty (log_samples: 0?).</p>'),
                section_id="samples", note="the first completion of the first log_samples prompts of every step"),
        section("Config", Raw("<details><summary>config.json</summary>" + table(["field", "value"], config_rows,
                                                                               scroll=False) + "</details>"),
                section_id="config"),
    ]
    nav = [("summary", "Summary"), ("curves", "Curves"), ("statuses", "Statuses"), ("samples", "Samples"),
           ("config", "Config")]
    return f"verigrade training run: {run_dir.resolve().name}", str(run_dir.resolve()), sections, nav
