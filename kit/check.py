"""Check one LA's file(s): read, detect, map, convert, check, and write the contract's outputs.

``check_files`` is what ``python -m kit check`` and the notebooks call. Every source row ends up
in exactly one place, and the counts add up::

    rows_in == rows_standard + rows_blank + rows_rejected

(the template's own heading, question and example rows are not data and are not counted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kit.convert.values import convert_column, empty_column
from kit.core.errors import KitError
from kit.core.findings import Finding, to_frame
from kit.detect import Detection, detect
from kit.mapping.suggest import ColumnMatch, Mapping, load_mapping, missing_fields, suggest_mapping
from kit.read.files import SourceTable, read_file
from kit.standards import Standard, normalise_header

PROVENANCE = ["_la", "_source_file", "_source_row"]
# The field without which a row cannot be used: a placement's child ID, a person's LA person ID.
ROW_KEYS = {"placements": "childId", "person": "personId"}


@dataclass
class FileResult:
    table: SourceTable
    detection: Detection
    matches: list[ColumnMatch]
    rows_in: int = 0
    rows_blank: int = 0
    rows_rejected: int = 0


@dataclass
class CheckResult:
    """Everything a check produced, in memory (``write_outputs`` puts it on disk)."""

    standard: Standard
    la: str
    files: list[FileResult]
    data: pd.DataFrame  # the standard table: property names + provenance
    extra: pd.DataFrame  # the LA's own columns, keyed by provenance
    findings: pd.DataFrame
    text: pd.DataFrame  # what the quality checks read: canonical text, or the original where a value failed
    mapping: Mapping | None = None
    checked: bool = False  # True once the quality suite has run
    checks: list = field(default_factory=list)  # the quality checks that ran (kit.checks.Check)
    profile: str | None = None  # person standard: subject_of_care or connected (chosen by the user)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in for f in self.files)

    @property
    def rows_blank(self) -> int:
        return sum(f.rows_blank for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def required_fields(self) -> list:
        """Fields the standard requires here (for the person standard: those the chosen profile requires)."""
        if self.profile:
            return [f for f in self.standard.fields if self.profile in f.required_in or f.required]
        return [f for f in self.standard.fields if f.required]

    def summary(self) -> dict:
        sev = self.findings["severity"] if len(self.findings) else pd.Series(dtype=str)
        unmapped = sorted(
            {m.header for f in self.files for m in f.matches if not m.applied and m.header.strip()}
        )
        mapped = {m.field for f in self.files for m in f.matches if m.applied}
        by_design = {
            x for f in self.files if f.detection.layout for x in f.detection.layout.missing_by_design
        }
        summary = {
            "standard": self.standard.standard,
            "version": self.standard.version,
            "la": self.la,
            "files": [
                {
                    "file": f.table.path.name,
                    "sheet": f.table.sheet,
                    "layout": f.detection.layout.id if f.detection.layout else None,
                    "evidence": f.table.evidence + f.detection.evidence,
                    "rows_in": f.rows_in,
                }
                for f in self.files
            ],
            "rows_in": self.rows_in,
            "rows_standard": len(self.data),
            "rows_blank": self.rows_blank,
            "rows_rejected": self.rows_rejected,
            "errors": int((sev == "error").sum()),
            "warnings": int((sev == "warning").sum()),
            "unmapped_columns": unmapped,
            "missing_fields": [f.name for f in self.required_fields() if f.name not in mapped | by_design],
            "missing_by_design": sorted(by_design - mapped),
            "quality_checked": self.checked,
        }
        assert (
            summary["rows_in"] == summary["rows_standard"] + summary["rows_blank"] + summary["rows_rejected"]
        )
        return summary


# ---------------------------------------------------------------------------------------------


def _file_findings(
    table: SourceTable,
    det: Detection,
    matches: list[ColumnMatch],
    std: Standard,
    la: str,
    mapping: Mapping | None,
) -> list[Finding]:
    out: list[Finding] = []
    name = table.path.name
    for m in matches:
        base = dict(
            la=la, source_file=name, source_row=table.header_row, source_column=m.letter, value=m.header
        )
        if m.how == "suggested":
            out.append(
                Finding(
                    **base,
                    field=m.field,
                    rule="column_guessed",
                    severity="warning",
                    message=f"Column '{m.header}' was taken to be {m.field} ({m.score:.0f}% match). Confirm it in the mapping file or rename the column.",
                )
            )
        elif m.how == "duplicate":
            out.append(
                Finding(
                    **base,
                    field=m.field,
                    rule="duplicate_column",
                    severity="warning",
                    message=f"Column '{m.header}' is a second column for {m.field}; only the first was used. Delete or rename one of them.",
                )
            )
        elif (
            m.how == "unmapped"
            and m.header.strip()
            and mapping is not None
            and not mapping.column_for(m.header)[0]
        ):
            out.append(
                Finding(
                    **base,
                    field="(column)",
                    rule="new_column",
                    severity="warning",
                    message=f"Column '{m.header}' was not in last quarter's mapping; it is kept as the LA's own column. Map it if it is a standard field.",
                )
            )
        if (
            mapping is not None
            and m.how in ("exact", "alias", "normalised")
            and not mapping.column_for(m.header)[0]
        ):
            out.append(
                Finding(
                    **base,
                    field=m.field,
                    rule="new_column",
                    severity="warning",
                    message=f"Column '{m.header}' was not in last quarter's mapping; it was matched to {m.field} by name. Check and save the mapping.",
                )
            )
    lay_missing = det.layout.missing_by_design if det.layout else ()
    mapped = {m.field for m in matches if m.applied}
    absent_parts = {s for s in std.optional_sections() if not mapped & set(std.section_fields(s))}
    for fname in missing_fields(matches, std):
        if std.field(fname).section in absent_parts:
            continue  # the file carries no such part of the record at all (e.g. referrals not yet placed)
        f = std.field(fname)
        by_design = fname in lay_missing
        out.append(
            Finding(
                la=la,
                source_file=name,
                source_row=None,
                source_column="",
                field=fname,
                value="",
                rule="missing_by_design" if by_design else "missing_column",
                severity="warning" if by_design else "error",
                message=(
                    f"The {det.layout.title} has no column for {f.title}, although the standard requires it; the region should collect it another way."
                    if by_design
                    else f"No column holds {f.title} ({fname}), which the standard requires. Add the column or map it in the mapping file."
                ),
            )
        )
    return out


def convert_table(
    table: SourceTable, det: Detection, std: Standard, *, la: str = "", mapping: Mapping | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[Finding], FileResult]:
    """The standard rows, the LA's extra columns, the text the checks read, and the findings."""
    matches = suggest_mapping(table, std, mapping)
    key = ROW_KEYS.get(std.standard, "childId")
    child = next((m for m in matches if m.applied and m.field == key), None)
    data = table.data
    name = table.path.name
    findings = list(table.findings)
    for f in findings:
        f.la = la
    findings += _file_findings(table, det, matches, std, la, mapping)

    result = FileResult(table, det, matches, rows_in=len(data))
    if len(data.columns):  # numpy is three times faster than pandas here on a million rows
        filled = pd.Series((data.to_numpy(dtype=object) != "").any(axis=1), index=data.index)
    else:
        filled = pd.Series(False, index=data.index)
    blank = ~filled
    result.rows_blank = int(blank.sum())

    columns: dict[str, pd.Series] = {}
    texts: dict[str, pd.Series] = {}
    date_format = mapping.date_format if mapping else "day-first"
    for m in matches:
        if not m.applied or m.how == "duplicate":
            continue
        f = std.field(m.field)
        invert = f.invert_from_template and normalise_header(m.header) != normalise_header(f.name)
        res = convert_column(
            data[m.position],
            f,
            std,
            letter=m.letter,
            source_file=name,
            la=la,
            invert=invert,
            date_format=date_format,
            user_values=(mapping.values.get(f.name) if mapping else None),
        )
        columns[f.name] = res.values
        texts[f.name] = res.text
        findings += [x for x in res.findings if not blank.get(x.source_row, False)]

    # Rows that cannot be used at all: no child ID, or the template's example row left in.
    rejected = pd.Series(False, index=data.index)
    if child is not None:
        ids = data[child.position].astype(str).str.strip()
        # The template's example child (ABCD2012) is only a left-over in files on a template layout.
        examples = {det.layout.example_child_id} if det.layout and det.layout.example_child_id else set()
        is_example = ids.isin(examples) & filled
        no_id = (ids == "") & filled
        for row in ids[is_example].index:
            findings.append(
                Finding(
                    la=la,
                    source_file=name,
                    source_row=int(row),
                    source_column=child.letter,
                    field=key,
                    value=ids[row],
                    rule="template_example_row",
                    severity="error",
                    message="This is the national template's example row, not a real placement. Delete it.",
                )
            )
        for row in ids[no_id].index:
            findings.append(
                Finding(
                    la=la,
                    source_file=name,
                    source_row=int(row),
                    source_column=child.letter,
                    field=key,
                    value="",
                    rule="missing_child_id",
                    severity="error",
                    message=f"This row has no {std.field(key).title}, so it cannot be used. Enter the ID from your case-management system.",
                )
            )
        rejected = is_example | no_id
    else:
        rejected = filled.copy()
        if filled.any():
            findings.append(
                Finding(
                    la=la,
                    source_file=name,
                    field=key,
                    rule="no_child_id_column",
                    severity="error",
                    message=f"No column holds the {std.field(key).title} ({key}), so no row can be used. Add the column or map it in the mapping file.",
                )
            )
    result.rows_rejected = int(rejected.sum())
    if child is not None and rejected.any():
        rejected_rows = set(rejected[rejected].index)
        findings = [
            x
            for x in findings
            if x.source_row not in rejected_rows or x.rule in ("template_example_row", "missing_child_id")
        ]

    keep = filled & ~rejected
    out = pd.DataFrame(index=data.index[keep])
    for f in std.fields:
        out[f.name] = columns[f.name][keep] if f.name in columns else empty_column(out.index, f)
    out["_la"] = la
    out["_source_file"] = name
    out["_source_row"] = out.index.astype("int64")
    text = pd.DataFrame(index=data.index[keep])
    for f in std.fields:
        text[f.name] = (
            texts[f.name][keep] if f.name in texts else pd.Series(None, index=text.index, dtype=object)
        )
    text["_source_file"] = name
    text["_source_row"] = text.index.astype("int64")
    extra = pd.DataFrame(index=data.index[keep])
    for m in matches:
        if (not m.applied or m.how == "duplicate") and m.header.strip():
            extra[f"{m.letter}: {m.header}"] = data.loc[keep, m.position]
    extra["_la"] = la
    extra["_source_file"] = name
    extra["_source_row"] = extra.index.astype("int64")
    return (
        out.reset_index(drop=True),
        extra.reset_index(drop=True),
        text.reset_index(drop=True),
        findings,
        result,
    )


