import pytest

from graders.templates import TemplateError, lookup, parse_path, render, render_value

CTX = {
    "sample": {"output_text": "The answer is 42", "output_json": {"name": "Ada", "tags": ["x", "y"]}},
    "item": {"answer": 42, "tests": ["assert f(1) == 2", "assert f(2) == 3"], "meta": {"a": [{"b": True}]},
             "nothing": None, "ratio": 0.5},
}


def test_parse_path_dots_and_indexes():
    assert parse_path("item.tests[0]") == ["item", "tests", 0]
    assert parse_path("item.meta.a[0].b") == ["item", "meta", "a", 0, "b"]
    assert parse_path("item['odd key']") == ["item", "odd key"]


@pytest.mark.parametrize("template,expected", [
    ("{{ sample.output_text }}", "The answer is 42"),
    ("{{sample.output_text}}", "The answer is 42"),
    ("{{ sample.output_json.name }}", "Ada"),
    ("{{ sample.output_json.tags[1] }}", "y"),
    ("{{ item.tests[0] }}", "assert f(1) == 2"),
    ("{{ item.tests[-1] }}", "assert f(2) == 3"),
    ("answer={{ item.answer }}!", "answer=42!"),
    ("{{ item.meta.a[0].b }}", "true"),
    ("{{ item.ratio }}", "0.5"),
    ("{{ item.tests }}", '["assert f(1) == 2", "assert f(2) == 3"]'),
    ("no placeholders", "no placeholders"),
])
def test_render(template, expected):
    assert render(template, CTX) == expected


@pytest.mark.parametrize("template,fragment", [
    ("{{ item.missing }}", "item.missing"),
    ("{{ item.tests[5] }}", "index 5 out of range"),
    ("{{ item.answer.x }}", "item.answer.x"),
    ("{{ sample.output_json.email }}", "email"),
    ("{{ item.nothing }}", "is null"),
    ("{{ other.x }}", "must start with"),
    ("{{ item..x }}", "malformed"),
])
def test_missing_or_bad_variables_raise(template, fragment):
    with pytest.raises(TemplateError) as info:
        render(template, CTX)
    assert fragment in str(info.value)


def test_render_value_returns_raw_json_for_a_single_placeholder():
    assert render_value("{{ item.tests }}", CTX) == CTX["item"]["tests"]
    assert render_value("  {{ item.answer }} ", CTX) == 42
    assert render_value("x {{ item.answer }}", CTX) == "x 42"
    assert render_value(["inline", "list"], CTX) == ["inline", "list"]


def test_lookup_lists_available_keys():
    with pytest.raises(TemplateError) as info:
        lookup("item.answr", CTX)
    assert "answer" in str(info.value)


# -- filters --------------------------------------------------------------------------------------------------
from graders.templates import check, filters_used, variables  # noqa: E402


def test_regex_escape_filter_and_raw():
    ctx = {"item": {"x": "4.2 (a+)+$ #c"}, "sample": {}}
    escaped = render("{{ item.x | regex_escape }}", ctx)
    assert escaped == r"4\.2\ \(a\+\)\+\$\ \#c"
    assert render("{{item.x|raw}}", ctx) == "4.2 (a+)+$ #c"
    assert render("{{ item.x }}", ctx, default_filter="regex_escape") == escaped
    assert render("{{ item.x | raw }}", ctx, default_filter="regex_escape") == "4.2 (a+)+$ #c"
    assert render("{{ item.x | regex_escape }}", ctx, default_filter="regex_escape") == escaped  # not twice
    assert render_value("{{ item.answer | regex_escape }}", CTX) == "42"  # filtered: a string, not the raw value


def test_filters_and_paths_with_bars_in_keys():
    ctx = {"item": {"a|b": "v.w"}, "sample": {}}
    assert render("{{ item['a|b'] }}", ctx) == "v.w"
    assert render("{{ item['a|b'] | regex_escape }}", ctx) == r"v\.w"
    assert variables("x {{ item['a|b'] | raw }} {{ sample.output_text }}") == ["item['a|b']", "sample.output_text"]
    assert filters_used("{{ item.a | raw }} {{ item.b }}") == [["raw"], []]


def test_unknown_filters_and_bad_paths_are_reported():
    with pytest.raises(TemplateError, match="unknown template filter 'upper'"):
        render("{{ item.answer | upper }}", CTX)
    assert check("{{ item.a | upper }} {{ item..b }} {{ item.c | raw }}") == [
        "unknown template filter 'upper' in {{ item.a | upper }} (filters: raw, regex_escape)",
        "malformed template variable {{ item..b }} at character 4"]
