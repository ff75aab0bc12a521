"""SSDA903 (children looked after return) extracts: read several years, de-duplicate, repair.

In: one LA's Header, Episodes and UASC files (CSV or Excel, one per collection year, the DfE CSV
layout of peer doc §9.1: ``CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC,
REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN``...). Out: :class:`SSDA903` with

* ``episodes``: one row per episode (child, DECOM) across all years; when a year restates an
  episode still open at the end of the previous year, the latest year's row wins (it knows how the
  episode ended). DEC is repaired where the returns leave a gap (see :func:`_repair_dec`);
* ``header``: one row per child (latest year wins; SEX coded 1/2 in every year);
* ``uasc``: one row per child ever recorded as an unaccompanied asylum-seeking child;
* ``findings`` for rows that cannot be used (no CHILD, a DECOM that is not a date), and
  ``stats`` whose counts add up: ``rows_in == rows_used + rows_restated + rows_rejected``.

Postcodes are cut to their outward code (``QK3 4AB`` -> ``QK3``) as soon as they are read: a full
home postcode narrows a child down to a handful of houses and the kit never needs it. ``UPN`` and
``MC_DOB`` are not read at all. Child IDs stay as the LA wrote them here; :mod:`kit.region.pool`
pseudonymises them before anything is pooled.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kit.core.errors import KitError
from kit.core.findings import Finding, column_letter, to_frame
from kit.region.privacy import normalise_identifier
from kit.standards import reference

# The DfE CSV layout's columns, declared in kit/standards/reference/ssda903.yaml (tables:).
_REF = reference.ssda903()
_TABLES = _REF.tables
E, H, U = _TABLES["episodes"], _TABLES["header"], _TABLES["uasc"]
EPISODE_COLUMNS = list(_TABLES["episodes"].values())
HEADER_COLUMNS = list(_TABLES["header"].values())  # UPN, MOTHER, MC_DOB are deliberately not read
UASC_COLUMNS = list(_TABLES["uasc"].values())
REQUIRED = {"episodes": [E.child, E.start], "header": [H.child], "uasc": [U.child]}
# SEX: 1/2 up to 2023-24, M/F (and U) from 2024-25; the kit codes it 1/2 throughout (ssda903.yaml, SEX).
SEX_CODES = _REF.sex
NO_URN = {"", *_REF.no_urn}  # the 903 guide's "no URN" placeholder and blanks (ssda903.yaml, no_urn)
# Columns read as dates (DECOM first: a bad DECOM drops the episode), as upper-case codes, as postcodes.
DATE_COLUMNS = (E.start, E.end, H.dob, U.ceased)
CODE_COLUMNS = (E.reason_new_episode, E.legal_status, E.category_of_need, E.place, E.provider,
                E.reason_ceased, E.reason_place_change)  # fmt: skip
POSTCODE_COLUMNS = (E.home_postcode, E.placement_postcode)


@dataclass
class SSDA903:
    """One LA's (or the region's) 903 tables after reading, de-duplication and DEC repair."""

    episodes: pd.DataFrame
    header: pd.DataFrame
    uasc: pd.DataFrame
    findings: pd.DataFrame
    stats: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reading one file


def collection_year(path: Path) -> str | None:
    """The collection year a file belongs to, from its folder or file name: ``2024-25``.

    ``2024-25``, ``2024_25``, ``202425`` and ``2425`` all mean the year starting 1 April 2024. A
    lone ``2025`` is read as the return *ending* in March 2025 (``2024-25``), the DfE and LIIA
    convention for return years. ``None`` when the path says nothing (see :func:`_year_from_data`).
    """
    for part in reversed(path.parts[-4:]):
        stem = Path(part).stem
        m = re.search(r"(?<!\d)(?:20)?(\d\d)[-_ ]?(\d\d)(?!\d)", stem)
        if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
            return f"20{m.group(1)}-{m.group(2)}"
        m = re.search(r"(?<!\d)(20\d\d)(?!\d)", stem)
        if m:
            end = int(m.group(1))
            return f"{end - 1}-{end % 100:02d}"
    return None


def _year_from_data(decom: pd.Series) -> str | None:
    """The collection year holding the latest DECOM of a file (years start on 1 April)."""
    latest = decom.max()
    if pd.isna(latest):
        return None
    start = latest.year if latest.month >= 4 else latest.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _read_text_table(path: Path) -> pd.DataFrame:
    """Every cell as text, headers upper-case without spaces or a BOM (``Child`` = ``CHILD``).

    Read by :func:`kit.read.read_table` (any encoding, delimiter or workbook; ``NA`` kept as text).
    The index is the row number a text editor shows minus 2 (what pandas gives a file with its
    header on row 1 and no blank lines), so ``index + 2`` is the row the user sees.
    """
    from kit.read import read_table

    if not path.exists():
        raise KitError(f"The 903 file {path} does not exist; correct its path in region.yml.")
    frame = read_table(path, what="The 903 file").to_frame()
    frame.index = frame.index - 2
    frame.columns = [re.sub(r"\s+", "_", str(c).replace("\ufeff", "").strip()).upper() for c in frame.columns]
    return frame


def _by_value(values: pd.Series, func) -> pd.Series:
    """``func`` applied to each distinct value once, then spread back over the column."""
    uniques = pd.unique(values.to_numpy(dtype=object))
    return values.map({v: func(v) for v in uniques})


def _clean(values: pd.Series) -> pd.Series:
    """Text cells without surrounding spaces; missing cells as empty text."""
    return _by_value(values.astype(object).where(values.notna(), ""), lambda v: str(v).strip())


def _urn(value: str) -> str | None:
    """A 903 URN without spaces, or None for a blank or the 903's no-URN placeholder."""
    text = re.sub(r"\s+", "", value.upper())
    return None if text in NO_URN else text


