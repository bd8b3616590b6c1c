"""verigrade's GRPO trainer: one loop, read it top to bottom.

    for step in 1..max_steps:
        prompts      <- the next prompts_per_step rows of the (shuffled) data
        completions  <- num_generations samples per prompt                      (generate.py)
        rewards      <- grader.grade_batch(completions, rows)                   (rewards.py)
        advantages   <- (r - group mean) / group std                            (grpo.py)
        repeat num_iterations times: one optimizer step on the clipped GRPO loss (grpo.py)
        log metrics.jsonl / samples.jsonl (and report_to trackers); evaluate / checkpoint every N steps
"""
from __future__ import annotations

import json
import math
import random
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from graders.result import is_passing
from trainer.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from trainer.config import ConfigError, TrainConfig
from trainer.data import PromptSampler, load_jsonl, render_prompt
from trainer.generate import Rollout, generate
from trainer.grpo import LossNormaliser, group_advantages, policy_loss, token_logps
from trainer.modeling import eos_ids, load_policy, make_reference, pick_device, reference_context
from trainer.rewards import grade_completions, reason_text, reward_stats
from trainer.trackers import open_trackers


@dataclass
class RunResult:
    summary: dict
    model: object
    tokenizer: object


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def lr_lambda(cfg: TrainConfig):
    """Multiplier on learning_rate per optimizer step: linear warmup, then constant / linear / cosine decay."""
    total = cfg.max_steps * cfg.num_iterations

    def f(i: int) -> float:
        if i < cfg.warmup_steps:
            return (i + 1) / (cfg.warmup_steps + 1)
        progress = (i - cfg.warmup_steps) / max(1, total - cfg.warmup_steps)
        if cfg.lr_scheduler == "linear":
            return max(0.0, 1.0 - progress)
        if cfg.lr_scheduler == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))
        return 1.0
    return f


def completion_logps(model, input_ids, attention_mask, completion_ids, temperature: float):
    """Per-token log-probs (and entropies) of the completion tokens under `model`."""
    positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    width = completion_ids.shape[1]
    logits = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=positions,
                   logits_to_keep=width + 1).logits[:, :-1]
    return token_logps(logits, completion_ids, temperature)


