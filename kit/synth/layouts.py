"""Each LA's file shape, and turning clean records into that shape's cells.

In: clean placement records (canonical values) and a :class:`Shape`. Out: a :class:`Sheet` - the
column names, the standard field behind each column, and one list of cell values per record - that
:mod:`kit.synth.defects` spoils and :mod:`kit.synth.writers` writes.

Column names, layouts and codes are never typed here: they come from the kit's standard files
(``kit.standards.load``) and, for the national Excel templates, from the templates' own drop-down
lists (the spellings an officer picking from the drop-down produces, such as ``Risk Present`` and
``< 5days``). The regional-pipeline spellings are a small table checked against the standard's
known variants when it is used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit import standards
from kit.standards import Standard, normalise_header
from kit.synth import templates


@dataclass(frozen=True)
class Shape:
    """How one LA sends its quarterly placements file."""

    key: str
    title: str
    version: str  # standard version the file is in ("1" or "2")
    layout_id: str | None  # a layout of the standard file, or None for regional-pipeline headers
    fmt: str  # xlsx | csv
    keep_example: bool = False  # national template's question and example rows left in
    encoding: str = "utf-8"
    dates: str = "dmy"  # excel | dmy (dd/mm/yyyy) | dm (d/m/yyyy) | iso
    text_date_share: float = 0.0  # xlsx: date cells typed as text
    money: str = "plain"  # number | plain (1234.50) | pounds (£1,234.50)
    pounds_share: float = 0.0  # xlsx: cost cells typed as £ text
    siblings_na: bool = True  # "NA" for a child with no siblings, as the template asks; else 0
    breakdown: str = "none"  # none | residential | all
    spellings: str = "canonical"  # canonical | dropdown | pipeline
    file_pattern: str = "{code}_{quarter}.csv"
    bespoke: tuple[str, ...] = ()


SHAPES = (
    Shape(
        "june_xlsx", "June 2026 national Excel template; the example row deleted, data from row 4",
        "1", "xlsx-2026-06", "xlsx", keep_example=False, dates="excel", text_date_share=0.03, money="number",
        breakdown="residential", spellings="dropdown", file_pattern="{name}_placements_{quarter}.xlsx",
    ),
    Shape(
        "june_xlsx_example", "June 2026 national Excel template with its guidance and example rows kept, data from row 5; "
        "some dates and costs typed as text", "1", "xlsx-2026-06", "xlsx", keep_example=True, dates="excel",
        text_date_share=0.3, money="number", pounds_share=0.2, breakdown="all", spellings="dropdown",
        file_pattern="PDS return {quarter_words} {name}.xlsx",
    ),
    Shape(
        "april_xlsx", "April 2026 national Excel template (45 columns, with risk_to_others_other) with its guidance "
        "and example rows left in", "1", "xlsx-2026-04", "xlsx", keep_example=True, dates="excel", money="number",
        breakdown="residential", spellings="dropdown", file_pattern="{name} Placement Standard {quarter}.xlsx",
    ),
    Shape(
        "june_csv", "June 2026 national CSV (section-heading row, column-name row); Windows-1252 text with £ costs",
        "1", "csv-2026-06", "csv", encoding="cp1252", dates="dm", money="pounds", breakdown="none",
        spellings="canonical", file_pattern="{code}_{name}_{quarter}.csv",
    ),
    Shape(
        "pipeline", "Regional-pipeline header names in one header row (UTF-8 with BOM, DD/MM/YYYY) plus the South "
        "East's bespoke columns", "1", None, "csv", encoding="utf-8-sig", dates="dmy", money="plain",
        siblings_na=False, breakdown="all", spellings="pipeline", file_pattern="{lower}_pds_{quarter_snake}.csv",
        bespoke=("autistic_spectrum_condition", "learning_disability", "section_117", "therapeutic_placement"),
    ),
    Shape(
        "v2", "v2 draft layout (csv-2026-v2-draft of placements-v2.yaml), one header row, ISO dates",
        "2", "csv-2026-v2-draft", "csv", dates="iso", money="plain", siblings_na=False, breakdown="residential",
        spellings="canonical", file_pattern="{name}-placements-v2-{quarter}.csv",
    ),
)  # fmt: skip
CSV_FALLBACK = {"june_xlsx": "june_csv", "june_xlsx_example": "june_csv", "april_xlsx": "june_csv"}

# Regional pipelines write some codes their own way (placements doc §2.5.2); each one must be a
# known variant of the standard's code, which :func:`_spelling_map` checks.
PIPELINE_SPELLINGS = {
    "PetsAllowance": {"Yes-must": "Yes - must", "Yes-can": "Yes - can", "Not known": "Unknown"},
    "SupportType": {"NA": "N/A"},
    "CulturalNeed": {"Not Required": "Not required", "Not Known": "Not known"},
    "PresenceStatus": {"Not specified": "Not specified"},
    "OutOfLAReason": {},
}
BESPOKE_FIELDS = {
    "autistic_spectrum_condition": "_bespoke_asc",
    "learning_disability": "_bespoke_ld",
    "section_117": "_bespoke_s117",
    "therapeutic_placement": "_bespoke_therapeutic",
}


def shape_for(la_index: int, large: bool) -> Shape:
    shape = SHAPES[la_index % len(SHAPES)]
    if large and shape.fmt == "xlsx":
        fallback = next(s for s in SHAPES if s.key == CSV_FALLBACK[shape.key])
        return fallback
    return shape


@dataclass
class Sheet:
    """One file's worth of cells, before writing."""

    shape: Shape
    std: Standard
    columns: list[str]
    fields: list[str | None]  # the standard field of each column (None for bespoke columns)
    rows: list[list] = field(default_factory=list)
    first_data_row: int = 2
    records: pd.DataFrame | None = None  # the clean records
    rec_pos: list[int] = field(default_factory=list)  # the record behind each row (a copy repeats it)

    def col(self, field_name: str) -> int | None:
        try:
            return self.fields.index(field_name)
        except ValueError:
            return None

    def record(self, i: int, field_name: str):
        """The clean value of ``field_name`` behind row ``i``."""
        return self.records[field_name].iat[self.rec_pos[i]]