def parse_903_dates(values: pd.Series) -> pd.Series:
    """903 dates: dd/mm/yyyy (DfE CSVs), or yyyy-mm-dd (pooled LIIA outputs). Anything else: NaT."""
    text = values.astype(str).str.strip().str.slice(0, 10)
    out = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    iso = out.isna() & text.str.match(r"^\d{4}-\d{2}-\d{2}$")
    if iso.any():
        out[iso] = pd.to_datetime(text[iso], format="%Y-%m-%d", errors="coerce")
    return out.astype("datetime64[ns]")


def outward_code(values: pd.Series) -> pd.Series:
    """The outward code (district) of postcodes: ``QK3 4AB``, ``qk34ab`` and ``QK3`` give ``QK3``.

    A full postcode without its space is cut before its last three characters (the inward code
    is always digit-letter-letter). Empty stays empty.
    """
    text = values.fillna("").astype(str).str.upper().str.strip()
    first = text.str.split(r"\s+", n=1).str[0].fillna("")
    has_space = text.str.contains(r"\s", regex=True)
    no_space_full = ~has_space & text.str.match(r"^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$")
    out = first.where(~no_space_full, text.str.slice(0, -3))
    return out.where(out != "", None).astype("string")


def read_903_file(path: str | Path, table: str, la: str = "") -> tuple[pd.DataFrame, list[Finding], int]:
    """One 903 table of one year as typed columns, the findings, and the number of rows read.

    Columns: the table's columns (dates as datetime64, postcodes as outward codes), ``child_key``
    (the ID as it is hashed, :func:`~kit.region.privacy.normalise_identifier`), ``year``,
    ``_source_file``, ``_source_row`` (the row number a text editor shows, header = row 1).
    """
    path = Path(path)
    raw = _read_text_table(path)
    missing = [c for c in REQUIRED[table] if c not in raw.columns]
    if missing:
        raise KitError(
            f"The 903 {table} file {path} has no {', '.join(missing)} column; is it the {table} table? "
            "Check the file named under ssda903 in region.yml."
        )
    wanted = {"episodes": EPISODE_COLUMNS, "header": HEADER_COLUMNS, "uasc": UASC_COLUMNS}[table]
    letters = {c: column_letter(i) for i, c in enumerate(raw.columns)}
    # Only the columns the kit uses are cleaned (each distinct value once: files repeat values a lot).
    frame = pd.DataFrame(
        {
            col: _clean(raw[col]) if col in raw.columns else np.full(len(raw), "", dtype=object)
            for col in wanted
        },
        index=raw.index,
    )
    rows_in = len(frame)
    # The year folder with the name: every year's file is called episodes.csv.
    shown = "/".join(path.parts[-2:]) if collection_year(Path(path.parent.name)) else path.name
    frame["_source_file"] = shown
    frame["_source_row"] = (raw.index + 2).astype("int64")
    findings: list[Finding] = []
    blank = (frame[wanted] == "").all(axis=1)
    frame = frame[~blank]
    child = _TABLES[table].child
    no_child = frame[child] == ""
    for row in frame.loc[no_child, "_source_row"]:
        findings.append(
            Finding(la=la, source_file=shown, source_row=int(row), source_column=letters.get(child, ""),
                    field=child, rule="903_missing_child", severity="error",
                    message=f"This 903 row has no {child}, so it cannot be matched; check the extract.")
        )  # fmt: skip
    frame = frame[~no_child].copy()
    for col in DATE_COLUMNS:
        if col in frame.columns:
            parsed = parse_903_dates(frame[col])
            bad = parsed.isna() & (frame[col] != "")
            if col == E.start:
                bad |= frame[col] == ""
            for idx in frame.index[bad]:
                findings.append(
                    Finding(la=la, source_file=shown, source_row=int(frame.at[idx, "_source_row"]),
                            source_column=letters.get(col, ""), field=col, value=frame.at[idx, col],
                            rule="903_bad_date", severity="error" if col == E.start else "warning",
                            message=f"The 903 {col} '{frame.at[idx, col]}' is not a date (dd/mm/yyyy); "
                            + ("the episode is left out." if col == E.start else "it is treated as blank."))
                )  # fmt: skip
            frame[col] = parsed
    if table == "episodes":
        frame = frame[frame[E.start].notna()]
        for col in POSTCODE_COLUMNS:
            frame[col] = outward_code(frame[col])
        frame[E.urn] = _by_value(frame[E.urn], _urn).astype("string")
        for col in CODE_COLUMNS:
            frame[col] = _by_value(frame[col], lambda v: v.upper() or None).astype("string")
    elif table == "header":
        frame[H.sex] = _by_value(frame[H.sex], lambda v: SEX_CODES.get(v.upper())).astype("string")
        frame[H.ethnicity] = _by_value(frame[H.ethnicity], lambda v: v.upper() or None).astype("string")
    frame["child_key"] = _by_value(frame[child], normalise_identifier)
    year = collection_year(path)
    if year is None and table == "episodes":
        year = _year_from_data(frame[E.start])
    frame["year"] = year or ""
    return frame.reset_index(drop=True), findings, rows_in


