"""`evaluate()`: generate k completions per prompt, grade them, write results rows, summarise, export the
accepted completions as a chat-format SFT set."""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from graders.evaluation.data import Prompt, load_prompts
from graders.evaluation.generators import Completion, LocalGenerator, OpenAIGenerator, is_remote
from graders.evaluation.metrics import answer_key, summarize_eval
from graders.result import GradeResult, is_passing

GENERATION_ERROR = "sample_generation_error"


@dataclass
class EvalRun:
    """What an evaluation produced: the summary, the results rows (as written to `-o`), accepted count."""

    summary: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    accepted: int | None = None


def make_generator(model: str, *, max_tokens: int, temperature: float, top_p: float, seed: int | None,
                   concurrency: int = 8, retries: int = 4, timeout_s: float = 120.0,
                   api_key_env: str | None = "OPENAI_API_KEY", model_name: str | None = None,
                   threads: int | None = None, batch_rows: int = 32):
    """An OpenAIGenerator for http(s) URLs, else a LocalGenerator ('default' or a local path)."""
    if is_remote(model):
        return OpenAIGenerator(model, model_name=model_name, api_key_env=api_key_env, max_tokens=max_tokens,
                               temperature=temperature, top_p=top_p, seed=seed, concurrency=concurrency,
                               retries=retries, timeout_s=timeout_s)
    return LocalGenerator(model, max_tokens=max_tokens, temperature=temperature, top_p=top_p, seed=seed or 0,
                          batch_rows=batch_rows, threads=threads)


def grade_groups(grader, prompts: list[Prompt], groups: list[list[Completion]], workers: int | None
                 ) -> list[list[GradeResult]]:
    """Grade every completion of a chunk in one batch; a failed generation is an `error` result (not graded)."""
    todo = [(g, i) for g, comps in enumerate(groups) for i, c in enumerate(comps) if c.error is None]
    pairs = [({"output_text": groups[g][i].text}, prompts[g].item) for g, i in todo]
    graded = grader.grade_batch(pairs, workers=workers) if pairs else []
    results = [[GradeResult.failure("error", f"generation failed: {c.error}", GENERATION_ERROR) for c in comps]
               for comps in groups]
    for (g, i), res in zip(todo, graded):
        results[g][i] = res
    return results


def result_row(prompt: Prompt, index: int, completion: Completion, result: GradeResult, key: str | None) -> dict:
    """A results row: `verigrade score`'s row ({"line", **result}) plus the sample's index, prompt and text."""
    return {"line": prompt.line, "sample_index": index, **result.to_json(), "prompt": prompt.text,
            "completion": completion.text, "finish_reason": completion.finish_reason,
            "completion_tokens": completion.tokens, "answer_key": key}


def accepted_messages(prompt: Prompt, completions: list[Completion], results: list[GradeResult]) -> list[dict]:
    """The prompt's passing completions as chat rows: deduplicated (whitespace-normalised), best score first."""
    best: dict[str, tuple[float, int, str]] = {}
    for i, (c, r) in enumerate(zip(completions, results)):
        if r.status != "ok" or not is_passing(r) or not c.text.strip():
            continue
        norm = re.sub(r"\s+", " ", c.text).strip()
        if norm not in best or r.score > best[norm][0]:
            best[norm] = (r.score, i, c.text)
    ranked = sorted(best.values(), key=lambda t: (-t[0], t[1]))
    return [{"messages": prompt.messages + [{"role": "assistant", "content": text}]} for _, _, text in ranked]


def evaluate(model: str, data: str | Path, grader, *, samples: int = 1, temperature: float | None = None,
             top_p: float = 1.0, max_tokens: int = 256, prompt_field: str | None = None,
             system_prompt: str | None = None, limit: int | None = None, seed: int | None = 0,
             output: str | Path | None = None, export_accepted: str | Path | None = None,
             workers: int | None = None, chunk_prompts: int | None = None,
             progress: Callable[[int], None] = lambda n: None, generator=None, **generator_options) -> EvalRun:
    """Evaluate `model` ('default', a local path or an http(s)://HOST/v1 URL) on a JSONL file with a grader
    (spec path, dict or Grader). temperature None = greedy for 1 sample, 1.0 for several."""
    from graders.base import Grader
    from graders.spec import load_grader

    if samples < 1:
        raise ValueError("samples must be >= 1")
    grader = grader if isinstance(grader, Grader) else load_grader(grader)
    prompts = load_prompts(data, prompt_field, system_prompt, limit)
    temperature = (0.0 if samples == 1 else 1.0) if temperature is None else temperature
    if generator is None:
        generator = make_generator(str(model), max_tokens=max_tokens, temperature=temperature, top_p=top_p,
                                   seed=seed, **generator_options)
    chunk = chunk_prompts or (max(1, generator.batch_rows // samples) if isinstance(generator, LocalGenerator)
                              else 64)
    out_path = Path(output) if output else None
    partial = out_path.with_name(out_path.name + ".partial") if out_path else None
    sink = open(partial, "w", encoding="utf-8") if partial else None
    groups, keys, rows, accepted = [], [], [], []
    sources, finish, tokens = Counter(), Counter(), []
    try:
        for start in range(0, len(prompts), chunk):
            batch = prompts[start:start + chunk]
            generated = generator.generate(batch, samples, progress)
            for prompt, comps, results in zip(batch, generated, grade_groups(grader, batch, generated, workers)):
                group_keys = []
                for i, (c, r) in enumerate(zip(comps, results)):
                    key, source = answer_key(r, c.text) if c.error is None else (None, "none")
                    group_keys.append(key)
                    sources[source] += 1
                    finish[c.finish_reason] += 1
                    if c.tokens is not None:
                        tokens.append(c.tokens)
                    row = result_row(prompt, i, c, r, key)
                    rows.append(row)
                    if sink:
                        sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                groups.append(results)
                keys.append(group_keys)
                accepted += accepted_messages(prompt, comps, results)
            if sink:
                sink.flush()
    finally:
        if sink:
            sink.close()
    if partial:
        os.replace(partial, out_path)
    if export_accepted:
        with open(export_accepted, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in accepted)
    summary = summarize_eval(groups, keys, sources, finish, tokens)
    summary.update(model=str(model), data=str(data), grader=grader.name, grader_type=grader.type,
                   temperature=temperature, max_tokens=max_tokens,
                   generation_errors=sum(1 for r in rows if r.get("error_type") == GENERATION_ERROR))
    if isinstance(generator, OpenAIGenerator):
        summary["http_requests"] = generator.requests
    return EvalRun(summary, rows, len(accepted) if export_accepted else None)
