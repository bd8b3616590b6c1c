"""`multiple_choice` (ours): the letter (A-J) a model chose, against the reference letter (MMLU, MMLU-Pro, GPQA, ...).

    {"type": "multiple_choice", "reference": "{{ item.answer }}"}                        # reference "B"
    {"type": "multiple_choice", "reference": "{{ item.answer }}", "reference_index_base": 0,
     "options": "{{ item.choices }}"}                                                   # MMLU: answer 1 -> B

Where the answer is read, in order (the first stage that finds one decides):
1. answer statements: `Answer: B`, `**Answer:** (B)`, `The (final/correct) answer is B`, `\\boxed{B}`, `I choose B`,
   `(B) is correct`, `Option B is the correct answer`, `Therefore, B.` The letter may be wrapped (`(B)`, `[B]`,
   `**B**`, `$B$`, `\\text{B}`) and followed by its option text (`B) Paris`); with `options`, the option text
   alone also counts (`The answer is Paris`).
2. lines that are an answer on their own: `B`, `(B)`, `B.`, `**B**`, `B) Paris`, `Option B`, or an option's text.
3. the one letter marked as a choice in the text: `(B)` or `**B**`.
Only the text after the last `answer_after` marker is read when there is one (default `</think>`: a reasoning
model's think block may weigh every option before it answers).

Score 1 when the letter is the reference, else 0. Several answers are not an answer:
- a statement offering several letters (`A or B`, `A, C`, `\\boxed{A/B}`, `(A)(B)`), or a letter whose own text is
  another option's (`B) London` where London is A), scores 0 (status ok, `details.offered` lists them);
- statements that disagree (`Answer: A ... Answer: C`) score 0 too, unless `multiple_answers` is `last` (the
  last statement decides: for models that revise their answer in writing);
- an answer hedged or taken back right after it (`B. Or maybe C.`, `B (or C)`, `B?`, `B \\sim C`, `B. Scratch
  that.`, `B. Actually no, it is C.`) scores 0; a letter outside the options still makes a list (`D or E`);
- with no statement, several letters restated on lines of their own, or several marked letters, are
  ambiguous: `no_answer`, score 0, as is an output with no letter at all.
Letters outside the options (`E` with four options) are never read as answers. A reference that is not a letter
of the options is `invalid_reference`. Runs in the caller (regexes without backtracking blow-up); no `timeout_s`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graders.base import Grader
from graders.instructions.robust_text import normalise
from graders.mathcheck.hedges import WITHDRAWN_AFTER
from graders.registry import register
from graders.result import GradeResult

DEFAULT_INPUT = "{{ sample.output_text }}"
DEFAULT_ANSWER_AFTER = "</think>"  # a reasoning model's answer follows its think block
LETTERS = "ABCDEFGHIJ"
MAX_LABEL_CHARS = 300

_LATEX_TEXT = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mathit|mathsf|texttt|operatorname)\s*\{([^{}]*)\}")
_INLINE_WRAP = r"[ \t*_`$\"'\u201c\u201d\u2018\u2019]*"  # never across a line: "Answer: B\nC) ..." is one letter
_FILLER = re.compile(
    r"(?:[\s*_`$\"'\u201c\u201d\u2018\u2019:=\-\u2013\u2014]|\\boxed\s*\{|\\fbox\s*\{"
    r"|\b(?:therefore|thus|clearly|definitely|probably|likely|then|indeed|simply|option|choice|letter|both"
    r"|either|the|is|it's|it\u2019s|it\s+is|that)\b|\bI\s+(?:think|believe)\b)*", re.IGNORECASE)
_INLINE_SKIP = re.compile(r"[\s*_`$\"'\u201c\u201d\u2018\u2019:=]*")
_NEGATION = re.compile(r"(?:not|n't|never|no)\b", re.IGNORECASE)
_CONNECTOR = re.compile(r"[ \t]*(?:,|;|/|\||&|\band/or\b|\bor\b|\band\b|\bnor\b|\bvs\.?)?[ \t]*(?:\bthe\b[ \t]*)?"
                        r"(?:\b(?:option|choice|letter)\b[ \t]*)?" + _INLINE_WRAP, re.IGNORECASE)
_LABEL_START = re.compile(r"[*_`$]*\s*[).:\-\u2013\u2014]?\s*")
_SENTENCE_END = re.compile(r"(?<=[^\s.])[.!?](?=\s|$)|\n")
_ANSWER_CUES = re.compile(
    r"\b(?:(?:final|correct|right|best|my)\s+)?answer(?:\s+(?:choice|option))?[\"']?\s*(?:\*\*|__)?\s*"
    r"(?::|=|\bis\b\s*:?|\b(?:would|should|must|will)\s+be\b)"
    r"|\b(?:correct|right|best)\s+(?:option|choice|letter)\s*(?:\bis\b|:)"
    r"|\bI(?:'ll|\u2019ll|'d|\u2019d)?\s+(?:would\s+|will\s+)?(?:choose|pick|select|go\s+with|opt\s+for)\b",
    re.IGNORECASE)
_BOX = re.compile(r"\\(?:boxed|fbox)\s*\{([^{}]*)\}")
_CONCLUSION = re.compile(r"(?:^|[.!?]\s+|\n)\s*(?:therefore|thus|hence|so)\s*,?\s*", re.IGNORECASE)
_LINE_PREFIX = re.compile(r"^[ \t]*(?:[-*>#_`$]+[ \t]*)*(?:\b(?:option|choice|letter|answer)\b[ \t]*)?", re.IGNORECASE)
_LINE_END = re.compile(r"[*_`$]*[ \t]*(?:[).:\-\u2013\u2014]|$)")
_BOX_REST = re.compile(r"[*_`$ \t.]*$|[ \t]*[).:\-\u2013\u2014]|[ \t]+[A-Za-z]")
_NEW_CLAUSE = re.compile(r"[ \t]+(?:is|was|isn't|wasn't|seems|looks|does|doesn't|has|can|cannot|can't|could|would"
                         r"|should|must|might|may|will|won't|being|fails|refers|describes|states|says|gives|names)\b")
_LOWER_WORD = re.compile(r"[ \t]+[a-z]")
_LIST_WORD = re.compile(r"[ \t]+(?:or|and|nor|are|were)\b")
_DISJUNCTION = re.compile(r"\s+or\s+|\s*/\s*|\s*\|\s*", re.IGNORECASE)
_ENDS_LINE = re.compile(r"[*_`$)\].!]*[ \t]*(?:\n|$)")
MAX_STATEMENTS = 64
_STRIP = " \t*_`$\"'\u201c\u201d\u2018\u2019.,;:!?"
# any letter A-J, also outside the options: never read as the answer, but offered next to one it makes a list
_ANY_LETTER = re.compile(r"[(\[{]\s*(?P<p>[A-J])\s*[)\]}]|(?<![A-Za-z0-9])(?P<u>[A-J])(?![A-Za-z0-9'\u2019])")
# right after the chosen letter: a question mark, or another letter offered (`B. Or maybe C.`, `B \sim C`)
_QUESTIONED = re.compile(r"[ \t*_`$)\]]*\?")
_HEDGED_WITH = re.compile(
    r"[ \t*_`$()\].,;:]*(?:\b(?:or|maybe|perhaps|possibly|probably)\b|\\sim\b|\\approx\b|≈|~)"
    r"[ \t,:]*(?:\b(?:maybe|perhaps|possibly|probably|even|it(?:'s|\s+is|\s+could\s+be|\s+might\s+be))\b[ \t,:]*)*"
    r"(?:\b(?:option|choice|letter)\b[ \t]*)?[*_`$(\[]*(?P<letter>[A-J])(?![A-Za-z0-9'\u2019])", re.IGNORECASE)


class TooManyStatements(ValueError):
    """An output with more answer statements than any honest answer has."""


def _interleave(*streams):
    """`(stream index, match)` for every match of every stream (order doesn't matter: callers sort)."""
    for kind, stream in enumerate(streams):
        for match in stream:
            yield kind, match


@dataclass
class ChoiceVerdict:
    """What the output answered: `letter` when one letter was chosen; else `status` says why not."""

    status: str  # "answered" | "shotgun" | "withdrawn" | "no_answer" | "rejected"
    letter: str | None = None
    offered: list[str] = field(default_factory=list)
    stage: str = ""  # statement | line | marked
    evidence: str = ""


class ChoiceReader:
    """The engine: reads the chosen letter out of a model's output, for one set of valid letters and options."""

    def __init__(self, letters: str, options: dict[str, str] | None = None):
        self.letters = letters
        valid = f"[{letters}]"
        lower = f"[{letters.lower()}]"
        self.mention = re.compile(
            rf"[(\[{{]\s*(?P<p>{valid}|{lower})\s*[)\]}}]"  # (B) [b] {B}
            rf"|(?<![A-Za-z0-9])(?P<u>{valid})(?![A-Za-z0-9'\u2019])"  # B, B), B.
            rf"|(?<![A-Za-z0-9])(?P<l>{lower})(?=[ \t]*(?:[).:]|\*\*|$))", re.MULTILINE)  # b) b. b ending a line
        self.endorsed = re.compile(
            rf"(?:[(\[{{]\s*(?P<letter>{valid}|{lower})\s*[)\]}}]|(?<![A-Za-z0-9])(?P<bare>{valid})(?![A-Za-z0-9'\u2019]))"
            r"[ \t]*(?:\*\*)?[ \t]*(?i:is|would\s+be)\s+(?i:the\s+)?(?i:(?:correct|right|best)\s+(?:answer|option|choice)\b"
            r"|(?:correct|right)(?:[ \t]*(?:[.!,;]|$)|[ \t]+(?i:because|since|as|given)\b))", re.MULTILINE)
        self.marked = re.compile(rf"\(\s*({valid})\s*\)|\*\*\s*({valid})\s*\*\*")
        self.options = {k: _plain(v) for k, v in (options or {}).items()}
        texts = list(self.options.values())
        self.by_text = {t: k for k, t in self.options.items() if t and texts.count(t) == 1}

    # -- pieces ------------------------------------------------------------------------------------------
    def _letter_at(self, text: str, pos: int, mention: re.Pattern | None = None) -> tuple[str, int] | None:
        """The letter mentioned at `pos` and where it ends (`mention`: another pattern than the options')."""
        m = (mention or self.mention).match(text, pos)
        if not m:
            return None
        letter = next(v for v in m.groupdict().values() if v).upper()
        if m.group("u") == "I" and re.match(r"(?:['\u2019]|\s+[a-z])", text[m.end():m.end() + 2]):
            return None  # "I think", "I'm": the pronoun
        return letter, m.end()

    def payload(self, text: str, pos: int) -> tuple[list[str], int]:
        """Letters offered right after a cue (`A`, `A or B`, `(A)(B)`, `A, C and D`), or [] if none."""
        start = _INLINE_SKIP.match(text, pos).end()
        pos = _FILLER.match(text, pos).end()
        if _NEGATION.match(text, pos):
            return [], pos
        first = self._letter_at(text, pos)
        if first is None:  # "the answer is Paris", or the option "The first arch" after the filler "the"
            return self._option_texts(text, pos) or self._option_texts(text, start), pos
        letters, pos = [first[0]], first[1]
        while True:
            joint = _CONNECTOR.match(text, pos)
            nxt = self._letter_at(text, joint.end())
            if nxt is None and joint.group().strip(" \t*_`$\"'\u201c\u201d\u2018\u2019"):
                nxt = self._letter_at(text, joint.end(), _ANY_LETTER)   # `D or E` of four options: two offered
            if nxt is None:
                break
            if _NEW_CLAUSE.match(text, nxt[1]) or (joint.group().strip() in (",", "") and _LOWER_WORD.match(
                    text, nxt[1]) and not _LIST_WORD.match(text, nxt[1])):
                break  # "B, A is wrong", "B and D is wrong": the next letter starts a clause, not a list
            letters.append(nxt[0])
            pos = nxt[1]
        if len(letters) == 1:
            clashing = self._label_clash(text, pos, letters[0])
            if clashing:
                letters.append(clashing)
        return letters, pos

    def _label_clash(self, text: str, pos: int, letter: str) -> str | None:
        """`B) London` where London is option A: the other letter its text names."""
        if not self.by_text:
            return None
        start = _LABEL_START.match(text, pos).end()
        other = self.by_text.get(_plain(_first_sentence(text, start)))
        return other if other not in (None, letter) else None

    def _option_texts(self, text: str, pos: int) -> list[str]:
        """Options named by their text after a cue: `Paris` -> [B]; `Paris or Rome` -> [B, C]."""
        if not self.by_text:
            return []
        sentence = _first_sentence(text, pos)
        plain = _plain(sentence)
        if plain in self.by_text:
            return [self.by_text[plain]]
        parts = [self.by_text.get(_plain(p)) for p in _DISJUNCTION.split(sentence)]
        if len(parts) > 1 and all(parts):
            return parts  # "Paris or Rome": two options offered
        starts = [t for t in self.by_text if plain.startswith(t) and not plain[len(t):len(t) + 1].isalnum()]
        return [self.by_text[max(starts, key=len)]] if starts else []  # "Paris, the capital of France."

    # -- stages --------------------------------------------------------------------------------------------
    def statements(self, text: str) -> list[tuple[int, list[str], str]]:
        """Every answer statement as `(position, letters offered, evidence)`, in text order. Raises TooManyStatements
        past MAX_STATEMENTS (no honest output states its answer that often; the cap keeps grading linear)."""
        found = []
        candidates = 0
        for kind, cue in _interleave(_ANSWER_CUES.finditer(text), _BOX.finditer(text), _CONCLUSION.finditer(text),
                                     self.endorsed.finditer(text)):
            candidates += 1
            if candidates > MAX_STATEMENTS:
                raise TooManyStatements(f"more than {MAX_STATEMENTS} answer statements")
            if kind == 0:  # "Answer: B", "the answer is (B)", "I choose B"
                letters, end = self.payload(text, cue.end())
                evidence = text[cue.start():end]
            elif kind == 1:  # \boxed{B}, but not \boxed{A + B}
                letters, end = self.payload(cue.group(1), 0)
                if end and not _BOX_REST.match(cue.group(1), end):
                    letters = []
                evidence = cue.group()
            elif kind == 2:  # "Therefore, B." only when the letter ends its line
                letters, end = self.payload(text, cue.end())
                if not _ENDS_LINE.match(text, end):
                    letters = []
                evidence = text[cue.start():end]
            else:  # "(B) is correct", "B is the correct answer"
                letters, evidence = [(cue.group("letter") or cue.group("bare")).upper()], cue.group()
            if letters:
                found.append((cue.start(), letters, evidence))
        return sorted(found, key=lambda f: f[0])

    def line_answers(self, text: str) -> list[tuple[list[str], str, int]]:
        """Lines that are an answer on their own: `(letters, the line, where its letter ends in text)`; the end is
        -1 for a line naming an option by its text."""
        found, offset = [], 0
        for line in text.split("\n"):
            start = _LINE_PREFIX.match(line).end()
            letter = self._letter_at(line, start)
            if letter and _LINE_END.match(line, letter[1]):
                letters = [letter[0]]
                clash = self._label_clash(line, letter[1], letter[0])
                found.append((letters + [clash] if clash else letters, line.strip(), offset + letter[1]))
            elif self.by_text.get(_plain(line)):
                found.append(([self.by_text[_plain(line)]], line.strip(), -1))
            offset += len(line) + 1
        return found

    def read(self, output: str, last_wins: bool = False) -> ChoiceVerdict:
        """The verdict on one output; `last_wins`: disagreeing statements are revisions, the last one counts."""
        text = _LATEX_TEXT.sub(r"\1", normalise(output))
        try:
            said = self.statements(text)
        except TooManyStatements as exc:
            return ChoiceVerdict("rejected", evidence=str(exc))
        if said:
            verdict = _decide(said[-1:] if last_wins else said, "statement")
            return self._followed_up(verdict, text, said[-1][0] + len(said[-1][2]))
        lines = self.line_answers(text)
        if lines:
            verdict = _decide([(0, letters, ev) for letters, ev, _ in lines], "line", restated_is_ambiguous=True)
            return self._followed_up(verdict, text, lines[-1][2])
        marked = sorted({a or b for a, b in self.marked.findall(text)})
        if len(marked) == 1:
            return ChoiceVerdict("answered", marked[0], marked, "marked", f"({marked[0]})")
        if marked:
            return ChoiceVerdict("no_answer", offered=marked, stage="marked")
        return ChoiceVerdict("no_answer")

    def _followed_up(self, verdict: ChoiceVerdict, text: str, end: int) -> ChoiceVerdict:
        """The chosen answer as what follows it leaves it: taken back (`B. Scratch that.`, `B. Actually no, it is
        C.`), questioned (`B?`) or hedged with another letter (`B. Or maybe C.`, `B \\sim C`) is no answer."""
        if verdict.status != "answered" or end < 0:
            return verdict
        tail = text[end:end + 160]
        taken_back = WITHDRAWN_AFTER.match(tail)
        if taken_back:
            return ChoiceVerdict("withdrawn", offered=verdict.offered, stage=verdict.stage,
                                 evidence=taken_back.group(0).strip(" .,;:$*"))
        if _QUESTIONED.match(tail):
            return ChoiceVerdict("shotgun", offered=verdict.offered, stage=verdict.stage, evidence=f"{verdict.letter}?")
        hedge = _HEDGED_WITH.match(tail)
        if hedge and hedge.group("letter").upper() != verdict.letter:
            offered = sorted({verdict.letter, hedge.group("letter").upper()})
            return ChoiceVerdict("shotgun", offered=offered, stage=verdict.stage, evidence=hedge.group(0).strip())
        return verdict



def reference_letter(value: Any, index_base: int | None, letters: str = LETTERS) -> str | None:
    """A reference as one of `letters`: the index read with `index_base` when it is set (ValueError when the
    value is no index or out of range), else the letter as written (`B`, `(b)`); None when it is no letter."""
    if index_base is not None:
        if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
            raise ValueError(f"reference {value!r} is not an index (reference_index_base is set)")
        index = int(str(value).strip()) - index_base
        if not 0 <= index < len(letters):
            raise ValueError(f"reference index {value!r} is out of range for {len(letters)} options")
        return letters[index]
    letter = str(value).strip().strip("()[]*. ").upper()
    return letter if len(letter) == 1 and letter in letters else None


def _decide(found: list[tuple[int, list[str], str]], stage: str, restated_is_ambiguous: bool = False) -> ChoiceVerdict:
    for _, letters, evidence in found:
        if len(set(letters)) > 1:
            return ChoiceVerdict("shotgun", offered=sorted(set(letters)), stage=stage, evidence=evidence)
    offered = sorted({letters[0] for _, letters, _ in found})
    if len(offered) == 1:
        _, letters, evidence = found[-1]
        return ChoiceVerdict("answered", letters[0], offered, stage, evidence)
    status = "no_answer" if restated_is_ambiguous else "shotgun"
    return ChoiceVerdict(status, offered=offered, stage=stage, evidence=found[-1][2])


def _first_sentence(text: str, pos: int) -> str:
    chunk = text[pos:pos + MAX_LABEL_CHARS]
    end = _SENTENCE_END.search(chunk)
    return chunk[:end.start()] if end else chunk


def _plain(text: Any) -> str:
    """Option text as compared: case, markdown, quotes, outer punctuation and spacing don't matter."""
    text = _LATEX_TEXT.sub(r"\1", normalise(str(text)))
    return " ".join(text.strip(_STRIP).split()).lower()


@register
class MultipleChoiceGrader(Grader):
    """The letter (A-J) the output chose, against the reference letter; several letters offered score 0."""

    type = "multiple_choice"

    def setup(self) -> None:
        spec = self.spec
        self.input = spec.get("input", DEFAULT_INPUT)
        self.reference = spec["reference"]
        self.index_base = spec.get("reference_index_base")
        self.options_template = spec.get("options")
        self.num_choices = spec.get("num_choices")
        self.last_wins = spec.get("multiple_answers", "reject") == "last"
        self.answer_after = spec.get("answer_after", DEFAULT_ANSWER_AFTER)
        if self.options_template is not None and self.num_choices is not None:
            raise self.spec_error("num_choices", "give options or num_choices, not both (options set the letters)")
        self._plain_reader = ChoiceReader(LETTERS[: self.num_choices or len(LETTERS)])

    def _reader(self, sample: dict[str, Any], item: dict[str, Any]) -> ChoiceReader | str:
        if self.options_template is None:
            return self._plain_reader
        value = self.render_value(self.options_template, sample, item)
        if isinstance(value, list) and 2 <= len(value) <= len(LETTERS):
            return ChoiceReader(LETTERS[: len(value)], {LETTERS[i]: str(v) for i, v in enumerate(value)})
        if isinstance(value, dict) and 2 <= len(value) <= len(LETTERS):
            keys = sorted(str(k).strip("() ").upper() for k in value)
            if keys == list(LETTERS[: len(keys)]):
                return ChoiceReader("".join(keys), {str(k).strip("() ").upper(): str(v) for k, v in value.items()})
        return f"options must be a list of 2-10 option texts (or an object keyed A, B, ...), got {value!r:.80}"

    def _reference_letter(self, reader: ChoiceReader, sample: dict[str, Any], item: dict[str, Any]) -> str:
        """The reference as a letter of `reader`; raises ValueError saying what is wrong with it."""
        value = self.render_value(self.reference, sample, item)
        letter = reference_letter(value, self.index_base, reader.letters)
        if letter is not None:
            return letter
        if reader.by_text.get(_plain(value)):
            return reader.by_text[_plain(value)]
        hint = "; for integer answers (MMLU) set reference_index_base" if str(value).strip().isdigit() else ""
        raise ValueError(f"reference {value!r:.60} is not one of the letters {reader.letters}{hint}")

    def evaluate(self, sample: dict[str, Any], item: dict[str, Any]) -> GradeResult:
        reader = self._reader(sample, item)
        if isinstance(reader, str):
            return GradeResult.failure("invalid_reference", reader)
        try:
            reference = self._reference_letter(reader, sample, item)
        except ValueError as exc:
            return GradeResult.failure("invalid_reference", str(exc))
        text = self.render(self.input, sample, item)
        if self.answer_after and self.answer_after in text:
            text = text.rsplit(self.answer_after, 1)[1]
        verdict = reader.read(text, self.last_wins)
        details: dict[str, Any] = {"reference": reference, "stage": verdict.stage, "offered": verdict.offered}
        if verdict.status == "rejected":
            return GradeResult.failure("rejected", verdict.evidence, **details)
        if verdict.status == "no_answer":
            why = (f"ambiguous: letters {', '.join(verdict.offered)} restated, none stated as the answer"
                   if verdict.offered else "no answer letter found")
            return GradeResult.failure("no_answer", why, **details)
        if verdict.status == "withdrawn":
            return GradeResult(score=0.0, reason=f"the answer is taken back ({verdict.evidence[:60]!r})", details=details)
        if verdict.status == "shotgun":
            return GradeResult(score=0.0, reason=f"several answers offered ({', '.join(verdict.offered)}): "
                                                 f"{verdict.evidence[:80]!r}", details=details)
        details["answer"] = verdict.letter
        correct = verdict.letter == reference
        return GradeResult(score=float(correct), reason=f"answered {verdict.letter} ({verdict.stage}); reference "
                                                        f"{reference}", details=details)
