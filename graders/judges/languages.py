"""The answer gate's words in languages other than English, and the text normalisation that keeps signs.

The gate's lexicons (`graders.judges.answers`) are English-first. A policy must not get past them by switching
language or script: `答案是73。答案是72。` (two final answers), `Ответ: 73 или 72.` (a hedge), `Die Antwort ist
ungefähr 72.` (inexact), `答案是-72。` (a sign lost after CJK text). Each pattern here extends one English
lexicon; words that are also common English words (Dutch "of", French "ne", Spanish "no") are left out or
narrowed. Patterns for scripts written without spaces (CJK, kana, Hangul, Thai) have no word boundaries.
"""
from __future__ import annotations

import re
import unicodedata

# Scripts written without spaces between words: Thai, Hangul jamo, kana, CJK, Hangul syllables, CJK compatibility.
UNSPACED = "\u0e00-\u0e7f\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
# A letter or digit that glues to a number (`x72`, `72km`); a letter of an unspaced script does not (`答案是72。`).
GLUED = rf"[^\W{UNSPACED}]"

_SAME_LENGTH = {0x2212: "-", 0xFE63: "-", 0xFF0D: "-", 0x2012: "-", 0x3000: " ", 0x3002: ".", 0xFF61: ".",
                0x3001: ",", 0xFF64: ","}
_SAME_LENGTH.update({c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if c not in _SAME_LENGTH})


def same_length_ascii(text: str) -> str:
    """Fullwidth forms, CJK full stops and commas, minus look-alikes and non-ASCII decimal digits made ASCII, one
    character for one (offsets are kept): `答案是－７２。` reads as `答案是-72.`, `−72` as `-72`."""
    text = text.translate(_SAME_LENGTH)
    if not text.isascii():
        text = re.sub(r"[^\x00-\x7f]", lambda m: str(unicodedata.decimal(m.group(0), "")) or m.group(0), text)
    return text


def _words(latin: str, unspaced: str = "") -> str:
    """A regex alternative: `latin` words need word boundaries, `unspaced` ones (CJK, kana, Hangul) can't."""
    out = rf"(?<![\w'])(?:{latin})(?![\w'])"
    return out + (f"|(?:{unspaced})" if unspaced else "")


# "the answer is" / "Answer:" (the English forms are in the gates' own marker patterns)
ANSWER_MARKER = (
    r"(?<![\w])(?:ответ\s*(?:[:=—]|-(?=\s)|равен|будет|—)|(?:respuesta|r[ée]ponse|risposta|resposta)"
    r"(?:\s+finale?)?\s*(?:[:=]|es\b|est\b|è|é|sar[àá]\b|será\b)|antwort\s*(?:[:=]|ist\b|lautet\b)|"
    r"antwoord\s*(?:[:=]|is\b)|odpowied[źz]\s*(?:[:=]|to\b|brzmi\b|wynosi\b)|(?:cevap|yan[ıi]t)\s*[:=]|"
    r"jawaban(?:nya)?\s*(?:[:=]|adalah\b|ialah\b)|đáp\s+án\s*(?:[:=]|là\b)|"
    r"(?:الجواب|الإجابة)\s*(?:[:=]|هو|هي))\s*:?\s*|"
    r"(?:最终|最終|最后|最後)?答案\s*(?:应该是|應該是|应为|應為|是|为|為|[:：=])\s*|(?<![回解])答\s*[:：]\s*|"
    r"(?:答え|解答|正解)\s*(?:は|[:：=])\s*|(?:최종\s*)?(?:정답|(?<![가-힣])답)\s*(?:은|는|[:：=])\s*"
)
# two values offered: or, and/or
OR_WORDS = _words(
    r"ou|oder|oppure|или|либо|або|lub|albo|veya|yahut|atau|hoặc|(?-i:o)|y/o|et/ou|und/oder|e/o|e/ou|и/или|i/lub",
    r"或者|或是|或|还是|還是|または|又は|もしくは|あるいは|或いは|또는|혹은|หรือ") + r"|(?<!\S)(?:या|أو)(?!\S)"
