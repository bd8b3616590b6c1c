"""Regenerate the small data files the ready configs use (offline, deterministic).

    python trainer/configs/make_data.py

arithmetic_{train,eval}.jsonl: "What is a + b?" / "What is a - b?" with a, b in 1..20; the eval split holds
problems that never appear in train. The GSM8K config reads ../shared/data/gsm8k directly (no copy).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent / "data"


def arithmetic_problems() -> list[dict]:
    rows = []
    for a in range(1, 21):
        for b in range(1, 21):
            for op in "+-":
                rows.append({"prompt": f"What is {a} {op} {b}?", "answer": str(a + b if op == "+" else a - b)})
    return rows


def write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{path}: {len(rows)} rows")


def main() -> None:
    rows = arithmetic_problems()           # 800 distinct problems
    random.Random(1234).shuffle(rows)
    HERE.mkdir(exist_ok=True)
    write(HERE / "arithmetic_eval.jsonl", rows[:200])
    write(HERE / "arithmetic_train.jsonl", rows[200:])
    write(HERE / "arithmetic_12.jsonl", rows[200:212])   # the "as few as 12 examples" run


if __name__ == "__main__":
    main()
