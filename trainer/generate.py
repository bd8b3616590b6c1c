"""A small KV-cached sampling loop (no `model.generate`): each prompt is prefilled once, its cache is
repeated for the group, a completion leaves the batch (and its cache rows are dropped) as soon as it emits
EOS, and the loop stops when none is left. The cache is a transformers `DynamicCache` passed under the
keyword the model's forward takes (`cache` in current transformers, `past_key_values` before it)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from graders.models.embedded import cache_keyword, new_cache


@dataclass
class Rollout:
    """A batch of prompts (left-padded) and their completions (right-padded)."""
    prompt_ids: torch.Tensor       # (B, P)
    prompt_mask: torch.Tensor      # (B, P) 1 = real token
    completion_ids: torch.Tensor   # (B, T)
    completion_mask: torch.Tensor  # (B, T) 1 up to and including the first EOS
    truncated: torch.Tensor        # (B,) bool: no EOS within max_new_tokens
    entropy: torch.Tensor | None = None  # (B,) mean entropy (nats) of the sampling distribution per token


def left_pad(seqs: list[list[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long, device=device)
    mask = torch.zeros((len(seqs), width), dtype=torch.long, device=device)
    for i, s in enumerate(seqs):
        if s:
            ids[i, width - len(s):] = torch.tensor(s, dtype=torch.long, device=device)
            mask[i, width - len(s):] = 1
    return ids, mask


def token_entropy(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Entropy (nats) of softmax(logits / temperature) per row: the distribution the sampler draws from."""
    logp = torch.log_softmax(logits.float() / temperature, dim=-1)
    return -(logp.exp() * logp).sum(-1)


def sample_next(logits: torch.Tensor, temperature: float, top_p: float, generator=None) -> torch.Tensor:
    """Sample one token per row from temperature-scaled, nucleus-filtered logits."""
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p < 1.0:
        sorted_p, order = probs.sort(dim=-1, descending=True)
        drop = sorted_p.cumsum(-1) - sorted_p > top_p   # keep the smallest prefix reaching top_p
        sorted_p = sorted_p.masked_fill(drop, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_p)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


@torch.no_grad()
def generate(model, prompts: list[list[int]], *, max_new_tokens: int, eos_token_ids: list[int], pad_token_id: int,
             num_generations: int = 1, temperature: float = 1.0, top_p: float = 1.0, greedy: bool = False,
             generator: torch.Generator | None = None) -> Rollout:
    """Complete each prompt `num_generations` times; completions of one prompt are contiguous rows."""
    device = next(model.parameters()).device
    ids, mask = left_pad(prompts, pad_token_id, device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    cache, key = new_cache(model), cache_keyword(model)
    out = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1,
                **{key: cache})
    logits = out.logits[:, -1]
    if num_generations > 1:
        cache.batch_repeat_interleave(num_generations)
        logits = logits.repeat_interleave(num_generations, dim=0)
        ids, mask = ids.repeat_interleave(num_generations, 0), mask.repeat_interleave(num_generations, 0)
        positions = positions.repeat_interleave(num_generations, 0)
    batch = ids.shape[0]
    next_pos = positions[:, -1:] + 1
    eos = torch.tensor(eos_token_ids, device=device)
    out_tokens = torch.full((batch, max_new_tokens), pad_token_id, dtype=torch.long, device=device)
    entropy_sum = torch.zeros(batch, dtype=torch.float32, device=device)
    finished = torch.zeros(batch, dtype=torch.bool, device=device)
    active = torch.arange(batch, device=device)  # rows still generating; finished rows leave the batch
    attn, width = mask, 0
    for step in range(max_new_tokens):
        tok = logits.argmax(-1) if greedy else sample_next(logits, temperature, top_p, generator)
        entropy_sum[active] += token_entropy(logits, 1.0 if greedy else temperature)
        out_tokens[active, step] = tok
        width = step + 1
        done = torch.isin(tok, eos)
        finished[active[done]] = True
        if bool(done.all()) or step == max_new_tokens - 1:
            break
        if bool(done.any()):
            keep = (~done).nonzero().squeeze(1)
            cache.batch_select_indices(keep)
            active, tok, attn, next_pos = active[keep], tok[keep], attn[keep], next_pos[keep]
        attn = torch.cat([attn, torch.ones((len(active), 1), dtype=attn.dtype, device=device)], dim=1)
        out = model(input_ids=tok[:, None], attention_mask=attn, position_ids=next_pos, use_cache=True,
                    **{key: cache})
        logits = out.logits[:, -1]
        next_pos = next_pos + 1
    completion = out_tokens[:, :width]
    is_eos = torch.isin(completion, eos)
    # mask = 1 up to and including the first EOS: count of EOS strictly before each position is 0
    seen_before = torch.cumsum(is_eos.long(), dim=1) - is_eos.long()
    completion_mask = (seen_before == 0).long()
    lengths = completion_mask.sum(-1).clamp(min=1).float()
    return Rollout(ids, mask, completion, completion_mask, ~finished, entropy=entropy_sum / lengths)
