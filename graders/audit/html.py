"""The audit's HTML report: one self-contained page (no network), built with `graders.report.html`'s blocks:
the verdict, recall first, a summary table per grader, then one section per family with its worst examples."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from graders.audit.runner import AuditReport, TargetReport
from graders.report.html import Raw, cards, esc, fmt, page, section, status_badge, table, text_cell

VERDICT_STYLE = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#c62828", "n/a": "#5f6b7a"}


def badge(verdict: str) -> Raw:
    colour = VERDICT_STYLE.get(verdict, "#5f6b7a")
    return Raw(f'<span style="display:inline-block;padding:0 8px;border-radius:10px;color:#fff;background:{colour};'
               f'font-weight:600">{esc(verdict)}</span>')


def _anchor(target: TargetReport, family: str = "") -> str:
    base = "t" + "".join(c if c.isalnum() else "-" for c in target.path)
    return base + ("-" + family if family else "")


def _recall_section(t: TargetReport) -> Raw:
    r = t.recall
    parts: list = [Raw(f"<p><b>{esc(r['message'])}</b></p>")]
    if r["by_form"]:
        rows = [[f["form"], f["tried"], f["mean_score"], f["high"], ", ".join(f"{k} {v}" for k, v in f["statuses"].items())]
                for f in r["by_form"]]
        parts.append(table(["form of the right answer", "rows", "mean score", f"scores >= {r['bar']:g}", "statuses"],
                           rows, numeric=(1, 2, 3), scroll=False, compact=True))
    if r.get("examples"):
        rows = [[e["line"], e["form"], text_cell(e["output"]), e["score"], status_badge(e["status"]), text_cell(e["reason"])]
                for e in r["examples"]]
        parts.append(Raw("<h3>Rows whose right answers all score low</h3>"))
        parts.append(table(["line", "best form", "output", "score", "status", "reason"], rows, numeric=(0, 3),
                           scroll=False))
    return section(f"Recall: right answers ({t.name})", *parts, section_id=_anchor(t, "recall"),
                   note="Controls are built from each row's reference in the forms models write; a grader must score "
                        "at least one of them high. Attacks are compared with each row's best control score.")


def _summary_table(t: TargetReport) -> Raw:
    rows = []
    for f in t.families:
        link = Raw(f'<a href="#{esc(_anchor(t, f.name))}">{esc(f.name)}</a>')
        rows.append([link, f.severity, f.tried, f.above_zero, f.hits, (badge(f.verdict), f.verdict), f.mean_ms, f.max_ms,
                     "; ".join(f.why)])
    return table(["family", "severity", "tried", "scored > 0", "scored >= control", "verdict", "mean ms", "max ms",
                  "why"], rows, numeric=(2, 3, 4, 6, 7), scroll=False)


def _family_section(t: TargetReport, f) -> Raw:
    rows = [[e["line"], text_cell(e["output"]), e["note"], e["score"], e["control"], status_badge(e["status"]),
             text_cell(e["reason"])] for e in f.examples]
    title = "Worst examples" if any(e["score"] > 0 for e in f.examples) else "Examples (every candidate scored 0)"
    body = [Raw(f"<p>{badge(f.verdict)} &nbsp; {esc(f.description)}</p>"),
            cards([("tried", f.tried, "candidates"), ("scored > 0", f.above_zero, "any reward"),
                   ("scored >= control", f.hits, "a right answer's reward"),
                   ("guess-list shapes paid", f.shapes_multi, "reference at 2+ positions")])]
    if f.why:
        body.append(Raw("<ul>" + "".join(f"<li>{esc(w)}</li>" for w in f.why) + "</ul>"))
    if rows:
        body += [Raw(f"<h3>{esc(title)}</h3>"),
                 table(["line", "output", "what it tries", "score", "control", "status", "reason"], rows,
                       numeric=(0, 3, 4), scroll=False)]
    return section(f"{f.name} ({t.name})", *body, section_id=_anchor(t, f.name), note=f"severity: {f.severity}")


def _labels_section(labels: dict) -> Raw:
    def row(name, m):
        return [name, m["rows"], m["agreement"], m["false_positive_rate"], m["false_negative_rate"], m["kappa"],
                m.get("auc"), "yes" if m.get("near_chance") else "no" if m.get("auc") is not None else "-"]

    rows = [row("all labelled rows", labels)]
    if labels.get("model_only"):
        rows.append(row("rows the judge model decided", labels["model_only"]))
    return section("Labelled data", Raw(f"<p><b>{esc(labels['summary'])}</b></p>"),
                   table(["rows", "n", "agreement", "false positives", "false negatives", "kappa", "AUC", "near chance"],
                         rows, numeric=(1, 2, 3, 4, 5, 6), scroll=False),
                   section_id="labels",
                   note="Decision: `passed` with a pass_threshold, else score >= 0.5. AUC: the chance a right answer "
                        "scores above a wrong one (0.5 = chance); near chance = below 0.6 or a 95% interval that "
                        "includes 0.5.")


def build_html(report: AuditReport) -> str:
    fails = sum(f.verdict == "fail" for t in report.targets for f in t.families)
    warns = sum(f.verdict == "warn" for t in report.targets for f in t.families)
    head = [cards([("verdict", report.verdict, f"exit code {report.exit_code}"), ("rows", report.rows, report.data),
                   ("families failing", fails, "hack families"), ("families warning", warns, "hedges, blind spots"),
                   ("seconds", report.seconds, "whole audit")]),
            Raw(f"<p>{badge(report.verdict)}</p>"),
            table(["rule", "meaning"], [[k, v] for k, v in report.thresholds.items()], scroll=False, compact=True)]
    sections = [section("Summary", *head, section_id="summary")]
    nav = [("summary", "Summary")]
    for t in report.targets:
        sections.append(_recall_section(t))
    for t in report.targets:
        sections.append(section(f"{t.name} ({t.type}): {t.verdict}", Raw(f"<p>{badge(t.verdict)} &nbsp; "
                                f"kinds {esc(', '.join(t.kinds))}, pass_threshold {esc(fmt(t.pass_threshold))}, "
                                f"{t.grades} grades in {t.seconds:.1f} s</p>"), _summary_table(t),
                                section_id=_anchor(t)))
        nav.append((_anchor(t), t.name))
    if report.labels:
        sections.append(_labels_section(report.labels))
        nav.append(("labels", "Labels"))
    for t in report.targets:
        sections += [_family_section(t, f) for f in t.families if f.verdict != "n/a"]
    if report.row_errors:
        sections.append(section("Skipped rows", Raw("<ul>" + "".join(f"<li>{esc(e)}</li>" for e in report.row_errors)
                                                    + "</ul>")))
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    meta = f"{report.spec} on {report.data}  ·  {report.rows} rows  ·  generated {stamp} by verigrade audit"
    return page(f"verigrade audit: {report.grader} ({report.grader_type})", meta, sections, nav)


def write_html(report: AuditReport, output: str | Path) -> Path:
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.write_text(build_html(report), encoding="utf-8")
    tmp.replace(out)
    return out
