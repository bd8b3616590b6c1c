"""Deterministic defences that run before a judge model sees a candidate.

A small judge is easy to fool: a lone ":" or "Solution" makes many judges answer YES
(`judge_ifeval.md`, Part A). `screen()` decides, without any model, whether a candidate is
worth asking about, and returns the neutralised text the judge prompt will quote:

* pre-gates -> `rejected`: empty / whitespace / punctuation or markup only, shorter than `min_chars`,
  a bare opener ("Solution", "Thought process:", "解", ...), a plan with no content ("Let's solve this
  step by step."), a sentence that stops before its answer ("Therefore, the answer is"), a repetition
  loop, an echo of the question, text addressed to the grader (prompt injection, chat-template tokens,
  imitation of the prompt delimiters, role play: "As the grader, ..."), a candidate that is only a verdict
  ("YES", "Final Decision: Yes").
* the reference itself (`same_text`: "Yes" for "Yes", `\\boxed{72}` for 72) skips the gates; signs, operators
  and symbols count, so `-72`, `72!` or `\\boxed{-72}` go through every gate.
* neutralisation: verdict-format fragments inside a longer answer are cut out, invisible characters and
  chat special tokens removed, overlong candidates keep their tail (where the final answer is).
* answer gate (`graders.judges.answers`, any reference): refusals -> `no_answer`; pointing at the reference,
  hedges, shotgun lists, guesses, negated or retracted answers -> `rejected`; a final answer that differs from
  the reference (math, option letter or short name) -> score 0 (`ok`, decided by rule).
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from graders.judges.answers import answer_gate, classify_reference

# Strings the judge prompt uses as delimiters; a candidate must never contain them.
DELIMITER_WORDS = ("CANDIDATE", "REFERENCE", "QUESTION", "CRITERIA")

_INVISIBLE = re.compile("[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\u00ad]")
_CHAT_TOKENS = re.compile(
    r"<\|[^|<>\n]{1,40}\|>|<\/?s>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:system|user|assistant|im_start|im_end)>",
    re.IGNORECASE,
)
_DELIMITER_IMITATION = re.compile(
    r"<{2,}\s*/?[A-Za-z_][A-Za-z_ ']{1,40}>{2,}|</?\s*(?:candidate|reference|question|criteria)\s*>|"
    r"<[^<>\n]{0,40}\b(?:begin|end|start)\b[^<>\n]{0,10}>|"
    r"^\s*#{2,}\s*(?:instruction|response|system|question|reference|ground truth|student answer|candidate|output)\b",
    re.IGNORECASE | re.MULTILINE,
)
_INJECTION = re.compile(
    "|".join(
        [
            r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,30}"
            r"\b(?:instructions?|prompts?|rules|messages?|directions)\b",
            r"\b(?:new|updated|real|actual)\s+instructions?\b",
            r"\[\s*(?:system|admin|developer|assistant|grader|judge)\s*\]",
            r"^\s*(?:system|developer|assistant)\s*:",
            r"\bnote\s+to\s+(?:the\s+)?(?:grader|judge|evaluator|reviewer|verifier|marker)\b",
            r"\b(?:dear|attention|hey)\s+(?:grader|judge|evaluator|reviewer|verifier)\b",
            r"\b(?:grader|judge|evaluator|verifier)s?\s*(?::|,\s*(?:please|you|output|answer|say|mark))",
            r"\b(?:output|respond|reply|say|print|return|mark\s+(?:this|it|the\s+answer)\s+as)\s*(?:with\s*)?[:=]?\s*"
            r"[\"'`]?(?:yes|true|correct|pass)[\"'`]?\s*(?:[.!]|$)",
            r"\bhas\s+been\s+(?:verified|confirmed|checked|graded|marked)\b",
            r"\breference\s+(?:answer\s+)?(?:is|was)\s+(?:wrong|incorrect|mistaken|outdated)\b",
            r"\byou\s+(?:are|must|should|will)\s+(?:now\s+)?(?:a|an|the|output|answer|respond|say|grade|mark|give)\b",
            r"\b(?:give|award|assign)\s+(?:this|me|it)\s+(?:a\s+)?(?:full|maximum|max|perfect|high)\b",
            r"\bjudg(?:e|ing|ment)\s+(?:the\s+)?correctness\b",
            r"\bthe\s+(?:candidate|student|response)(?:'s\s+answer)?\s+is\s+(?:correct|right|valid|equivalent)\b",
            # role play: the candidate as the grader or an authority, games that fix the verdict
            r"\bas\s+(?:the|your|a|an)\s+(?:grader|judge|evaluator|examiner|marker|reviewer|verifier)\b",
            r"\b(?:checked|verified|confirmed|graded)\s+(?:this|the|my)\s+(?:answer|solution|response)\s+and\s+"
            r"(?:it|this)\s+is\s+(?:correct|right)\b",
            r"\blet'?s\s+play\s+a\s+game\b|\b(?:i\s+can\s+)?assure\s+you\b",
        ]
    ),
    re.IGNORECASE | re.MULTILINE,
)
# Verdict formats of common judge prompts (judge_ifeval.md A2); cut out of longer answers.
_VERDICT_FRAGMENT = re.compile(
    "|".join(
        [
            r"\bfinal\s+(?:decision|judg(?:e)?ment|verdict|grade|score)\s*[:=]\s*\S*",
            r"\b(?:verdict|judg(?:e)?ment|decision|result|label|output|conclusion)\s*[:=]\s*[\"'\[]?"
            r"(?:yes|no|true|false|correct|incorrect|pass|fail|[A-C])\b[\"'\]]?",
            r"\b(?:rating|score|grade)\s*[:=]\s*[\"']?\d+(?:\.\d+)?(?:\s*/\s*\d+)?[\"']?",
            r"\"result\"\s*:\s*\S*",
            r"\\boxed\{\s*[A-C]\s*\}",
            r"\[\s*(?:in)?correct\s*\]",
            r"=+\s*report\s+over\s*=+",
            r"\bequivalence\s+judg(?:e)?ment\b[^\n]*",
        ]
    ),
    re.IGNORECASE,
)
_VERDICT_LINE = re.compile(
    r"^[\W_]*(?:yes|no|true|false|correct|incorrect|right|wrong|valid|invalid|pass|fail|passed|failed|"
    r"[A-C]|(?:is\s+)?equivalent|not\s+equivalent|match|matches)[\W_]*$",
    re.IGNORECASE | re.MULTILINE,
)
_MARKUP = re.compile(r"\\[A-Za-z]+|[*_`$#>{}\[\]()|~=^\\/\-\u2014\u2013]+")

_OPENER_WORDS = (
    "solution", "solutions", "the solution", "solution process", "my solution", "answer", "the answer", "final answer",
    "the final answer", "my answer", "answers", "thought process", "the thought process", "my thought process",
    "mental process", "thought experiment", "reasoning", "explanation", "working", "work", "steps", "step", "proof",
    "calculation", "response", "result", "output", "analysis", "respuesta", "solución", "solucion", "réponse",
    "reponse", "lösung", "losung", "antwort", "ответ", "решение", "soluzione", "risposta", "resposta", "solução",
    "solucao", "解", "解答", "答案", "答", "解析", "回答", "かいせつ", "解説", "解答例", "こたえ", "答え", "정답", "풀이", "해설",
    "réponse finale", "respuesta final", "antwoord", "oplossing", "rozwiązanie", "odpowiedź", "cevap", "çözüm",
    "the answer is", "answer is", "the final answer is", "so the answer is", "therefore the answer is",
    "thus the answer is", "hence the answer is", "therefore", "so", "thus", "hence", "first", "step 1",
)
# A plan with no content ("Let's solve this step by step."): always a non-answer.
_PLAN = re.compile(
    r"step[\s-]*by[\s-]*step|follow(?:ing)?\s+(?:these|the)\s+steps|thought\s+process|here'?s\s+(?:my|how)\b|"
    r"\blet'?s\s+(?:solve|start|begin|break|think|work|figure|find|calculate|compute|tackle|approach|do\s+this)\b|"
    r"\blet\s+(?:me|us)\s+(?:solve|start|begin|break|think|work|figure|find|calculate|compute|tackle|approach)\b|"
    r"\bi'?ll\s+(?:solve|start|begin|work|break|walk)\b|"
    r"\bto\s+(?:solve|answer)\s+(?:this|the)\s+(?:problem|question|equation|task)\b",
    re.IGNORECASE,
)
# Openings that only announce work ("To find X, we start by ..."): a non-answer when a reference is expected.
_PLAN_OPENING = re.compile(
    r"\bwe\s+(?:start|begin|need|first|will\s+(?:first|start|begin|need))\b|\bfirst(?:ly)?,|"
    r"^\s*to\s+(?:find|determine|calculate|compute|figure\s+out|work\s+out|get)\b",
    re.IGNORECASE,
)
_DANGLING = re.compile(
    r"(?:[:：=]|\b(?:is|are|equals?|be|was|would\s+be|answer|result|gives?|get|of|to|the|a|an))\s*[\W_]*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")


@dataclass(frozen=True)
class HardeningConfig:
    """Switches for `screen()`; every defence is on by default."""

    enabled: bool = True
    min_chars: int = 1            # minimum letters/digits in the candidate
    max_chars: int = 4000         # longer candidates keep only their last `max_chars` characters
    answer_gate: bool = True      # numeric reference: rule-check the final number before asking the model
    reject_injection: bool = True  # False: neutralise (strip) injections instead of rejecting

    @classmethod
    def from_spec(cls, value: object) -> HardeningConfig:
        """`hardening` spec field: true/false/omitted, or an object with these field names."""
        if value is None or value is True:
            return cls()
        if value is False:
            return cls(enabled=False)
        return cls(**dict(value))  # type: ignore[arg-type]


@dataclass
class Screened:
    """What `screen()` decided: `verdict` is None when the judge model must decide."""

    text: str
    verdict: str | None = None       # None | "rejected" | "no_answer" | "mismatch"
    reason: str = ""
    flags: list[str] = field(default_factory=list)
    rule: str = ""                   # the gate rule that decided, or "model" when the answer gate passed
    final_answer: str | None = None  # the candidate's final answer as the answer gate read it


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))


def content_chars(text: str) -> int:
    """Letters and digits in `text` (markup, punctuation and spaces don't count)."""
    return sum(1 for ch in text if unicodedata.category(ch)[0] in "LN")


def _plain(text: str) -> str:
    """Lowercased words only, for matching openers."""
    text = _MARKUP.sub(" ", _fold(text)).lower()
    text = "".join(ch if unicodedata.category(ch)[0] in "LN" or ch in " '" else " " for ch in text)
    return " ".join(text.replace("'", "'").split())


_WRAPPER = re.compile(r"^(?:\\(?:boxed|fbox|text|mathrm|textbf)\s*\{(?P<a>.*)\}|\$+(?P<b>.*?)\$+|\*\*(?P<c>.*)\*\*|"
                      r"####\s*(?P<d>.*)|\\\((?P<e>.*)\\\)|\\\[(?P<f>.*)\\\])$", re.DOTALL)


def _written_as(text: str) -> str:
    """The text with spacing, invisible characters, a final period and wrapping markup (`\\boxed{}`, `$..$`,
    `**..**`, `#### `) removed; signs, operators and symbols kept."""
    text = " ".join(_fold(text).replace("\u2212", "-").split())
    for _ in range(4):
        text = text[:-1].rstrip() if text.endswith(".") and not text.endswith("..") else text
        m = _WRAPPER.match(text)
        if not m:
            break
        text = next(g for g in m.groups() if g is not None).strip()
    return text


def same_text(candidate: str, reference: str) -> bool:
    """The candidate is the reference as written, so no gate may stand in its way ("Yes", "A" and "No" are
    fine answers when the reference says so). A reference with digits or math is compared written as is
    (`_written_as`: `-72`, `72!`, `\\boxed{-72}` are not `72`); a word reference by its words (`(C)`, `Yes!`),
    unless the candidate asks or signs it (`Paris?`, `-(B)`)."""
    ref = classify_reference(reference)
    if ref.kind != "math" and not any(ch.isdigit() for ch in reference):
        words = _plain(candidate)
        return bool(words) and words == _plain(reference) and not re.search(r"[?+*/^=<>~±-]", candidate)
    key = _written_as(candidate)
    return bool(key) and key == _written_as(reference)


def neutralise(text: str) -> tuple[str, list[str]]:
    """Strip invisible characters, chat tokens, delimiter words and verdict fragments; keep the rest."""
    flags: list[str] = []
    out = _INVISIBLE.sub("", text)
    for pattern, flag in ((_CHAT_TOKENS, "chat_tokens"), (_DELIMITER_IMITATION, "delimiter_imitation"),
                          (_VERDICT_FRAGMENT, "verdict_fragment"), (_VERDICT_LINE, "verdict_line")):
        new = pattern.sub(" ", out)
        if new != out:
            flags.append(flag)
            out = new
    for word in DELIMITER_WORDS:  # the prompt's own delimiter tags, e.g. </CANDIDATE>
        out = re.sub(rf"</?\s*{word}\s*>", " ", out, flags=re.IGNORECASE)
    return re.sub(r"[ \t]+", " ", out).strip(), flags


def _reject(text: str, reason: str, flags: list[str]) -> Screened:
    return Screened(text=text, verdict="rejected", reason=reason, flags=flags)


def _content_gates(text: str, config: HardeningConfig, flags: list[str], reference: str | None) -> Screened | None:
    """Gates on the (neutralised) text itself. A text that states a number or names a word reference is not a
    bare plan or a cut-off sentence ("... step by step. Therefore, the final answer is Paris."): the answer gate
    reads it."""
    n_content = content_chars(_MARKUP.sub(" ", _fold(text)))
    if n_content == 0:
        return _reject(text, "empty, whitespace, punctuation or markup only", flags)
    if n_content < config.min_chars:
        return _reject(text, f"shorter than the minimum of {config.min_chars} letters/digits", flags)
    plain = _plain(text)
    if plain in _OPENER_WORDS:
        return _reject(text, f"a bare opener ({plain!r}) with no answer", flags)
    sentences = [s for s in _SENTENCE_END.split(_fold(text).strip()) if content_chars(s)]
    named = _plain(reference) if reference is not None else ""
    has_digit = any(ch.isdigit() for ch in text) or bool(named) and f" {named} " in f" {plain} "
    announces = _PLAN.search(text) or (reference is not None and _PLAN_OPENING.search(text))
    if not has_digit and len(sentences) <= 2 and announces:
        return _reject(text, "only announces a plan or method; no answer given", flags)
    if len(sentences) <= 2 and not has_digit and _DANGLING.search(_fold(text)[-200:]):
        return _reject(text, "stops before giving an answer", flags)
    words = plain.split()
    if len(words) >= 30:
        ratio = len(text.encode()) / max(1, len(zlib.compress(text.encode())))
        if len(set(words)) / len(words) < 0.15 or ratio > 12:
            return _reject(text, "degenerate repetition", flags)
    return None


def screen(candidate: str, config: HardeningConfig = HardeningConfig(), reference: str | None = None,
           question: str | None = None) -> Screened:
    """Run every pre-judge defence on `candidate`; see the module docstring."""
    if not config.enabled:
        return Screened(text=candidate)
    flags: list[str] = []
    raw = _INVISIBLE.sub("", candidate)
    if len(raw) > config.max_chars:  # first, so every check below runs on bounded text
        raw = "…" + raw[-config.max_chars:]
        flags.append("truncated")
    if reference is not None and same_text(raw, reference):  # "Yes" / "A" are fine answers when the reference says so
        return Screened(text=raw.strip(), flags=["matches_reference"])
    gate = _content_gates(raw, config, flags, reference)
    if gate is not None:
        return gate
    injection = _INJECTION.search(raw) or _DELIMITER_IMITATION.search(raw) or _CHAT_TOKENS.search(raw)
    if injection:
        flags.append("injection")
        if config.reject_injection:
            return _reject(raw, f"addresses the grader or imitates the prompt: {injection.group(0).strip()[:60]!r}",
                           flags)
        raw = _INJECTION.sub(" ", raw)
    text, more = neutralise(raw)
    flags.extend(more)
    if more:
        gate = _content_gates(text, config, flags, reference)
        if gate is not None:
            gate.reason = "only a verdict or judge-format text: " + gate.reason
            return gate
    if question and len(_plain(text)) >= 12:
        q, c = _plain(question), _plain(text)
        if fuzz.ratio(q, c) >= 85 or (len(c) >= 20 and c in q):
            return _reject(text, "repeats the question", flags)
    if config.answer_gate and reference is not None:
        gate = answer_gate(text, reference)
        if gate.verdict is not None:
            return Screened(text=text, verdict=gate.verdict, reason=f"decided by gate ({gate.rule}): {gate.reason}",
                            flags=flags, rule=gate.rule, final_answer=gate.final)
        return Screened(text=text, flags=flags, reason=gate.reason, rule="model", final_answer=gate.final)
    return Screened(text=text, flags=flags, rule="model",
                    reason="no reference: the content gates passed; decided by model")