def check_files(
    paths: list[str | Path],
    standard: str = "placements",
    version: str = "auto",
    la: str = "",
    mapping: str | Path | Mapping | None = None,
    sheet: str | None = None,
    run_checks: bool = True,
    today=None,
    profile: str | None = None,
) -> CheckResult:
    """Read, map and check one LA's file(s) (one per quarter is fine) against a standard.

    ``profile`` (person standard only) is ``subject_of_care`` or ``connected``: the standard's
    records cannot say which they are, so the user chooses.

    Returns a :class:`CheckResult`; :func:`write_outputs` writes the contract's files.
    """
    if not paths:
        raise KitError("No input files given. Name at least one CSV or Excel file.")
    if isinstance(mapping, (str, Path)):
        mapping = load_mapping(mapping)
    if mapping is not None:
        if mapping.standard != standard:
            raise KitError(
                f"Mapping file {mapping.path} is for the {mapping.standard} standard, not {standard}."
            )
        la = la or mapping.la
        if version == "auto" and mapping.version not in ("", "auto"):
            version = mapping.version
        sheet = sheet or mapping.sheet
    frames, extras, texts, findings, files = [], [], [], [], []
    std: Standard | None = None
    for p in paths:
        table = read_file(p, sheet=sheet)
        det = detect(table, standard, version if std is None else std.version)
        if std is None:
            std = det.standard
        data, extra, text, found, result = convert_table(table, det, std, la=la, mapping=mapping)
        frames.append(data)
        extras.append(extra)
        texts.append(text)
        findings += found
        files.append(result)
    data = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    extra = pd.concat(extras, ignore_index=True) if len(extras) > 1 else extras[0]
    text = pd.concat(texts, ignore_index=True) if len(texts) > 1 else texts[0]
    if standard == "person" and profile not in ("subject_of_care", "connected"):
        raise KitError(
            "Say which Person Standard profile the records follow: --profile subject_of_care (children and "
            "adults receiving care) or --profile connected (relatives, carers and contacts)."
        )
    result = CheckResult(
        std, la, files, data, extra, to_frame(findings), text, mapping=mapping, profile=profile
    )
    if run_checks:
        run_quality_checks(result, today=today)
    return result


