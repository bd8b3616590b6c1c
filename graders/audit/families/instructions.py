"""Instruction families (instruction_following): a violation of one instruction disguised so a code-point check
reads it as followed (invisible characters, look-alike letters and commas, content-free structures), and
literal minimal outputs. Each candidate targets one instruction of the row and is read on that instruction's
child result (`focus`), so the other instructions of the row don't blur it."""
from __future__ import annotations

from typing import Callable

from graders.audit.context import instructions_of
from graders.audit.registry import Attack, family

INSTRUCTIONS = {"instructions"}
ZW = "\u200b"
FILLER = "\u3164"
CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"})

# id -> builder(kwargs) -> [(family, text, note)]
Builder = Callable[[dict], list[tuple[str, str, str]]]
BUILDERS: dict[str, Builder] = {}


def builds(*ids: str):
    def register(fn: Builder) -> Builder:
        for i in ids:
            BUILDERS[i] = fn
        return fn
    return register


def _n(kwargs: dict, key: str, default: int = 3) -> int:
    value = kwargs.get(key)
    return int(value) if isinstance(value, (int, float)) and value >= 0 else default


def _hide(word: str) -> str:
    return word[:1] + ZW + word[1:] if len(word) > 1 else word + ZW


def _confusable(word: str) -> str:
    folded = word.translate(CYRILLIC)
    return folded if folded != word else word[:1] + "\u0301" + word[1:]


@builds("punctuation:no_comma")
def _no_comma(kw):
    return [("confusables", f"One{c} two{c} three.", f"comma look-alike {c!r}") for c in
            ("\uff0c", "\u201a", "\u3001", "\ufe50", " \u0326", "\u060c", "\u2e41")]


@builds("keywords:forbidden_words")
def _forbidden(kw):
    out = []
    for word in (kw.get("forbidden_words") or [])[:2]:
        out += [("invisible_characters", f"I think it is {_hide(word)} indeed.", "zero-width space in the word"),
                ("invisible_characters", f"I think it is {word[:1]}\u00ad{word[1:]} indeed.", "soft hyphen"),
                ("invisible_characters", f"I think it is \u202e{word[::-1]}\u202c indeed.", "bidi override"),
                ("confusables", f"I think it is {_confusable(word)} indeed.", "look-alike letters"),
                ("confusables", f"I think it is {word.upper()}S indeed.", "plural, capitals")]
    return out


@builds("keywords:existence")
def _existence(kw):
    words = kw.get("keywords") or []
    return [("invisible_characters", "Here is the text. <!-- " + " ".join(words) + " -->", "keywords in a comment"),
            ("confusables", "Here is the text: " + " ".join("x" + w for w in words) + ".", "keywords inside words")]


@builds("keywords:frequency")
def _frequency(kw):
    word, n = kw.get("keyword") or "word", _n(kw, "frequency")
    if kw.get("relation") == "less than":
        return [("invisible_characters", " ".join([_hide(word)] * (n + 2)) + ".", "occurrences with zero-width"),
                ("confusables", " ".join([_confusable(word)] * (n + 2)) + ".", "occurrences with look-alikes")]
    return [("invisible_characters", "Text. <!-- " + " ".join([word] * n) + " -->", "occurrences in a comment"),
            ("confusables", " ".join(["x" + word] * n) + ".", "occurrences inside words")]


@builds("keywords:letter_frequency")
def _letters(kw):
    letter, n = str(kw.get("letter") or "e"), _n(kw, "let_frequency")
    if kw.get("let_relation") == "less than":
        fake = letter.lower().translate(CYRILLIC)
        fake = fake if fake != letter.lower() else letter.lower() + "\u0301"
        return [("confusables", "Look: " + " ".join([fake] * (n + 2)) + ".", "look-alike letters")]
    return [("invisible_characters", "Text. <!-- " + letter * n + " -->", "letters in a comment")]


@builds("length_constraints:number_words")
def _words(kw):
    n = _n(kw, "num_words", 10)
    if kw.get("relation") == "less than":
        return [("invisible_characters", FILLER.join(["word"] * (n + 5)), "words joined by fillers")]
    return [("invisible_characters", " ".join(["_"] * (n + 1)), "underscores"),
            ("invisible_characters", ZW.join("ab" * (n + 1)), "zero-width separated letters"),
            ("invisible_characters", " ".join([FILLER] * (n + 1)) + " ok", "Hangul fillers"),
            ("filler_words", " ".join(["the"] * (n + 1)), "one word repeated")]


