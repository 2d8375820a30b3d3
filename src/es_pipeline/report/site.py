"""``reports/index.html``: the page a researcher opens first, one row per month with its status.

Built only from the per-month stage summaries (``metrics/<stage>/<M>.json``), so it is cheap
at 185 months: plain HTML, one table grouped by year, sortable by any column with a few
lines of inline JavaScript, abnormal values highlighted, links to each month's three stage
pages, the cross-month report, the baseline model's page and the pipeline graph. Nothing is loaded from the network.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import log
from es_pipeline.report import graph as pipeline_graph
from es_pipeline.report.params import load

STAGES = ("filter", "label", "featurize")
PIPELINE_FILES = ("dvc.yaml", "pipelines/per-month.yaml")  # what the graph page draws
HIGH_FILLED_SHARE = 0.20  # more than a fifth of the seconds gap-filled: a thin or partial month


@dataclass(frozen=True)
class Cell:
    """One table cell: the text shown, the value it sorts by, and why it is highlighted (empty: normal)."""

    text: str
    sort: float | str = ""
    problem: str = ""
    title: str = ""


@dataclass(frozen=True)
class MonthRow:
    month: str
    cells: dict[str, Cell]
    pages: dict[str, str] = field(default_factory=dict)  # stage -> page href (only stages that ran)

    @property
    def abnormal(self) -> bool:
        return any(c.problem for c in self.cells.values())


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}%}"


def _contract_note(f: dict) -> str:
    """Why the contract cell needs a look: no definitions, or a primary that is not the front contract."""
    if f.get("symbology") == "instrument_id":
        return "ran without definitions: contracts known by instrument id only"
    odd = f.get("primary_not_front") or {}
    return (f"not the front contract on {', '.join(f'{d} ({s})' for d, s in odd.items())}: symbols from another "
            "month's definition file?") if odd else ""


def _filter_cells(f: dict) -> dict[str, Cell]:
    rows, sessions = f.get("rows_out", 0), f.get("sessions", 0)
    early = f.get("early_close_dates", [])
    rolls = f.get("roll_dates", [])
    primary = f.get("primary", {})
    symbols = list(dict.fromkeys(primary[d] for d in sorted(primary)))
    filled = f.get("filled_fraction")
    runs: dict[str, int] = f.get("longest_filled_run") or {}
    longest_date = max(runs, key=runs.__getitem__) if runs else None
    long_gaps = f.get("long_gap_sessions", [])
    missing = sorted(set(f.get("sessions_without_trades", [])) | set(f.get("short_sessions", [])))
    return {
        "rows": Cell(f"{rows:,}", rows, "no rows" if not rows else ""),
        "sessions": Cell(str(sessions), sessions, "no sessions" if not sessions else ""),
        "early closes": Cell(", ".join(d[5:] for d in early) or "0", len(early)),
        "contract / roll": Cell(" → ".join(symbols) + (f" (roll {', '.join(d[5:] for d in rolls)})" if rolls else ""),
                                " ".join(symbols),
                                _contract_note(f)),
        "filled": Cell(_pct(filled), -1 if filled is None else filled,
                       f"over {HIGH_FILLED_SHARE:.0%} gap-filled" if (filled or 0) > HIGH_FILLED_SHARE else ""),
        "longest gap": Cell(f"{runs[longest_date]:,} s ({longest_date[5:]})" if longest_date else "n/a",
                            runs[longest_date] if longest_date else -1,
                            f"long gaps on {', '.join(long_gaps)}" if long_gaps else ""),
        "missing sessions": Cell(str(len(missing)), len(missing),
                                 f"without trades or too short: {', '.join(missing)}" if missing else ""),
    }


def _label_cells(label: dict, modes: list[str]) -> dict[str, Cell]:
    """Win rate per mode; the outcome mix (win / stop / timeout / session_end) as the cell's tooltip."""
    cells = {}
    for mode in modes:
        m = label.get("modes", {}).get(mode, {})
        rate = m.get("win_rate")
        mix = ", ".join(f"{k} {v:,}" for k, v in m.get("outcomes", {}).items())
        cells[f"win {mode}"] = Cell(_pct(rate), -1 if rate is None else rate,
                                    "no win rate" if rate is None else "", mix)
    return cells


def _feature_cell(feat: dict) -> Cell:
    failures = feat.get("nan_check_failures")
    worst = max(feat.get("nan_share", {}).values(), default=None, key=lambda v: -1 if v is None else v)
    text = f"max NaN {_pct(worst, 2)}"
    if failures:
        return Cell(f"FAIL ({failures}) · {text}", failures, f"{failures} feature(s) fail the warm-up NaN check")
    return Cell(f"pass · {text}", 0)


def month_row(month: str, found: dict[str, dict | None], modes: list[str]) -> MonthRow:
    """A month's status from its three stage summaries (None: the stage has not run for it)."""
    f, label, feat = (found.get(stage) for stage in STAGES)
    not_run = Cell("not run", "", "stage has not run")
    cells = _filter_cells(f) if f is not None else {k: not_run for k in _filter_cells({})}
    cells |= _label_cells(label, modes) if label is not None else {f"win {m}": not_run for m in modes}
    cells["features"] = _feature_cell(feat) if feat is not None else not_run
    pages = {stage: f"{stage}/{month}.html" for stage in STAGES if found.get(stage) is not None}
    return MonthRow(month, cells, pages)


