"""The Ofsted provider register: read it, normalise URNs, and look placements' URNs up in it.

In: the register as Ofsted publishes it (CSV or Excel; columns ``URN, Provision type, Sector,
Registration status, Registration date, Places, Organisation which owns the provider, Local
authority, Region``, and ``Postcode district`` where the region holds it). Out: :func:`read_register`
gives one row per normalised URN with the columns the pooled table uses (``provider_type``,
``provider_places``, ``provider_sector``, ``provider_owner``, ``provider_la``, ``provider_region``,
``provider_district``, ``provider_status``, ``provider_registered``).

URNs are compared after :func:`normalise_urn`: upper case, no spaces or punctuation, one ``SC``
prefix (``sc 123456``, ``SC-123456`` and ``SC123456`` are one URN), and numbers that Excel turned
into ``2912345.0`` back to ``2912345``. A bare six-digit number that is on the register only with
``SC`` in front is matched to it, with a warning (``urn_prefix_added``): Ofsted's social-care URNs
are ``SC`` + 6 digits, and trackers often drop the letters.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kit.core.errors import KitError
from kit.standards import normalise_header, reference

# The register's headers, compared letters-and-digits only (``Provision type`` = ``provision_type``),
# as declared in kit/standards/reference/ofsted.yaml (the first header for a column wins).
REGISTER_COLUMNS: dict[str, str] = {}
for _header, _column in reference.ofsted().columns.items():
    REGISTER_COLUMNS.setdefault(normalise_header(_header), _column)
# Markers LAs write in place of a URN for a setting that is not registered with Ofsted.
# Anywhere in the cell ("N/A - unregistered"): a real URN has no letters beyond its SC prefix.
UNREGISTERED_MARKERS = re.compile(r"(UNREG|NOTREG|NONREG|UNREGULATED)")


def normalise_urn(value) -> str:
    """One spelling per URN: ``' sc 123456 '`` -> ``SC123456``; ``2912345.0`` -> ``2912345``; blank -> ``''``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    raw = str(value).strip()
    if re.fullmatch(r"\d+\.0+", raw):  # a number Excel stored as a float
        raw = raw.split(".")[0]
    text = re.sub(r"[\s\-_/.:]+", "", raw.upper())
    text = re.sub(r"^URN", "", text)
    m = re.fullmatch(r"(?:SC)+(\d+)", text)
    if m:
        return "SC" + m.group(1)
    return text


def normalise_urns(values: pd.Series) -> pd.Series:
    """:func:`normalise_urn` over a column (each distinct value worked out once)."""
    uniques = pd.unique(values.to_numpy(dtype=object))
    lookup = {v: normalise_urn(v) for v in uniques}
    return values.map(lookup).astype("string")


def is_unregistered_marker(value) -> bool:
    """True for text such as ``Unregistered`` or ``UNREG`` written where a URN would go."""
    return bool(UNREGISTERED_MARKERS.search(normalise_urn(value)))


def _read_any(path: Path) -> pd.DataFrame:
    """Every cell as text; the header is the first row that has a URN column (title rows skipped).

    Read by :func:`kit.read.read_table` (any encoding, delimiter or workbook; ``NA`` kept as text).
    """
    from kit.read import header_with, read_table

    if not path.exists():
        raise KitError(f"The Ofsted register {path} does not exist; correct reference.ofsted_register.")
    table = read_table(path, header_with({"urn"}, within=20), what="The Ofsted register")
    if "urn" not in {normalise_header(h) for h in table.headers}:
        raise KitError(
            f"The Ofsted register {path} has no URN column in its first 20 rows; is it the register?"
        )
    return table.to_frame().reset_index(drop=True)


def read_register(path: str | Path) -> pd.DataFrame:
    """The provider register, one row per normalised URN (an active registration first on a tie)."""
    path = Path(path)
    raw = _read_any(path)
    out = pd.DataFrame(index=raw.index)
    for header in raw.columns:
        name = REGISTER_COLUMNS.get(normalise_header(header))
        if name and name not in out.columns:
            out[name] = raw[header].astype(str).str.strip()
    for name in dict.fromkeys(REGISTER_COLUMNS.values()):
        if name not in out.columns:
            out[name] = ""
    out["urn"] = normalise_urns(out["urn"])
    out = out[out["urn"] != ""]
    out["provider_places"] = pd.to_numeric(
        out["provider_places"].str.replace(",", ""), errors="coerce"
    ).astype("Int64")
    out["provider_registered"] = pd.to_datetime(
        out["provider_registered"], format="%d/%m/%Y", errors="coerce"
    )
    out["provider_district"] = out["provider_district"].str.upper().str.replace(r"\s+", "", regex=True)
    for col in ("provider_type", "provider_sector", "provider_status", "provider_owner", "provider_la",
                "provider_region", "provider_district"):  # fmt: skip
        out[col] = out[col].replace("", None).astype("string")
    active = out["provider_status"].fillna("").str.lower().eq("active")
    out = out.assign(_active=active).sort_values("_active", ascending=False, kind="stable")
    out = out.drop_duplicates("urn").drop(columns="_active")
    return out.sort_values("urn", kind="stable").reset_index(drop=True)


def look_up_urns(urns: pd.Series, register: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """For normalised URNs: the register's URN each one matches (or ``<NA>``), and how it matched.

    How: ``exact``, ``prefix_added`` (a bare 6-digit number whose ``SC`` form is on the register),
    or ``<NA>`` (blank, or not on the register).
    """
    known = set(register["urn"])
    match = urns.where(urns.isin(known))
    how = pd.Series(pd.NA, index=urns.index, dtype="string")
    how[match.notna()] = "exact"
    six = match.isna() & urns.fillna("").str.fullmatch(r"\d{6}")
    with_prefix = "SC" + urns[six]
    found = with_prefix.isin(known)
    match.loc[with_prefix.index[found]] = with_prefix[found]
    how.loc[with_prefix.index[found]] = "prefix_added"
    return match.astype("string"), how
