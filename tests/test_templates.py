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


# -- templates OpenAI users write (issue 13) ------------------------------------------------------------------
TOOL_CTX = {"sample": {"output_text": "", "output_tools": [{"type": "function", "function": {
    "name": "get_prices", "arguments": '{"symbols": ["AAPL", "MSFT"], "limit": 3, "nested": "{\\"a\\": 1}"}'}}],
    "output_json": {"email": "a@b.c", "tags": ["x"]}},
    "item": {"clause_type": "indemnity", "n": 7, "x": 0.25, "neg": -3, "flag": True,
             "listing": "[1, 2]", "text": "{not json", "scalar": "42"}}


@pytest.mark.parametrize("template,expected", [
    ("{{ sample.output_tools[0].function.arguments.symbols }}", '["AAPL", "MSFT"]'),
    ("{{ sample.output_tools[0].function.arguments.symbols[1] }}", "MSFT"),
    ("{{sample.output_tools[0].function.arguments.limit}}", "3"),
    ("{{ sample.output_tools[0].function.arguments.nested.a }}", "1"),  # a JSON string inside a JSON string
    ("{{ sample.output_tools[0].function.arguments }}", '{"symbols": ["AAPL", "MSFT"], "limit": 3, '
                                                        '"nested": "{\\"a\\": 1}"}'),  # the string as it is
    ("{{ item.listing[0] }}", "1"),
    ("{{ sample.output_json }}", '{"email": "a@b.c", "tags": ["x"]}'),
    ("{{item.clause_type}}}", "indemnity}"),
    ("{{{item.clause_type}}}", "{indemnity}"),
    ('{"clause": "{{item.clause_type}}"}', '{"clause": "indemnity"}'),
    ("{{item.n}}/{{ item.x }}/{{  item.neg  }}/{{item.flag}}", "7/0.25/-3/true"),
])
def test_openai_user_templates(template, expected):
    assert render(template, TOOL_CTX) == expected


@pytest.mark.parametrize("template,fragment", [
    ("{{ item.text.a }}", "no 'item.text.a' (available: str)"),   # not JSON: still an error, never ""
    ("{{ item.scalar.a }}", "no 'item.scalar.a'"),                 # JSON, but not an object
    ("{{ sample.output_tools[0].function.arguments.nope }}", "available: ['limit', 'nested', 'symbols']"),
    ("{{ sample.output_tools[0].function.arguments.symbols[5] }}", "index 5 out of range"),
])
def test_walking_into_strings_that_are_not_the_right_json_is_still_an_error(template, fragment):
    with pytest.raises(TemplateError) as info:
        render(template, TOOL_CTX)
    assert fragment in str(info.value)


def test_render_value_walks_into_json_strings_too():
    assert render_value("{{ sample.output_tools[0].function.arguments.symbols }}", TOOL_CTX) == ["AAPL", "MSFT"]