def update(model, ref, optimizer, scheduler, roll: Rollout, advantages: torch.Tensor, cfg: TrainConfig) -> dict:
    """num_iterations optimizer steps on one rollout batch; old log-probs are the first pass's (detached)."""
    device = roll.completion_ids.device
    advantages = advantages.to(device)
    loss_mask = roll.completion_mask.clone()
    if cfg.mask_truncated_completions:
        loss_mask[roll.truncated] = 0
    norm = LossNormaliser(num_sequences=loss_mask.shape[0], num_tokens=int(loss_mask.sum()),
                          max_completion_length=cfg.max_completion_length)
    rows = torch.arange(loss_mask.shape[0], device=device)
    if cfg.skip_zero_advantage and cfg.beta == 0.0:
        # a zero-advantage sequence adds exactly 0 to the loss and its gradient: don't run it
        rows = rows[(advantages != 0) & (loss_mask.sum(-1) > 0)]
    chunks = [c for c in rows.tensor_split(cfg.gradient_accumulation_steps) if len(c)]
    input_ids = torch.cat([roll.prompt_ids, roll.completion_ids], dim=1)
    attention = torch.cat([roll.prompt_mask, roll.completion_mask], dim=1)
    params = [p for p in model.parameters() if p.requires_grad]
    old_logps: dict[int, torch.Tensor] = {}
    ref_logps: dict[int, torch.Tensor] = {}
    st = {"loss": 0.0, "entropy_sum": 0.0, "tokens": 0.0, "clip_low": 0.0, "clip_high": 0.0, "kl_sum": 0.0,
          "grad_norm": 0.0, "optimizer_steps": 0, "trained_sequences": len(rows)}
    for iteration in range(cfg.num_iterations):
        optimizer.zero_grad(set_to_none=True)
        for c, idx in enumerate(chunks):
            logps, entropy = completion_logps(model, input_ids[idx], attention[idx], roll.completion_ids[idx],
                                              cfg.temperature)
            if iteration == 0:  # the policy has not moved yet: it *is* the sampling policy
                old_logps[c] = logps.detach()
                if cfg.beta != 0.0:
                    with torch.no_grad(), reference_context(ref, model):
                        ref_logps[c] = completion_logps(ref, input_ids[idx], attention[idx],
                                                        roll.completion_ids[idx], cfg.temperature)[0]
            loss, s = policy_loss(logps, old_logps[c], advantages[idx], loss_mask[idx], norm,
                                  loss_type=cfg.loss_type, epsilon=cfg.epsilon, epsilon_high=cfg.epsilon_high,
                                  beta=cfg.beta, ref_logps=ref_logps.get(c))
            loss.backward()
            if iteration == cfg.num_iterations - 1:  # report the last pass
                m = loss_mask[idx].to(entropy.dtype)
                st["loss"] += loss.item()
                st["entropy_sum"] += (entropy * m).sum().item()
                st["tokens"] += s["tokens"]
                st["clip_low"] += s["clip_low_tokens"]
                st["clip_high"] += s["clip_high_tokens"]
                st["kl_sum"] += s["kl_sum"]
        if chunks:
            if cfg.max_grad_norm > 0:
                st["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm))
            optimizer.step()
            st["optimizer_steps"] += 1
        with warnings.catch_warnings():  # no signal in this batch: the schedule still advances
            warnings.simplefilter("ignore", UserWarning)
            scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    tokens = max(st.pop("tokens"), 1.0)
    return {"loss": st["loss"], "entropy": st.pop("entropy_sum") / tokens, "kl": st.pop("kl_sum") / tokens,
            "clip_ratio/low": st.pop("clip_low") / tokens, "clip_ratio/high": st.pop("clip_high") / tokens,
            **{k: v for k, v in st.items() if k != "loss"}}


def decode(tokenizer, roll: Rollout) -> list[str]:
    return [tokenizer.decode(ids[m.bool()].tolist(), skip_special_tokens=True)
            for ids, m in zip(roll.completion_ids, roll.completion_mask)]


def evaluate(model, tokenizer, grader, prompts, rows, cfg: TrainConfig, step: int, eos, pad) -> dict:
    """Greedy mean reward and accuracy on eval_data; pass@k from k samples per prompt when eval_pass_k > 1."""
    t0 = time.perf_counter()
    batch = cfg.prompts_per_step * cfg.num_generations
    max_new = cfg.eval_max_completion_length or cfg.max_completion_length
    results = []
    for i in range(0, len(prompts), batch):
        roll = generate(model, prompts[i:i + batch], max_new_tokens=max_new, eos_token_ids=eos, pad_token_id=pad,
                        greedy=True)
        results += grade_completions(grader, decode(tokenizer, roll), rows[i:i + batch], cfg.grader_workers)[1]
    out = {"kind": "eval", "step": step, "eval/reward": sum(r.score for r in results) / len(results),
           "eval/accuracy": sum(map(is_passing, results)) / len(results), "eval/items": len(results),
           **reward_stats(results, prefix="eval/")}
    k = cfg.eval_pass_k
    if k > 1:  # own generator: evaluation must not shift the training RNG stream
        gen = torch.Generator(device=next(model.parameters()).device).manual_seed(cfg.seed + 7919 * step)
        hits = []
        per = max(1, batch // k)
        for i in range(0, len(prompts), per):
            roll = generate(model, prompts[i:i + per], max_new_tokens=max_new, eos_token_ids=eos, pad_token_id=pad,
                            num_generations=k, temperature=cfg.temperature, top_p=cfg.top_p, generator=gen)
            items = [r for r in rows[i:i + per] for _ in range(k)]
            res = grade_completions(grader, decode(tokenizer, roll), items, cfg.grader_workers)[1]
            hits += [any(map(is_passing, res[j:j + k])) for j in range(0, len(res), k)]
        out[f"eval/pass@{k}"] = sum(hits) / len(hits)
    out["time/eval"] = time.perf_counter() - t0
    return out


def _append(path: Path, row: dict) -> None:
    with open(path, "a") as fh:
        fh.write(json.dumps(row) + "\n")


def _truncate_log(path: Path, last_step: int) -> None:
    """On resume, drop log lines of steps after the checkpoint (they will be redone)."""
    if path.exists():
        keep = [ln for ln in path.read_text().splitlines() if ln.strip() and json.loads(ln)["step"] <= last_step]
        path.write_text("".join(ln + "\n" for ln in keep))


def train(cfg: TrainConfig, resume: bool = False, log=print) -> RunResult:
    """Run GRPO as configured; returns the summary, the trained model and its tokenizer."""
    from graders import SpecError, load_grader

    out = Path(cfg.output_dir).expanduser()  # relative to the working directory
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    device, dtype = pick_device(cfg)
    try:
        grader = load_grader(cfg.path_from_config(cfg.grader) if isinstance(cfg.grader, str) else cfg.grader)
    except (SpecError, OSError, ValueError) as exc:
        raise ConfigError(f"config field 'grader': {exc}") from None
    rows = load_jsonl(cfg.path_from_config(cfg.data), cfg.prompt_field, "data")
    eval_rows = load_jsonl(cfg.path_from_config(cfg.eval_data), cfg.prompt_field, "eval_data") if cfg.eval_data else []
    eval_rows = eval_rows[:cfg.eval_max_items] if cfg.eval_max_items else eval_rows
    model, tok = load_policy(cfg, device, dtype)
    model.eval()  # dropout off for sampling *and* training, so the first pass reproduces the sampler's log-probs
    ref = make_reference(model, cfg)
    eos, pad = eos_ids(tok, model), tok.pad_token_id
    special = not getattr(tok, "chat_template", None)

    def encode(row: dict) -> list[int]:
        text = render_prompt(tok, row[cfg.prompt_field], cfg.system_prompt)
        return tok(text, add_special_tokens=special)["input_ids"][-cfg.max_prompt_length:]

    prompts = [encode(r) for r in rows]
    eval_prompts = [encode(r) for r in eval_rows]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, betas=(cfg.adam_beta1, cfg.adam_beta2),
                                  weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda(cfg))
    sampler = PromptSampler(len(rows), cfg.seed)
    metrics_path, samples_path = out / "metrics.jsonl", out / "samples.jsonl"
    start, evals = 0, []
    ckpt = latest_checkpoint(out) if resume else None
    if ckpt is not None:
        state = load_checkpoint(ckpt, model=model, optimizer=optimizer, scheduler=scheduler, sampler=sampler)
        start, evals = state["step"], state["extra"].get("evals", [])
        _truncate_log(metrics_path, start)
        _truncate_log(samples_path, start)
        log(f"resumed from {ckpt} at step {start}")
    else:
        if resume:
            log(f"--resume: no checkpoint in {out}, starting from step 0")
        for p in (metrics_path, samples_path):
            p.unlink(missing_ok=True)
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
    trackers = open_trackers(cfg, out, log)
    log(f"training {cfg.model} on {len(rows)} prompts ({len(eval_rows)} eval) on {device}, "
        f"{cfg.max_steps} steps x {cfg.prompts_per_step} prompts x {cfg.num_generations} generations")

    def run_eval(step: int) -> None:
        if eval_rows:
            ev = evaluate(model, tok, grader, eval_prompts, eval_rows, cfg, step, eos, pad)
            evals.append({k: v for k, v in ev.items() if not k.startswith("eval/status")})
            _append(metrics_path, ev)
            trackers.log_metrics(ev)
            log(f"eval @ step {step}: accuracy {ev['eval/accuracy']:.3f}  reward {ev['eval/reward']:.3f}"
                + "".join(f"  {k[5:]} {v:.3f}" for k, v in ev.items() if k.startswith("eval/pass@")))

    if start == 0:
        run_eval(0)
    totals = {"generate": 0.0, "grade": 0.0, "update": 0.0}
    t_run, cpu_run = time.perf_counter(), time.process_time()
    bar = tqdm(total=cfg.max_steps, initial=start, disable=not cfg.progress, desc="grpo", dynamic_ncols=True)
    last: dict = {}
    for step in range(start + 1, cfg.max_steps + 1):
        t0 = time.perf_counter()
        idx = sampler.next_batch(cfg.prompts_per_step)
        roll = generate(model, [prompts[i] for i in idx], max_new_tokens=cfg.max_completion_length,
                        eos_token_ids=eos, pad_token_id=pad, num_generations=cfg.num_generations,
                        temperature=cfg.temperature, top_p=cfg.top_p)
        t1 = time.perf_counter()
        texts = decode(tok, roll)
        items = [rows[i] for i in idx for _ in range(cfg.num_generations)]
        rewards, results = grade_completions(grader, texts, items, cfg.grader_workers)
        t2 = time.perf_counter()
        reward_t = torch.tensor(rewards, dtype=torch.float32)
        advantages, adv_stats = group_advantages(reward_t, cfg.num_generations, cfg.scale_rewards)
        upd = update(model, ref, optimizer, scheduler, roll, advantages, cfg)
        t3 = time.perf_counter()

        lengths = roll.completion_mask.sum(-1).float()
        gen_tokens = float(lengths.sum())
        last = {"kind": "train", "step": step, "epoch": sampler.epoch, "lr": scheduler.get_last_lr()[0],
                "reward": reward_t.mean().item(), "reward_std": reward_t.std().item(),
                "accuracy": sum(map(is_passing, results)) / len(results), **adv_stats,
                **reward_stats(results), **upd,
                "completions/mean_length": lengths.mean().item(), "completions/min_length": lengths.min().item(),
                "completions/max_length": lengths.max().item(),
                "completions/clipped_ratio": roll.truncated.float().mean().item(),
                "completions/entropy": roll.entropy.mean().item(),
                "tokens_per_s": gen_tokens / max(t1 - t0, 1e-9), "time/generate": t1 - t0,
                "time/grade": t2 - t1, "time/update": t3 - t2, "time/step": t3 - t0}
        _append(metrics_path, last)
        trackers.log_metrics(last)
        firsts = range(0, min(cfg.log_samples, cfg.prompts_per_step) * cfg.num_generations, cfg.num_generations)
        logged = [{"step": step, "prompt": items[j][cfg.prompt_field], "completion": texts[j], "reward": rewards[j],
                   "advantage": advantages[j].item(), "sub_rewards": results[j].sub_scores,
                   "passed": is_passing(results[j]), "length": int(lengths[j]),
                   "truncated": bool(roll.truncated[j]), "status": results[j].status,
                   "reason": reason_text(results[j])} for j in firsts]  # first completion of the first prompts
        for sample in logged:
            _append(samples_path, sample)
        trackers.log_samples(step, logged)
        for k, key in (("generate", "time/generate"), ("grade", "time/grade"), ("update", "time/update")):
            totals[k] += last[key]
        bad = sum(r.status != "ok" for r in results)
        bar.set_postfix(reward=f"{last['reward']:.3f}", acc=f"{last['accuracy']:.2f}",
                        **({"grader_errors": bad} if bad else {}))
        bar.update(1)
        if cfg.eval_steps and step % cfg.eval_steps == 0 and step != cfg.max_steps:
            run_eval(step)
        if cfg.save_steps and step % cfg.save_steps == 0 and step != cfg.max_steps:
            save_checkpoint(out, step, model=model, optimizer=optimizer, scheduler=scheduler, sampler=sampler,
                            extra={"evals": evals}, keep=cfg.save_total_limit)
    bar.close()
    if start < cfg.max_steps:
        run_eval(cfg.max_steps)
    trackers.close()
    run_time, cpu_time = time.perf_counter() - t_run, time.process_time() - cpu_run
    if cfg.save_final_model:
        final = out / "final"
        model.save_pretrained(final)
        tok.save_pretrained(final)
    from trainer.plot import plot_reward_curve
    plot = plot_reward_curve(metrics_path, out / "reward_curve.png")
    summary = {"steps": cfg.max_steps, "resumed_from": start, "train_seconds": run_time, "train_cpu_seconds": cpu_time,
               "time_split_seconds": totals, "eval_before": evals[0] if evals and evals[0]["step"] == 0 else None,
               "eval_after": evals[-1] if evals else None, "last_step": last, "output_dir": str(out),
               "reward_curve": str(plot) if plot else None}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    log(format_summary(summary))
    return RunResult(summary, model, tok)


def format_summary(s: dict) -> str:
    lines = [f"done: {s['steps']} steps in {s['train_seconds']:.1f}s -> {s['output_dir']}"]
    t = s["time_split_seconds"]
    total = sum(t.values()) or 1.0
    lines.append("time: " + ", ".join(f"{k} {v:.1f}s ({100 * v / total:.0f}%)" for k, v in t.items()))
    last = s.get("last_step") or {}
    if last:
        parts = [f"{k.split('/')[1]} {v:.3f}" for k, v in last.items()
                 if k.startswith("rewards/") and k.endswith("/mean")]
        statuses = ", ".join(f"{k[7:]} {v}" for k, v in last.items() if k.startswith("status/"))
        lines.append(f"last train step: reward {last['reward']:.3f}" + (f" ({', '.join(parts)})" if parts else "")
                     + f"; grader statuses: {statuses}")
        lines.append(f"logs: {s['output_dir']}/metrics.jsonl, samples.jsonl")
    if s.get("eval_before") and s.get("eval_after"):
        b, a = s["eval_before"], s["eval_after"]
        lines.append(f"eval accuracy: {b['eval/accuracy']:.3f} (step 0) -> {a['eval/accuracy']:.3f} "
                     f"(step {a['step']});  reward {b['eval/reward']:.3f} -> {a['eval/reward']:.3f}")
    if s.get("reward_curve"):
        lines.append(f"reward curve: {s['reward_curve']}")
    return "\n".join(lines)
