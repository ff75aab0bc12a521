"""An offline HTML quality report for a region: completeness by LA and field, findings by rule.

One self-contained file: inline CSS, no scripts, no fonts or links to anywhere, so it opens
from an email attachment on a machine with no internet. The page skeleton, stylesheet and escaping
are the regional report's (:mod:`kit.core.style`): one look, one HTML writer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kit.core import style


def _shade(pct: float) -> str:
    """CSS class of a completeness percentage's cell (white at 100%, deepening pink as it falls)."""
    if pd.isna(pct):
        return "none"
    if pct >= 99.5:
        return "shade-0"
    if pct >= 90:
        return "shade-1"
    if pct >= 50:
        return "shade-2"
    return "shade-3"


def completeness(results) -> pd.DataFrame:
    """Share of rows with a value, by field (rows) and LA (columns), in percent."""
    cols = {}
    for r in results:
        data = r.data
        fields = [f.name for f in r.standard.fields]
        cols[r.la or r.files[0].table.path.name] = (
            data[fields].notna().mean() * 100 if len(data) else pd.Series(float("nan"), index=fields)
        )
    return pd.DataFrame(cols)


def findings_by_rule(results) -> pd.DataFrame:
    frames = [r.findings.assign(la=r.la or r.files[0].table.path.name) for r in results if len(r.findings)]
    if not frames:
        return pd.DataFrame()
    f = pd.concat(frames, ignore_index=True)
    table = f.pivot_table(
        index=["severity", "rule"], columns="la", values="field", aggfunc="count", fill_value=0
    )
    table["all LAs"] = table.sum(axis=1)
    return table.sort_values("all LAs", ascending=False)


def quality_report_html(results, title: str = "Data quality report") -> str:
    """The report as one HTML page (the kit's page skeleton and stylesheet, :mod:`kit.core.style`)."""
    parts = ["<h2>Files checked</h2>"]
    head = ["LA", "version", "rows read", "rows used", "blank", "rejected", "errors", "warnings"]
    rows = []
    for r in results:
        s = r.summary()
        rows.append([s["la"], r.standard.title, s["rows_in"], s["rows_standard"], s["rows_blank"],
                     s["rows_rejected"], s["errors"], s["warnings"]])  # fmt: skip
    parts.append(style.table_html(head, rows, [False, False] + [True] * 6))
    comp = completeness(results)
    parts.append(
        "<h2>Completeness by field and LA</h2><p class='note'>Percentage of rows with a usable value. "
        "Values that failed a check count as missing.</p>"
    )
    cells = [["" if pd.isna(v) else f"{v:.0f}%" for v in row.tolist()] for _, row in comp.iterrows()]
    shades = [[""] + [_shade(v) for v in row.tolist()] for _, row in comp.iterrows()]
    parts.append(
        style.table_html(
            ["field", *map(str, comp.columns)],
            [[str(field), *c] for field, c in zip(comp.index, cells, strict=True)],
            [False] + [True] * len(comp.columns),
            classes=shades,
        )
    )
    rules = findings_by_rule(results)
    parts.append("<h2>Findings by rule</h2>")
    if rules.empty:
        parts.append("<p>No findings.</p>")
    else:
        parts.append(
            style.table_html(
                ["severity", "rule", *map(str, rules.columns)],
                [
                    [severity, rule, *(int(v) for v in row.tolist())]
                    for (severity, rule), row in rules.iterrows()
                ],
                [False, False] + [True] * len(rules.columns),
            )
        )
    parts.append(
        "<footer><p class='note'>Made by the children's social care data standards kit, offline. "
        "Counts of findings, not of children.</p></footer>"
    )
    return style.page(title, "".join(parts))


def write_quality_report(results, path: str | Path, title: str = "Data quality report") -> Path:
    """Write :func:`quality_report_html` to ``path`` (UTF-8); returns the path."""
    path = Path(path)
    path.write_text(quality_report_html(results, title), encoding="utf-8")
    return path
