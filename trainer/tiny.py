"""A tiny randomly initialised Llama + character-level tokenizer, built offline in a second.

Used by the trainer tests and handy for checking a config end to end before a real run:
    python -m trainer.tiny /tmp/tiny-llama && verigrade train cfg.yaml --set model=/tmp/tiny-llama
"""
from __future__ import annotations

import sys
from pathlib import Path

CHARS = list("abcdefghijklmnopqrstuvwxyz0123456789 +-*/=?.,:;!'\"()#\n")
SPECIAL = ["<unk>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def tiny_tokenizer(chat_template: bool = True):
    """A character-level fast tokenizer (lower-cased), EOS = <|im_end|>."""
    from tokenizers import Tokenizer, decoders, models, normalizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIAL + CHARS)}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    core.normalizer = normalizers.Lowercase()
    core.decoder = decoders.Fuse()
    core.add_special_tokens(SPECIAL)
    tok = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", bos_token="<|im_start|>",
                                  eos_token="<|im_end|>", pad_token="<|im_end|>")
    if chat_template:
        tok.chat_template = CHAT_TEMPLATE
    return tok


def make_tiny_model(path: str | Path, seed: int = 0, layers: int = 2, hidden: int = 32,
                    chat_template: bool = True) -> Path:
    """Save a random LlamaForCausalLM (a few small layers) and its tokenizer to `path`."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = tiny_tokenizer(chat_template)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden,
                      num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                      max_position_embeddings=512, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id, tie_word_embeddings=True)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    path = Path(path)
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


if __name__ == "__main__":
    print(make_tiny_model(sys.argv[1] if len(sys.argv) > 1 else "tiny-llama"))
