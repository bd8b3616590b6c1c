"""JSON Lines input (graders.jsonl): every problem names the file and the line, blank lines are skipped."""
import pytest

from graders.jsonl import json_object, read_objects


class BadData(Exception):
    pass


def test_rows_come_with_their_line_numbers_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"a": 1}\n\n  \n{"a": 2}\n', encoding="utf-8")
    assert list(read_objects(path, BadData)) == [(1, {"a": 1}), (4, {"a": 2})]


@pytest.mark.parametrize("lines, message", [
    ('{"a": 1}\n{"a": \n', "d.jsonl:2: not valid JSON (Expecting value at column 7)"),
    ('{"a": 1}\n\n[1, 2]\n', "d.jsonl:3: each line must be a JSON object, got list"),
    ('"text"\n', "d.jsonl:1: each line must be a JSON object, got str"),
])
def test_a_bad_line_is_named_by_file_and_line(tmp_path, lines, message):
    path = tmp_path / "d.jsonl"
    path.write_text(lines, encoding="utf-8")
    with pytest.raises(BadData) as err:
        list(read_objects(path, BadData))
    assert str(err.value).endswith(message)


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(BadData, match="cannot read .*missing.jsonl: No such file"):
        list(read_objects(tmp_path / "missing.jsonl", BadData))


def test_one_line_parses_to_an_object_or_a_reason():
    assert json_object('{"x": [1]}') == ({"x": [1]}, "")
    assert json_object("{oops") == (None, "not valid JSON (Expecting property name enclosed in double quotes at column 2)")
    assert json_object("3")[1] == "each line must be a JSON object, got int"
