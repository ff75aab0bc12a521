"""Check one LA's file(s): read -> detect -> map -> convert -> checks, returning a result.

``check_files`` is what ``python -m kit check`` and the notebooks call. It writes nothing:
:func:`kit.outputs.write_outputs` puts the result on disk. Every source row ends up in exactly
one place, and the counts add up::

    rows_in == rows_standard + rows_blank + rows_rejected

(the template's own heading, question and example rows are not data and are not counted).

Each stage returns new values and this module assembles them into a new
:class:`kit.core.results.CheckResult`; nothing here knows a standard by name (a standard's own
behaviour comes from the plug-in its standard file names, see :mod:`kit.convert.registry` and
:mod:`kit.checks.registry`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from kit.checks.registry import require_profile, required_columns
from kit.convert.registry import Derived, TableView, load_plugin, table_step
from kit.convert.values import convert_column, empty_column, is_placeholder_id
from kit.core.errors import KitError
from kit.core.findings import Finding, to_frame
from kit.core.paths import LA_CODE_RULE, is_safe_code
from kit.core.results import CheckResult, Converted, FileResult
from kit.detect import Detection, detect
from kit.mapping.mapping_file import Mapping, load_mapping
from kit.mapping.suggest import ColumnMatch, suggest_mapping
from kit.read import SourceTable, read_file
from kit.standards import Standard, normalise_header


def record_key(std: Standard) -> str:
    """The field without which a row cannot be used (a placement's child ID, a person's LA person ID).

    Read from the standard file: its ``record_id`` role when it has one, else its first required field.
    """
    role = std.roles.get("record_id") if std.roles else None
    if role:
        return role if isinstance(role, str) else role.field
    return next(f.name for f in std.fields if f.required)


# ---------------------------------------------------------------------------------------------


def _file_findings(
    table: SourceTable,
    det: Detection,
    matches: list[ColumnMatch],
    std: Standard,
    la: str,
    mapping: Mapping | None,
    required: tuple[str, ...],
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
    for fname in (n for n in required if n not in mapped):  # the profile's plug-in decides what is required
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
                    f"The {det.layout.title} has no column for {f.title}, although the standard requires it, so the national validator will reject every record of this file until it is supplied; the region should collect it another way."
                    if by_design
                    else f"No column holds {f.title} ({fname}), which the standard requires. Add the column or map it in the mapping file."
                ),
            )
        )
    return out


def convert_table(
    table: SourceTable,
    det: Detection,
    std: Standard,
    *,
    la: str = "",
    mapping: Mapping | None = None,
    profile: str | None = None,
) -> Converted:
    """One file mapped and converted: the standard rows, the LA's extra columns, the text the checks
    read, the findings of reading, mapping and conversion, and the file's row counts.

    ``profile`` (a standard with profiles): the fields the file must have a column for are the
    profile's, as the standard's plug-in declares them (``kit.checks.registry.required_columns``)."""
    load_plugin(std)
    matches = suggest_mapping(table, std, mapping)
    required = required_columns(std, profile, {m.field for m in matches if m.applied})
    key = record_key(std)
    child = next((m for m in matches if m.applied and m.field == key), None)
    data = table.data
    name = table.path.name
    findings = [replace(f, la=la) for f in table.findings]
    findings += _file_findings(table, det, matches, std, la, mapping, required)

    if len(data.columns):  # numpy is three times faster than pandas here on a million rows
        filled = pd.Series((data.to_numpy(dtype=object) != "").any(axis=1), index=data.index)
    else:
        filled = pd.Series(False, index=data.index)
    blank = ~filled

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
            header=m.header,
        )
        columns[f.name] = res.values
        texts[f.name] = res.text
        findings += [x for x in res.findings if not blank.get(x.source_row, False)]

    # Rows that cannot be used at all: no record ID, or the template's example row left in.
    rejected = pd.Series(False, index=data.index)
    key_title = std.field(key).title
    if child is not None:
        ids = data[child.position].astype(str).str.strip()
        # The template's example child (ABCD2012) is only a left-over in files on a template layout.
        examples = {det.layout.example_child_id} if det.layout and det.layout.example_child_id else set()
        is_example = ids.isin(examples) & filled
        no_id = (ids == "") & filled
        where = dict(la=la, source_file=name, source_column=child.letter, field=key, severity="error")
        findings += [
            Finding(**where, source_row=int(row), value=ids[row], rule="template_example_row",
                    message="This is the national template's example row, not a real placement. Delete it.")
            for row in ids[is_example].index
        ]  # fmt: skip
        findings += [
            Finding(**where, source_row=int(row), value="", rule="missing_child_id",
                    message=f"This row has no {key_title}, so it cannot be used. Enter the ID from your case-management system.")
            for row in ids[no_id].index
        ]  # fmt: skip
        # "NULL", "#N/A", "?"...: not a child (kit.convert.values gives the finding, placeholder_id).
        placeholder = ids.map(is_placeholder_id).astype(bool) & filled
        rejected = is_example | no_id | placeholder
    else:
        rejected = filled.copy()
        if filled.any():
            findings.append(
                Finding(la=la, source_file=name, field=key, rule="no_child_id_column", severity="error",
                        message=f"No column holds the {key_title} ({key}), so no row can be used. Add the column or map it in the mapping file.")
            )  # fmt: skip
    if child is not None and rejected.any():
        rejected_rows = set(rejected[rejected].index)
        findings = [
            x
            for x in findings
            if x.source_row not in rejected_rows
            or x.rule in ("template_example_row", "missing_child_id", "placeholder_id")
        ]

    keep = filled & ~rejected
    kept = data.index[keep]
    derived = _derived(std, la, table, matches, kept)
    findings += derived.findings
    out = pd.DataFrame(index=kept)
    text = pd.DataFrame(index=kept)
    for f in std.fields:
        if f.name in columns:
            out[f.name] = columns[f.name][keep]
            text[f.name] = texts[f.name][keep]
        elif f.name in derived.values:
            out[f.name] = pd.Series(derived.values[f.name], index=kept, dtype=object)
            text[f.name] = pd.Series(derived.values[f.name], index=kept, dtype=object)
        else:
            out[f.name] = empty_column(kept, f)
            text[f.name] = pd.Series(None, index=kept, dtype=object)
    out["_la"] = la
    out["_source_file"] = name
    out["_source_row"] = out.index.astype("int64")
    text["_source_file"] = name
    text["_source_row"] = text.index.astype("int64")
    extra = pd.DataFrame(index=kept)
    for m in matches:
        if (not m.applied or m.how == "duplicate") and m.header.strip():
            extra[f"{m.letter}: {m.header}"] = data.loc[keep, m.position]
    extra["_la"] = la
    extra["_source_file"] = name
    extra["_source_row"] = extra.index.astype("int64")
    file = FileResult(
        table,
        det,
        matches,
        rows_in=len(data),
        rows_blank=int(blank.sum()),
        rows_rejected=int(rejected.sum()),
        derived=tuple(derived.values),
        required=required,
    )
    return Converted(
        out.reset_index(drop=True), extra.reset_index(drop=True), text.reset_index(drop=True), findings, file
    )


def _derived(std: Standard, la: str, table: SourceTable, matches: list[ColumnMatch], kept: pd.Index):
    """What the standard's plug-in fills in for fields with no column of their own (e.g. genderCode X)."""
    step = table_step(std.standard)
    if step is None or not len(kept):
        return Derived()
    applied = [m for m in matches if m.applied and m.how != "duplicate"]
    view = TableView(std, la, table.path.name, table.header_row, applied, table.data.loc[kept])
    return step(view)


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

    ``profile``: for a standard whose records can be checked in more than one profile (the person
    standard: ``subject_of_care`` or ``connected``), the one the user chose; the records cannot say.

    Returns a new :class:`kit.core.results.CheckResult`; :func:`kit.outputs.write_outputs` writes
    the contract's files.
    """
    if not paths:
        raise KitError("No input files given. Name at least one CSV or Excel file.")
    if la and not is_safe_code(la):  # an LA code names folders of outputs in a regional run
        raise KitError(f"{la!r} is not an LA code (--la): {LA_CODE_RULE}.")
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
    converted: list[Converted] = []
    std: Standard | None = None
    for p in paths:
        table = read_file(p, sheet=sheet)
        det = detect(table, standard, version if std is None else std.version)
        if std is None:
            std = det.standard
            load_plugin(std)
            require_profile(std, profile)
        converted.append(convert_table(table, det, std, la=la, mapping=mapping, profile=profile))
    result = _assemble(std, la, converted, mapping=mapping, profile=profile)
    return run_quality_checks(result, today=today) if run_checks else result


def _assemble(std: Standard, la: str, converted: list[Converted], **options) -> CheckResult:
    """One result from the files' conversions (their rows one after another)."""

    def joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    return CheckResult(
        std,
        la,
        [c.file for c in converted],
        joined([c.data for c in converted]),
        joined([c.extra for c in converted]),
        to_frame([x for c in converted for x in c.findings]),
        joined([c.text for c in converted]),
        **options,
    )


def run_quality_checks(result: CheckResult, today=None) -> CheckResult:
    """A new result: ``result`` with the standard's expectation suite run on it (see :mod:`kit.checks`)."""
    from kit.checks import check_quality

    checked = check_quality(result, today=today)
    return replace(result, findings=checked.findings, data=checked.data, checked=True, checks=checked.checks)


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
    result = _assemble(std, la, [convert_table(table, det, std, la=la, profile=profile)], profile=profile)
    return run_quality_checks(result, today=today) if run_checks else result


__all__ = ["check_files", "check_frame", "convert_table", "record_key", "run_quality_checks"]
