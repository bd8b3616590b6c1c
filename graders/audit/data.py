"""Reading the rows an audit takes: the rows `verigrade score` takes (`{"sample", "item"}`), with the sample
optional, a `label` (correct / incorrect, or a target score) optional, and OpenAI RFT rows (`messages` plus
fields: the whole row is the item)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graders.jsonl import json_object

ROW_KEYS = ("sample", "output_text", "label", "expect")   # keys that are not part of an item given inline
POSITIVE = {"correct", "true", "yes", "pass", "passed", "right", "1", "good", "positive"}
NEGATIVE = {"incorrect", "false", "no", "fail", "failed", "wrong", "0", "bad", "negative"}


class AuditDataError(ValueError):
    """The data file can't be read at all."""


@dataclass
class AuditRow:
    """One data row: its 1-based line, the item, the sample (if any) and the label as a target score."""

    line: int
    item: dict[str, Any] = field(default_factory=dict)
    sample: Any = None
    label: float | None = None
    error: str | None = None


def parse_label(value: Any) -> float | None:
    """`correct`/`incorrect` (and yes/no, true/false, pass/fail) or a number in [0, 1]; else None."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value) if 0.0 <= float(value) <= 1.0 else None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in POSITIVE:
            return 1.0
        if text in NEGATIVE:
            return 0.0
        try:
            number = float(text)
        except ValueError:
            return None
        return number if 0.0 <= number <= 1.0 else None
    return None


def parse_row(line_no: int, text: str) -> AuditRow:
    data, problem = json_object(text)
    if data is None:
        return AuditRow(line_no, error=f"line {line_no}: {problem}")
    if "item" in data:
        item = data["item"] if data["item"] is not None else {}
        if not isinstance(item, dict):
            return AuditRow(line_no, error=f"line {line_no}: 'item' must be an object, got {type(item).__name__}")
    else:  # OpenAI RFT rows and bare item rows: the row itself is the item
        item = {k: v for k, v in data.items() if k not in ROW_KEYS}
    sample = data.get("sample")
    if sample is None and "output_text" in data:
        sample = {"output_text": data["output_text"]}
    label = None
    if "label" in data and data["label"] is not None:
        label = parse_label(data["label"])
        if label is None:
            return AuditRow(line_no, item, sample, error=f"line {line_no}: label {data['label']!r} is not "
                                                         "correct/incorrect or a score in [0, 1]")
    return AuditRow(line_no, item, sample, label)


def load_rows(path: str | Path, limit: int | None = None) -> list[AuditRow]:
    """Rows of a JSONL file (blank lines skipped, line numbers kept); at most `limit` non-blank rows."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise AuditDataError(f"cannot read {path}: {exc.strerror or exc}") from None
    rows: list[AuditRow] = []
    with handle:
        for line_no, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            if limit is not None and len(rows) >= limit:
                break
            rows.append(parse_row(line_no, text))
    if not rows:
        raise AuditDataError(f"{path}: no rows")
    return rows
