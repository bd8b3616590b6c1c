"""Terminal output shared by the commands: progress bars and summary tables (rich, on stderr)."""
from __future__ import annotations

import contextlib
import sys
from typing import Any, Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from graders.errors import SpecError
from graders.spec import load_grader


def load_grader_or_report(spec: str):
    """Load a spec for a command; on a SpecError print it and return None (the command exits 2)."""
    try:
        return load_grader(spec)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


# pipes and CI logs get a wide table instead of wrapped 80-column cells
console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)


@contextlib.contextmanager
def make_progress(total: int | None, description: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal (stderr); a no-op otherwise. Yields `advance(n)`."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


def summary_table(rows: list[tuple[str, dict[str, Any]]], title: str = "") -> Table:
    """One row per named summary (see graders.scoring.summarize)."""
    table = Table(title=title or None)
    for col in ("grader", "n", "mean", "pass", "ok", "no_answer", "invalid_ref", "timeout", "error",
                "rejected", "p50 ms", "p95 ms"):
        table.add_column(col, justify="left" if col == "grader" else "right", no_wrap=True)
    for name, s in rows:
        c = s["status_counts"]
        table.add_row(
            name, str(s["count"]), f"{s['mean_score']:.3f}",
            "-" if s["pass_rate"] is None else f"{s['pass_rate']:.1%}",
            str(c["ok"]), str(c["no_answer"]), str(c["invalid_reference"]), str(c["timeout"]), str(c["error"]),
            str(c["rejected"]), f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}",
        )
    return table


def print_summary(summary: dict[str, Any], title: str = "") -> None:
    console.print(summary_table([("all", summary)], title=title))
