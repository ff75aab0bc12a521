"""An offline HTML quality report for a region: completeness by LA and field, findings by rule.

One self-contained file: inline CSS, no scripts, no fonts or links to anywhere, so it opens
from an email attachment on a machine with no internet.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:2em;color:#0b0c0c;max-width:1400px}
h1{color:#12436D}h2{color:#12436D;border-bottom:2px solid #12436D;padding-bottom:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #b1b4b6;padding:3px 6px;text-align:right}
th{background:#12436D;color:#fff}td.l,th.l{text-align:left}
.note{color:#505a5f;font-size:13px}
"""


def _shade(pct: float) -> str:
    """Cell background for a completeness percentage (white at 100%, dark pink as it falls)."""
    if pd.isna(pct):
        return "#f3f2f1"
    if pct >= 99.5:
        return "#ffffff"
    if pct >= 90:
        return "#fbe4ee"
    if pct >= 50:
        return "#f0a8c6"
    return "#d4709a"


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
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>",
             f"<style>{CSS}</style></head><body><h1>{e(title)}</h1>"]  # fmt: skip
    parts.append("<h2>Files checked</h2><table><tr><th class='l'>LA</th><th class='l'>version</th>"
                 "<th>rows read</th><th>rows used</th><th>blank</th><th>rejected</th><th>errors</th><th>warnings</th></tr>")  # fmt: skip
    for r in results:
        s = r.summary()
        parts.append(
            f"<tr><td class='l'>{e(s['la'])}</td><td class='l'>{e(r.standard.title)}</td><td>{s['rows_in']}</td>"
            f"<td>{s['rows_standard']}</td><td>{s['rows_blank']}</td><td>{s['rows_rejected']}</td>"
            f"<td>{s['errors']}</td><td>{s['warnings']}</td></tr>"
        )
    parts.append("</table>")
    comp = completeness(results)
    parts.append("<h2>Completeness by field and LA</h2><p class='note'>Percentage of rows with a usable value. "
                 "Values that failed a check count as missing.</p><table><tr><th class='l'>field</th>")  # fmt: skip
    parts += [f"<th>{e(str(c))}</th>" for c in comp.columns]
    parts.append("</tr>")
    for field, row in comp.iterrows():
        cells = "".join(
            f"<td style='background:{_shade(v)}'>{'' if pd.isna(v) else f'{v:.0f}%'}</td>"
            for v in row.tolist()
        )
        parts.append(f"<tr><td class='l'>{e(str(field))}</td>{cells}</tr>")
    parts.append("</table>")
    rules = findings_by_rule(results)
    parts.append("<h2>Findings by rule</h2>")
    if rules.empty:
        parts.append("<p>No findings.</p>")
    else:
        parts.append("<table><tr><th class='l'>severity</th><th class='l'>rule</th>")
        parts += [f"<th>{e(str(c))}</th>" for c in rules.columns]
        parts.append("</tr>")
        for (severity, rule), row in rules.iterrows():
            cells = "".join(f"<td>{int(v)}</td>" for v in row.tolist())
            parts.append(f"<tr><td class='l'>{e(severity)}</td><td class='l'>{e(rule)}</td>{cells}</tr>")
        parts.append("</table>")
    parts.append("<p class='note'>Made by the children's social care data standards kit, offline. "
                 "Counts of findings, not of children.</p></body></html>")  # fmt: skip
    return "".join(parts)


def write_quality_report(results, path: str | Path, title: str = "Data quality report") -> Path:
    path = Path(path)
    path.write_text(quality_report_html(results, title), encoding="utf-8")
    return path
