"""The training loop on a tiny randomly initialised Llama (char tokenizer): fast, real forward/backward."""
import json

import pytest
from conftest import require_model

require_model("torch")  # before the torch imports: skips locally, fails under CI=true

import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

import trainer.train as train_mod  # noqa: E402
from trainer.cli import main as cli_main  # noqa: E402
from trainer.config import ConfigError, from_dict  # noqa: E402
from trainer.generate import generate  # noqa: E402
from trainer.tiny import make_tiny_model  # noqa: E402
from trainer.train import completion_logps, train  # noqa: E402

pytestmark = pytest.mark.model("torch")  # a tiny random Llama: torch + transformers, no pretrained weights

VOWEL = {"type": "string_check", "name": "vowel", "input": "{{ sample.output_text }}", "reference": "[aeiou]",
         "operation": "regex"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    model_dir = make_tiny_model(root / "model", seed=0)
    data = root / "data.jsonl"
    data.write_text("".join(json.dumps({"prompt": f"what is {i % 7} + {i % 5}?", "answer": str(i % 7 + i % 5)})
                            + "\n" for i in range(24)))
    return {"model": str(model_dir), "data": str(data)}


def make_cfg(tiny, out, **kw):
    raw = {"model": tiny["model"], "data": tiny["data"], "grader": VOWEL, "output_dir": str(out),
           "max_steps": 1, "prompts_per_step": 4, "num_generations": 4, "max_completion_length": 10,
           "learning_rate": 1e-2, "seed": 3, "progress": False, "save_final_model": False, **kw}
    return from_dict(raw)


def read_jsonl(path):
    return [json.loads(line) for line in open(path)]


def test_one_step_changes_the_weights(tiny, tmp_path):
    before = AutoModelForCausalLM.from_pretrained(tiny["model"]).state_dict()
    res = train(make_cfg(tiny, tmp_path), log=lambda *_: None)
    step = [r for r in read_jsonl(tmp_path / "metrics.jsonl") if r["kind"] == "train"][0]
    assert step["trained_sequences"] > 0 and step["optimizer_steps"] == 1  # the seed gives mixed rewards
    after = res.model.state_dict()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert "model.embed_tokens.weight" in changed and len(changed) >= len(before) // 2
    for key in ("reward", "reward_std", "frac_reward_zero_std", "loss", "entropy", "clip_ratio/low",
                "completions/mean_length", "tokens_per_s", "time/generate", "time/grade", "time/update",
                "status/ok"):
        assert key in step, key
    assert (tmp_path / "reward_curve.png").stat().st_size > 1000
    assert read_jsonl(tmp_path / "samples.jsonl")[0]["reason"]


def test_generate_matches_hf_greedy_and_masks_after_eos(tiny):
    model = AutoModelForCausalLM.from_pretrained(tiny["model"]).eval()
    tok = AutoTokenizer.from_pretrained(tiny["model"])
    texts = ["what is 1 + 2?", "hi", "q", "7 - 3 =", "abc", "what is 10 - 4? answer:"]
    prompts = [tok(t)["input_ids"] for t in texts]  # different lengths: left padding
    # the random model greedily repeats a prompt's last character; make two of those characters "EOS"
    # so some rows leave the batch at once while the others run on
    eos = [tok.eos_token_id, tok.convert_tokens_to_ids("i"), tok.convert_tokens_to_ids("c")]
    roll = generate(model, prompts, max_new_tokens=40, eos_token_ids=eos, pad_token_id=tok.pad_token_id,
                    greedy=True)
    lengths = roll.completion_mask.sum(-1)
    assert lengths.min() < lengths.max()
    for i, p in enumerate(prompts):  # one prompt at a time, no padding, HF's own loop
        ref = model.generate(torch.tensor([p]), max_new_tokens=40, do_sample=False,
                             eos_token_id=eos, pad_token_id=tok.pad_token_id)[0, len(p):]
        n = int(roll.completion_mask[i].sum())
        assert roll.completion_ids[i, :n].tolist() == ref[:n].tolist()
    # mask = 1 through the first EOS and 0 after; truncated = never hit EOS
    ids = roll.completion_ids
    for i in range(len(prompts)):
        hits = torch.isin(ids[i], torch.tensor(eos)).nonzero()
        n = int(roll.completion_mask[i].sum())
        if len(hits):
            assert n == int(hits[0]) + 1 and not roll.truncated[i]
        else:
            assert n == ids.shape[1] and roll.truncated[i]


def test_training_logps_match_unpadded_forward(tiny):
    """Left padding + position ids in the training forward reproduce each sequence's own log-probs."""
    model = AutoModelForCausalLM.from_pretrained(tiny["model"]).eval()
    tok = AutoTokenizer.from_pretrained(tiny["model"])
    torch.manual_seed(0)
    prompts = [tok("what is 1 + 2?")["input_ids"], tok("ok")["input_ids"]]
    roll = generate(model, prompts, max_new_tokens=30, eos_token_ids=[tok.eos_token_id],
                    pad_token_id=tok.pad_token_id, num_generations=2)
    assert roll.truncated.any() and not roll.truncated.all()  # exercise rows leaving the batch
    ids = torch.cat([roll.prompt_ids, roll.completion_ids], 1)
    attn = torch.cat([roll.prompt_mask, roll.completion_mask], 1)
    with torch.no_grad():
        logps, _ = completion_logps(model, ids, attn, roll.completion_ids, 1.0)
        for row in range(4):
            p = prompts[row // 2]
            n = int(roll.completion_mask[row].sum())
            seq = torch.tensor([p + roll.completion_ids[row, :n].tolist()])
            logits = model(seq).logits[0, len(p) - 1:-1]
            own = torch.log_softmax(logits, -1).gather(-1, seq[0, len(p):, None]).squeeze(-1)
            assert torch.allclose(logps[row, :n], own, atol=1e-5)


def test_truncated_completions_are_masked_out(tiny, tmp_path):
    model = AutoModelForCausalLM.from_pretrained(tiny["model"]).eval()
    tok = AutoTokenizer.from_pretrained(tiny["model"])
    torch.manual_seed(0)
    roll = generate(model, [tok("what is 1 + 2?")["input_ids"]] * 2, max_new_tokens=6,
                    eos_token_ids=[tok.eos_token_id], pad_token_id=tok.pad_token_id, num_generations=2)
    adv = torch.tensor([1.0, -1.0, 1.0, -1.0])

    def run(truncated, mask_truncated):
        m = AutoModelForCausalLM.from_pretrained(tiny["model"]).eval()
        cfg = make_cfg(tiny, tmp_path, mask_truncated_completions=mask_truncated)
        opt = torch.optim.AdamW(m.parameters(), lr=1e-2)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 1.0)
        roll.truncated = torch.tensor(truncated)
        before = {k: v.clone() for k, v in m.state_dict().items()}
        stats = train_mod.update(m, None, opt, sched, roll, adv, cfg)
        moved = any(not torch.equal(before[k], v) for k, v in m.state_dict().items())
        return stats, moved

    stats, moved = run([True] * 4, True)
    assert stats["trained_sequences"] == 0 and stats["optimizer_steps"] == 0 and not moved
    stats, moved = run([True, True, False, True], True)
    assert stats["trained_sequences"] == 1 and stats["optimizer_steps"] == 1 and moved
    stats, moved = run([True] * 4, False)
    assert stats["trained_sequences"] == 4 and moved
    # end to end: the truncated share is logged, and only the finished sequences train
    res = train(make_cfg(tiny, tmp_path / "e2e", max_completion_length=3, mask_truncated_completions=True),
                log=lambda *_: None)
    step = res.summary["last_step"]
    finished = round((1 - step["completions/clipped_ratio"]) * 16)
    assert step["completions/clipped_ratio"] > 0.5 and step["trained_sequences"] <= finished


def test_num_iterations_and_accumulation_run_and_clip(tiny, tmp_path):
    cfg = make_cfg(tiny, tmp_path, num_iterations=3, gradient_accumulation_steps=2, learning_rate=5e-2,
                   loss_type="grpo", beta=0.1, lr_scheduler="cosine", warmup_steps=1, max_steps=2)
    step = train(cfg, log=lambda *_: None).summary["last_step"]
    assert step["optimizer_steps"] == 3
    assert step["kl"] > 0  # the reference is the frozen start; after the first update the policy moved
    assert step["clip_ratio/low"] + step["clip_ratio/high"] > 0  # a big lr moves ratios out of [0.8, 1.2]


def test_grader_errors_are_zero_reward_and_logged(tiny, tmp_path):
    data = tmp_path / "mixed.jsonl"  # half the rows lack the field the grader reads -> TemplateError -> error
    data.write_text("".join(json.dumps({"prompt": f"q{i}", **({"answer": "a"} if i % 2 else {})}) + "\n"
                            for i in range(8)))
    grader = {"type": "string_check", "name": "has", "input": "{{ sample.output_text }}",
              "reference": "{{ item.answer }}", "operation": "like"}
    cfg = make_cfg(tiny, tmp_path / "out", data=str(data), grader=grader, max_steps=2)
    train(cfg, log=lambda *_: None)
    steps = [r for r in read_jsonl(tmp_path / "out" / "metrics.jsonl") if r["kind"] == "train"]
    assert sum(s.get("status/error", 0) for s in steps) >= 8
    errs = [s for s in read_jsonl(tmp_path / "out" / "samples.jsonl") if s["status"] == "error"]
    assert errs and all(s["reward"] == 0.0 and s["reason"] for s in errs)


def test_a_grader_that_raises_never_crashes_training(tiny, tmp_path, monkeypatch, capsys):
    from graders.base import Grader

    def boom(self, pairs, workers=None):
        raise RuntimeError("grader backend down")
    monkeypatch.setattr(Grader, "grade_batch", boom)
    res = train(make_cfg(tiny, tmp_path), log=lambda *_: None)
    assert res.summary["last_step"]["status/error"] == 16 and res.summary["last_step"]["reward"] == 0.0
    assert "grader backend down" in capsys.readouterr().err


def test_resume_after_kill_gives_the_same_next_steps(tiny, tmp_path, monkeypatch):
    kw = dict(max_steps=4, save_steps=2, lr_scheduler="linear", learning_rate=2e-2)
    straight = train(make_cfg(tiny, tmp_path / "straight", **kw), log=lambda *_: None)

    real = train_mod.grade_completions
    calls = {"n": 0}

    def dies_in_step_3(*a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # stands in for a kill after the step-2 checkpoint
        return real(*a, **k)
    monkeypatch.setattr(train_mod, "grade_completions", dies_in_step_3)
    with pytest.raises(KeyboardInterrupt):
        train(make_cfg(tiny, tmp_path / "killed", **kw), log=lambda *_: None)
    assert (tmp_path / "killed" / "latest").read_text().strip() == "checkpoint-0000002"
    monkeypatch.setattr(train_mod, "grade_completions", real)
    resumed = train(make_cfg(tiny, tmp_path / "killed", **kw), resume=True, log=lambda *_: None)
    assert resumed.summary["resumed_from"] == 2

    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    rows_a = read_jsonl(tmp_path / "straight" / "metrics.jsonl")
    rows_b = read_jsonl(tmp_path / "killed" / "metrics.jsonl")
    assert [r["step"] for r in rows_b] == [1, 2, 3, 4]  # the half-done step 3 is not duplicated
    for ra, rb in zip(rows_a, rows_b):
        assert (ra["reward"], ra["loss"], ra["lr"]) == (rb["reward"], rb["loss"], rb["lr"])


def test_lora_trains_only_adapters_and_uses_them_off_as_reference(tiny, tmp_path):
    cfg = make_cfg(tiny, tmp_path, lora={"r": 4, "alpha": 8}, learning_rate=5e-2, beta=0.1, num_iterations=2,
                   save_final_model=True)
    res = train(cfg, log=lambda *_: None)
    trainable = [n for n, p in res.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    assert res.summary["last_step"]["kl"] > 0  # adapters moved away from the adapter-free reference
    assert (tmp_path / "final" / "adapter_config.json").exists()


def test_cli_runs_and_reports_config_errors(tiny, tmp_path, capsys):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"model": tiny["model"], "data": tiny["data"], "grader": VOWEL,
                               "output_dir": str(tmp_path / "o"), "prompts_per_step": 2, "num_generations": 2,
                               "max_completion_length": 4, "eval_data": tiny["data"], "eval_max_items": 4}))
    assert cli_main([str(cfg), "--set", "max_steps=2", "--set", "eval_pass_k=2", "--no-progress"]) == 0
    evals = [r for r in read_jsonl(tmp_path / "o" / "metrics.jsonl") if r["kind"] == "eval"]
    assert [e["step"] for e in evals] == [0, 2] and "eval/pass@2" in evals[0]
    assert (tmp_path / "o" / "final" / "config.json").exists()
    assert cli_main([str(cfg), "--set", "loss_type=ppo"]) == 2
    assert "'loss_type'" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a"}\n{"prompt": 3}\n')
    assert cli_main([str(cfg), "--set", f"data={bad}"]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


def test_bad_grader_spec_is_a_config_error(tiny, tmp_path):
    with pytest.raises(ConfigError, match="'grader'"):
        train(make_cfg(tiny, tmp_path, grader={"type": "no_such_type"}), log=lambda *_: None)
