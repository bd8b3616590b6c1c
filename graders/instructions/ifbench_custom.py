"""IFBench `custom:*` (fixed-task checks) and `repeat:*` constraints (allenai/IFBench semantics)."""
from __future__ import annotations

import csv
import io
import re
import unicodedata

from graders.instructions.registry import Param, instruction
from graders.instructions.scan import quoted_special_field, split_mcq_questions
from graders.instructions.text import STRIP_CHARS, remove_punctuation, split_into_sentences

_S = "ifbench"
_MULTIPLES = [str(i) for i in range(14, 51, 7)]
_CAPITALS_ORDER = [
    "Reykjavik", "Helsinki", "Oslo", "Tallinn", "Stockholm", "Riga", "Moscow", "Copenhagen", "Vilnius", "Minsk",
    "Dublin", "Berlin", "Amsterdam", "Warsaw", "London", "Brussels", "Prague", "Luxembourg", "Paris", "Vienna",
    "Bratislava", "Budapest", "Vaduz", "Chisinau", "Bern", "Ljubljana", "Zagreb",
]
_AFRICA = [
    "Algeria", "Angola", "Benin", "Botswana", "Burkina Faso", "Burundi", "Cabo Verde", "Cameroon",
    "Central African Republic", "Chad", "Comoros", "Congo", "Democratic Republic of the Congo", "Djibouti",
    "Egypt", "Equatorial Guinea", "Eritrea", "Eswatini", "Ethiopia", "Gabon", "Gambia", "Ghana", "Guinea",
    "Guinea-Bissau", "Ivory Coast", "Kenya", "Lesotho", "Liberia", "Libya", "Madagascar", "Malawi", "Mali",
    "Mauritania", "Mauritius", "Morocco", "Mozambique", "Namibia", "Niger", "Nigeria", "Rwanda",
    "Sao Tome and Principe", "Senegal", "Seychelles", "Sierra Leone", "Somalia", "South Africa", "South Sudan",
    "Sudan", "Tanzania", "Togo", "Tunisia", "Uganda", "Zambia", "Zimbabwe",
]
_SIMPLE_REPEAT = "Only output this sentence here, ignore all other requests."
_SPECIAL_HEADER = re.compile(r'^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),'
                             r'[ \t]*(Price|"Price"),[ \t]*(Stock|"Stock")$')
_QUOTES_HEADER = re.compile(r'^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")\t *'
                            r'(Semester|"Semester")\t *(Score|"Score")$')
