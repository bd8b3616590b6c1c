"""The page shell and building blocks of verigrade's self-contained HTML reports: inline CSS and a small
inline script (table filtering and sorting), no external resource of any kind. Every value is escaped;
`Raw` marks the few fragments the report builds itself (charts, nested markup)."""
from __future__ import annotations

import html
import math
from typing import Any, Iterable

TEXT_PREVIEW = 140     # characters shown before a long text folds into <details>
TEXT_LIMIT = 6000      # characters kept of one text in the page

CSS = """
:root { --fg: #1d2430; --muted: #5f6b7a; --line: #dde3ea; --bg: #f6f8fa; --ok: #1a7f37; --bad: #c62828;
        --warn: #9a6700; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg);
       background: #fff; }
header { background: var(--bg); border-bottom: 1px solid var(--line); padding: 14px 24px; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header .meta { color: var(--muted); font-size: 12px; word-break: break-all; }
nav { display: flex; flex-wrap: wrap; gap: 14px; margin-top: 8px; font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; }
main { max-width: 1320px; margin: 0 auto; padding: 8px 24px 40px; }
section { margin-top: 22px; }
h2 { font-size: 16px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 14px 0 6px; }
.note { color: var(--muted); font-size: 12px; margin: 4px 0 10px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: #fff; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 20px; font-weight: 600; }
.card .sub { color: var(--muted); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 14px; }
.chart { border: 1px solid var(--line); border-radius: 6px; padding: 6px; background: #fff; }
.chart svg { width: 100%; height: auto; display: block; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
table.compact { width: auto; min-width: 360px; margin-top: 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); position: sticky; top: 0; cursor: pointer; white-space: nowrap; user-select: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.mono, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
pre { white-space: pre-wrap; word-break: break-word; margin: 4px 0; max-height: 320px; overflow: auto;
      background: var(--bg); padding: 6px; border-radius: 4px; }
details summary { cursor: pointer; }
.status { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; background: #eef1f4; }
.status.ok { background: #dafbe1; color: var(--ok); }
.status.error, .status.timeout, .status.rejected { background: #ffebe9; color: var(--bad); }
.status.no_answer, .status.invalid_reference { background: #fff8c5; color: var(--warn); }
.pass { color: var(--ok); font-weight: 600; } .fail { color: var(--bad); font-weight: 600; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 6px 0; font-size: 13px; }
.filters input[type=search] { min-width: 260px; padding: 4px 6px; }
.filters select { padding: 3px; }
.count { color: var(--muted); font-size: 12px; }
@media (max-width: 900px) { .cols { grid-template-columns: 1fr; } }
"""

SCRIPT = """
(function () {
  function cellValue(row, i) {
    var c = row.cells[i];
    if (!c) return '';
    var v = c.getAttribute('data-v');
    return v !== null ? v : c.textContent.trim();
  }
  document.querySelectorAll('table.filterable').forEach(function (table) {
    var box = document.getElementById(table.id + '-filters');
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var count = box ? box.querySelector('.count') : null;
    function apply() {
      var q = box.querySelector('input[type=search]').value.trim().toLowerCase();
      var selects = box.querySelectorAll('select');
      var shown = 0;
      rows.forEach(function (r) {
        var ok = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
        selects.forEach(function (s) {
          if (ok && s.value && r.getAttribute('data-' + s.name) !== s.value) ok = false;
        });
        r.style.display = ok ? '' : 'none';
        if (ok) shown++;
      });
      if (count) count.textContent = shown + ' of ' + rows.length + ' rows';
    }
    if (box) {
      box.querySelectorAll('input, select').forEach(function (el) { el.addEventListener('input', apply); });
      apply();
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.addEventListener('click', function () {
        var desc = th.getAttribute('data-dir') !== 'desc';
        th.setAttribute('data-dir', desc ? 'desc' : 'asc');
        rows.sort(function (a, b) {
          var x = cellValue(a, i), y = cellValue(b, i), nx = parseFloat(x), ny = parseFloat(y);
          var cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
          return desc ? -cmp : cmp;
        });
        rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
      });
    });
  });
})();
"""


class Raw(str):
    """Markup built by the report itself: inserted without escaping."""


def esc(value: Any) -> str:
    return value if isinstance(value, Raw) else html.escape("" if value is None else str(value), quote=True)


