"""Charts as inline SVG (matplotlib, Agg): text stays text, nothing refers to a file or a URL."""
from __future__ import annotations

import io
import re
from typing import Sequence

COLORS = ["#0b5cad", "#e8710a", "#1a7f37", "#c62828", "#8250df", "#6e7781", "#bf3989", "#1b7c83"]


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 10,
                         "font.family": ["DejaVu Sans", "sans-serif"], "svg.hashsalt": "verigrade"})
    return plt


def _svg(fig) -> str:
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]                              # drop the XML prolog and DOCTYPE
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    return re.sub(r'\s(width|height)="[^"]*"', "", text, count=2)  # scale with the page (viewBox stays)


def line_chart(title: str, series: Sequence[tuple[str, Sequence[float], Sequence[float | None]]], *,
               ylabel: str = "", xlabel: str = "step", ylim: tuple[float, float] | None = None,
               dashed: Sequence[str] = (), secondary: Sequence[str] = (), secondary_label: str = "",
               secondary_ylim: tuple[float, float] | None = None) -> str | None:
    """Lines over steps: series are (label, xs, ys); None values are gaps. Series named in `secondary`
    use a right-hand axis. Returns None when there is nothing to draw."""
    series = [(n, xs, ys) for n, xs, ys in series if any(y is not None for y in ys)]
    if not series:
        return None
    plt = _plt()
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6.4, 2.7))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2 = ax.twinx() if any(n in secondary for n, _, _ in series) else None
    for i, (name, xs, ys) in enumerate(series):
        pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
        target = ax2 if (ax2 is not None and name in secondary) else ax
        target.plot([p[0] for p in pts], [p[1] for p in pts], label=name, color=COLORS[i % len(COLORS)],
                    linestyle="--" if name in dashed else "-", marker="o" if len(pts) <= 30 else None,
                    markersize=3, linewidth=1.4)
    ax.set_title(title, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if ax2 is not None:
        ax2.set_ylabel(secondary_label)
        if secondary_ylim:
            ax2.set_ylim(*secondary_ylim)
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, fontsize=7, loc="best", framealpha=0.8)
    return _svg(fig)


def histogram(title: str, datasets: Sequence[tuple[str, Sequence[float]]], *, bins: int = 20,
              value_range: tuple[float, float] = (0.0, 1.0), xlabel: str = "score") -> str | None:
    """Histogram(s) over a fixed range; several datasets are drawn side by side in each bin."""
    datasets = [(n, v) for n, v in datasets if len(v)]
    if not datasets:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 2.7))
    ax.hist([list(v) for _, v in datasets], bins=bins, range=value_range, label=[n for n, _ in datasets],
            color=COLORS[:len(datasets)])
    ax.set_title(title, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("samples")
    ax.grid(alpha=0.3, axis="y")
    if len(datasets) > 1:
        ax.legend(fontsize=7)
    return _svg(fig)


def bar_chart(title: str, labels: Sequence[str], groups: Sequence[tuple[str, Sequence[float]]], *,
              ylim: tuple[float, float] | None = (0.0, 1.0), ylabel: str = "mean score",
              label_fmt: str = "%.2f") -> str | None:
    """Grouped vertical bars: one group per label, one bar per (name, values) entry."""
    if not labels or not groups:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 2.7))
    width = 0.8 / len(groups)
    for i, (name, values) in enumerate(groups):
        xs = [j + (i - (len(groups) - 1) / 2) * width for j in range(len(labels))]
        bars = ax.bar(xs, values, width=width, label=name, color=COLORS[i % len(COLORS)])
        ax.bar_label(bars, fmt=label_fmt, fontsize=7)
    ax.set_xticks(range(len(labels)), labels, rotation=20 if len(labels) > 5 else 0, ha="right" if len(labels) > 5
                  else "center")
    ax.set_title(title, loc="left")
    ax.set_ylabel(ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3, axis="y")
    if len(groups) > 1:
        ax.legend(fontsize=7)
    return _svg(fig)
