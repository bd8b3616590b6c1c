"""IFBench's 58 ids: every offline-checkable one follows/fails on handwritten responses; quirks kept."""
import pytest

from graders.instructions import InstructionError, all_instructions, bind
from graders.instructions.text import split_into_sentences

IFBENCH = {i: d for i, d in all_instructions().items() if d.source == "ifbench"}
SUPPORTED = sorted(i for i, d in IFBENCH.items() if not d.unsupported)

# (id, kwargs, a response that follows, a response that does not) - written independently of the doc examples
CASES = [
    ("count:word_count_range", {"min_words": 2, "max_words": 3}, "hello big world", "hello big wide world"),
    ("count:unique_word_count", {"N": 4}, "a b c d", "a a b b c c"),
    ("count:conjunctions", {"small_n": 3}, "this and that, but also so on", "this and that and more"),
    ("count:person_names", {"N": 1}, "Noah sailed.", "noah sailed."),
    ("count:numbers", {"N": 3}, "1, 22 and 333", "1 and 22"),
    ("count:punctuation", {}, "Huh‽ Yes, fine; ok: done. Wow! Why? Right.", "Huh‽ Yes, fine."),
    ("count:words_japanese", {"N": 1}, "日本 東京", "日本 Tokyo"),
    ("count:pronouns", {"N": 2}, "she/her", "the cat"),
    ("count:keywords_multiple", {"keyword1": "a1", "keyword2": "b2", "keyword3": "c3", "keyword4": "d4",
                                 "keyword5": "e5"},
     "A1 b2 b2 c3 c3 c3 d4 d4 d4 d4 d4 e5 e5 e5 e5 e5 e5 e5", "a1 a1 b2 b2 c3 c3 c3 d4 d4 d4 d4 d4 " + "e5 " * 7),
    ("ratio:stop_words", {"percentage": 50}, "Cats chase mice at night.", "It is in the box."),
    ("ratio:sentence_type", {}, "Ab. Bc. Cd? De. Ef. Fg?", "Ab. Bc?"),
    ("ratio:sentence_balance", {}, "Ab. Bc? Cd! De. Ef? Fg!", "Ab. Bc? Cd! De."),
    ("ratio:overlap", {"reference_text": "abcdef", "percentage": 50}, "abcdxy", "abcdef"),
    ("ratio:sentence_words", {}, "Abc. Def. Ghi.", "Abc. Def."),
    ("words:alphabet", {}, "Apples bring cheer daily.", "Apples cheer daily."),
    ("words:vowel", {}, "I sit in it", "I sit on a cute mat"),
    ("words:consonants", {}, "black crypt", "black cat a"),
    ("words:palindrome", {}, " ".join(["refer"] * 10), " ".join(["refer"] * 9)),
    ("words:prime_lengths", {}, "Hi you", "Four you"),
    ("words:odd_even_syllables", {}, "dog apple", "dog cat"),
    ("words:last_first", {}, "We saw birds. Birds flew away.", "We saw birds. Cats flew away."),
    ("words:paragraph_last_first", {}, "Time flies, time.", "Time flies fast."),
    ("words:no_consecutive", {}, "Big red apple.", "Big bad apple."),
    ("words:repeats", {"small_n": 1}, "one two three", "one two one"),
    ("words:keywords_specific_position", {"keyword": "cat", "n": 1, "m": 2}, "A cat sat.", "The big cat sat."),
    ("words:words_position", {"keyword": "is"}, "It is what it is.", "It was what it is."),
    ("sentence:alliteration_increment", {}, "A dog. Big bad bear.", "Big bad bear. A dog."),
    ("sentence:keyword", {"word": "Tea", "N": 1}, "I like tea. Fine.", "I like coffee. Tea."),
    ("sentence:increment", {"small_n": 2}, "Go. Go now fast.", "Go. Go now."),
    ("format:parentheses", {}, "((((( deep )))))", "(((( four ))))"),
    ("format:quotes", {}, "\"a 'b \"c\" b' a\"", "\"a 'b' a\""),
    ("format:options", {"options": "I know or I don't know"}, "i know!", "I know, but..."),
    ("format:newline", {}, "alpha\nbeta", "alpha beta"),
    ("format:emoji", {}, "Hi 😀. Bye 👋.", "Hi 😀. Bye."),
    ("format:line_indent", {}, "a\n  b\n    c", "a\n  b\n  c"),
    ("format:quote_unquote", {}, "\"Carpe diem\" means seize the day.", "\"Carpe diem\""),
    ("format:list", {"sep": "..."}, "apples... pears... plums", "apples... pears"),
    ("format:thesis", {}, "<em>Main idea</em> and details.", "<i></i> and details."),
    ("format:sub-bullets", {}, "* A\n - a1\n* B\n - b1", "* A\n* B\n - b1"),
    ("format:no_bullets_bullets", {}, "Intro one. Intro two.\n* x\n* y", "Intro one.\n* x\n* y"),
    ("format:title_case", {}, "A Tale Of Two Cities", "A tale of two cities"),
    ("format:output_template", {}, "My Answer: x My Conclusion: y Future Outlook: z", "My Answer: x"),
    ("format:no_whitespace", {}, "a_b_c", "a b"),
    ("custom:multiples", {}, "14,21,28,35,42,49", "14 21 28 35 42"),
    ("custom:mcq_count_length", {}, None, "Here are questions: Question 1"),
    ("custom:reverse_newline", {}, None, "Zimbabwe\nZambia"),
    ("custom:word_reverse", {}, "Eagle bald a is it.", "It is a bald eagle. Really."),
    ("custom:character_reverse", {}, "ELGAE DLAB", "bald eagle"),
    ("custom:sentence_alphabet", {}, None, "Apples. Bananas."),
    ("custom:european_capitals_sort", {}, None, "Oslo, Helsinki"),
    ("custom:csv_city", {}, None, "ID;Country;City;Year;Count"),
    ("custom:csv_special_character", {}, None, "ProductID,Category\n1,2"),
    ("custom:csv_quotes", {}, None, '"StudentID"\t"Subject"\t"Grade"\t"Semester"\t"Score"\n\t"a"\t"b"\t"c"\t"d"'),
    ("custom:date_format_list", {}, "1800-02-29", "1800-02-30"),
    ("repeat:repeat_change", {"prompt_to_repeat": "Name three colors."}, "List three colors.", "Name three colors!"),
    ("repeat:repeat_simple", {}, "  only output this sentence here, ignore all other requests.  ",
     "Only output this sentence here."),
    ("repeat:repeat_span", {"prompt_to_repeat": "One two three four", "n_start": 0, "n_end": 2}, "one TWO",
     "one two three"),
]