# ---------------------------------------------------------------------------------------------
# Several years of one LA


def _latest_per_key(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per key: the row from the latest collection year (the last file read on a tie)."""
    frame = frame.assign(_order=np.arange(len(frame)))
    frame = frame.sort_values(["year", "_order"], kind="stable")
    return frame.drop_duplicates(keys, keep="last").drop(columns="_order")


def _repair_dec(episodes: pd.DataFrame, latest_year: str) -> pd.DataFrame:
    """Fill DEC where the returns leave it open although the child's care moved on.

    * An episode with no DEC followed by another episode of the same child: it ended when the next
      began (DEC = next DECOM), as LIIA's RULE_1 does. Flagged ``dec_repaired``.
    * An episode whose DEC runs past the next episode's DECOM: cut to it (LIIA RULE_4). Flagged.
    * The last episode with no DEC: still open (``open`` = True) if it comes from the latest year
      of that LA's extracts; if the child vanished from later returns, it is closed on the last
      day of its collection year (LIIA RULE_2) and flagged, because nothing says it is still open.
    """
    ep = episodes.sort_values(["child_key", E.start], kind="stable").reset_index(drop=True)
    same_next = ep["child_key"].shift(-1) == ep["child_key"]
    next_decom = ep[E.start].shift(-1).where(same_next)
    gap = ep[E.end].isna() & same_next
    overlap = ep[E.end].notna() & same_next & (ep[E.end] > next_decom)
    ep["dec_repaired"] = gap | overlap
    ep.loc[gap | overlap, E.end] = next_decom[gap | overlap]
    last_open = ep[E.end].isna() & ~same_next
    stale = last_open & (ep["year"] != latest_year) & (ep["year"] != "")
    year_end = pd.to_datetime(ep["year"].str.slice(0, 4).where(stale, None), format="%Y", errors="coerce")
    ep.loc[stale, E.end] = (year_end[stale] + pd.DateOffset(years=1, months=2, days=30)).astype(
        "datetime64[ns]"
    )
    ep.loc[stale, "dec_repaired"] = True
    ep["open"] = last_open & ~stale
    return ep


def read_la_903(files: dict[str, list[Path]], la: str = "") -> SSDA903:
    """Read every year of one LA's 903 tables (``files``: table -> paths) into one :class:`SSDA903`."""
    findings: list[Finding] = []
    parts: dict[str, list[pd.DataFrame]] = {"episodes": [], "header": [], "uasc": []}
    stats: dict = {"files": 0}
    for table in parts:
        rows_in = 0
        for path in files.get(table, []) or []:
            frame, found, n = read_903_file(path, table, la)
            findings += found
            rows_in += n
            stats["files"] += 1
            parts[table].append(frame)
        stats[f"{table}_rows_in"] = rows_in
    empty = {
        "episodes": pd.DataFrame(
            columns=[*EPISODE_COLUMNS, "child_key", "year", "_source_file", "_source_row"]
        ),
        "header": pd.DataFrame(columns=[*HEADER_COLUMNS, "child_key", "year", "_source_file", "_source_row"]),
        "uasc": pd.DataFrame(columns=[*UASC_COLUMNS, "child_key", "year", "_source_file", "_source_row"]),
    }
    frames = {t: (pd.concat(p, ignore_index=True) if p else empty[t]) for t, p in parts.items()}
    ep = frames["episodes"]
    # Each year restates the episodes still open at the start of the year: keep the latest.
    deduped = _latest_per_key(ep, ["child_key", E.start]) if len(ep) else ep
    stats["episodes_restated"] = len(ep) - len(deduped)
    stats["episodes"] = len(deduped)
    stats["episodes_blank_or_rejected"] = stats["episodes_rows_in"] - len(ep)
    years = sorted({y for y in ep["year"] if y}) if len(ep) else []
    stats["years"] = years
    if len(deduped):
        deduped = _repair_dec(deduped, years[-1] if years else "")
    else:
        deduped = deduped.assign(dec_repaired=pd.Series(dtype=bool), open=pd.Series(dtype=bool))
    stats["dec_repaired"] = int(deduped["dec_repaired"].sum()) if len(deduped) else 0
    stats["open_episodes"] = int(deduped["open"].sum()) if len(deduped) else 0
    header = _latest_per_key(frames["header"], ["child_key"]) if len(frames["header"]) else frames["header"]
    uasc = _latest_per_key(frames["uasc"], ["child_key"]) if len(frames["uasc"]) else frames["uasc"]
    stats["children"] = int(deduped["child_key"].nunique()) if len(deduped) else 0
    assert stats["episodes_rows_in"] == (
        stats["episodes"] + stats["episodes_restated"] + stats["episodes_blank_or_rejected"]
    ), "903 row accounting does not add up"
    return SSDA903(
        episodes=deduped.reset_index(drop=True),
        header=header.reset_index(drop=True),
        uasc=uasc.reset_index(drop=True),
        findings=to_frame(findings),
        stats=stats,
    )


def annotate_episodes(ssda: SSDA903) -> pd.DataFrame:
    """Episodes with the child's ``dob``, ``sex``, ``ethnicity`` and ``uasc`` (UASC on the DECOM).

    ``uasc``: the child is in the UASC table and had not ceased to be UASC (DUC) by the DECOM.
    """
    ep = ssda.episodes
    head = ssda.header.set_index("child_key") if len(ssda.header) else None
    out = ep.copy()
    if head is not None:
        out["dob"] = ep["child_key"].map(head[H.dob]).astype("datetime64[ns]")
        out["sex"] = ep["child_key"].map(head[H.sex]).astype("string")
        out["ethnicity"] = ep["child_key"].map(head[H.ethnicity]).astype("string")
    else:
        out["dob"] = pd.Series(pd.NaT, index=ep.index, dtype="datetime64[ns]")
        out["sex"] = pd.Series(pd.NA, index=ep.index, dtype="string")
        out["ethnicity"] = pd.Series(pd.NA, index=ep.index, dtype="string")
    if len(ssda.uasc):
        duc = ssda.uasc.set_index("child_key")[U.ceased]
        in_table = ep["child_key"].isin(duc.index)
        ceased = ep["child_key"].map(duc).astype("datetime64[ns]")
        out["uasc"] = (in_table & (ceased.isna() | (ceased > ep[E.start]))).astype("boolean")
    else:
        out["uasc"] = pd.Series(False, index=ep.index, dtype="boolean")
    return out


def collection_year_end(year: str) -> dt.date | None:
    """31 March at the end of a collection year such as ``2024-25``."""
    m = re.match(r"^(\d{4})-\d\d$", year or "")
    return dt.date(int(m.group(1)) + 1, 3, 31) if m else None