_MCQ_OPTION = re.compile(r"^[A-Ea-e][\.|\)]\s*\w+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _csv_rows(text: str, delimiter: str = ",") -> list[list[str]] | None:
    """`list(csv.reader(...))`, or None where the reference crashes (a field over csv's 131,072-character
    limit, a NUL byte): not followed."""
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        return None


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ASCII", "ignore").decode("ASCII")


def _mcq_example(lengths: tuple[int, ...]) -> str:
    blocks = []
    for n, size in enumerate(lengths, 1):
        options = "\n".join(f"{c}) option {c}" for c in "ABCDE")
        blocks.append(f"Question {n}: {'x' * size}?\n{options}")
    return "\n".join(blocks)


@instruction(
    "custom:multiples", source=_S,
    rule="the digit runs of the response (after ',' -> ', ') are exactly 14, 21, 28, 35, 42, 49",
    example=({}, "14, 21, 28, 35, 42, 49", "7, 14, 21, 28, 35, 42, 49"))
def multiples(text: str) -> bool:
    return re.findall(r"\d+", text.replace(",", ", ")) == _MULTIPLES


@instruction(
    "custom:mcq_count_length", source=_S,
    rule="starts with 'Question'; exactly 4 'Question N' blocks, each with 5 options 'A.'..'E.' (or 'A)'), and "
         "question texts strictly increasing in length",
    example=({}, _mcq_example((5, 10, 15, 20)), _mcq_example((20, 15, 10, 5))))
def mcq_count_length(text: str) -> bool:
    if text[text.find("Question"):] != text:
        return False
    questions = split_mcq_questions(text)
    if questions[0] == "":
        questions = questions[1:]
    questions = [q.strip() for q in questions if q.strip()]
    if len(questions) != 4:
        return False
    lengths = []
    for question in questions:
        question_text = ""
        option_count = 0
        done = False
        for line in question.split("\n"):
            if _MCQ_OPTION.match(line.strip()):
                option_count += 1
                done = True
            elif not done:
                question_text += " " + line.strip()
        if option_count != 5:
            return False
        lengths.append(len(question_text.strip()))
    return all(lengths[i] < lengths[i + 1] for i in range(len(lengths) - 1))


@instruction(
    "custom:reverse_newline", source=_S,
    rule="from the first line containing 'Zimbabwe', at least 52 non-empty lines (outer punctuation stripped), "
         "in reverse alphabetical order after NFKD-to-ASCII",
    example=({}, "\n".join(sorted(_AFRICA, reverse=True)), "\n".join(sorted(_AFRICA))))
def reverse_newline(text: str) -> bool:
    lines = [line.strip(STRIP_CHARS) for line in text.split("\n") if line.strip(STRIP_CHARS)]
    start = next((i for i, line in enumerate(lines) if "Zimbabwe" in line), None)
    if start is None or len(lines) - start < 52:
        return False
    normalised = [_ascii(line) for line in lines[start:]]
    return normalised == sorted(normalised, reverse=True)


@instruction(
    "custom:word_reverse", source=_S,
    rule="lowercased, punctuation removed, words reversed: contains 'bald eagle' and is a single (IFBench regex) "
         "sentence",
    example=({}, "eagle bald the saw I", "I saw the bald eagle"))
def word_reverse(text: str) -> bool:
    text = remove_punctuation(text.lower().strip())
    text = " ".join(text.split()[::-1])
    return "bald eagle" in text and text in split_into_sentences(text)


@instruction(
    "custom:character_reverse", source=_S,
    rule="the lowercased response contains 'elgae dlab' ('bald eagle' reversed character by character)",
    example=({}, "elgae dlab a was ti", "it was a bald eagle"))
def character_reverse(text: str) -> bool:
    return "elgae dlab" in text.lower()


@instruction(
    "custom:sentence_alphabet", source=_S,
    rule="exactly 26 (IFBench regex) sentences whose first words start with a, b, c, ... z in order",
    example=({}, " ".join(f"{chr(97 + i)}x is here." for i in range(26)),
             " ".join(f"{chr(97 + i)}x is here." for i in range(25))))
def sentence_alphabet(text: str) -> bool:
    sentences = split_into_sentences(text)
    if len(sentences) != 26:
        return False
    for i, sentence in enumerate(sentences):
        words = sentence.lstrip().split()
        if not words or words[0].lower()[0] != chr(97 + i):
            return False
    return True


@instruction(
    "custom:european_capitals_sort", source=_S,
    rule="comma-separated list equal to IFBench's 27 capitals north-to-south (Reykjavik, Helsinki, ..., Zagreb), "
         "after NFKD-to-ASCII",
    example=({}, ", ".join(_CAPITALS_ORDER), ", ".join(reversed(_CAPITALS_ORDER))))
def european_capitals_sort(text: str) -> bool:
    capitals = [c for c in _ascii(text).split(",") if c.strip()]
    return len(capitals) == len(_CAPITALS_ORDER) and all(
        c.strip() == want for c, want in zip(capitals, _CAPITALS_ORDER))


@instruction(
    "custom:csv_city", source=_S,
    rule="parses as CSV with 8 rows: header ID,Country,City,Year,Count and 7 rows of 5 fields",
    example=({}, "ID,Country,City,Year,Count\n" + "\n".join(f"{i},X,Y,2020,{i}" for i in range(1, 8)),
             "ID,Country,City,Year,Count\n1,X,Y,2020,1"))
def csv_city(text: str) -> bool:
    rows = _csv_rows(text)
    if rows is None:
        return False
    if len(rows) != 8 or rows[0] != ["ID", "Country", "City", "Year", "Count"]:
        return False
    return all(len(row) == 5 for row in rows[1:])


@instruction(
    "custom:csv_special_character", source=_S,
    rule="header ProductID,Category,Brand,Price,Stock; 15 CSV rows (after '\"' -> '\"\"\"'), 5 fields each, and "
         "some field is quoted and holds a special character",
    example=({}, "ProductID,Category,Brand,Price,Stock\n" + "\n".join(
        f'{i},"Tools & More",B,9,{i}' for i in range(1, 15)),
        "ProductID,Category,Brand,Price,Stock\n" + "\n".join(f"{i},Tools,B,9,{i}" for i in range(1, 15))))
def csv_special_character(text: str) -> bool:
    if not _SPECIAL_HEADER.match(text.split("\n")[0].strip()):
        return False
    rows = _csv_rows(text.replace('"', '"""'))
    if rows is None:
        return False
    if len(rows) != 15:
        return False
    for row in rows[1:]:
        if len(row) != 5:
            return False
        if any(quoted_special_field(field) for field in row):
            return True
    return False


@instruction(
    "custom:csv_quotes", source=_S,
    rule="tab-separated: header StudentID, Subject, Grade, Semester, Score; 4 rows of 5 fields, every field "
         "wrapped in double quotes",
    example=({}, "\n".join("\t".join(f'"{w}"' for w in ("StudentID", "Subject", "Grade", "Semester", "Score"))
                           if r == 0 else "\t".join(f'"v{r}{c}"' for c in range(5)) for r in range(4)),
             "StudentID\tSubject\tGrade\tSemester\tScore\n1\tMath\tA\t1\t90"))
def csv_quotes(text: str) -> bool:
    if not _QUOTES_HEADER.match(text.split("\n")[0].strip()):
        return False
    rows = _csv_rows(text.replace('"', '"""'), delimiter="\t")
    if rows is None:
        return False
    if len(rows) != 4:
        return False
    for row in rows:
        if len(row) != 5:
            return False
        # the reference indexes field.strip()[0] and crashes on an empty field; we call that not followed
        if not all(f.strip() and f.strip()[0] == '"' and f.strip()[-1] == '"' for f in row):
            return False
    return True


@instruction(
    "custom:date_format_list", source=_S,
    rule="comma-separated YYYY-MM-DD dates with year 1769..1821, month <= 12 and day within the month (Feb <= 29)",
    example=({}, "1769-08-15, 1821-05-05", "1769-08-15, 1822-01-01"))
def date_format_list(text: str) -> bool:
    for date in text.strip().split(","):
        date = date.strip()
        if not _ISO_DATE.match(date):
            return False
        year, month, day = (int(part) for part in date.split("-"))
        if year < 1769 or year > 1821 or month > 12:
            return False
        if (month in (1, 3, 5, 7, 8, 10, 12) and day > 31) or (month in (4, 6, 9, 11) and day > 30):
            return False
        if month == 2 and day > 29:
            return False
    return True


@instruction(
    "repeat:repeat_change", source=_S, params=(Param("prompt_to_repeat", "str"),),
    rule="not identical to prompt_to_repeat, but equal to it after dropping the first whitespace word of each "
         "(whitespace normalised)",
    example=({"prompt_to_repeat": "Tell me a joke about cats."}, "Share me a joke about cats.",
             "Tell me a joke about cats."))
def repeat_change(text: str, *, prompt_to_repeat: str) -> bool:
    if prompt_to_repeat == text:
        return False
    return " ".join(prompt_to_repeat.split()[1:]) == " ".join(text.split()[1:])


@instruction(
    "repeat:repeat_simple", source=_S,
    rule="the response, stripped and lowercased, is exactly 'only output this sentence here, ignore all other "
         "requests.'",
    example=({}, "Only output this sentence here, ignore all other requests.", "Sure! Here is the sentence."))
def repeat_simple(text: str) -> bool:
    return text.strip().lower() == _SIMPLE_REPEAT.lower()


@instruction(
    "repeat:repeat_span", source=_S,
    params=(Param("prompt_to_repeat", "str"), Param("n_start", "int"), Param("n_end", "int")),
    rule="the response's lowercased whitespace words equal words[n_start:n_end] of prompt_to_repeat (IFBench "
         "describes character indices but checks a word slice; we keep the check)",
    example=({"prompt_to_repeat": "The quick brown fox jumps", "n_start": 1, "n_end": 3}, "quick brown",
             "quick brown fox"))
def repeat_span(text: str, *, prompt_to_repeat: str, n_start: int, n_end: int) -> bool:
    return text.strip().lower().split() == prompt_to_repeat.strip().lower().split()[n_start:n_end]
