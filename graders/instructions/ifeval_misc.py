"""IFEval `language:*`, `change_case:*`, `combination:*` and `startend:*` (google-research semantics)."""
from __future__ import annotations

from graders.instructions.ifeval_keywords import compare
from graders.instructions.language import detect_language
from graders.instructions.registry import Param, instruction
from graders.instructions.text import word_tokenize


@instruction(
    "language:response_language", source="ifeval", params=(Param("language", "language"),),
    rule="`langdetect.detect(response) == language` with `DetectorFactory.seed = 0`; when langdetect raises "
         "(no detectable features) the instruction counts as followed, as in the reference",
    example=({"language": "de"}, "Das ist ein kurzer Satz auf Deutsch, und er ist ganz einfach.",
             "This is a short sentence in English, and it is quite simple."))
def response_language(text: str, *, language: str) -> bool:
    return _reads_as(text, language)


def _reads_as(text: str, language: str) -> bool:
    """langdetect says `language`; when it can't tell (it raised), the reference counts it as followed."""
    detected = detect_language(text)
    return True if detected is None else detected == language


@instruction(
    "change_case:capital_word_frequency", source="ifeval",
    params=(Param("capital_frequency", "int"), Param("capital_relation", "relation")),
    rule="number of `nltk.word_tokenize` tokens with `str.isupper()` compared with `capital_frequency` "
         "('less than': <, 'at least': >=)",
    example=({"capital_frequency": 2, "capital_relation": "at least"}, "THIS is VERY good.", "THIS is good."))
def capital_word_frequency(text: str, *, capital_frequency: int, capital_relation: str) -> bool:
    capitals = sum(1 for token in word_tokenize(text) if token.isupper())
    return compare(capitals, capital_relation, capital_frequency)


@instruction(
    "change_case:english_capital", source="ifeval",
    rule="`response.isupper()` and langdetect says 'en' (a langdetect exception counts as followed)",
    example=({}, "THIS IS ALL IN CAPITAL LETTERS AND WRITTEN IN ENGLISH.",
             "This is not all in capital letters."))
def english_capital(text: str) -> bool:
    return text.isupper() and _reads_as(text, "en")


@instruction(
    "change_case:english_lowercase", source="ifeval",
    rule="`response.islower()` and langdetect says 'en' (a langdetect exception counts as followed)",
    example=({}, "this is all in lowercase letters and written in english.",
             "This has one capital letter at the start."))
def english_lowercase(text: str) -> bool:
    return text.islower() and _reads_as(text, "en")


@instruction(
    "combination:two_responses", source="ifeval",
    rule="split on '******'; blank parts are allowed only first and last; exactly 2 non-blank parts that "
         "differ after strip",
    example=({}, "Answer one.\n******\nAnswer two.", "Answer one.\n******\nAnswer one."))
def two_responses(text: str) -> bool:
    valid = []
    parts = text.split("******")
    for index, part in enumerate(parts):
        if not part.strip():
            if index != 0 and index != len(parts) - 1:
                return False
        else:
            valid.append(part)
    return len(valid) == 2 and valid[0].strip() != valid[1].strip()


@instruction(
    "combination:repeat_prompt", source="ifeval", params=(Param("prompt_to_repeat", "str"),),
    rule="`response.strip().lower().startswith(prompt_to_repeat.strip().lower())`",
    example=({"prompt_to_repeat": "Write a haiku."}, "Write a haiku.\nLeaves fall...", "Here is a haiku."))
def repeat_prompt(text: str, *, prompt_to_repeat: str) -> bool:
    return text.strip().lower().startswith(prompt_to_repeat.strip().lower())


@instruction(
    "startend:end_checker", source="ifeval", params=(Param("end_phrase", "str"),),
    rule="`response.strip().strip('\"').lower().endswith(end_phrase.strip().lower())`",
    example=({"end_phrase": "Is there anything else I can help with?"},
             "Done. Is there anything else I can help with?", "Is there anything else I can help with? Bye."))
def end_checker(text: str, *, end_phrase: str) -> bool:
    return text.strip().strip('"').lower().endswith(end_phrase.strip().lower())


@instruction(
    "startend:quotation", source="ifeval",
    rule="the stripped response is longer than 1 character and starts and ends with '\"'",
    example=({}, '"A quoted answer."', '"An unterminated quote.'))
def quotation(text: str) -> bool:
    text = text.strip()
    return len(text) > 1 and text[0] == '"' and text[-1] == '"'
