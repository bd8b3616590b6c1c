"""IFBench `format:*` constraints (allenai/IFBench semantics, ported check by check)."""
from __future__ import annotations

import re
import string

from graders.instructions.registry import Param, instruction
from graders.instructions.text import STRIP_CHARS, remove_punctuation, split_into_sentences, word_tokenize

_S = "ifbench"
_ABC = re.compile(r"\W*[aA]\W*[bB]\W*[cC]\W*")


@instruction(
    "format:parentheses", source=_S,
    rule="brackets ( [ { nest at least 5 deep, closed correctly at least once from that depth; a mismatched "
         "closer resets the count",
    example=({}, "(a [b {c (d [e] d) c} b] a)", "(a [b] c) {d}"))
def parentheses(text: str) -> bool:
    levels: list[str] = []
    max_depth = 0
    pairs = {")": "(", "]": "[", "}": "{"}
    for char in text:
        if char in "([{":
            levels.append(char)
            max_depth = max(max_depth, len(levels))
        elif char in ")]}":
            if levels and levels[-1] == pairs[char]:
                levels.pop()
                if max_depth >= 5 and len(levels) < max_depth:
                    return True
            else:
                levels = []
                max_depth = 0
    return False


@instruction(
    "format:quotes", source=_S,
    rule="quotation marks \" and ' nest at least 3 levels deep (alternating, each closed by the same mark)",
    example=({}, "He said \"she said 'they said \"hi\"' today\".", "He said \"hello\" and 'bye'."))
def quotes(text: str) -> bool:
    levels: list[str] = []
    reached = current = 0
    for char in text:
        if levels and char == levels[-1]:
            levels.pop()
            current -= 1
            if reached - current >= 3:
                return True
        elif char in "\"'":
            levels.append(char)
            current += 1
            reached = max(reached, current)
    return False


def _prepare_options(kw: dict) -> dict:
    options = kw["options"]
    strict = _ABC.match(options) is not None
    if "/" in options:
        separator = "/"
    elif "or" in options:
        separator = "or"
    else:
        separator = ","
    return {"choices": tuple(o.strip() for o in options.split(separator)), "strict": strict}


@instruction(
    "format:options", source=_S, params=(Param("options", "str"),), prepare=_prepare_options,
    rule="options are split on '/', else 'or', else ','; a/b/c-style options need the response to equal one "
         "option exactly, otherwise it must equal one after stripping punctuation/spaces and lowercasing",
    example=({"options": "yes/no/maybe"}, "Yes.", "Yes, because it is obvious."))
def options(text: str, *, choices: tuple[str, ...], strict: bool) -> bool:
    if strict:
        return text in choices
    text = text.strip(STRIP_CHARS).lower()
    return any(o.strip(STRIP_CHARS).lower() == text for o in choices)


@instruction(
    "format:newline", source=_S,
    rule="after removing punctuation, the number of non-empty lines equals the number of words (one word per line)",
    example=({}, "One\nword\nper\nline.", "Two words\nper line."))
def newline(text: str) -> bool:
    text = remove_punctuation(text)
    lines = [line for line in text.strip().split("\n") if line != ""]
    return len(lines) == len(text.strip().split())


@instruction(
    "format:emoji", source=_S,
    rule="(IFBench regex sentences) every sentence ends with an emoji (last or second-to-last character after "
         "removing punctuation), or the next sentence starts with one",
    example=({}, "I love pizza 🍕. The sun is out ☀️.", "I love pizza 🍕. The sun is out."))
def emoji_sentences(text: str) -> bool:
    import emoji

    sentences = split_into_sentences(text)
    for i, sentence in enumerate(sentences):
        stripped = remove_punctuation(sentence).strip()
        if not stripped:
            return False
        last = stripped[-1]
        second_last = stripped[-2] if len(stripped) > 1 else stripped[-1]
        if not emoji.is_emoji(last) and not emoji.is_emoji(second_last):
            if i >= len(sentences) - 1:
                return False
            following = remove_punctuation(sentences[i + 1]).strip()
            if not following or not emoji.is_emoji(following[0]):
                return False
    return True


@instruction(
    "format:line_indent", source=_S,
    rule="each non-blank line is indented with more leading spaces than the one before (staircase); blank lines "
         "are dropped the way IFBench drops them (list.remove while iterating)",
    example=({}, "a\n b\n  c", "a\n  b\n c"))
