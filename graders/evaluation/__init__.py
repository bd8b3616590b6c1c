"""Model evaluation with verigrade graders: k completions per prompt (local sampler or any OpenAI-compatible
server), graded, summarised (mean reward, accuracy, unbiased pass@k, maj@k), optionally exported as an SFT set.

    from graders.evaluation import evaluate
    run = evaluate("default", "data.jsonl", "grader_specs/gsm8k.json", samples=8, temperature=1.0)
    run.summary["pass@k"]        # {1: 0.05, 2: 0.09, ...}
"""
from graders.evaluation.data import EvalDataError, Prompt, load_prompts
from graders.evaluation.metrics import majority_vote, pass_at_k, summarize_eval
from graders.evaluation.runner import EvalRun, evaluate

__all__ = ["EvalDataError", "EvalRun", "Prompt", "evaluate", "load_prompts", "majority_vote", "pass_at_k",
           "summarize_eval"]
