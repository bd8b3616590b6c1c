"""The TRL adapter: TRL's reward-function contract, picklable, conversational; a real 2-step GRPOTrainer run."""
import pickle

import pytest

from graders.integrations.trl import reward_function

SPEC = {"type": "string_check", "name": "has_answer", "input": "{{ sample.output_text }}",
        "reference": "{{ item.answer }}", "operation": "like"}


def test_contract_names_and_columns():
    f = reward_function(SPEC)
    assert f.__name__ == "has_answer"
    logged, extra = {}, {}
    out = f(prompts=["q1", "q2", "q3"], completions=["it is 4", "no idea", "4!"], completion_ids=[[1], [2], [3]],
            answer=["4", "4", "4"], trainer_state=object(), log_metric=lambda k, v: logged.__setitem__(k, v),
            log_extra=lambda k, v: extra.__setitem__(k, v))
    assert out == [1.0, 0.0, 1.0]
    assert logged["has_answer/error_rate"] == 0.0
    assert extra["has_answer_status"] == ["ok", "ok", "ok"]


def test_conversational_completions_use_the_assistant_message():
    f = reward_function(SPEC)
    completions = [[{"role": "assistant", "content": "The answer is 4"}], [{"role": "assistant", "content": "5"}]]
    prompts = [[{"role": "user", "content": "2+2?"}]] * 2
    assert f(prompts=prompts, completions=completions, answer=["4", "4"]) == [1.0, 0.0]


def test_prompt_is_available_to_templates_and_errors_score_zero():
    spec = {"type": "string_check", "input": "{{ sample.output_text }}", "reference": "{{ item.prompt }}",
            "operation": "starts_with"}
    f = reward_function(spec)
    assert f(prompts=["Repeat: hi"], completions=["Repeat: hi there"]) == [1.0]
    g = reward_function(SPEC)
    assert g(prompts=["q"], completions=["x"]) == [0.0]  # missing 'answer' column -> error status -> 0
    assert g.last_results[0].status == "error"


def test_invalid_reference_is_none_for_trl():
    spec = {**SPEC, "operation": "regex", "reference": "{{ item.answer | raw }}"}  # the item holds a pattern
    f = reward_function(spec)
    assert f(prompts=["q"], completions=["abc"], answer=["([unclosed"]) == [None]
    assert reward_function(spec, invalid_reference_reward=0.0)(prompts=["q"], completions=["abc"],
                                                                answer=["([unclosed"]) == [0.0]


def test_picklable_and_works_after_unpickling(tmp_path):
    f = reward_function(SPEC)
    f(prompts=["q"], completions=["4"], answer=["4"])
    clone = pickle.loads(pickle.dumps(f))
    assert clone.__name__ == "has_answer"
    assert clone(prompts=["q"], completions=["4"], answer=["4"]) == [1.0]


@pytest.mark.slow
@pytest.mark.model  # the embedded model's tokenizer
def test_grpo_trainer_runs_two_steps_with_a_verigrade_reward(tmp_path):
    import torch
    from datasets import Dataset
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
    from trl import GRPOConfig, GRPOTrainer

    from graders.models.embedded import default_model_dir

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(default_model_dir())
    tok.pad_token = tok.eos_token
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    model = LlamaForCausalLM(config)
    data = Dataset.from_list([{"prompt": f"What is {i}+{i}? Answer:", "answer": str(2 * i)} for i in range(8)])
    reward = reward_function({"type": "multi", "name": "fmt_and_answer", "graders": {
        # a rare-letter check gives a random policy's completions different rewards, so GRPO has a signal
        "rare": {"type": "string_check", "input": "{{ sample.output_text }}", "reference": "[zqx]",
                 "operation": "regex", "flags": ["ignorecase"]},
        "answer": SPEC}, "calculate_output": "0.1 * rare + 0.9 * answer"})
    args = GRPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=4,
                      max_completion_length=8, max_steps=2, use_cpu=True, report_to=[], logging_steps=1,
                      save_strategy="no", learning_rate=1e-3, seed=0)
    trainer = GRPOTrainer(model=model, processing_class=tok, reward_funcs=[reward], args=args, train_dataset=data)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainer.train()
    changed = any(not torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert trainer.state.global_step == 2
    logs = [h for h in trainer.state.log_history if "reward" in h]
    assert logs and "rewards/fmt_and_answer/mean" in logs[0]
    assert any("fmt_and_answer/rare/mean" in h for h in trainer.state.log_history)
    assert reward.last_results and all(r.status == "ok" for r in reward.last_results)
    assert any(h["frac_reward_zero_std"] < 1.0 for h in logs), logs
    assert changed, "a GRPO step with non-zero advantages must change the weights"
