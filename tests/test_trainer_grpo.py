"""GRPO maths and config validation: hand-computed values, no model needed."""
import math
import statistics

import pytest
from conftest import require_model

require_model("torch")  # before the torch imports: skips locally, fails under CI=true

import torch  # noqa: E402

from trainer.config import ConfigError, apply_override, from_dict, load_config  # noqa: E402
from trainer.grpo import ADV_EPS, LossNormaliser, group_advantages, k3_kl, policy_loss  # noqa: E402

LOGPS = torch.tensor([[-1.0, -2.0, -0.5], [-0.2, -0.3, -0.4]])
OLD = torch.tensor([[-1.1, -2.0, -0.2], [-0.2, -0.5, -0.4]])
ADV = torch.tensor([1.0, -0.5])
MASK = torch.tensor([[1, 1, 1], [1, 1, 0]])


def hand_token_losses(eps_low=0.2, eps_high=0.2):
    """-min(r*A, clip(r)*A) for every token, written out with math.exp."""
    out = []
    for lp_row, old_row, a in zip(LOGPS.tolist(), OLD.tolist(), ADV.tolist()):
        row = []
        for lp, old in zip(lp_row, old_row):
            r = math.exp(lp - old)
            c = min(max(r, 1 - eps_low), 1 + eps_high)
            row.append(-min(r * a, c * a))
        out.append(row)
    return out


def test_group_advantages_match_hand_values():
    rewards = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    adv, stats = group_advantages(rewards, 4, "group")
    std = statistics.stdev([1, 0, 0, 0])  # 0.5, unbiased like TRL
    expected = [(1 - 0.25) / (std + ADV_EPS)] + [(0 - 0.25) / (std + ADV_EPS)] * 3 + [0.0] * 4
    assert adv.tolist() == pytest.approx(expected, abs=1e-6)
    assert stats["frac_reward_zero_std"] == 0.5

    adv_b, _ = group_advantages(rewards, 4, "batch")
    bstd = statistics.stdev(rewards.tolist())
    assert adv_b.tolist() == pytest.approx([x / (bstd + ADV_EPS) for x in [0.75, -0.25, -0.25, -0.25, 0, 0, 0, 0]],
                                           abs=1e-6)
    adv_n, _ = group_advantages(rewards, 4, "none")
    assert adv_n.tolist() == pytest.approx([0.75, -0.25, -0.25, -0.25, 0, 0, 0, 0])


def test_loss_variants_match_hand_computed_values():
    tok = hand_token_losses()
    mask = MASK.tolist()
    masked = [[v * m for v, m in zip(r, mr)] for r, mr in zip(tok, mask)]
    n_tokens = sum(map(sum, mask))
    expect = {
        "grpo": sum(sum(r) / sum(mr) for r, mr in zip(masked, mask)) / 2,
        "dapo": sum(map(sum, masked)) / n_tokens,
        "dr_grpo": sum(map(sum, masked)) / (2 * 4),
    }
    norm = LossNormaliser(num_sequences=2, num_tokens=n_tokens, max_completion_length=4)
    for loss_type, value in expect.items():
        loss, _ = policy_loss(LOGPS, OLD, ADV, MASK, norm, loss_type=loss_type, epsilon=0.2)
        assert loss.item() == pytest.approx(value, abs=1e-6), loss_type
    # the numbers themselves, so a shared mistake in the helper cannot hide
    assert expect["dapo"] == pytest.approx(-0.347057, abs=1e-5)
    assert expect["grpo"] == pytest.approx(-0.196656, abs=1e-5)


def test_epsilon_high_widens_only_the_upper_clip():
    # row 1 token 1: ratio 1.2214 with A < 0 is clipped at 1.2 (but min picks the unclipped);
    # make a positive-advantage token above 1.2 to see epsilon_high act
    logps, old = torch.tensor([[0.0]]), torch.tensor([[-0.25]])  # ratio = e^0.25 = 1.284
    norm = LossNormaliser(1, 1, 1)
    l_sym, s_sym = policy_loss(logps, old, torch.tensor([1.0]), torch.tensor([[1]]), norm, epsilon=0.2)
    l_hi, s_hi = policy_loss(logps, old, torch.tensor([1.0]), torch.tensor([[1]]), norm, epsilon=0.2,
                             epsilon_high=0.28)
    assert l_sym.item() == pytest.approx(-1.2)
    assert l_hi.item() == pytest.approx(-1.28)
    assert s_sym["clip_high_tokens"] == 1 and s_hi["clip_high_tokens"] == 1
    # clipped tokens carry no gradient
    lp = logps.clone().requires_grad_(True)
    policy_loss(lp, old, torch.tensor([1.0]), torch.tensor([[1]]), norm, epsilon=0.2)[0].backward()
    assert lp.grad.abs().sum().item() == 0.0


def test_kl_is_zero_against_identical_reference_and_k3_otherwise():
    lp = torch.tensor([[-1.5, -0.3]])
    assert k3_kl(lp, lp.clone()).abs().max().item() == 0.0
    assert k3_kl(torch.tensor([-1.5]), torch.tensor([-1.0])).item() == pytest.approx(math.exp(0.5) - 0.5 - 1)
    norm = LossNormaliser(2, 5, 4)
    base, _ = policy_loss(LOGPS, OLD, ADV, MASK, norm, beta=0.0)
    same_ref, s = policy_loss(LOGPS, OLD, ADV, MASK, norm, beta=0.5, ref_logps=LOGPS.clone())
    assert same_ref.item() == pytest.approx(base.item(), abs=1e-7) and s["kl_sum"] == 0.0
    shifted, s2 = policy_loss(LOGPS, OLD, ADV, MASK, norm, beta=0.5, ref_logps=LOGPS - 0.1)
    kl_tok = math.exp(-0.1) + 0.1 - 1
    assert s2["kl_sum"] == pytest.approx(5 * kl_tok, rel=1e-5)
    assert shifted.item() == pytest.approx(base.item() + 0.5 * kl_tok, rel=1e-5)  # dapo: mean over 5 tokens


