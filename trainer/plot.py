"""reward_curve.png: train reward (and its running mean) and eval accuracy against the step."""
from __future__ import annotations

import json
from pathlib import Path


def plot_reward_curve(metrics_path: str | Path, out_path: str | Path) -> Path | None:
    """Draw the curve from metrics.jsonl; returns the PNG path, or None when there is nothing to plot."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics_path = Path(metrics_path)
    if not metrics_path.exists():
        return None
    rows = [json.loads(line) for line in metrics_path.read_text().splitlines() if line.strip()]
    train = [r for r in rows if r.get("kind") == "train"]
    evals = [r for r in rows if r.get("kind") == "eval"]
    if not train and not evals:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        steps = [r["step"] for r in train]
        reward = [r["reward"] for r in train]
        ax.plot(steps, reward, color="tab:blue", alpha=0.35, label="train reward (batch mean)")
        window = max(1, len(reward) // 10)
        smooth = [sum(reward[max(0, i - window + 1):i + 1]) / len(reward[max(0, i - window + 1):i + 1])
                  for i in range(len(reward))]
        if window > 1:
            ax.plot(steps, smooth, color="tab:blue", label=f"train reward (mean of last {window})")
    if evals:
        ax.plot([r["step"] for r in evals], [r["eval/accuracy"] for r in evals], "o-", color="tab:orange",
                label="eval accuracy (greedy)")
    ax.set_xlabel("step")
    ax.set_ylabel("reward / accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return Path(out_path)