OR_BETWEEN_VALUES = r"^\s*か\s*$"          # Japanese `72か73`: only directly between two values
# a sentence that opens with another offer ("Или 73.", "也许是73。")
ALT_OPENERS = _words(
    r"(?-i:o)|ou|oder|oppure|или|либо|lub|albo|veya|atau|vielleicht|peut-[êe]tre|quiz[áa]s?|tal\s+vez|forse|talvez|"
    r"может\s+быть|возможно|może|belki|mungkin",
    r"或者|或是|或|还是|還是|也许|也許|或许|或許|可能|または|もしくは|あるいは|たぶん|多分|또는|혹은|아마")
# uncertain or inexact ("vielleicht 72", "约72", "72左右")
UNCERTAIN = _words(
    r"vielleicht|wahrscheinlich|ungef[äa]hr|etwa|peut-[êe]tre|environ|probablement|à\s+peu\s+près|"
    r"quiz[áa]s?|tal\s+vez|probablemente|aproximadamente|alrededor\s+de|forse|probabilmente|circa|talvez|"
    r"provavelmente|cerca\s+de|может\s+быть|возможно|наверное|вероятно|примерно|около|приблизительно|może|"
    r"prawdopodobnie|około|belki|yaklaşık|mungkin|sekitar|kira-kira|có\s+thể|khoảng",
    r"也许|也許|或许|或許|可能|大概|大约|大約|约|約|左右|差不多|估计|估計|多分|たぶん|おそらく|恐らく|かもしれ|"
    r"くらい|ぐらい|程度|およそ|아마|대략|정도")
# negations before a value ("nicht 72", "不是72")
NEGATIONS = _words(
    r"nicht|kein|keine|keinen|pas|non\s+(?:è|e|sono|era|est)|не|нет|não|nao|nie|değil|bukan|tidak|không",
    r"不是|并不是|並不是|并非|並非|不等于|不等於|不对|不對|ではない|ではなく|じゃない|ではありません|違う|아니|아닌")
# judging an answer wrong or taking it back ("72. Falsch.", "72。不对。")
JUDGMENTS = _words(
    r"falsch|faux|fausse|incorrect[oa]|err[oó]ne[oa]|equivocad[oa]|sbagliat[oa]|errad[oa]|неверн\w*|"
    r"неправильн\w*|ошиб\w*|bł[ęe]dn\w*|yanlış|warte|espera|aspetta|подожди",
    r"不对|不對|(?<![没沒])错了|(?<![没沒])錯了|错误|錯誤|算了|等等|等一下|不正确|不正確|間違|違います|待って|"
    r"틀렸|틀린|잠깐")
# "I don't know" (matched on folded text: lower case, no accents)
REFUSALS = (
    r"不知道|不清楚|无法确定|無法確定|无法判断|無法判斷|わかりません|分かりません|わからない|分からない|모르겠|"
    r"\bне\s+знаю\b|\bno\s+lo\s+se\b|\bje\s+ne\s+sais\s+pas\b|\bich\s+wei(?:ß|ss)\s+(?:es\s+)?nicht\b|"
    r"\bnon\s+lo\s+so\b|\bnao\s+sei\b|\bnie\s+wiem\b|\bbilmiyorum\b|\btidak\s+tahu\b"
)
# pointing at the grader's answer (folded text)
POINTERS = (
    r"参考答案|标准答案|標準答案|参考解答|模范答案|模範答案|模範解答|正解例|모범\s*답안|정답지|"
    r"\brespuesta\s+(?:de\s+referencia|esperada|oficial)\b|\breponse\s+(?:de\s+reference|attendue|officielle)\b|"
    r"\breferenzantwort\b|\berwartete\w*\s+antwort\b|\bmusterlosung\b|\bэталонн\w*\s+ответ|\bожидаем\w*\s+ответ|"
    r"\brisposta\s+(?:di\s+riferimento|attesa)\b|\bresposta\s+(?:de\s+referencia|esperada)\b|\bgabarito\b"
)
# questions that ask rather than guess ("Сколько?", "多少？"): not a guessed value. German "was" and Italian
# "come" are English words ("Was it 72?" guesses), so they are not here.
WH_OPENERS = r"что|сколько|какой|какая|каков\w*|qu[ée]|cu[áa]nt[oa]s?|c[óo]mo|quel(?:le)?s?|combien|welche[rsmn]?|quanto|quale"
WH_UNSPACED = r"什么|什麼|多少|几|幾|哪|谁|誰|何|いくつ|いくら|どれ|무엇|몇|얼마"
