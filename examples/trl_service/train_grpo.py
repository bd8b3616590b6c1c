"""TRL GRPO on several processes, rewarded by a `verigrade serve` service.

    verigrade serve examples/trl_service/graders --port 8000 &
    accelerate launch --multi_gpu --num_processes 2 --num_machines 1 --main_process_ip 127.0.0.1 \\
        --mixed_precision no --dynamo_backend no examples/trl_service/train_grpo.py \\
        --url http://127.0.0.1:8000 --cpu --tiny --max-steps 2 --output-dir runs/trl_service

On GPUs drop `--cpu` (accelerate picks NCCL); on CPU `--multi_gpu` only selects accelerate's torchrun
launcher and `--cpu` (GRPOConfig.use_cpu) makes it a gloo process group. Every process sends its own
completions to the service: the synchronous reward `arithmetic` and the asynchronous `rare_letter` (TRL
awaits async reward functions together), so grading never runs inside the trainer processes.
`--tiny` builds a 2-layer random model on the embedded SmolLM2 tokenizer (a smoke run); `--model`
takes any causal LM checkpoint.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def tiny_model():
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from graders.models.embedded import default_model_dir

    tok = AutoTokenizer.from_pretrained(default_model_dir())
    tok.pad_token = tok.eos_token
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=256,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    return LlamaForCausalLM(config), tok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8000", help="the verigrade service")
    ap.add_argument("--model", default=None, help="a causal LM checkpoint (default with --tiny: random tiny)")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--cpu", action="store_true", help="train on CPU (gloo process group)")
    ap.add_argument("--max-steps", type=int, default=2)
    ap.add_argument("--output-dir", default="runs/trl_service")
    args = ap.parse_args()

    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    from graders.integrations.trl import reward_function

    torch.manual_seed(0)
    if args.tiny or not args.model:
        model, tok = tiny_model()
    else:
        model, tok = AutoModelForCausalLM.from_pretrained(args.model), AutoTokenizer.from_pretrained(args.model)
    data = Dataset.from_list([{"prompt": f"What is {i}+{i + 1}? Answer:", "answer": str(2 * i + 1)}
                              for i in range(32)])
    rewards = [reward_function(f"{args.url}/v1/graders/arithmetic"),                      # sync
               reward_function(f"{args.url}/v1/graders/rare_letter", asynchronous=True)]  # async def
    config = GRPOConfig(output_dir=args.output_dir, per_device_train_batch_size=4, num_generations=4,
                        max_completion_length=8, max_steps=args.max_steps, use_cpu=args.cpu, report_to=[],
                        logging_steps=1, save_strategy="no", learning_rate=1e-3, seed=0, reward_weights=[0.9, 0.1])
    trainer = GRPOTrainer(model=model, processing_class=tok, reward_funcs=rewards, args=config, train_dataset=data)
    trainer.train()
    state = trainer.accelerator.state
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    graded = len(rewards[0].last_results)
    (out / f"rank{state.process_index}.json").write_text(json.dumps({
        "process_index": state.process_index, "num_processes": state.num_processes,
        "distributed_type": str(state.distributed_type), "backend": state.backend, "pid": os.getpid(),
        "global_step": trainer.state.global_step, "last_batch_graded": graded,
        "log_history": trainer.state.log_history}))


if __name__ == "__main__":
    main()