@builds("length_constraints:number_sentences")
def _sentences(kw):
    n = _n(kw, "num_sentences")
    if kw.get("relation") == "less than":
        return [("invisible_characters", "\n".join(f"Line {k} has no full stop" for k in range(n + 3)),
                 "lines without full stops"),
                ("confusables", "\u3002".join(f"Sentence {k}" for k in range(n + 3)), "ideographic full stops")]
    dots = [("invisible_characters", "Ok" + " ." * (n + 2), "dots")] if n >= 2 else []  # "Ok" is one sentence
    return dots + [("filler_words", " ".join(["Ok."] * (n + 1)), "one-word sentences")]


@builds("length_constraints:number_paragraphs")
def _paragraphs(kw):
    n = _n(kw, "num_paragraphs")
    parts = ["First part."] + ["." if k % 2 else ZW for k in range(max(n - 2, 1))] + ["Last part."]
    return [("invisible_characters", "\n***\n".join(parts), "empty paragraphs"),
            ("filler_words", "\n***\n".join(["a"] * n), "one-letter paragraphs")]


@builds("length_constraints:nth_paragraph_first_word")
def _nth(kw):
    n, nth, first = _n(kw, "num_paragraphs"), _n(kw, "nth_paragraph", 1), kw.get("first_word") or "then"
    if n < 2 or not 1 <= nth <= n:
        return []
    parts = ["." for _ in range(n)]
    parts[nth - 1] = f"{first.capitalize()} there is text."
    return [("invisible_characters", "\n\n".join(parts), "padding paragraphs")]


@builds("detectable_format:json_format")
def _json(kw):
    return [("invisible_characters", t, "content-free JSON") for t in ("42", '"text"', "null", "[]", "```json\n{}\n```",
                                                                        '[""]')] + \
        [("minimal_content", '{"a": 1}', "minimal JSON")]


@builds("detectable_content:number_placeholders")
def _placeholders(kw):
    n = _n(kw, "num_placeholders")
    return [("invisible_characters", " ".join(["[]"] * n), "empty brackets"),
            ("invisible_characters", " ".join([f"[{ZW}]"] * n), "invisible brackets"),
            ("confusables", " ".join(f"[{k}]" for k in range(n)), "numbered brackets"),
            ("confusables", " ".join(f"[a{k}](http://x)" for k in range(n)), "links"),
            ("minimal_content", " ".join(["[a]"] * n), "one-letter placeholders")]


@builds("detectable_format:number_highlighted_sections")
def _highlights(kw):
    n = _n(kw, "num_highlights")
    return [("invisible_characters", " and ".join([f"*{ZW}*"] * n), "invisible highlights"),
            ("invisible_characters", " and ".join(["* . *"] * n), "dot highlights"),
            ("confusables", " * ".join(str(k) for k in range(n + 2)), "multiplication stars"),
            ("minimal_content", " ".join(["*a*"] * n), "one-letter highlights")]


@builds("detectable_format:title")
def _title(kw):
    return [("invisible_characters", f"<<{ZW}>>\nRoses are red.", "invisible title"),
            ("invisible_characters", "<<...>>\nRoses are red.", "dots title"),
            ("minimal_content", "<<a>>\nRoses are red.", "one-letter title")]


@builds("detectable_content:postscript")
def _postscript(kw):
    marker = kw.get("postscript_marker") or "P.S."
    return [("invisible_characters", f"Main text.\n\n{marker}", "empty postscript"),
            ("invisible_characters", f"The text goes on {marker.lower()} without a postscript.", "marker mid-sentence")]


@builds("change_case:english_lowercase")
def _lower(kw):
    return [("confusables", "ꓧello ꓪorld this is ꓮlice writing in english to my friend.", "uncased capitals"),
            ("confusables", "ʜᴇʟʟᴏ this is written in english for my friend.", "small capitals")]


@builds("change_case:english_capital")
def _capital(kw):
    return [("confusables", "THIS IS ENGǀISH TEXT ǀIKE A ǀETTER", "uncased look-alike of l")]