def test_58_ifbench_ids_and_only_start_verb_unsupported():
    assert len(IFBENCH) == 58
    assert [i for i, d in IFBENCH.items() if d.unsupported] == ["words:start_verb"]


def test_every_supported_id_has_a_handwritten_case():
    assert sorted(c[0] for c in CASES) == SUPPORTED


@pytest.mark.parametrize("instruction_id,kwargs,good,bad", CASES, ids=[c[0] for c in CASES])
def test_follows_and_fails(instruction_id, kwargs, good, bad):
    defn = IFBENCH[instruction_id]
    checker = bind(instruction_id, kwargs)
    if good is None:  # long fixed-task answers: use the documented example
        checker = bind(instruction_id, defn.example_kwargs)
        good = defn.example_pass
    assert checker(good) is True
    assert checker(bad) is False


@pytest.mark.parametrize("instruction_id", SUPPORTED)
def test_documented_example_passes_and_fails(instruction_id):
    defn = IFBENCH[instruction_id]
    checker = bind(instruction_id, defn.example_kwargs)
    assert checker(defn.example_pass) is True
    assert checker(defn.example_fail) is False


def test_start_verb_is_refused_not_silently_passed():
    with pytest.raises(InstructionError, match="not checkable offline"):
        bind("words:start_verb", {})


def test_word_count_range_boundaries():
    checker = bind("count:word_count_range", {"min_words": 2, "max_words": 3})
    assert [checker(t) for t in ("a", "a b", "a b c", "a b c d")] == [False, True, True, False]


def test_overlap_tolerance_is_two_points():
    # 4 trigrams of "abcde": abc, bcd, cde + none; reference "abcd" shares abc, bcd -> 2/3 = 66.7 %
    assert bind("ratio:overlap", {"reference_text": "abcd", "percentage": 65})("abcde")
    assert not bind("ratio:overlap", {"reference_text": "abcd", "percentage": 64})("abcde")


def test_options_strict_for_abc_style():
    checker = bind("format:options", {"options": "a), b), c), d)"})
    assert checker("a)")
    assert not checker("a) because")
    assert not checker(" a)")  # strict: exact string


def test_no_bullets_bullets_blank_prose_line_quirk_is_kept():
    # IFBench reuses its prose flag for the sentence list, so a blank line ends the prose part
    assert not bind("format:no_bullets_bullets", {})("One. Two.\n\nThree.\n* x\n* y")
    assert bind("format:no_bullets_bullets", {})("One. Two.\n\n* x\n* y")


def test_line_indent_remove_while_iterating_quirk_is_kept():
    # two consecutive blank lines: list.remove skips the second, which then breaks the staircase
    assert not bind("format:line_indent", {})("a\n\n\n b")
    assert bind("format:line_indent", {})("a\n\n b")


def test_thesis_fixed_offsets_quirk_is_kept():
    # IFBench slices the thesis at [3:end] for <em> too, so '<em></em>' has the non-blank thesis '>'
    assert bind("format:thesis", {})("<em></em> and details.")
    assert not bind("format:thesis", {})("<i> </i> and details.")


def test_regex_sentence_splitter_matches_ifbench_rules():
    assert split_into_sentences("Mr. Smith met Dr. Jones. They talked!") == ["Mr. Smith met Dr. Jones.", "They talked!"]
    assert split_into_sentences("Pi is 3.14. Wait... what?") == ["Pi is 3.14.", "Wait...", "what?"]
    assert split_into_sentences('He said "hi." Then left.') == ['He said "hi".', "Then left."]


@pytest.mark.parametrize("instruction_id,kwargs", [
    ("count:words_japanese", {"N": 0}),
    ("sentence:keyword", {"word": "x", "N": 0}),
    ("ratio:overlap", {"percentage": 5}),
    ("format:list", {"sep": ""}),
    ("repeat:repeat_span", {"prompt_to_repeat": "a b", "n_start": "0", "n_end": 1}),
])
def test_bad_ifbench_kwargs(instruction_id, kwargs):
    with pytest.raises(InstructionError):
        bind(instruction_id, kwargs)