def line_indent(text: str) -> bool:
    lines = text.split("\n")
    for line in lines:  # noqa: B007 - mutating while iterating reproduces the reference's skip behaviour
        if not line.strip():
            lines.remove(line)
    for i in range(len(lines) - 1):
        if len(lines[i + 1]) - len(lines[i + 1].lstrip(" ")) <= len(lines[i]) - len(lines[i].lstrip(" ")):
            return False
    return True


@instruction(
    "format:quote_unquote", source=_S,
    rule="with curly quotes made straight and all whitespace removed: no '\"\"' (a quote directly followed by "
         "another), and the text does not end with a quote (ignoring trailing digits/punctuation)",
    example=({}, "\"To be\" is a famous line.", "He said \"to be\" \"or not\""))
def quote_unquote(text: str) -> bool:
    text = text.replace("“", '"').replace("”", '"').replace("'\"'", "")
    text = "".join(text.split())
    if '""' in text:
        return False
    tail = text.strip(string.digits + string.punctuation.replace('"', ""))
    return not tail or tail[-1] != '"'


@instruction(
    "format:list", source=_S, params=(Param("sep", "str"),),
    rule="the separator `sep` occurs at least twice (literal match)",
    example=({"sep": "SEPARATOR"}, "SEPARATOR apples SEPARATOR pears", "SEPARATOR apples"))
def special_list(text: str, *, sep: str) -> bool:
    return text.count(sep) >= 2 if sep else False


@instruction(
    "format:thesis", source=_S,
    rule="an <i>…</i> (or <em>…</em>) span with non-blank content, followed by non-blank text (IFBench's fixed "
         "offsets 3 and 4 are kept)",
    example=({}, "<i>Cats rule.</i> Here is why.", "<i>Cats rule.</i>"))
def thesis(text: str) -> bool:
    index = text.find("<i>")
    if index == -1:
        index = text.find("<em>")
        if index == -1:
            return False
    text = text[index:]
    end = text.find("</i>")
    if end == -1:
        end = text.find("</em>")
        if end == -1:
            return False
    if text[3:end].strip() == "":
        return False
    return text[end + 4:].strip() != ""


@instruction(
    "format:sub-bullets", source=_S,
    rule="every part after a '*' (text.split('*')[1:]) contains a '-'",
    example=({}, "* Fruit\n  - apple\n* Veg\n  - leek", "* Fruit\n  - apple\n* Veg"))
def sub_bullets(text: str) -> bool:
    return all("-" in part for part in text.split("*")[1:])


@instruction(
    "format:no_bullets_bullets", source=_S,
    rule="at least 2 (IFBench regex) sentences of plain text first, then only '*' bullet lines, at least 2; "
         "a blank line ends the prose part and any line after the bullets fails (IFBench's flag reuse)",
    example=({}, "Here is a list. It has items.\n* one\n* two", "* one\n* two"))
def no_bullets_bullets(text: str) -> bool:
    # IFBench reuses its "still in prose" flag to hold the sentence list of the last prose line, so a blank
    # prose line (no sentences -> empty list -> falsy) ends the prose part; kept for identical verdicts.
    in_prose: object = True
    sentences = bullets = 0
    for line in text.split("\n"):
        if line.strip().startswith("*"):
            in_prose = False
            if sentences < 2:
                return False
            bullets += 1
        elif in_prose:
            in_prose = split_into_sentences(line.strip())
            sentences += len(in_prose)
        else:
            return False
    return bullets >= 2


@instruction(
    "format:title_case", source=_S,
    rule="no `nltk.word_tokenize` token is all-lowercase or lower-then-upper (e.g. 'word', 'wORD'); tokens "
         "like 'Word', 'AND', '42' pass",
    example=({}, "The Quick Brown Fox.", "The quick Brown Fox."))
def title_case(text: str) -> bool:
    for word in word_tokenize(text):
        head, rest = word[0], word[1:]
        if head.isupper() and rest.islower():
            continue
        if head.islower() and (rest.isupper() or rest.islower()):
            return False
    return True


@instruction(
    "format:output_template", source=_S,
    rule="contains 'My Answer:', 'My Conclusion:' and 'Future Outlook:'",
    example=({}, "My Answer: yes\nMy Conclusion: good\nFuture Outlook: bright", "My Answer: yes"))
def output_template(text: str) -> bool:
    return "My Answer:" in text and "My Conclusion:" in text and "Future Outlook:" in text


@instruction(
    "format:no_whitespace", source=_S,
    rule="no whitespace character anywhere",
    example=({}, "NoSpacesAtAll.", "Some spaces here."))
def no_whitespace(text: str) -> bool:
    return not any(c.isspace() for c in text)