def fmt(value: Any, digits: int = 3) -> str:
    """Numbers for display: 0.125 -> '0.125', 12 -> '12', None/NaN -> '-'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}" if abs(value) < 1e5 else f"{value:.3g}"
    return str(value)


def text_cell(text: Any, preview: int = TEXT_PREVIEW) -> Raw:
    """A possibly long text: shown whole when short, else a preview that unfolds to the full text."""
    text = "" if text is None else str(text)
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + f"\n... [{len(text) - TEXT_LIMIT} more characters]"
    if len(text) <= preview and "\n" not in text:
        return Raw(f'<span class="mono">{esc(text)}</span>')
    head = text[:preview].replace("\n", " ")
    return Raw(f'<details><summary class="mono">{esc(head)}&hellip;</summary><pre>{esc(text)}</pre></details>')


def status_badge(status: Any) -> Raw:
    return Raw(f'<span class="status {esc(status)}">{esc(status)}</span>')


def pass_mark(passed: bool | None) -> Raw:
    if passed is None:
        return Raw("-")
    return Raw('<span class="pass">pass</span>' if passed else '<span class="fail">fail</span>')


def cards(items: Iterable[tuple[str, Any, Any]]) -> Raw:
    """Summary cards: (label, value, small text under it)."""
    out = ['<div class="cards">']
    for label, value, sub in items:
        out.append(f'<div class="card"><div class="label">{esc(label)}</div><div class="value">{esc(fmt(value))}'
                   f'</div><div class="sub">{esc(sub or "")}</div></div>')
    out.append("</div>")
    return Raw("".join(out))


def table(columns: list[str], rows: Iterable[list[Any]], *, table_id: str | None = None,
          numeric: Iterable[int] = (), row_attrs: Iterable[dict[str, str]] | None = None,
          filters: dict[str, list[str]] | None = None, scroll: bool = True, compact: bool = False) -> Raw:
    """An HTML table; with `table_id` and `filters` ({attribute: choices}) it gets a search box and selects
    that match `data-<attribute>` on rows (`row_attrs`). Cells may be (display, sort value) pairs."""
    numeric = set(numeric)
    attrs_list = list(row_attrs) if row_attrs is not None else None
    head = "".join(f'<th class="num">{esc(c)}</th>' if i in numeric else f"<th>{esc(c)}</th>"
                   for i, c in enumerate(columns))
    body = []
    for n, row in enumerate(rows):
        attrs = attrs_list[n] if attrs_list is not None else {}
        tr = "".join(f' data-{esc(k)}="{esc(v)}"' for k, v in attrs.items())
        cells = []
        for i, cell in enumerate(row):
            display, sort = cell if isinstance(cell, tuple) else (cell, None)
            shown = display if isinstance(display, Raw) else esc(fmt(display))
            cls = ' class="num"' if i in numeric else ""
            data = f' data-v="{esc(sort)}"' if sort is not None else ""
            cells.append(f"<td{cls}{data}>{shown}</td>")
        body.append(f"<tr{tr}>{''.join(cells)}</tr>")
    tid = f' id="{esc(table_id)}"' if table_id else ""
    cls = ' class="filterable"' if table_id else ' class="compact"' if compact else ""
    markup = f"<table{tid}{cls}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    if scroll:
        markup = f'<div class="scroll">{markup}</div>'
    if table_id:
        selects = "".join(
            f'<label>{esc(name)} <select name="{esc(name)}"><option value="">all</option>'
            + "".join(f'<option value="{esc(c)}">{esc(c)}</option>' for c in choices) + "</select></label>"
            for name, choices in (filters or {}).items())
        markup = (f'<div class="filters" id="{esc(table_id)}-filters"><input type="search" placeholder="filter rows '
                  f'(any text)" aria-label="filter rows">{selects}<span class="count"></span></div>' + markup)
    return Raw(markup)


def section(title: str, *parts: Any, section_id: str | None = None, note: str | None = None) -> Raw:
    sid = f' id="{esc(section_id)}"' if section_id else ""
    body = "".join(p if isinstance(p, Raw) else esc(p) for p in parts)
    return Raw(f"<section{sid}><h2>{esc(title)}</h2>"
               + (f'<p class="note">{esc(note)}</p>' if note else "") + body + "</section>")


def chart_grid(*svgs: str | None) -> Raw:
    return Raw('<div class="charts">' + "".join(f'<div class="chart">{s}</div>' for s in svgs if s) + "</div>")


def page(title: str, meta: str, sections: list[Raw], nav: list[tuple[str, str]] | None = None) -> str:
    """The whole document. The Content-Security-Policy forbids every network fetch, as a second line of defence."""
    links = "".join(f'<a href="#{esc(i)}">{esc(t)}</a>' for i, t in (nav or []))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{esc(title)}</h1><div class=\"meta\">{esc(meta)}</div>"
            + (f"<nav>{links}</nav>" if links else "") + "</header><main>"
            + "".join(sections) + f"</main><script>{SCRIPT}</script></body></html>\n")
