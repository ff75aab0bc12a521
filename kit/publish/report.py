"""Publish: a self-contained HTML report, an Excel data pack and PNG charts, small numbers hidden.

In: the sufficiency tables (unsuppressed, from :func:`kit.analysis.sufficiency_tables`), the charts
(matplotlib figures or PNG bytes, drawn from *suppressed* tables), an output folder, a title and
the suppression threshold. Out, in the folder:

* ``report.html`` -- one file that opens offline from an email attachment: charts embedded as
  base64 ``data:`` images, CSS inline, no scripts, no links, no web address of any kind;
* ``data_pack.xlsx`` -- a cover sheet (what it is, the suppression rules), a "Definitions and
  caveats" sheet from the measure registry, and one sheet per table;
* ``charts/<name>.png`` -- each chart on its own, for slides.

Every table is passed through :func:`kit.publish.suppression.suppress_tables` (which calls
:func:`kit.publish.suppression.suppress`) here, whatever the caller did before, so nothing reaches a
file unsuppressed. Hidden values read ``[c]``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import pandas as pd

from kit.core import style
from kit.core.findings import column_letter
from kit.core.style import esc
from kit.publish.suppression import HIDDEN, as_text, small_counts_shown, suppress_tables
from kit.region.config import MIN_SUPPRESS_BELOW

LABELS = {"la": "LA", "hhi": "HHI", "percent": "Percent", "needed_by": "Needed by"}


def column_label(name: str) -> str:
    """``percent_over_20_miles`` -> ``Percent over 20 miles``; ``la`` -> ``LA``."""
    if name in LABELS:
        return LABELS[name]
    text = name.replace("_", " ")
    text = re.sub(r"\bla\b", "LA", text)
    return text[:1].upper() + text[1:]


def _png(chart) -> bytes:
    if isinstance(chart, (bytes, bytearray)):
        return bytes(chart)
    from kit.publish.charts import png_bytes

    return png_bytes(chart)


def _title(chart, name: str) -> str:
    return getattr(chart, "kit_title", None) or name.replace("_", " ").capitalize()


def _table_html(table: pd.DataFrame, caption: str) -> str:
    text = as_text(table)
    numeric = [pd.api.types.is_numeric_dtype(table[c].dtype) for c in table.columns]
    head = [column_label(c) for c in table.columns]
    return style.table_html(head, text.to_numpy().tolist(), numeric, caption)


def _definition_html(measure) -> str:
    return (
        '<dl class="def">'
        f"<dt>What it counts</dt><dd>{esc(measure.definition)}</dd>"
        f"<dt>Out of</dt><dd>{esc(measure.denominator)}</dd>"
        f"<dt>Be careful</dt><dd>{esc(measure.caveat)}</dd>"
        "</dl>"
    )


def suppression_rules(threshold: int) -> list[str]:
    """The rules applied to everything published, in plain words (cover sheet, report, guide)."""
    from kit.publish.suppression import DOMINANCE_SHARE, MIN_DISTRIBUTION

    return [
        f"Any count of 1 to {threshold - 1} placements or children is hidden and shown as {HIDDEN} "
        f"(the threshold is {threshold}; the kit refuses any threshold below {MIN_SUPPRESS_BELOW}).",
        "Where a hidden count could be worked out from the totals, from the same count in another table, "
        "or from knowing that a hidden count is at least 1, enough other counts are hidden too "
        "(secondary suppression). The result is checked by trying to solve for each hidden count "
        "from everything published, and none can be pinned to one value.",
        "Percentages, costs, averages and spend worked out from a hidden count are hidden as well, and "
        f"no average, percentile, spend total or percentage is shown for fewer than {max(MIN_DISTRIBUTION, threshold)} "
        "placements.",
        f"No average, 90th percentile, spend total or percentage of spend is shown where the two largest "
        f"placements make up more than {DOMINANCE_SHARE:.0%} of the group's cost, however many placements it "
        "holds (a dominance rule: such a figure describes one or two packages); other spend totals are "
        "hidden beside it so that it cannot be worked out by subtraction.",
        "Zeros are shown, except in a row or column hidden whole, which may hold zeros. Registered places "
        "come from Ofsted's public register and are not hidden.",
    ]


def write_report(
    tables: dict[str, pd.DataFrame],
    charts: dict,
    out_dir: str | Path,
    title: str,
    suppress_below: int,
    *,
    source: str = "",
    synthetic: bool = False,
    registry=None,
    la_names: dict[str, str] | None = None,
    intro: str = "",
    sections: list[dict] | None = None,
    dated: str | None = None,
) -> dict[str, Path]:
    """Write ``report.html``, ``data_pack.xlsx`` and ``charts/*.png`` into ``out_dir``.

    ``dated``: the sentence saying when (e.g. ``Figures to 30 September 2026.``); the same inputs
    then give the same bytes. Without it the report says it was produced today.

    ``sections``: further parts of the report (the forecast), each a dict with ``id``, ``title``,
    ``paragraphs`` (plain text), ``charts`` (name -> figure) and ``tables`` (caption -> table,
    already safe to publish: projections and differences, no small counts of children).

    ``tables``: name -> table as :func:`kit.analysis.sufficiency_tables` returns it (suppressed
    here); ``charts``: name -> figure or PNG bytes (draw them from suppressed tables). Returns the
    paths written: ``report``, ``data_pack``, ``charts`` (the folder) and ``chart_<name>`` for each.
    """
    if registry is None:
        from kit.analysis import REGISTRY as registry
    out = Path(out_dir)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    published = suppress_tables(tables, suppress_below, registry)
    for name, table in published.items():  # belt and braces: refuse to write a visible small count
        shown = small_counts_shown(table, suppress_below, registry[name].shape.public)
        if shown:
            raise AssertionError(f"Table {name} would show a count below {suppress_below}: {shown[:3]}")
    paths: dict[str, Path] = {"charts": out / "charts"}
    pngs = {name: _png(chart) for name, chart in charts.items()}
    for name, data in pngs.items():
        path = out / "charts" / f"{name}.png"
        path.write_bytes(data)
        paths[f"chart_{name}"] = path
    titles = {name: _title(chart, name) for name, chart in charts.items()}
    extra = []
    for section in sections or []:
        figs = {}
        for name, chart in (section.get("charts") or {}).items():
            data = _png(chart)
            (out / "charts" / f"{section['id']}_{name}.png").write_bytes(data)
            paths[f"chart_{section['id']}_{name}"] = out / "charts" / f"{section['id']}_{name}.png"
            figs[name] = (data, _title(chart, name))
        extra.append({**section, "pngs": figs})
    dated = dated or f"Produced on {dt.date.today().strftime('%d %B %Y')}."
    paths["report"] = _write_html(out / "report.html", published, pngs, titles, title, suppress_below, source,
                                  synthetic, registry, la_names or {}, intro, extra, dated)  # fmt: skip
    paths["data_pack"] = _write_excel(
        out / "data_pack.xlsx",
        published,
        title,
        suppress_below,
        source,
        synthetic,
        registry,
        la_names or {},
        dated,
    )
    return paths


def _section_html(section: dict) -> str:
    parts = [f"<h2 id='{esc(section['id'])}'>{esc(section['title'])}</h2>"]
    parts += [f"<p>{esc(p)}</p>" for p in section.get("paragraphs") or []]
    for name, (data, caption) in section["pngs"].items():
        b64 = base64.b64encode(data).decode("ascii")
        alt = esc(caption)
        parts.append(
            f'<figure id="chart-{esc(section["id"])}-{name}"><img src="data:image/png;base64,{b64}" '
            f'alt="{alt}"><figcaption>{alt}</figcaption></figure>'
        )
    for caption, table in (section.get("tables") or {}).items():
        if table is not None and not table.empty:
            parts.append(f"<h3>{esc(caption)}</h3>" + _table_html(table, caption))
    return "\n".join(parts)


def _write_html(
    path,
    tables,
    pngs,
    titles,
    title,
    threshold,
    source,
    synthetic,
    registry,
    la_names,
    intro,
    sections=(),
    dated="",
) -> Path:
    banner = (
        "Synthetic sample region: these are made-up children, for practice and training. "
        "No real child is in this report."
        if synthetic
        else ""
    )
    parts = []
    parts.append(f"<p>{esc(source)}. {esc(dated)}</p>" if source else f"<p>{esc(dated)}</p>")
    if intro:
        parts.append(f"<p>{esc(intro)}</p>")
    parts.append(
        '<div class="notice"><p><b>Small numbers are hidden.</b> '
        + " ".join(esc(r) for r in suppression_rules(threshold))
        + "</p></div>"
    )
    parts.append("<nav><h2>Contents</h2><ol><li><a href='#findings'>Key findings</a></li>")
    parts.append("<li><a href='#charts'>Charts</a></li>")
    for section in sections:
        parts.append(f"<li><a href='#{esc(section['id'])}'>{esc(section['title'])}</a></li>")
    for name in tables:
        parts.append(f"<li><a href='#{name}'>{esc(registry[name].title)}</a></li>")
    parts.append("</ol></nav>")
    parts.append("<h2 id='findings'>Key findings</h2><ul>")
    parts += [f"<li>{esc(t)}</li>" for t in titles.values()]
    parts.append("</ul>")
    if la_names:
        parts.append("<h3>Local authorities</h3><ul>")
        parts += [f"<li>{esc(code)}: {esc(name)}</li>" for code, name in sorted(la_names.items())]
        parts.append("</ul>")
    parts.append("<h2 id='charts'>Charts</h2>")
    for name, data in pngs.items():
        b64 = base64.b64encode(data).decode("ascii")
        alt = esc(titles[name])
        parts.append(
            f'<figure id="chart-{name}"><img src="data:image/png;base64,{b64}" alt="{alt}">'
            f"<figcaption>{alt}. Chart file: charts/{esc(name)}.png</figcaption></figure>"
        )
    parts += [_section_html(section) for section in sections]
    parts.append("<h2 id='tables'>Tables, definitions and caveats</h2>")
    parts.append(
        f"<p>Every table is also in the data pack (data_pack.xlsx). Hidden values read {HIDDEN}.</p>"
    )
    for name, table in tables.items():
        m = registry[name]
        parts.append(f"<section id='{name}'><h3>{esc(m.title)}</h3>{_definition_html(m)}")
        if table is None or table.empty:
            parts.append("<p>No data for this table.</p></section>")
            continue
        parts.append(_table_html(table, f"{m.title} (data pack sheet {name[:31]})") + "</section>")
    parts.append(
        "<footer><p>Made with the children's social care data standards kit. Offline report: no scripts, "
        "no links to other sites; the charts are inside this file.</p></footer>"
    )
    style.write_page(path, title, "\n".join(parts), banner=banner)
    return path


def _sheet_values(table: pd.DataFrame) -> pd.DataFrame:
    """Numbers stay numbers; hidden cells ``[c]``; other gaps empty."""
    hide = table.attrs.get("suppressed")
    out = table.astype(object).where(table.notna(), None)
    if hide is not None:
        for col in hide.columns:
            if col in out.columns:
                out[col] = out[col].where(~hide[col].to_numpy(), HIDDEN)
    return out


def _write_excel(path, tables, title, threshold, source, synthetic, registry, la_names, dated="") -> Path:
    """The data pack, written cell by cell through :mod:`kit.outputs.excel` (text never runs as a formula)."""
    from openpyxl.styles import Alignment, Font

    from kit.outputs.excel import new_workbook, save, sheet_title, write_cell, write_frame, write_rows

    cover = [
        [title],
        [source or ""],
        [dated],
        ["Synthetic sample region: made-up children, for practice and training." if synthetic else ""],
        [],
        ["Small numbers"],
        *[[r] for r in suppression_rules(threshold)],
        [],
        ["How to read the sheets"],
        ["Each table sheet has its title in cell A1, what it counts in A2, and the table from row 4."],
        [
            "'Definitions and caveats' says for every table what it counts, out of what, and what to be careful of."
        ],
        [],
        ["Sheet", "Contents"],
        *[[sheet_title(name), registry[name].title] for name in tables],
    ]
    if la_names:
        cover += [[], ["LA code", "LA name"], *[[c, n] for c, n in sorted(la_names.items())]]
    definitions = pd.DataFrame(
        [
            {
                "Sheet": sheet_title(name),
                "Measure": registry[name].title,
                "What it counts": registry[name].definition,
                "Out of (denominator)": registry[name].denominator,
                "Caveat": registry[name].caveat,
            }
            for name in tables
        ]
    )
    wb = new_workbook()
    ws = wb.active
    ws.title = "Cover"
    write_rows(ws, [[v if v != "" else None for v in row] for row in cover])
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    for k, width in enumerate((110, 45)):
        ws.column_dimensions[column_letter(k)].width = width
    ws = wb.create_sheet("Definitions and caveats")
    write_frame(ws, definitions)
    for k, width in enumerate((26, 30, 70, 45, 60)):
        ws.column_dimensions[column_letter(k)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for name, table in tables.items():
        m = registry[name]
        ws = wb.create_sheet(sheet_title(name))
        values = _sheet_values(table) if table is not None and not table.empty else pd.DataFrame()
        values = values.rename(columns=column_label)
        write_cell(ws, 1, 1, m.title).font = Font(bold=True, size=13)
        write_cell(
            ws, 2, 1, f"{m.definition} Out of: {m.denominator} Caveat: {m.caveat} Hidden values: {HIDDEN}."
        )
        write_frame(ws, values, start_row=4)
        for k, col in enumerate(values.columns, start=1):
            ws.column_dimensions[ws.cell(row=4, column=k).column_letter].width = max(
                12, min(40, len(str(col)) + 4)
            )
    return save(wb, path)


def check_published(paths: dict[str, Path], suppress_below: int, registry=None) -> list[str]:
    """Problems with published files, in words (an empty list means none found).

    Checks that ``report.html`` references nothing outside itself (no web address, script, style
    sheet link or frame) and embeds every chart, and that no count column of any data-pack sheet
    shows a count from 1 to ``suppress_below - 1``. Run it before sending the files anywhere.
    """
    import openpyxl

    from kit.outputs.excel import sheet_title

    if registry is None:
        from kit.analysis import REGISTRY as registry
    problems = []
    text = Path(paths["report"]).read_text(encoding="utf-8")
    problems += [f"report.html contains {what}" for what in style.outside_references(text)]
    charts = [k for k in paths if k.startswith("chart_")]
    embedded = text.count('src="data:image/png;base64,')
    if embedded != len(charts):
        problems.append(f"report.html embeds {embedded} charts, not {len(charts)}")
    book = openpyxl.load_workbook(paths["data_pack"], read_only=True)
    try:
        for name, measure in registry.items():
            if sheet_title(name) not in book.sheetnames:
                continue
            rows = list(book[sheet_title(name)].iter_rows(values_only=True))
            if len(rows) < 4:
                continue
            header = list(rows[3])
            for col in measure.shape.count_columns():
                label = column_label(col)
                if label not in header:
                    continue
                k = header.index(label)
                small = [
                    r[k] for r in rows[4:] if isinstance(r[k], (int, float)) and 1 <= r[k] < suppress_below
                ]
                if small:
                    problems.append(
                        f"data pack sheet {name[:31]}, column {label!r} shows {len(small)} small count(s)"
                    )
    finally:
        book.close()
    return problems
