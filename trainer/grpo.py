"""The GRPO maths: group-relative advantages, per-token log-probs, and the clipped policy loss.

Shapes: B = number of completions in the batch (prompts x num_generations), T = completion length.
All functions are pure tensor code so tests can check them against hand-computed values.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

ADV_EPS = 1e-4  # same as TRL: avoids division by zero for (near) constant groups


def group_advantages(rewards: torch.Tensor, num_generations: int, scale_rewards: str = "group"
                     ) -> tuple[torch.Tensor, dict]:
    """A_i = (r_i - mean(group)) / (std + eps); std is per group, over the batch, or 1 (`none`).

    `rewards` is flat (B,) with each group's completions contiguous. Returns (advantages (B,), stats).
    std is the unbiased sample std, as in TRL.
    """
    grouped = rewards.view(-1, num_generations)
    mean = grouped.mean(dim=1, keepdim=True)
    group_std = grouped.std(dim=1, keepdim=True)
    centred = (grouped - mean).view(-1)
    if scale_rewards == "group":
        adv = centred / (group_std.expand_as(grouped).reshape(-1) + ADV_EPS)
    elif scale_rewards == "batch":
        adv = centred / (rewards.std() + ADV_EPS)
    elif scale_rewards == "none":
        adv = centred
    else:
        raise ValueError(f"scale_rewards must be group, batch or none, got {scale_rewards!r}")
    zero_std = torch.isclose(group_std.view(-1), torch.zeros_like(group_std.view(-1)))
    return adv, {"frac_reward_zero_std": zero_std.float().mean().item()}


def token_logps(logits: torch.Tensor, targets: torch.Tensor, temperature: float = 1.0
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-token log p(target) and entropy of the (temperature-scaled) distribution. logits: (B, T, V)."""
    logits = logits.float() / temperature
    logp_all = F.log_softmax(logits, dim=-1)
    logps = logp_all.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    with torch.no_grad():
        entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logps, entropy


@dataclass
class LossNormaliser:
    """Batch-wide denominators, so splitting a batch into micro-batches gives the same gradient."""
    num_sequences: int          # completions in the whole batch (grpo, dr_grpo)
    num_tokens: int             # unmasked completion tokens in the whole batch (dapo)
    max_completion_length: int  # dr_grpo's constant L


def k3_kl(logps: torch.Tensor, ref_logps: torch.Tensor) -> torch.Tensor:
    """Per-token k3 estimator of KL(pi || ref): exp(ref - logp) - (ref - logp) - 1 (>= 0, 0 when equal)."""
    delta = ref_logps - logps
    return torch.exp(delta) - delta - 1


def policy_loss(logps: torch.Tensor, old_logps: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor,
                norm: LossNormaliser, loss_type: str = "dapo", epsilon: float = 0.2,
                epsilon_high: float | None = None, beta: float = 0.0, ref_logps: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, dict]:
    """Clipped surrogate + beta * k3 KL, reduced the `loss_type` way. Returns (loss, stats sums).

    per-token:  l_t = -min(rho_t * A, clip(rho_t, 1 - eps, 1 + eps_high) * A) + beta * KL_t,
                rho_t = exp(logp_t - old_logp_t)
    grpo:       mean over sequences of (sum_t l_t / |o_i|)          (each sequence weighs the same)
    dr_grpo:    sum_{i,t} l_t / (num_sequences * max_completion_length)
    dapo:       sum_{i,t} l_t / (total unmasked tokens)             (each token weighs the same)
    Denominators come from `norm` (the whole batch), so micro-batch losses simply add up.
    """
    eps_high = epsilon if epsilon_high is None else epsilon_high
    mask = mask.to(logps.dtype)
    adv = advantages.unsqueeze(-1)
    ratio = torch.exp(logps - old_logps)
    clipped = torch.clamp(ratio, 1 - epsilon, 1 + eps_high)
    per_token = -torch.min(ratio * adv, clipped * adv)
    kl = None
    if beta != 0.0:
        if ref_logps is None:
            raise ValueError("beta > 0 needs ref_logps")
        kl = k3_kl(logps, ref_logps)
        per_token = per_token + beta * kl
    masked = per_token * mask
    if loss_type == "grpo":
        loss = (masked.sum(-1) / mask.sum(-1).clamp(min=1.0)).sum() / norm.num_sequences
    elif loss_type == "dr_grpo":
        loss = masked.sum() / (norm.num_sequences * norm.max_completion_length)
    elif loss_type == "dapo":
        loss = masked.sum() / max(norm.num_tokens, 1)
    else:
        raise ValueError(f"loss_type must be grpo, dr_grpo or dapo, got {loss_type!r}")
    with torch.no_grad():
        low = ((ratio < 1 - epsilon) & (adv < 0)).to(mask.dtype) * mask
        high = ((ratio > 1 + eps_high) & (adv > 0)).to(mask.dtype) * mask
        stats = {"clip_low_tokens": low.sum().item(), "clip_high_tokens": high.sum().item(),
                 "kl_sum": (kl * mask).sum().item() if kl is not None else 0.0, "tokens": mask.sum().item()}
    return loss, stats