def test_micro_batches_add_up_to_the_full_batch_loss():
    norm = LossNormaliser(2, 5, 4)
    for loss_type in ("grpo", "dr_grpo", "dapo"):
        full = policy_loss(LOGPS, OLD, ADV, MASK, norm, loss_type=loss_type)[0]
        parts = sum(policy_loss(LOGPS[i:i + 1], OLD[i:i + 1], ADV[i:i + 1], MASK[i:i + 1], norm,
                                loss_type=loss_type)[0] for i in range(2))
        assert parts.item() == pytest.approx(full.item(), abs=1e-7), loss_type


def test_masked_tokens_do_not_change_the_loss():
    norm = LossNormaliser(2, 5, 4)
    changed = LOGPS.clone()
    changed[1, 2] = -9.0  # a masked (post-EOS or truncated) position
    for loss_type in ("grpo", "dr_grpo", "dapo"):
        a = policy_loss(LOGPS, OLD, ADV, MASK, norm, loss_type=loss_type)[0]
        b = policy_loss(changed, OLD, ADV, MASK, norm, loss_type=loss_type)[0]
        assert a.item() == b.item()


# ---------------------------------------------------------------------------------------------- config
BASE = {"data": "d.jsonl", "grader": {"type": "string_check", "input": "{{ sample.output_text }}",
                                      "reference": "{{ item.answer }}", "operation": "eq"}}


@pytest.mark.parametrize("patch, field", [
    ({"max_steps": 0}, "max_steps"),
    ({"max_steps": "ten"}, "max_steps"),
    ({"loss_type": "ppo"}, "loss_type"),
    ({"scale_rewards": "rank"}, "scale_rewards"),
    ({"num_generations": 1}, "num_generations"),
    ({"learning_rate": "fast"}, "learning_rate"),
    ({"temperature": 0}, "temperature"),
    ({"top_p": 1.5}, "top_p"),
    ({"lr_scheduler": "cosine_with_restarts"}, "lr_scheduler"),
    ({"lr_scheduler": None}, "lr_scheduler"),
    ({"grader": 3}, "grader"),
    ({"data": ""}, "data"),
    ({"device": "tpu"}, "device"),
    ({"gradient_accumulation_steps": 99}, "gradient_accumulation_steps"),
])
def test_config_errors_name_the_field(patch, field):
    with pytest.raises(ConfigError, match=f"config field '{field}'"):
        from_dict({**BASE, **patch})


def test_every_documented_lr_scheduler_is_accepted_and_a_misspelt_field_is_unknown():
    for name in ("constant", "linear", "cosine"):
        assert from_dict({**BASE, "lr_scheduler": name}).lr_scheduler == name
    with pytest.raises(ConfigError, match="unknown config field 'lr_schedule'"):
        from_dict({**BASE, "lr_schedule": "cosine"})


def test_yaml_load_and_dotted_overrides(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("data: d.jsonl\ngrader: {type: string_check, input: x, reference: y, operation: eq}\n"
                 "learning_rate: 1e-6\nlora: {r: 4}\n")
    cfg = load_config(p, ["max_steps=7", "lora.r=8", "grader.operation=like", "epsilon_high=0.28",
                          "eval_data=null"])
    assert cfg.max_steps == 7 and cfg.lora == {"r": 8} and cfg.grader["operation"] == "like"
    assert cfg.learning_rate == 1e-6 and cfg.epsilon_high == 0.28 and cfg.eval_data is None
    assert cfg.path_from_config(cfg.data) == str(tmp_path / "d.jsonl")
    with pytest.raises(ConfigError, match="unknown config field 'max_step'"):
        load_config(p, ["max_step=3"])
    with pytest.raises(ConfigError, match="'max_steps'"):
        load_config(p, ["max_steps=-1"])
    with pytest.raises(ConfigError, match="key=value"):
        apply_override({}, "max_steps")
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_prompts_render_with_and_without_chat_template():
    from trainer.data import PromptSampler, render_prompt
    from trainer.tiny import tiny_tokenizer

    chat = tiny_tokenizer(chat_template=True)
    text = render_prompt(chat, "what is 2 + 2?", system_prompt="be brief")
    assert text == ("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nwhat is 2 + 2?<|im_end|>\n"
                    "<|im_start|>assistant\n")
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    assert render_prompt(chat, msgs, system_prompt="ignored").startswith("<|im_start|>system\ns<|im_end|>")
    raw = tiny_tokenizer(chat_template=False)
    assert render_prompt(raw, "q?", system_prompt="sys") == "sys\n\nq?"
    # the sampler covers every row once per epoch and restores its position exactly
    s = PromptSampler(5, seed=1)
    first = s.next_batch(3) + s.next_batch(2)
    assert sorted(first) == [0, 1, 2, 3, 4]
    state = s.state_dict()
    nxt = s.next_batch(4)
    s2 = PromptSampler(5, seed=1)
    s2.load_state_dict(state)
    assert s2.next_batch(4) == nxt and s.epoch == 1
