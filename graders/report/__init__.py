"""Self-contained HTML reports (no network: styles, script and charts inline) for results files and training
runs: `verigrade report RESULTS.jsonl [OTHER.jsonl] -o report.html`, `verigrade report RUN_DIR -o report.html`."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from graders.report.results import ReportError


def build_report(inputs: list[str | Path]) -> str:
    """The HTML of a report on one or two results files, or on one training run directory."""
    from graders.report.html import page
    from graders.report.results import build_results_report
    from graders.report.run import build_run_report

    paths = [Path(p) for p in inputs]
    if not 1 <= len(paths) <= 2:
        raise ReportError("give one or two results files, or one run directory")
    if any(p.is_dir() for p in paths):
        if len(paths) != 1:
            raise ReportError("a run directory is reported on its own")
        title, meta, sections, nav = build_run_report(paths[0])
    else:
        title, meta, sections, nav = build_results_report(paths)
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return page(title, f"{meta}  ·  generated {stamp} by verigrade report", sections, nav)


def write_report(inputs: list[str | Path], output: str | Path) -> Path:
    """Build the report and write it (atomically) to `output`."""
    out = Path(output)
    text = build_report(inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out


__all__ = ["ReportError", "build_report", "write_report"]
