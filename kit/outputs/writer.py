"""Write what one LA gets back: standard.csv, findings.csv, summary.json, feedback.xlsx, quality report.

In: a :class:`kit.core.results.CheckResult` (from :func:`kit.check.check_files`) and a folder.
Out: the contract's files in that folder, and their paths by name. The check itself writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kit.core.results import PROVENANCE, CheckResult
from kit.outputs.excel import write_csv


def standard_csv_frame(data: pd.DataFrame, std) -> pd.DataFrame:
    """The standard table as text: ISO dates, true/false, canonical codes, plain numbers."""
    out = pd.DataFrame(index=data.index)
    for f in std.fields:
        col = data[f.name]
        if f.type == "date":
            text = pd.to_datetime(col).dt.strftime("%Y-%m-%d")
        elif f.type == "boolean":
            text = col.map({True: "true", False: "false"})
        elif f.type == "integer":
            text = col.astype("Int64").astype(str)
        elif f.type == "decimal":
            text = col.astype("Float64").map(
                lambda v: f"{v:.2f}".rstrip("0").rstrip(".") if pd.notna(v) else ""
            )
        else:
            text = col
        out[f.name] = text.astype(object).where(col.notna(), "")
    for c in PROVENANCE:
        out[c] = data[c]
    return out


def write_outputs(result: CheckResult, out: str | Path) -> dict[str, Path]:
    """Write standard.csv, findings.csv, summary.json (and feedback.xlsx once checked) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "standard": out / "standard.csv",
        "findings": out / "findings.csv",
        "summary": out / "summary.json",
    }
    # Through the one CSV writer: text that could run as a formula is neutralised (kit.outputs.excel).
    write_csv(standard_csv_frame(result.data, result.standard), paths["standard"])
    write_csv(result.findings, paths["findings"])
    if len(result.extra.columns) > len(PROVENANCE):
        paths["extra"] = out / "extra_columns.csv"
        write_csv(result.extra, paths["extra"])
    paths["summary"].write_text(json.dumps(result.summary(), indent=2, default=str) + "\n", encoding="utf-8")
    if result.checked:
        from kit.outputs.feedback import write_feedback
        from kit.outputs.quality_report import write_quality_report

        paths["feedback"] = write_feedback(result, out / "feedback.xlsx")
        title = f"Data quality: {result.la or result.files[0].table.path.name}"
        paths["quality_report"] = write_quality_report([result], out / "quality_report.html", title)
    return paths


__all__ = ["standard_csv_frame", "write_outputs"]