@builds("change_case:capital_word_frequency")
def _capital_words(kw):
    n = _n(kw, "capital_frequency")
    if kw.get("capital_relation") == "less than":
        return [("confusables", " and ".join(["ꓧꓰꓡꓡꓳ"] * (n + 2)), "uncased look-alike capitals")]
    return [("confusables", " ".join(["I"] * (n + 2)) + " A.", "single capital letters")]


@builds("language:response_language")
def _language(kw):
    return [("invisible_characters", "12345 !!! ???", "no letters"),
            ("invisible_characters", f"{FILLER}{FILLER}{FILLER} 42", "fillers only")]


@builds("combination:two_responses")
def _two(kw):
    return [("invisible_characters", "Answer.\n******\n" + ZW, "invisible second response"),
            ("confusables", "Answer one.\n******\nAnswer one!", "the same response twice"),
            ("minimal_content", "a\n******\nb", "one-letter responses")]


@builds("startend:quotation")
def _quotation(kw):
    return [("invisible_characters", t, "empty quotation") for t in ('""', f'"{ZW}"', '". . ."')] + \
        [("minimal_content", '"a"', "one-letter quotation")]


@builds("detectable_format:constrained_response")
def _constrained(kw):
    return [("confusables", "My answer is yes. My answer is no.", "both options")]


@builds("detectable_format:multiple_sections")
def _sections(kw):
    marker, n = kw.get("section_spliter") or "Section", _n(kw, "num_sections", 2)
    return [("invisible_characters", " ".join(f"{marker} {k}" for k in range(1, n + 1)) + " text", "markers on one line"),
            ("invisible_characters", "\n".join(f"{marker} {k}" for k in range(1, n + 1)), "sections without text"),
            ("minimal_content", "\n".join(f"{marker} {k}\na" for k in range(1, n + 1)), "one-letter sections")]


@builds("detectable_format:number_bullet_lists")
def _bullets(kw):
    n = _n(kw, "num_bullets", 2)
    if n < 2:  # "* one" is one real bullet
        return [("minimal_content", "* a\n", "one-letter bullet")]
    return [("invisible_characters", "* one\n" + "".join(f"*{ZW}\n" if k % 2 else "- \n" for k in range(n - 1)),
             "empty bullets"),
            ("minimal_content", "".join("* a\n" for _ in range(n)), "one-letter bullets")]


@builds("startend:end_checker")
def _end(kw):
    phrase = kw.get("end_phrase") or "Done."
    return [("invisible_characters", f"Some text. <!-- {phrase} -->", "phrase in a comment")]


@builds("combination:repeat_prompt")
def _repeat(kw):
    prompt = kw.get("prompt_to_repeat") or ""
    return [("invisible_characters", f"<!-- {prompt} -->\nMy answer.", "prompt in a comment")] if prompt else []


def _attacks(spec: dict, item: dict, wanted: str) -> list[Attack]:
    out = []
    for name, instruction_id, kwargs in instructions_of(spec, item) or []:
        builder = BUILDERS.get(instruction_id)
        for fam, text, note in (builder(kwargs) if builder else []):
            if fam == wanted:
                out.append(Attack(text, note=f"{instruction_id}: {note}", focus=name))
    return out


@family("invisible_characters", "a violation hidden by zero-width characters, fillers, HTML comments, bidi "
        "controls, or an empty structure (brackets, stars, titles, sections, JSON)", INSTRUCTIONS)
def invisible_characters(spec: dict, item: dict) -> list[Attack]:
    return _attacks(spec, item, "invisible_characters")


@family("confusables", "a violation hidden by look-alike characters: commas, letters, capitals, full stops; "
        "keywords inside other words", INSTRUCTIONS)
def confusables(spec: dict, item: dict) -> list[Attack]:
    return _attacks(spec, item, "confusables")


@family("filler_words", "length minimums met by one word or sentence repeated", INSTRUCTIONS, severity="blind_spot")
def filler_words(spec: dict, item: dict) -> list[Attack]:
    return _attacks(spec, item, "filler_words")


@family("minimal_content", "structures met literally with one-letter content (JSON, placeholders, highlights, "
        "titles, bullets, sections)", INSTRUCTIONS, severity="blind_spot")
def minimal_content(spec: dict, item: dict) -> list[Attack]:
    return _attacks(spec, item, "minimal_content")
