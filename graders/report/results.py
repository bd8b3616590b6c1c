"""Report on results files (`verigrade score` / `verigrade eval` rows): one file, or two side by side."""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.evaluation.metrics import summarize_eval
from graders.jsonl import read_objects
from graders.report import charts
from graders.report.html import Raw, cards, chart_grid, esc, fmt, pass_mark, section, status_badge, table, text_cell
from graders.result import STATUSES, GradeResult, is_passing

LIST_SIZE = 12       # rows in the lowest-scoring / slowest lists
TABLE_LIMIT = 5000   # rows in the full table (the rest are counted, not shown)


class ReportError(ValueError):
    """An input the report can't read; names the file and line."""


@dataclass
class Results:
    """A parsed results file: rows (dicts as written) and their GradeResults, in file order."""

    path: Path
    rows: list[dict[str, Any]]
    results: list[GradeResult]

    @property
    def label(self) -> str:
        return self.path.name

    def key(self, i: int) -> tuple[int, int]:
        row = self.rows[i]
        return int(row.get("line") or i + 1), int(row.get("sample_index") or 0)


def load_results(path: str | Path) -> Results:
    path = Path(path)
    rows, results = [], []
    for lineno, row in read_objects(path, ReportError):
        if not isinstance(row.get("score"), (int, float)) or "status" not in row:
            raise ReportError(f"{path}:{lineno}: not a results row (needs 'score' and 'status', as written by "
                              "`verigrade score -o` or `verigrade eval -o`)")
        try:
            results.append(GradeResult.from_json(row))
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ReportError(f"{path}:{lineno}: {exc}") from None
        rows.append(row)
    if not rows:
        raise ReportError(f"{path} has no results rows")
    return Results(path, rows, results)


def _groups(res: Results) -> tuple[list[int], list[list[GradeResult]], list[list[str | None]]]:
    """Results grouped by input line (the k samples of one prompt), lines in first-seen order."""
    by_line: dict[int, list[int]] = defaultdict(list)
    for i in range(len(res.rows)):
        by_line[res.key(i)[0]].append(i)
    lines = list(by_line)
    groups = [[res.results[i] for i in by_line[ln]] for ln in lines]
    keys = [[res.rows[i].get("answer_key") for i in by_line[ln]] for ln in lines]
    return lines, groups, keys


def summary(res: Results) -> dict[str, Any]:
    lines, groups, keys = _groups(res)
    has_keys = any(k is not None for g in keys for k in g)
    s = summarize_eval(groups, keys if has_keys else None,
                       Counter({"extracted": 1}) if has_keys else None)
    judged = [r.passed for r in res.results if r.passed is not None]
    s["pass_rate"] = sum(judged) / len(judged) if judged else None
    s["p50_ms"] = statistics.median(r.elapsed_ms for r in res.results)
    return s


def _sub_scores(r: GradeResult) -> str:
    return ", ".join(f"{n}={c.score:.2f}" + ("" if c.status == "ok" else f" ({c.status})")
                     for n, c in r.children.items())


def _row_cells(res: Results, i: int, eval_rows: bool) -> list[Any]:
    row, r = res.rows[i], res.results[i]
    line, sample = res.key(i)
    cells: list[Any] = [line]
    if eval_rows:
        cells.append(sample)
    cells += [(fmt(r.score), r.score), pass_mark(is_passing(r)), status_badge(r.status), text_cell(r.reason, 90),
              _sub_scores(r), (fmt(r.elapsed_ms, 1), r.elapsed_ms)]
    if eval_rows:
        cells += [text_cell(row.get("prompt"), 60), text_cell(row.get("completion")), row.get("answer_key") or ""]
    return cells


def _columns(eval_rows: bool) -> tuple[list[str], list[int]]:
    cols = ["line"] + (["sample"] if eval_rows else []) + ["score", "result", "status", "reason", "sub-scores", "ms"]
    if eval_rows:
        cols += ["prompt", "completion", "answer"]
    return cols, [0, 1, 2, 7] if eval_rows else [0, 1, 6]


