"""Experiment trackers for the trainer: `report_to: [tensorboard, wandb, trackio]` in the config.

Each tracker gets every numeric value of every metrics.jsonl line (train lines as `train/<key>`, eval lines
as `eval/<key>`, at the line's step) and, per step, a completions table: the logged samples with prompt,
completion, reward, per-sub-grader rewards, status and reason. metrics.jsonl stays the source of truth:
a tracker that fails is reported once and switched off; training never stops for logging.

- tensorboard: event files in `output_dir/tensorboard` (torch's SummaryWriter; the table as markdown text).
- wandb: offline by default, no account needed: the run lands in `output_dir/wandb/offline-run-*` (sync it
  later with `wandb sync`). Set WANDB_MODE=online (and log in) to stream instead.
- trackio: local SQLite store in trackio's directory (`$TRACKIO_DIR`, default `$HF_HOME/trackio`);
  browse it with `trackio show --project verigrade`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

TRACKERS = ("tensorboard", "wandb", "trackio")
INSTALL_HINT = "pip install 'verigrade[trackers]'"
TABLE_TEXT_LIMIT = 2000  # characters of prompt / completion kept per table cell


def metric_items(row: dict) -> dict[str, float]:
    """The numeric values of one metrics.jsonl line under their tracker names (`train/reward`, `eval/reward`)."""
    kind = row.get("kind", "train")
    out = {}
    for key, value in row.items():
        if key in ("kind", "step") or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        out[key if key.startswith(kind + "/") else f"{kind}/{key}"] = float(value)
    return out


def completion_table(samples: list[dict]) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of the completions table for one step's logged samples."""
    subs = list(dict.fromkeys(name for s in samples for name in (s.get("sub_rewards") or {})))
    columns = ["step", "prompt", "completion", "reward", *[f"reward/{n}" for n in subs], "status", "reason"]
    rows = []
    for s in samples:
        prompt = s.get("prompt")
        if isinstance(prompt, list):  # chat messages: show the last user turn
            prompt = next((m.get("content", "") for m in reversed(prompt) if m.get("role") == "user"), "")
        rows.append([s.get("step"), str(prompt)[:TABLE_TEXT_LIMIT], str(s.get("completion", ""))[:TABLE_TEXT_LIMIT],
                     s.get("reward"), *[(s.get("sub_rewards") or {}).get(n) for n in subs], s.get("status"),
                     s.get("reason", "")])
    return columns, rows


class _TensorBoard:
    def __init__(self, out: Path, run_name: str, project: str, config: dict):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ImportError(f"report_to: tensorboard needs the tensorboard package ({INSTALL_HINT})") from None
        self.dir = out / "tensorboard"
        self.writer = SummaryWriter(log_dir=str(self.dir), flush_secs=10)
        self.writer.add_text("config", "```\n" + "\n".join(f"{k}: {v}" for k, v in config.items()) + "\n```", 0)

    def log(self, values: dict[str, float], step: int) -> None:
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)

    def log_table(self, columns: list[str], rows: list[list[Any]], step: int) -> None:
        def cell(v: Any) -> str:
            text = f"{v:.4g}" if isinstance(v, float) else "" if v is None else str(v)
            return text.replace("|", "\\|").replace("\n", "<br>")
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
        self.writer.add_text("completions", "\n".join(lines), step)

    def close(self) -> None:
        self.writer.close()


class _Wandb:
    def __init__(self, out: Path, run_name: str, project: str, config: dict):
        try:
            import wandb
        except ImportError:
            raise ImportError(f"report_to: wandb needs the wandb package ({INSTALL_HINT})") from None
        self.wandb = wandb
        mode = os.environ.get("WANDB_MODE") or "offline"  # no account needed; online only when asked for
        os.environ.setdefault("WANDB_SILENT", "true")
        self.run = wandb.init(mode=mode, dir=str(out), project=project, name=run_name, config=config,
                              reinit="finish_previous")
        self.dir = Path(self.run.dir).parent

    def log(self, values: dict[str, float], step: int) -> None:
        self.run.log(values, step=step)

    def log_table(self, columns: list[str], rows: list[list[Any]], step: int) -> None:
        self.run.log({"completions": self.wandb.Table(columns=columns, data=rows)}, step=step)

    def close(self) -> None:
        self.run.finish()


class _Trackio:
    def __init__(self, out: Path, run_name: str, project: str, config: dict):
        try:
            import trackio
        except ImportError:
            raise ImportError(f"report_to: trackio needs the trackio package ({INSTALL_HINT})") from None
        self.trackio = trackio
        self.run = trackio.init(project=project, name=run_name, config=config, auto_log_cpu=False,
                                auto_log_gpu=False)

    def log(self, values: dict[str, float], step: int) -> None:
        self.trackio.log(values, step=step)

    def log_table(self, columns: list[str], rows: list[list[Any]], step: int) -> None:
        self.trackio.log({"completions": self.trackio.Table(columns=columns, data=rows)}, step=step)

    def close(self) -> None:
        self.trackio.finish()


_CLASSES = {"tensorboard": _TensorBoard, "wandb": _Wandb, "trackio": _Trackio}


class Trackers:
    """The trackers named in `report_to` (none: every call is a no-op)."""

    def __init__(self, names: list[str], out: Path, run_name: str, project: str, config: dict, log=print):
        self.active: dict[str, Any] = {}
        self._log = log
        for name in names:
            try:
                self.active[name] = _CLASSES[name](Path(out), run_name, project, config)
            except ImportError as exc:
                from trainer.config import ConfigError
                raise ConfigError(f"config field 'report_to': {exc}") from None

    def _each(self, method: str, *args) -> None:
        for name, tracker in list(self.active.items()):
            try:
                getattr(tracker, method)(*args)
            except Exception as exc:  # noqa: BLE001 - logging must never stop training
                print(f"verigrade train: tracker {name} failed ({type(exc).__name__}: {exc}); "
                      f"switched off, metrics.jsonl is complete", file=sys.stderr)
                self.active.pop(name, None)

    def log_metrics(self, row: dict) -> None:
        """One metrics.jsonl line (train or eval)."""
        self._each("log", metric_items(row), int(row.get("step", 0)))

    def log_samples(self, step: int, samples: list[dict]) -> None:
        """The completions table of one step."""
        if samples:
            columns, rows = completion_table(samples)
            self._each("log_table", columns, rows, step)

    def close(self) -> None:
        self._each("close")


def open_trackers(cfg, out: Path, log=print) -> Trackers:
    """Trackers for a TrainConfig (its `report_to`, `run_name`, `tracker_project`)."""
    names = list(cfg.report_to or [])
    trackers = Trackers(names, out, cfg.run_name or Path(out).resolve().name, cfg.tracker_project,
                        cfg.to_dict(), log)
    if names:
        log("trackers: " + ", ".join(names))
    return trackers
