"""Generated responses for IFEval rows: one that tries to follow every instruction, and perturbations.

Test and benchmark data, not runtime: used by the tests (through `tests/instruction_fixtures.py`: every one
of the 541 IFEval rows must grade without error) and by `benchmarks/ifeval_throughput.py`, both of which put
`tools/` on `sys.path`. The responses are deterministic for a given seed. "Follows" is best effort:
instructions can conflict (e.g. lowercase + capital words), so the verdicts are mixed on purpose.
"""
from __future__ import annotations

import functools
import random
import re
from typing import Any

BASE_SENTENCES = [
    "The river runs past the old mill, and the town grows around it.",
    "People in the valley trade grain, wool and timber every week.",
    "In spring the fields turn green after the long winter rains.",
    "Travellers often stop at the inn near the stone bridge.",
    "The market opens early, so farmers arrive before sunrise.",
    "Children learn to read at the small school on the hill.",
    "Local musicians play in the square on summer evenings.",
    "Historians say the mill is more than three hundred years old.",
]
FILLER = ("valley river bridge market field school music history timber grain wool morning evening summer "
          "winter travel town people stone road").split()



@functools.lru_cache(maxsize=64)
def language_text(code: str, n: int = 40) -> str:
    """Text langdetect reads as `code`: the language's most specific character trigrams from its profile."""
    from langdetect import detector_factory

    from graders.instructions.language import supported_languages

    supported_languages()  # loads langdetect's profiles (thread-safely) before reading them
    factory = detector_factory._factory
    idx = factory.langlist.index(code)
    grams = [(w, p[idx] * p[idx] / sum(p)) for w, p in factory.word_lang_prob_map.items()
             if len(w) == 3 and " " not in w and p[idx] > 0]
    grams.sort(key=lambda g: (-g[1], g[0]))
    return " ".join(g for g, _ in grams[:n])


def _words(n: int, rng: random.Random) -> str:
    return " ".join(rng.choice(FILLER) for _ in range(n))


def _sentences(n: int) -> str:
    return " ".join(BASE_SENTENCES[i % len(BASE_SENTENCES)] for i in range(n))


def _truncate_words(text: str, n: int) -> str:
    return " ".join(text.split()[:max(n, 1)])


# -- following transforms, by instruction id ------------------------------------------------------------
def _follow(iid: str, text: str, kw: dict[str, Any], rng: random.Random) -> str:
    if iid == "keywords:existence":
        return text + " " + " ".join(kw["keywords"]) + "."
    if iid == "keywords:frequency":
        if kw["relation"] == "at least":
            return text + (" " + kw["keyword"]) * kw["frequency"] + "."
        kept = re.sub(re.escape(kw["keyword"]), "", text, flags=re.IGNORECASE)
        return kept + (" " + kw["keyword"]) * max(kw["frequency"] - 1, 0)
    if iid == "keywords:forbidden_words":
        for word in kw["forbidden_words"]:
            text = re.sub(r"\b" + re.escape(word) + r"\b", "", text, flags=re.IGNORECASE)
        return text
    if iid == "keywords:letter_frequency":
        letter = kw["letter"].lower()
        if kw["let_relation"] == "at least":
            return text + " " + letter * kw["let_frequency"]
        return text.replace(letter, "").replace(letter.upper(), "")
    if iid == "language:response_language":
        return language_text(kw["language"])
    if iid == "length_constraints:number_sentences":
        n = kw["num_sentences"]
        return _sentences(n if kw["relation"] == "at least" else max(n - 1, 1))
    if iid == "length_constraints:number_paragraphs":
        return "\n***\n".join(BASE_SENTENCES[i % 8] for i in range(kw["num_paragraphs"]))
    if iid == "length_constraints:number_words":
        n = kw["num_words"]
        if kw["relation"] == "at least":
            return text + " " + _words(n, rng) + "."
        return _truncate_words(text, n - 1)
    if iid == "length_constraints:nth_paragraph_first_word":
        parts = [BASE_SENTENCES[i % 8] for i in range(kw["num_paragraphs"])]
        parts[kw["nth_paragraph"] - 1] = kw["first_word"].capitalize() + " " + parts[kw["nth_paragraph"] - 1]
        return "\n\n".join(parts)
    if iid == "detectable_content:number_placeholders":
        return text + " " + " ".join(f"[field {i}]" for i in range(kw["num_placeholders"]))
    if iid == "detectable_content:postscript":
        return text + f"\n\n{kw['postscript_marker']} Thanks for reading."
    if iid == "detectable_format:number_bullet_lists":
        return "\n".join(f"* {BASE_SENTENCES[i % 8]}" for i in range(kw["num_bullets"]))
    if iid == "detectable_format:constrained_response":
        return "My answer is yes."
    if iid == "detectable_format:number_highlighted_sections":
        return text + "\n" + "\n".join(f"*highlight {i}*" for i in range(kw["num_highlights"]))
    if iid == "detectable_format:multiple_sections":
        return "\n".join(f"{kw['section_spliter']} {i + 1}\n{BASE_SENTENCES[i % 8]}" for i in range(kw["num_sections"]))
    if iid == "detectable_format:json_format":
        return '```json\n{"answer": "%s"}\n```' % text.replace('"', "'").replace("\n", " ")
    if iid == "detectable_format:title":
        return "<<A Day in the Valley>>\n" + text
    if iid == "combination:two_responses":
        return text + "\n******\n" + BASE_SENTENCES[3]
    if iid == "combination:repeat_prompt":
        return kw["prompt_to_repeat"] + "\n" + text
    if iid == "startend:end_checker":
        return text + " " + kw["end_phrase"]
    if iid == "change_case:capital_word_frequency":
        n = kw["capital_frequency"]
        if kw["capital_relation"] == "at least":
            return text + " " + " ".join("VALLEY" for _ in range(n)) + "."
        return text.lower()
    if iid == "change_case:english_capital":
        return text.upper()
    if iid == "change_case:english_lowercase":
        return text.lower()
    if iid == "punctuation:no_comma":
        return text.replace(",", "")
    if iid == "startend:quotation":
        return '"' + text.strip('"') + '"'
    return text


