"""Ready-made grader specs: `<name>.json` with an example `<name>.jsonl` beside each."""
from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent


def spec_path(name: str) -> Path:
    """Path of a ready-made spec, e.g. `spec_path("gsm8k")`."""
    path = FOLDER / f"{name.removesuffix('.json')}.json"
    if not path.exists():
        raise FileNotFoundError(f"no ready-made spec '{name}' (have: {', '.join(list_specs())})")
    return path


def list_specs() -> list[str]:
    return sorted(p.stem for p in FOLDER.glob("*.json"))