def split(sheet: Sheet, labels: np.ndarray, order: list[str]) -> list[Sheet]:
    """One sheet per label (quarter), in ``order``, from a sheet rendered for all of them at once."""
    out = []
    for label in order:
        idx = np.flatnonzero(labels == label)
        part = Sheet(
            shape=sheet.shape,
            std=sheet.std,
            columns=sheet.columns,
            fields=sheet.fields,
            rows=[sheet.rows[i] for i in idx],
            first_data_row=sheet.first_data_row,
            records=sheet.records,  # shared: rec_pos points into it
            rec_pos=[int(i) for i in idx],
        )
        out.append(part)
    return out


def columns_for(shape: Shape) -> tuple[Standard, list[str], list[str | None]]:
    """The standard, the column names and the field behind each column for a shape."""
    std = standards.load("placements", shape.version)
    index = std.header_index()
    if shape.layout_id is not None:
        cols = list(std.layout(shape.layout_id).columns)
    else:
        cols = []
        for c in std.layout("csv-2026-06").columns:
            f = std.field(index[normalise_header(c)])
            suitability = [a for a in f.aliases if a.endswith("_suitability")]
            cols.append(suitability[0] if suitability else (f.aliases[0] if f.aliases else c))
        cols += list(shape.bespoke)
    fields = [index.get(normalise_header(c)) for c in cols]
    return std, cols, fields


def _spelling_map(shape: Shape, std: Standard, field_name: str, column_number: int) -> dict[str, str]:
    """canonical code -> how this shape writes it, for one code field."""
    codes = std.codes_for(field_name)
    if codes is None:
        return {}
    if shape.spellings == "dropdown" and shape.layout_id:
        listed = templates.dropdowns(shape.layout_id).get(column_number, [])
        out = {}
        for v in listed:
            canon = codes.canonical(v)
            if canon and canon not in out:
                out[canon] = v
        return out
    if shape.spellings == "pipeline":
        table = PIPELINE_SPELLINGS.get(codes.name, {})
        for canon, spelt in table.items():
            if codes.canonical(spelt) != canon:
                raise ValueError(
                    f"pipeline spelling {spelt!r} is not a known variant of {canon!r} in {std.name}"
                )
        risk = {"Risk present": "Risk present"} if codes.name == "RiskLevel" else {}
        return {**table, **risk}
    return {}


# ---------------------------------------------------------------------------------------------
# Cells


def _dmy(days: np.ndarray, style: str) -> np.ndarray:
    d = pd.to_datetime(np.asarray(days, dtype="int64"), unit="D")
    if style == "iso":
        return d.strftime("%Y-%m-%d").to_numpy()
    if style == "dm":  # 1/2/2026: no leading zeros, as Excel writes a d/m/yyyy format
        parts = [np.asarray(x).astype(str) for x in (d.day, d.month, d.year)]
        return np.char.add(
            np.char.add(np.char.add(np.char.add(parts[0], "/"), parts[1]), "/"), parts[2]
        ).astype(object)
    return d.strftime("%d/%m/%Y").to_numpy()


