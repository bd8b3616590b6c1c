"""`verigrade report`: the HTML for a results file, a comparison of two, and a training run; escaping of
hostile completions; no reference to anything outside the file; clear errors for bad input."""
import json
import re
from html.parser import HTMLParser

import pytest

from graders.cli import main as cli_main
from graders.report import ReportError, build_report
from report_fixtures import ANSWERS, HOSTILE, RUN_A, RUN_B, results_file, tiny_run


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    return {"a": results_file(root / "a.jsonl", RUN_A, ANSWERS), "b": results_file(root / "b.jsonl", RUN_B, ANSWERS),
            "run": tiny_run(root), "root": root}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.refs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "action", "poster", "data", "srcset",
                                                         "xlink:href", "formaction", "background")]


def assert_self_contained(page: str):
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    parser = Tags()
    parser.feed(page)
    assert all(r.startswith(("#", "data:")) for r in parser.refs), parser.refs
    assert not {"img", "iframe", "object", "embed", "link", "audio", "video", "source"} & set(parser.tags) - {"link"}
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", page)) and "@import" not in page
    assert parser.tags.count("script") == 1  # ours, at the end


def visible_text(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


def test_results_report_summary_sections_and_escaping(files):
    page = build_report([files["a"]])
    assert_self_contained(page)
    rows = [json.loads(x) for x in open(files["a"])]
    mean = sum(r["score"] for r in rows) / len(rows)
    assert f"{mean:.3f}" in page
    passed = sum(bool(r["passed"]) for r in rows)
    assert f"{passed / len(rows):.3f}" in page                       # pass rate
    for anchor in ('id="summary"', 'id="scores"', 'id="lowest"', 'id="slowest"', 'id="rows"'):
        assert anchor in page
    assert page.count("<svg") >= 3                                   # histogram, sub-graders, statuses
    assert "sub-grader" in page and ">fmt<" in page and ">answer<" in page
    # pass@2 over lines 1-4: solved lines 1, 2, 4 ("9" passes answer but not the fmt gate? it is not a gate:
    # 0.8 < 1 = pass_threshold, so only "answer: ..." rows with the right number pass)
    solved = sum(any(r["passed"] for r in rows if r["line"] == ln) for ln in ANSWERS)
    assert f"{solved / 4:.3f}" in page
    # the hostile completion is text, not markup
    assert HOSTILE not in page and "<img src=\"http" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    table = page[page.index('id="rows"'):]
    assert table.count("<tr data-status=") == len(rows)


def test_comparison_finds_the_flipped_items(files):
    page = build_report([files["a"], files["b"]])
    assert_self_contained(page)
    flips = page[page.index('id="flips"'):page.index('id="items"')]
    flipped = {int(m) for m in re.findall(r"<tr><td class=\"num\">(\d+)</td>", flips)}
    assert flipped == {1, 3}
    assert re.search(r"<td>broken</td>", flips) and re.search(r"<td>fixed</td>", flips)
    items = page[page.index('id="items"'):]
    assert items.count('data-flip="both pass"') == 1 and items.count('data-flip="both fail"') == 1


def test_run_report_has_every_curve_and_the_samples(files):
    run = files["run"]
    page = build_report([run])
    assert_self_contained(page)
    assert "&lt;table" not in page and "&lt;details" not in page   # our own markup is never escaped twice
    text = visible_text(page)
    for title in ("reward and accuracy", "sub-rewards", "grader statuses", "completion length", "entropy and KL",
                  "clip ratios", "loss and gradient norm", "time per step"):
        assert title in text, title
    assert page.count("<svg") >= 8
    samples = [json.loads(x) for x in open(run / "samples.jsonl")]
    assert len(samples) == 6 and all("sub_rewards" in s and "length" in s for s in samples)
    table = page[page.index('id="samples"'):]
    assert table.count("<tr data-step=") == 6
    assert '<option value="3">3</option>' in table                  # the step filter


def test_cli_report_and_errors(files, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert cli_main(["report", str(files["a"]), "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"score": 1, "status": "ok"}\n{"score": "x"}\n')
    assert cli_main(["report", str(bad), "-o", str(out)]) == 2
    assert "bad.jsonl:2: not a results row" in capsys.readouterr().err
    with pytest.raises(ReportError, match="no metrics.jsonl"):
        build_report([tmp_path])
    with pytest.raises(ReportError, match="one or two"):
        build_report([files["a"]] * 3)
    weird = tmp_path / "weird.jsonl"
    weird.write_text('{"score": 1, "status": "fine"}\n')
    with pytest.raises(ReportError, match="weird.jsonl:1: unknown status"):
        build_report([weird])