def _break(iid: str, text: str, kw: dict[str, Any], rng: random.Random) -> str:
    if iid == "keywords:existence":
        for word in kw["keywords"]:
            text = re.sub(re.escape(word), "", text, flags=re.IGNORECASE)
        return text
    if iid in ("keywords:frequency", "keywords:letter_frequency"):
        key = "relation" if iid == "keywords:frequency" else "let_relation"
        token = kw["keyword"] if iid == "keywords:frequency" else kw["letter"]
        count = kw["frequency"] if iid == "keywords:frequency" else kw["let_frequency"]
        if kw[key] == "at least":
            return re.sub(re.escape(token), "", text, flags=re.IGNORECASE)
        return text + (" " + token) * (count + 1)
    if iid == "keywords:forbidden_words":
        return text + " " + kw["forbidden_words"][0]
    if iid == "language:response_language":
        return _sentences(3) if kw["language"] != "en" else language_text("de")
    if iid == "length_constraints:number_sentences":
        n = kw["num_sentences"]
        return _sentences(max(n - 1, 1) if kw["relation"] == "at least" else n + 1)
    if iid == "length_constraints:number_paragraphs":
        return "\n***\n".join(BASE_SENTENCES[i % 8] for i in range(kw["num_paragraphs"] + 1))
    if iid == "length_constraints:number_words":
        n = kw["num_words"]
        return _truncate_words(text, n // 2) if kw["relation"] == "at least" else text + " " + _words(n + 5, rng)
    if iid == "length_constraints:nth_paragraph_first_word":
        return "\n\n".join(BASE_SENTENCES[i % 8] for i in range(kw["num_paragraphs"] + 1))
    if iid == "detectable_content:number_placeholders":
        return text.replace("[", "(").replace("]", ")")
    if iid == "detectable_content:postscript":
        return re.sub(r"p\.\s?p?\.?\s?s\.?", "", text, flags=re.IGNORECASE)
    if iid == "detectable_format:number_bullet_lists":
        return text + "\n* one more point"
    if iid == "detectable_format:constrained_response":
        return text.replace("My answer is", "I would say")
    if iid == "detectable_format:number_highlighted_sections":
        return text.replace("*", "")
    if iid == "detectable_format:multiple_sections":
        return text.replace(kw["section_spliter"], "Part")
    if iid == "detectable_format:json_format":
        return text + "\nThat is all."
    if iid == "detectable_format:title":
        return text.replace("<<", "").replace(">>", "")
    if iid == "combination:two_responses":
        return text.replace("******", "")
    if iid == "combination:repeat_prompt":
        return "Sure, here you go. " + text
    if iid == "startend:end_checker":
        return text + " Goodbye now."
    if iid == "change_case:capital_word_frequency":
        if kw["capital_relation"] == "at least":
            return text.lower()
        return text + " " + " ".join("RIVER" for _ in range(kw["capital_frequency"] + 1))
    if iid == "change_case:english_capital":
        return text.lower()
    if iid == "change_case:english_lowercase":
        return text.capitalize() + " The End."
    if iid == "punctuation:no_comma":
        return text + ", and more"
    if iid == "startend:quotation":
        return text.strip().strip('"')
    return text


def synthesize(row: dict[str, Any], seed: int = 0) -> dict[str, str]:
    """Responses for one IFEval row: `follow` (best effort), `break` (one instruction broken), `plain`, `empty`."""
    rng = random.Random(f"{seed}:{row.get('key')}")
    ids = row["instruction_id_list"]
    kwargs = [{k: v for k, v in (kw or {}).items() if v is not None} for kw in row.get("kwargs") or [{}] * len(ids)]
    text = _sentences(4)
    for iid, kw in zip(ids, kwargs):
        text = _follow(iid, text, kw, rng)
    victim = rng.randrange(len(ids)) if ids else 0
    broken = _break(ids[victim], text, kwargs[victim], rng) if ids else text
    return {"follow": text, "break": broken, "plain": _sentences(3), "empty": ""}