def read_summaries(metrics_dir: str | Path, months: list[str]) -> dict[str, dict[str, dict | None]]:
    """month -> stage -> its summary JSON, or None where the stage has not written one."""
    root = Path(metrics_dir)
    found: dict[str, dict[str, dict | None]] = {}
    for month in months:
        found[month] = {}
        for stage in STAGES:
            path = root / stage / f"{month}.json"
            found[month][stage] = json.loads(path.read_text()) if path.exists() else None
    return found


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; } nav a { margin-right: 16px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e4e4e4; text-align: right; white-space: nowrap; }
th { position: sticky; top: 0; background: #f4f4f4; cursor: pointer; user-select: none;
     white-space: normal; max-width: 7em; vertical-align: bottom; }
th:first-child, td:first-child, td.text { text-align: left; }
tbody th { text-align: left; background: #fafafa; font-size: 15px; cursor: default; position: static; }
td.bad { background: #ffe3b3; font-weight: 600; }
tr.abnormal td:first-child { border-left: 4px solid #e08a00; }
.legend { color: #666; margin: 6px 0 12px; }
"""
# sort each year's rows by the clicked column (data-sort holds the raw value); no library
SCRIPT = """
document.querySelectorAll('thead th').forEach(function (th, col) {
  th.addEventListener('click', function () {
    var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
    document.querySelectorAll('tbody').forEach(function (body) {
      var rows = Array.from(body.querySelectorAll('tr.month'));
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
        var nx = x === '' ? NaN : Number(x), ny = y === '' ? NaN : Number(y);
        var c = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
document.getElementById('only-abnormal').addEventListener('change', function (e) {
  document.querySelectorAll('tr.month').forEach(function (r) {
    r.hidden = e.target.checked && !r.classList.contains('abnormal');
  });
});
"""
TEXT_COLUMNS = ("contract / roll", "early closes", "features")


def _td(cell: Cell, column: str) -> str:
    classes = " ".join(c for c in ("bad" if cell.problem else "", "text" if column in TEXT_COLUMNS else "") if c)
    tip = "; ".join(t for t in (cell.problem, cell.title) if t)
    return (f'<td data-sort="{html.escape(str(cell.sort))}"' + (f' class="{classes}"' if classes else "")
            + (f' title="{html.escape(tip)}"' if tip else "") + f">{html.escape(cell.text)}</td>")


def render_index(rows: list[MonthRow], report_href: str = "report.html", graph_href: str = "pipeline.html",
                 model_href: str = "model.html") -> str:
    """The index page: one row per month, grouped by year (newest first), sortable, abnormal cells highlighted."""
    columns = list(rows[0].cells) if rows else []
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>" for c in ["month", *columns, "pages"])
    bodies = []
    for year in sorted({r.month[:4] for r in rows}, reverse=True):
        in_year = sorted((r for r in rows if r.month[:4] == year), key=lambda r: r.month, reverse=True)
        flagged = sum(r.abnormal for r in in_year)
        lines = [f'<tr><th colspan="{len(columns) + 2}">{year} · {len(in_year)} month(s)'
                 + (f" · {flagged} to check" if flagged else "") + "</th></tr>"]
        for r in in_year:
            links = " ".join(f'<a href="{html.escape(href)}">{stage}</a>' for stage, href in r.pages.items())
            lines.append(f'<tr class="month{" abnormal" if r.abnormal else ""}" id="m{r.month}">'
                         f'<td data-sort="{r.month}">{r.month}</td>'
                         + "".join(_td(r.cells[c], c) for c in columns) + f'<td class="text">{links}</td></tr>')
        bodies.append("<tbody>" + "\n".join(lines) + "</tbody>")
    flagged = sum(r.abnormal for r in rows)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>es-pipeline: months</title>
<style>{STYLE}</style></head><body>
<h1>es-pipeline: {len(rows)} month(s)</h1>
<nav><a href="{report_href}">cross-month report</a><a href="{model_href}">baseline model</a>\
<a href="{graph_href}">pipeline graph</a></nav>
<p class="legend">Highlighted cells need a look ({flagged} month(s)); hover a cell for why, a win rate for its
outcome mix. Click a column to sort within each year.
<label><input type="checkbox" id="only-abnormal"> only months to check</label></p>
<table><thead><tr>{head}</tr></thead>
{chr(10).join(bodies)}
</table>
<script>{SCRIPT}</script>
</body></html>
"""


def build(metrics_dir: str | Path, months: list[str], modes: list[str]) -> list[MonthRow]:
    """Every listed month's row (I/O: reads the stage summaries)."""
    found = read_summaries(metrics_dir, months)
    return [month_row(m, found[m], modes) for m in months]


def _write(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log.info("wrote %s", path)


def run(*, metrics_dir: str | Path = "metrics", params_dir: str | Path = "params",
        pipeline_files: tuple[str | Path, ...] = PIPELINE_FILES,
        out_dir: str | Path = "reports") -> list[MonthRow]:
    params = load(params_dir)
    months = params.month_names
    rows = build(metrics_dir, months, list(params.modes))
    out_dir = Path(out_dir)
    _write(out_dir / "index.html", render_index(rows))
    _write(out_dir / "pipeline.html", pipeline_graph.render(pipeline_graph.read(*pipeline_files), len(months)))
    flagged = [r.month for r in rows if r.abnormal]
    log.info("%d month(s), %d to check%s", len(rows), len(flagged), f": {', '.join(flagged)}" if flagged else "")
    return rows