def _summary_cards(s: dict[str, Any]) -> Raw:
    items: list[tuple[str, Any, Any]] = [("rows", s["samples"], f"{s['prompts']} items"),
                                         ("mean score", s["mean_reward"], None),
                                         ("pass rate", s["pass_rate"] if s["pass_rate"] is not None
                                          else s["accuracy"], "passed" if s["pass_rate"] is not None
                                          else "score = 1")]
    if s["k"] > 1:
        items.append((f"pass@{s['k']}", s["pass@k"][s["k"]], f"unbiased; pass@1 {s['pass@k'][1]:.3f}"))
        if s.get("maj@k") is not None:
            items.append((f"maj@{s['k']}", s["maj@k"], "majority answer correct"))
    bad = sum(n for st, n in s["status_counts"].items() if st != "ok")
    items.append(("not ok", bad, ", ".join(f"{st} {n}" for st, n in s["status_counts"].items() if n and st != "ok")
                  or "every grade ok"))
    items.append(("median latency", s["p50_ms"], "ms per grade"))
    return cards(items)


def _status_table(columns: list[str], counts: list[dict[str, int]]) -> Raw:
    rows = [[st] + [c.get(st, 0) for c in counts] for st in STATUSES]
    return table(["status"] + columns, rows, numeric=range(1, len(columns) + 1), scroll=False, compact=True)


def results_sections(res: Results) -> list[Raw]:
    s = summary(res)
    eval_rows = any("completion" in r for r in res.rows)
    cols, numeric = _columns(eval_rows)
    subs = s["sub_grader_means"]
    sections = [section("Summary", _summary_cards(s), _status_table([res.label], [s["status_counts"]]),
                        section_id="summary")]
    sections.append(section("Scores", chart_grid(
        charts.histogram("score distribution", [(res.label, [r.score for r in res.results])]),
        charts.bar_chart("sub-grader means (multi)", list(subs), [(res.label, [v["mean"] for v in subs.values()])])
        if subs else None,
        charts.bar_chart("statuses", [st for st, n in s["status_counts"].items() if n],
                         [(res.label, [n for n in s["status_counts"].values() if n])], ylim=None, ylabel="rows",
                         label_fmt="%d")),
        table(["sub-grader", "mean", "rows", "not ok"],
              [[n, v["mean"], v["n"], v["not_ok"]] for n, v in subs.items()], numeric=[1, 2, 3], scroll=False,
              compact=True)
        if subs else Raw(""), section_id="scores"))
    order = range(len(res.rows))
    lowest = sorted(order, key=lambda i: (res.results[i].score, res.results[i].status == "ok", i))[:LIST_SIZE]
    slowest = sorted(order, key=lambda i: -res.results[i].elapsed_ms)[:LIST_SIZE]
    sections.append(section("Lowest-scoring samples", table(cols, [_row_cells(res, i, eval_rows) for i in lowest],
                                                            numeric=numeric, scroll=False), section_id="lowest"))
    sections.append(section("Slowest samples", table(cols, [_row_cells(res, i, eval_rows) for i in slowest],
                                                     numeric=numeric, scroll=False), section_id="slowest"))
    shown = list(order)[:TABLE_LIMIT]
    note = f"first {TABLE_LIMIT} of {len(res.rows)} rows" if len(res.rows) > TABLE_LIMIT else None
    statuses = sorted({r.status for r in res.results})
    sections.append(section("All rows", table(
        cols, [_row_cells(res, i, eval_rows) for i in shown], table_id="rows", numeric=numeric,
        row_attrs=[{"status": res.results[i].status, "result": "pass" if is_passing(res.results[i]) else "fail"}
                   for i in shown], filters={"status": statuses, "result": ["pass", "fail"]}),
        section_id="rows", note=note))
    return sections


def _item_view(res: Results) -> dict[int, dict[str, Any]]:
    """Per input line: mean score, passes, samples, a prompt text."""
    out: dict[int, dict[str, Any]] = {}
    for i, r in enumerate(res.results):
        line = res.key(i)[0]
        item = out.setdefault(line, {"scores": [], "passes": 0, "prompt": res.rows[i].get("prompt"), "statuses": []})
        item["scores"].append(r.score)
        item["passes"] += is_passing(r)
        item["statuses"].append(r.status)
    for item in out.values():
        item["mean"] = statistics.fmean(item["scores"])
        item["solved"] = item["passes"] > 0
    return out


