"""`verigrade audit SPEC DATA.jsonl`: try right answers and attack families on a grader; exit 1 when a family
fails (a CI gate for grader changes). See docs/audit.md."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "audit", help="find a grader's reward hacks and blind spots (controls + attack families; exit 1 on a fail)",
        description="Build right answers (controls) and attack candidates from your data's rows, grade them with "
                    "your spec (and each sub-grader of a multi), and give each attack family a verdict: pass, warn "
                    "or fail. Rows with a `label` also get agreement, FP/FN rates and AUC. See docs/audit.md.")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("data", metavar="DATA.jsonl", help="rows as `verigrade score` takes them (the sample may be "
                   "absent), or OpenAI RFT rows (messages + fields); an optional `label` per row")
    p.add_argument("--items", type=int, default=20, metavar="N", help="rows to use (default 20)")
    p.add_argument("--families", default=None, metavar="a,b", help="only these families (default: every family "
                   "for the grader's kinds; docs/audit.md lists them)")
    p.add_argument("--report", default=None, metavar="report.html", help="write a self-contained HTML report")
    p.add_argument("--json", default=None, metavar="out.json", help="write the full results as JSON")
    p.add_argument("--warn-ratio", type=float, default=0.5, help="partial reward above this share of the control "
                   "score warns (default 0.5)")
    p.add_argument("--recall-min", type=float, default=None, help="score a right answer must reach (default: the "
                   "spec's pass_threshold, else 0.5)")
    p.add_argument("--fail-on-recall", action="store_true", help="also exit 1 when a row's right answers all score "
                   "below --recall-min")
    p.add_argument("-j", "--workers", type=int, default=None, help="grading workers (default: CPU count)")
    p.set_defaults(func=run)


def run(args) -> int:
    from graders.audit import AuditDataError, Thresholds, all_families, audit, load_rows
    from graders.cli.output import console, load_grader_or_report

    grader = load_grader_or_report(args.spec)
    if grader is None:
        return 2
    names = [n.strip() for n in args.families.split(",") if n.strip()] if args.families else None
    known = all_families()
    unknown = [n for n in names or [] if n not in known]
    if unknown:
        print(f"error: unknown families {unknown}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    if args.items < 1:
        print("error: --items must be >= 1", file=sys.stderr)
        return 2
    try:
        rows = load_rows(args.data, args.items)
    except AuditDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    thresholds = Thresholds(warn_ratio=args.warn_ratio, recall_min=args.recall_min, fail_on_recall=args.fail_on_recall)
    with console.status("auditing") as status:
        report = audit(grader, rows, names, thresholds, args.workers, spec_label=args.spec, data_label=args.data,
                       progress=lambda text: status.update(text))
    print_report(report, console)
    data = report.to_json()
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"json: {args.json}")
    if args.report:
        from graders.audit.html import write_html

        out = write_html(report, args.report)
        console.print(f"report: {out}")
    return report.exit_code


def print_report(report, console) -> None:
    from rich.table import Table

    colours = {"pass": "green", "warn": "yellow", "fail": "red", "n/a": "dim"}
    for target in report.targets:
        recall = target.recall
        style = {"problem": "red" if recall.get("fails_run") else "yellow", "n/a": "dim"}.get(recall["verdict"], "green")
        console.print(f"[bold]{target.name}[/] ({target.type}, path {target.path}): "
                      f"[{style}]{recall['message']}[/]")
        table = Table(title=None)
        for col in ("family", "severity", "tried", "> 0", ">= control", "verdict", "max ms", "why"):
            table.add_column(col, justify="right" if col in ("tried", "> 0", ">= control", "max ms") else "left")
        for fam in target.families:
            if fam.verdict == "n/a":
                continue
            table.add_row(fam.name, fam.severity, str(fam.tried), str(fam.above_zero), str(fam.hits),
                          f"[{colours[fam.verdict]}]{fam.verdict}[/]", f"{fam.max_ms:.0f}", "; ".join(fam.why)[:120])
        console.print(table)
        skipped = [fam.name for fam in target.families if fam.verdict == "n/a"]
        if skipped:
            console.print(f"[dim]n/a (nothing could be built from these rows): {', '.join(skipped)}[/]")
        for error in target.build_errors[:5]:
            console.print(f"[red]family error[/]: {error}")
    if report.labels:
        console.print(f"[bold]labels[/]: {report.labels['summary']}")
    for error in report.row_errors[:5]:
        console.print(f"[yellow]skipped row[/]: {error}")
    verdict = report.verdict
    console.print(f"audit: [{colours.get(verdict, 'white')}]{verdict}[/] ({report.rows} rows, {report.seconds:.1f} s); "
                  f"exit {report.exit_code}")
