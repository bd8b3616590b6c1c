"""The reports in a real browser: headless Chromium (Debian's package) opens them from disk; the test takes
screenshots, checks the key elements, drives the filter / sort script, and checks that the page made no
request other than loading its own file. Fails (not skips) under CI=true when Chromium is missing."""
import pytest

from conftest import in_ci
from graders.report import write_report
from graders.report.browser import Chromium, find_chromium
from report_fixtures import ANSWERS, RUN_A, RUN_B, results_file, tiny_run


@pytest.fixture(scope="module")
def browser():
    if not find_chromium():
        msg = "chromium is not installed (tools/ensure_chromium.sh, run by `make test`, installs it)"
        if in_ci():
            pytest.fail(msg)
        pytest.skip(msg)
    with Chromium(width=1366, height=900) as b:
        yield b


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    a, b = results_file(root / "a.jsonl", RUN_A, ANSWERS), results_file(root / "b.jsonl", RUN_B, ANSWERS)
    return {"results": write_report([a], root / "results.html"),
            "compare": write_report([a, b], root / "compare.html"),
            "run": write_report([tiny_run(root)], root / "run.html"), "root": root}


def open_page(browser, path):
    first = len(browser.events)
    browser.open(path)
    browser.evaluate("new Promise(r => setTimeout(r, 200))")  # let any late request show up
    urls = [e["params"]["request"]["url"] for e in browser.events[first:]
            if e.get("method") == "Network.requestWillBeSent"]
    assert urls == [path.resolve().as_uri()], f"the page requested more than itself: {urls}"


def visible_rows(browser, table_id):
    return browser.evaluate(f"Array.from(document.querySelectorAll('#{table_id} tbody tr'))"
                            ".filter(r => r.style.display !== 'none').length")


def test_results_page_renders_filters_and_never_runs_hostile_markup(browser, pages):
    open_page(browser, pages["results"])
    shot = browser.screenshot(pages["root"] / "results.png")
    assert shot.stat().st_size > 20_000
    assert browser.evaluate("document.querySelector('h1').textContent").startswith("verigrade results")
    assert browser.evaluate("document.querySelectorAll('svg').length") >= 3
    assert browser.evaluate("document.querySelectorAll('.card').length") >= 5
    assert browser.evaluate("typeof window.__pwned") == "undefined"   # the <script>/<img onerror> stayed text
    assert browser.evaluate("document.querySelectorAll('main img').length") == 0
    total = visible_rows(browser, "rows")
    assert total == sum(len(v) for v in RUN_A.values())
    assert browser.evaluate("document.querySelector('#rows-filters .count').textContent") == f"{total} of {total} rows"
    # type into the search box: only rows containing "answer: 12" stay
    browser.evaluate("(() => { const i = document.querySelector('#rows-filters input');"
                     " i.value = 'answer: 12'; i.dispatchEvent(new Event('input')); })()")
    assert visible_rows(browser, "rows") == 1
    browser.evaluate("(() => { const i = document.querySelector('#rows-filters input'); i.value = '';"
                     " i.dispatchEvent(new Event('input'));"
                     " const s = document.querySelector('#rows-filters select[name=result]'); s.value = 'pass';"
                     " s.dispatchEvent(new Event('input')); })()")
    assert visible_rows(browser, "rows") == 2                       # "answer: 7" and "answer: 12"
    # click the score header twice: descending then ascending
    browser.evaluate("document.querySelector('#rows thead th:nth-child(3)').click()")
    first = browser.evaluate("document.querySelector('#rows tbody tr td:nth-child(3)').textContent")
    assert float(first) == 1.0
    browser.screenshot(pages["root"] / "results-full.png", full_page=True)


def test_comparison_page_shows_the_flips(browser, pages):
    open_page(browser, pages["compare"])
    browser.screenshot(pages["root"] / "compare.png")
    flips = browser.evaluate("Array.from(document.querySelectorAll('#flips tbody tr'))"
                             ".map(r => r.cells[0].textContent + ':' + r.cells[7].textContent)")
    assert sorted(flips) == ["1:broken", "3:fixed"]


def test_run_page_has_its_curves_and_samples(browser, pages):
    open_page(browser, pages["run"])
    shot = browser.screenshot(pages["root"] / "run.png")
    assert shot.stat().st_size > 20_000
    titles = browser.evaluate("Array.from(document.querySelectorAll('.chart svg text')).map(t => t.textContent)"
                              ".join(' ')")
    for title in ("reward and accuracy", "sub-rewards", "grader statuses", "completion length", "entropy and KL"):
        assert title in titles
    assert visible_rows(browser, "samples") == 6
    browser.evaluate("(() => { const s = document.querySelector('#samples-filters select[name=step]');"
                     " s.value = '2'; s.dispatchEvent(new Event('input')); })()")
    assert visible_rows(browser, "samples") == 2
    width = browser.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366                                            # no horizontal scrolling on a laptop screen