def comparison_sections(a: Results, b: Results) -> list[Raw]:
    la, lb = (a.label, b.label) if a.label != b.label else (f"A: {a.path}", f"B: {b.path}")
    sa, sb = summary(a), summary(b)

    def rate(s):
        return s["pass_rate"] if s["pass_rate"] is not None else s["accuracy"]
    metrics = [("rows", sa["samples"], sb["samples"]), ("items", sa["prompts"], sb["prompts"]),
               ("mean score", sa["mean_reward"], sb["mean_reward"]), ("pass rate", rate(sa), rate(sb))]
    for k in sorted(set(sa["pass@k"]) & set(sb["pass@k"])):
        if k in (1, max(sa["k"], 1), max(sb["k"], 1)):
            metrics.append((f"pass@{k}", sa["pass@k"][k], sb["pass@k"][k]))
    metrics += [(f"status {st}", sa["status_counts"][st], sb["status_counts"][st]) for st in STATUSES]
    rows = [[name, va, vb, (vb - va) if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None]
            for name, va, vb in metrics]
    ia, ib = _item_view(a), _item_view(b)
    changes = {}
    for line in list(dict.fromkeys([*ia, *ib])):
        if line not in ib:
            changes[line] = f"only in {la}"
        elif line not in ia:
            changes[line] = f"only in {lb}"
        elif ia[line]["solved"] != ib[line]["solved"]:
            changes[line] = "fixed" if ib[line]["solved"] else "broken"
        else:
            changes[line] = "both pass" if ia[line]["solved"] else "both fail"
    counts = Counter(changes.values())

    def item_row(line: int) -> list[Any]:
        xa, xb = ia.get(line), ib.get(line)
        delta = xb["mean"] - xa["mean"] if xa and xb else None
        return [line, text_cell((xa or xb)["prompt"], 80),
                (fmt(xa["mean"]), xa["mean"]) if xa else "-", f"{xa['passes']}/{len(xa['scores'])}" if xa else "-",
                (fmt(xb["mean"]), xb["mean"]) if xb else "-", f"{xb['passes']}/{len(xb['scores'])}" if xb else "-",
                (fmt(delta), delta) if delta is not None else "-", changes[line]]
    cols = ["line", "prompt", f"mean {la}", "passed", f"mean {lb}", "passed", "change", "flip"]
    flipped = [ln for ln, c in changes.items() if c in ("fixed", "broken")]
    flipped.sort(key=lambda ln: (changes[ln] != "broken", ln))
    subs = list(dict.fromkeys([*sa["sub_grader_means"], *sb["sub_grader_means"]]))
    return [
        section("Side by side", table(["metric", la, lb, "change"], rows, numeric=[1, 2, 3], scroll=False,
                                      compact=True),
                cards([("fixed", counts["fixed"], f"items failing in {la}, solved in {lb}"),
                       ("broken", counts["broken"], f"items solved in {la}, failing in {lb}"),
                       ("both pass", counts["both pass"], None), ("both fail", counts["both fail"], None)]),
                section_id="compare",
                note="Items are matched by input line; an item counts as solved when at least one of its samples "
                     "passed."),
        section("Score distributions", chart_grid(
            charts.histogram("score distribution", [(la, [r.score for r in a.results]),
                                                    (lb, [r.score for r in b.results])]),
            charts.bar_chart("sub-grader means", subs,
                             [(la, [sa["sub_grader_means"].get(n, {}).get("mean", 0.0) for n in subs]),
                              (lb, [sb["sub_grader_means"].get(n, {}).get("mean", 0.0) for n in subs])])
            if subs else None), section_id="distributions"),
        section(f"Flipped items ({len(flipped)})", table(cols, [item_row(ln) for ln in flipped],
                                                         numeric=[0, 2, 4, 6]) if flipped
                else Raw('<p class="note">No item changed between solved and failing.</p>'), section_id="flips"),
        section("All items", table(cols, [item_row(ln) for ln in list(changes)[:TABLE_LIMIT]], table_id="items",
                                   numeric=[0, 2, 4, 6], row_attrs=[{"flip": changes[ln]}
                                                                    for ln in list(changes)[:TABLE_LIMIT]],
                                   filters={"flip": sorted(set(changes.values()))}), section_id="items"),
    ]


def build_results_report(paths: list[str | Path]) -> tuple[str, str, list[Raw], list[tuple[str, str]]]:
    """(title, meta line, sections, nav) for one results file or a comparison of two."""
    loaded = [load_results(p) for p in paths]
    if len(loaded) == 1:
        res = loaded[0]
        nav = [("summary", "Summary"), ("scores", "Scores"), ("lowest", "Lowest"), ("slowest", "Slowest"),
               ("rows", "All rows")]
        return f"verigrade results: {res.label}", str(res.path), results_sections(res), nav
    a, b = loaded
    nav = [("compare", "Side by side"), ("distributions", "Distributions"), ("flips", "Flipped items"),
           ("items", "All items")]
    return (f"verigrade comparison: {a.label} vs {b.label}", f"{a.path}  vs  {b.path}",
            comparison_sections(a, b), nav)


__all__ = ["ReportError", "Results", "build_results_report", "load_results", "summary", "esc"]