def run_quality_checks(result: CheckResult, today=None) -> None:
    """The standard's quality suite on a converted result (placements here; person in kit.person)."""
    if result.standard.standard == "person":
        from kit.person import check_person_quality

        check_person_quality(result, today=today)
    else:
        from kit.checks import check_quality

        check_quality(result, today=today)


def check_frame(
    frame: pd.DataFrame,
    name: str = "records",
    standard: str = "placements",
    version: str = "auto",
    la: str = "",
    run_checks: bool = True,
    today=None,
    profile: str | None = None,
) -> CheckResult:
    """Check rows already in memory (headers as column names, every cell text), e.g. JSON-LD records."""
    headers = [str(c) for c in frame.columns]
    data = frame.astype(object).where(frame.notna(), "").astype(str)
    data.columns = list(range(len(headers)))
    data.index = pd.RangeIndex(2, 2 + len(data))
    table = SourceTable(path=Path(name), sheet=None, headers=headers, header_row=1, data=data)
    table.evidence.append(f"{len(data)} rows given in memory")
    det = detect(table, standard, version)
    std = det.standard
    out, extra, text, found, file_result = convert_table(table, det, std, la=la)
    result = CheckResult(std, la, [file_result], out, extra, to_frame(found), text, profile=profile)
    if run_checks:
        run_quality_checks(result, today=today)
    return result


# ---------------------------------------------------------------------------------------------
# Writing


def standard_csv_frame(data: pd.DataFrame, std: Standard) -> pd.DataFrame:
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
    standard_csv_frame(result.data, result.standard).to_csv(paths["standard"], index=False, encoding="utf-8")
    result.findings.to_csv(paths["findings"], index=False, encoding="utf-8")
    if len(result.extra.columns) > len(PROVENANCE):
        paths["extra"] = out / "extra_columns.csv"
        result.extra.to_csv(paths["extra"], index=False, encoding="utf-8")
    paths["summary"].write_text(json.dumps(result.summary(), indent=2, default=str) + "\n", encoding="utf-8")
    if result.checked:
        from kit.outputs.feedback import write_feedback
        from kit.outputs.quality_report import write_quality_report

        paths["feedback"] = write_feedback(result, out / "feedback.xlsx")
        title = f"Data quality: {result.la or result.files[0].table.path.name}"
        paths["quality_report"] = write_quality_report([result], out / "quality_report.html", title)
    return paths