def pounds(value: float) -> str:
    return f"£{value:,.2f}"


def render(records: pd.DataFrame, shape: Shape, rng: np.random.Generator) -> Sheet:
    """The cells of one file: one row per record, in the shape's columns and spellings."""
    std, cols, fields = columns_for(shape)
    sheet = Sheet(shape=shape, std=std, columns=cols, fields=fields, records=records.reset_index(drop=True))
    n = len(records)
    columns: list[np.ndarray] = []
    for k, (col, fname) in enumerate(zip(cols, fields, strict=True)):
        if fname is None:
            columns.append(np.where(records[BESPOKE_FIELDS[col]].to_numpy(), "Yes", "No").astype(object))
            continue
        f = std.field(fname)
        raw = records[fname] if fname in records else pd.Series([""] * n, index=records.index)
        values = raw.to_numpy()
        if fname == "siblingCount":
            filled = raw.notna().to_numpy()
            ints = raw.fillna(0).astype(int).to_numpy()
            if shape.fmt == "xlsx":
                cells = np.where(filled, ints.astype(object), "NA" if shape.siblings_na else 0)
            else:
                cells = np.where(filled, ints.astype(str), "NA" if shape.siblings_na else "0")
            columns.append(cells.astype(object))
        elif f.type == "code":
            spell = {k_: v_ for k_, v_ in _spelling_map(shape, std, fname, k + 1).items() if k_ != v_}
            cells = np.where(pd.isna(values), "", values).astype(object)
            if f.multi and spell:
                cells = np.array(
                    [";".join(spell.get(p, p) for p in str(v).split(";")) if v else "" for v in cells],
                    dtype=object,
                )
            else:
                original = cells.copy()
                for canon, spelt in spell.items():
                    cells[original == canon] = spelt
            columns.append(cells)
        elif f.type == "boolean":
            truth = values.astype(bool)
            if f.invert_from_template and normalise_header(col) != normalise_header(f.name):
                truth = ~truth  # the template asks "was education disrupted?"
            columns.append(np.where(truth, "Yes", "No").astype(object))
        elif f.type == "integer":
            ints = values.astype(int)
            columns.append(ints.astype(object) if shape.fmt == "xlsx" else ints.astype(str).astype(object))
        elif f.type == "decimal":
            columns.append(_money(records, fname, shape, rng))
        elif f.type == "date":
            columns.append(_date_cells(values, shape, rng))
        else:
            columns.append(
                np.array(
                    ["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in values],
                    dtype=object,
                )
            )
    sheet.rows = [list(r) for r in zip(*columns, strict=True)] if n else []
    sheet.rec_pos = list(range(n))
    if shape.layout_id and shape.fmt == "xlsx":
        sheet.first_data_row = templates.TEMPLATE_ROWS + (1 if shape.keep_example else 0)
    elif shape.layout_id:
        layout = std.layout(shape.layout_id)
        sheet.first_data_row = layout.header_row + 1
    else:
        sheet.first_data_row = 2
    return sheet


def _money(records: pd.DataFrame, fname: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    values = records[fname].to_numpy().astype(float)
    is_total = fname == "totalWeeklyCost"
    show = ~np.isnan(values)
    if not is_total:
        if shape.breakdown == "none":
            show[:] = False
        elif shape.breakdown == "residential":
            show &= records["placementType"].to_numpy() != "Foster"
    safe = np.where(show, values, 0.0)
    if shape.money == "number":
        as_text = rng.random(len(values)) < shape.pounds_share
        out = np.array([int(v) if float(v).is_integer() else float(v) for v in safe], dtype=object)
        if as_text.any():
            out[as_text] = [pounds(v) for v in safe[as_text]]
    elif shape.money == "pounds":
        out = np.array([pounds(v) for v in safe], dtype=object)
    else:
        out = np.char.mod("%.2f", safe).astype(object)
    out[~show] = ""
    return out


def _date_cells(values: np.ndarray, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    days = np.asarray(values, dtype="int64")
    if shape.dates == "excel":
        text = _dmy(days, "dmy")
        as_text = rng.random(len(days)) < shape.text_date_share
        stamps = [dt.datetime(1970, 1, 1) + dt.timedelta(days=int(x)) for x in days]
        return np.array([t if a else s for t, a, s in zip(text, as_text, stamps, strict=True)], dtype=object)
    return _dmy(days, shape.dates)
