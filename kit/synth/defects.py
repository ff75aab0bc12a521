"""Planted data-quality defects and known variant spellings, with the answer key.

In: the sheets of one LA (one per quarter) and a random generator. Out: the sheets with about
``DEFECT_ROW_SHARE`` of rows spoiled (one defect per row, every kind the quality checks must catch),
a few rows with known variant spellings (which the kit must normalise without a finding), and a
:class:`Planted` entry for each, pointing at the cell (row object and column) that holds it.

Conventions of the answer key (``sample_data/answer_key.csv``): one row per defective cell; for a
cross-field defect the field the rule is about (``siblingsPlacedTogether`` for siblings placed
together > siblings to place with, ``totalWeeklyCost`` for a breakdown that does not add up,
``fosterCareSuitability`` for zero or two Preferred); for duplicates the second occurrence: an exact
copy is field ``(row)`` with no column, the same child on the same placement date is the date's cell
(``placementDate`` in v1, ``placementStartDate`` in v2). The
severity is what the standard's rules give: a value that cannot be read is an ``error``, a value
that may be right but deserves a look is a ``warning``. A value that cannot be read leaves its
field empty, so a check may also report the required field as missing at the same cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from kit.synth import parameters as P
from kit.synth.layouts import Sheet, pounds
from kit.synth.region import inward_codes


@dataclass
class Planted:
    sheet: Sheet
    row: list  # the row object (rows may move when duplicates are inserted)
    col: int | None
    field: str
    kind: str
    severity: str
    value: str


def _text(value) -> str:
    """A cell as the kit's reader shows it (Excel dates become ISO dates)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _number(value) -> float | None:
    """A cost cell as a number (cells hold numbers, '1234.50' or '£1,234.50')."""
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).replace("£", "").replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def _money_cell(sheet: Sheet, value: float):
    shape = sheet.shape
    if shape.money == "number":
        return round(value, 2)
    if shape.money == "pounds":
        return pounds(value)
    return f"{value:.2f}"


def _date_of(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    text = str(value)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _date_text(sheet: Sheet, d: dt.date) -> str:
    if sheet.shape.dates == "iso":
        return d.isoformat()
    if sheet.shape.dates == "dm":
        return f"{d.day}/{d.month}/{d.year}"
    return d.strftime("%d/%m/%Y")


def _date_cell(sheet: Sheet, d: dt.date):
    if sheet.shape.dates == "excel":
        return dt.datetime(d.year, d.month, d.day)
    return _date_text(sheet, d)


# ---------------------------------------------------------------------------------------------
# The defect kinds. Each takes (sheet, row index, rng) and returns [(column, field, value)] for the
# answer key, or None when it does not fit that row (the planter then tries another row).


def _set(sheet: Sheet, i: int, field: str, value):
    col = sheet.col(field)
    if col is None:
        return None
    sheet.rows[i][col] = value
    return col


def _code(field: str, bad: dict[str, str] | str):
    def plant(sheet: Sheet, i: int, rng):
        col = sheet.col(field)
        if col is None:
            return None
        current = str(sheet.record(i, field))
        value = bad if isinstance(bad, str) else bad.get(current)
        if not value:
            return None
        sheet.rows[i][col] = value
        return [(col, field, value)]

    return plant


def _blank(sheet: Sheet, i: int, rng):
    choices = [
        "culturalNeeds",
        "livingCompanions",
        "riskMissing",
        "placementLocation",
        "isLocationPreferred",
        "pets",
    ]
    field = choices[int(rng.integers(len(choices)))]
    col = _set(sheet, i, field, "")
    return None if col is None else [(col, field, "")]


def _no_child_id(sheet: Sheet, i: int, rng):
    col = _set(sheet, i, "childId", "")
    return None if col is None else [(col, "childId", "")]


def _cost_date(make):
    def plant(sheet: Sheet, i: int, rng):
        col = sheet.col("costDate")
        if col is None:
            return None
        d = _date_of(sheet.rows[i][col])
        if d is None:
            return None
        value = make(sheet, d, rng)
        if value is None:
            return None
        sheet.rows[i][col] = value
        return [(col, "costDate", _text(value))]

    return plant


def _impossible(sheet: Sheet, d: dt.date, rng):
    month = 2 if d.month in (1, 2, 3) else (4 if d.month <= 6 else (9 if d.month <= 9 else 11))
    day = 30 if month == 2 else 31
    if sheet.shape.dates == "iso":
        return f"{d.year}-{month:02d}-{day:02d}"
    return f"{day:02d}/{month:02d}/{d.year}"


def _month_first(sheet: Sheet, d: dt.date, rng):
    if d.day <= 12 or sheet.shape.dates == "iso":
        return None
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def _future(sheet: Sheet, d: dt.date, rng):
    year = int(str(d.year)[:2] + str(d.year)[3] + str(d.year)[2])  # 2026 typed as 2062
    if year <= d.year:
        return None
    try:
        return _date_cell(sheet, d.replace(year=year))
    except ValueError:
        return None


def _referral_after(sheet: Sheet, i: int, rng):
    col = sheet.col("referralDate")
    later = (
        sheet.col("placementDate")
        if sheet.col("placementDate") is not None
        else sheet.col("placementStartDate")
    )
    if col is None or later is None:
        return None
    d = _date_of(sheet.rows[i][later])
    if d is None:
        return None
    value = _date_cell(sheet, d + dt.timedelta(days=int(rng.integers(10, 41))))
    sheet.rows[i][col] = value
    return [(col, "referralDate", _text(value))]


def _clear_breakdown(sheet: Sheet, i: int) -> None:
    for f in ("coreWeeklyCost", "additionalSupportWeeklyCost", "educationWeeklyCost", "otherWeeklyCost"):
        _set(sheet, i, f, "")


def _total(make):
    def plant(sheet: Sheet, i: int, rng):
        col = sheet.col("totalWeeklyCost")
        total = _number(sheet.rows[i][col]) if col is not None else None
        if total is None:
            return None
        value = make(sheet, total, rng)
        _clear_breakdown(sheet, i)
        sheet.rows[i][col] = value
        return [(col, "totalWeeklyCost", _text(value))]

    return plant


def _low(sheet: Sheet, total: float, rng):
    value = round(total / 7, 2) if total / 7 < 100 else float(rng.integers(40, 95))
    return _money_cell(sheet, value)


def _high(sheet: Sheet, total: float, rng):
    factor = 1000 if total * 100 <= 100_000 else 100
    return _money_cell(sheet, total * factor)


def _negative(sheet: Sheet, i: int, rng):
    cols = [
        sheet.col(f)
        for f in (
            "coreWeeklyCost",
            "additionalSupportWeeklyCost",
            "educationWeeklyCost",
            "otherWeeklyCost",
            "totalWeeklyCost",
        )
    ]
    if any(c is None for c in cols):
        return None
    total = _number(sheet.rows[i][cols[4]])
    if total is None:
        return None
    refund = float(rng.integers(25, 90))
    parts = [_number(sheet.rows[i][c]) for c in cols[:4]]
    if any(p is None for p in parts):
        parts = [total, 0.0, 0.0, 0.0]
    parts[0] = round(parts[0] + refund, 2)
    parts[3] = round(parts[3] - refund, 2)  # a refund entered as a negative "other" cost
    for c, p in zip(cols[:4], parts, strict=True):
        sheet.rows[i][c] = _money_cell(sheet, p)
    return [(cols[3], "otherWeeklyCost", _text(sheet.rows[i][cols[3]]))]


def _tbc(sheet: Sheet, i: int, rng):
    col = sheet.col("totalWeeklyCost")
    if col is None:
        return None
    _clear_breakdown(sheet, i)
    sheet.rows[i][col] = "TBC"
    return [(col, "totalWeeklyCost", "TBC")]


def _full_postcode(sheet: Sheet, i: int, rng):
    col = sheet.col("placementLocation")
    outward = str(sheet.rows[i][col]) if col is not None else ""
    if not outward:
        return None
    value = f"{outward} {inward_codes(rng, 1)[0]}"
    sheet.rows[i][col] = value
    return [(col, "placementLocation", value)]


def _bad_outward(sheet: Sheet, i: int, rng):
    col = sheet.col("placementLocation")
    outward = str(sheet.rows[i][col]) if col is not None else ""
    if len(outward) < 3:
        return None
    value = f"{outward[:2]} {outward[2:]}"  # a space typed inside the outward code
    sheet.rows[i][col] = value
    return [(col, "placementLocation", value)]


def _siblings(sheet: Sheet, i: int, rng):
    c_count, c_together = sheet.col("siblingCount"), sheet.col("siblingsPlacedTogether")
    if c_count is None or c_together is None:
        return None
    count = str(sheet.rows[i][c_count])
    n = int(count) if count.isdigit() else 0
    if not count.isdigit():
        sheet.rows[i][c_count] = 0 if sheet.shape.fmt == "xlsx" else "0"
    value = n + 1
    sheet.rows[i][c_together] = value if sheet.shape.fmt == "xlsx" else str(value)
    return [(c_together, "siblingsPlacedTogether", str(value))]


def _sibling_words(sheet: Sheet, i: int, rng):
    col = sheet.col("siblingCount")
    if col is None:
        return None
    sheet.rows[i][col] = "two"
    return [(col, "siblingCount", "two")]


def _breakdown_mismatch(sheet: Sheet, i: int, rng):
    cols = [
        sheet.col(f)
        for f in (
            "coreWeeklyCost",
            "additionalSupportWeeklyCost",
            "educationWeeklyCost",
            "otherWeeklyCost",
            "totalWeeklyCost",
        )
    ]
    if any(c is None for c in cols):
        return None
    total = _number(sheet.rows[i][cols[4]])
    if total is None or total < 300:
        return None
    parts = [_number(sheet.rows[i][c]) for c in cols[:4]]
    if any(p is None for p in parts):
        parts = [round(total * 0.8, 2), round(total * 0.1, 2), 0.0, 0.0]
    else:
        parts[0] = round(parts[0] - 150.0, 2)
    for c, p in zip(cols[:4], parts, strict=True):
        sheet.rows[i][c] = _money_cell(sheet, p)
    return [(cols[4], "totalWeeklyCost", _text(sheet.rows[i][cols[4]]))]


SUITABILITY = ("fosterCareSuitability", "residentialCareSuitability", "supportedAccommodationSuitability")


def _preferred(count: int):
    def plant(sheet: Sheet, i: int, rng):
        cols = [sheet.col(f) for f in SUITABILITY]
        if any(c is None for c in cols):
            return None
        pref = [k for k, f in enumerate(SUITABILITY) if sheet.record(i, f) == "Preferred"]
        if len(pref) != 1:
            return None
        if count == 0:
            sheet.rows[i][cols[pref[0]]] = "Suitable but not preferred"
        else:
            other = [k for k in range(3) if k != pref[0]]
            sheet.rows[i][cols[other[int(rng.integers(2))]]] = "Preferred"
        return [(cols[0], "fosterCareSuitability", _text(sheet.rows[i][cols[0]]))]

    return plant


def _none_and_need(sheet: Sheet, i: int, rng):
    col = sheet.col("specificCommunicationRequirement")
    if col is None:
        return None
    sheet.rows[i][col] = "None;ESOL"
    return [(col, "specificCommunicationRequirement", "None;ESOL")]


def _other_without_text(sheet: Sheet, i: int, rng):
    c_support, c_text = sheet.col("additionalSupport"), sheet.col("additionalSupportOther")
    if c_support is None or c_text is None or sheet.std.version != "1":
        return None
    sheet.rows[i][c_support] = "Other"
    sheet.rows[i][c_text] = ""
    return [(c_text, "additionalSupportOther", "")]


def _reason_when_local(sheet: Sheet, i: int, rng):
    c_local, c_reason = sheet.col("isPreferredLocationLocal"), sheet.col("outOfLAReason")
    if c_local is None or c_reason is None or not bool(sheet.record(i, "isPreferredLocationLocal")):
        return None
    sheet.rows[i][c_reason] = "Safeguarding concerns"
    return [(c_reason, "outOfLAReason", "Safeguarding concerns")]


def _reason_when_preferred(sheet: Sheet, i: int, rng):
    c_pref, c_reason = sheet.col("isLocationPreferred"), sheet.col("nonPreferredLocationReason")
    if c_pref is None or c_reason is None or not bool(sheet.record(i, "isLocationPreferred")):
        return None
    value = "Provision within distance does not exist"
    sheet.rows[i][c_reason] = value
    return [(c_reason, "nonPreferredLocationReason", value)]


# kind -> (plant function, severity)
KINDS: dict[str, tuple] = {
    "unknown_code_placement_type": (_code("placementType", {"Foster": "Kinship foster", "Residential": "Secure unit", "Supported Accommodation": "Semi-independent"}), "error"),
    "unknown_code_pets": (_code("pets", "Maybe"), "error"),
    "unknown_code_risk": (_code("riskMissing", "Medium risk"), "error"),
    "not_yes_no": (_code("deprivationOfLiberty", "Unknown"), "error"),
    "blank_required": (_blank, "error"),
    "missing_child_id": (_no_child_id, "error"),
    "impossible_date": (_cost_date(_impossible), "error"),
    "month_first_date": (_cost_date(_month_first), "error"),
    "future_date": (_cost_date(_future), "warning"),
    "referral_after_placement": (_referral_after, "warning"),
    "cost_below_range": (_total(_low), "warning"),
    "cost_above_range": (_total(_high), "warning"),
    "negative_cost": (_negative, "error"),
    "cost_not_a_number": (_tbc, "error"),
    "full_postcode": (_full_postcode, "warning"),
    "malformed_outward_code": (_bad_outward, "error"),
    "siblings_more_than_planned": (_siblings, "warning"),
    "siblings_not_a_number": (_sibling_words, "error"),
    "cost_breakdown_mismatch": (_breakdown_mismatch, "warning"),
    "no_preferred_type": (_preferred(0), "warning"),
    "two_preferred_types": (_preferred(2), "warning"),
    "none_with_other_need": (_none_and_need, "warning"),
    "other_without_text": (_other_without_text, "error"),
    "out_of_la_reason_when_local": (_reason_when_local, "warning"),
    "location_reason_when_preferred": (_reason_when_preferred, "warning"),
    "duplicate_row": (None, "error"),
    "duplicate_child_placement": (None, "warning"),
}  # fmt: skip
REFERENCE_KINDS = {
    "urn_not_on_register": "warning",  # found by the regional join with the Ofsted register
    "unregistered_provider": "error",  # blank URN: the provider is not registered (required field blank)
}


def plant_defects(sheets: list[Sheet], closed_urns: list[str], rng: np.random.Generator) -> list[Planted]:
    """Spoil about DEFECT_ROW_SHARE of the rows of one LA's sheets; return what was planted where."""
    planted: list[Planted] = []
    busy: set[int] = set()
    urns = iter(closed_urns)
    # Provider URNs: unregistered settings have none; a few URNs are not on the register.
    for sheet in sheets:
        col = sheet.col("providerURN")
        unregistered = sheet.records["unregistered"].to_numpy()[sheet.rec_pos]
        for i, row in enumerate(sheet.rows):
            if unregistered[i]:
                row[col] = ""
                planted.append(
                    Planted(
                        sheet,
                        row,
                        col,
                        "providerURN",
                        "unregistered_provider",
                        REFERENCE_KINDS["unregistered_provider"],
                        "",
                    )
                )
                busy.add(id(row))
            elif row[col] and rng.random() < P.URN_NOT_ON_REGISTER:
                closed = next(urns, None)
                if closed is None:
                    continue
                row[col] = closed
                planted.append(
                    Planted(
                        sheet,
                        row,
                        col,
                        "providerURN",
                        "urn_not_on_register",
                        REFERENCE_KINDS["urn_not_on_register"],
                        row[col],
                    )
                )
                busy.add(id(row))
    total_rows = sum(len(s.rows) for s in sheets)
    n_defects = max(len(KINDS), int(round(total_rows * P.DEFECT_ROW_SHARE)))
    kinds = list(KINDS)
    order = [kinds[k] for k in rng.permutation(len(kinds))]
    plan = [order[k % len(order)] for k in range(n_defects)]
    for kind in plan:
        for _attempt in range(40):
            sheet = sheets[int(rng.integers(len(sheets)))]
            if not sheet.rows:
                continue
            i = int(rng.integers(len(sheet.rows)))
            row = sheet.rows[i]
            if id(row) in busy:
                continue
            if kind in ("duplicate_row", "duplicate_child_placement"):
                entry = _duplicate(sheet, i, kind, rng)
                if entry is None:
                    continue
                busy.add(id(row))
                busy.add(id(entry.row))
                planted.append(entry)
                break
            func, severity = KINDS[kind]
            cells = func(sheet, i, rng)
            if cells is None:
                continue
            busy.add(id(row))
            for col, field, value in cells:
                planted.append(Planted(sheet, row, col, field, kind, severity, value))
            break
    return planted


def _duplicate(sheet: Sheet, i: int, kind: str, rng: np.random.Generator) -> Planted | None:
    """Insert a copy of row i right after it: exact, or the same child and date with other changes."""
    row = sheet.rows[i]
    copy = list(row)
    if kind == "duplicate_child_placement":
        col = sheet.col("totalWeeklyCost")
        total = _number(row[col])
        if total is None:
            return None
        copy[col] = _money_cell(sheet, round(total * 1.05, 2))  # re-entered with a revised cost
        for f in ("coreWeeklyCost", "additionalSupportWeeklyCost", "educationWeeklyCost", "otherWeeklyCost"):
            c = sheet.col(f)
            if c is not None:
                copy[c] = ""
    sheet.rows.insert(i + 1, copy)
    sheet.rec_pos.insert(i + 1, sheet.rec_pos[i])
    severity = KINDS[kind][1]
    if kind == "duplicate_row":
        return Planted(sheet, copy, None, "(row)", kind, severity, _text(row[sheet.col("childId")]))
    # Same child and placement date: the key is the date (v1 agreed start / v2 start date) for that child.
    field = "placementDate" if sheet.col("placementDate") is not None else "placementStartDate"
    col = sheet.col(field)
    return Planted(sheet, copy, col, field, kind, severity, _text(copy[col]))


# ---------------------------------------------------------------------------------------------
# Known variant spellings (not defects)


def plant_variants(sheets: list[Sheet], planted: list[Planted], rng: np.random.Generator) -> list[Planted]:
    """Write a known variant spelling in some rows: the kit must read it without a finding."""
    busy = {id(p.row) for p in planted}
    out: list[Planted] = []
    for sheet in sheets:
        std = sheet.std
        code_cols = [
            (k, f)
            for k, f in enumerate(sheet.fields)
            if f and std.field(f).type in ("code", "boolean") and not std.field(f).multi
        ]
        # Every code list (and yes/no) equally likely, so the eleven risk columns do not crowd out the rest.
        group = [std.field(f).codelist or "boolean" for _, f in code_cols]
        weight = np.array([1.0 / group.count(g) for g in group])
        weight /= weight.sum()
        for row in sheet.rows:
            if id(row) in busy or rng.random() >= P.VARIANT_ROW_SHARE:
                continue
            k, f = code_cols[int(rng.choice(len(code_cols), p=weight))]
            current = _text(row[k])
            if not current:
                continue
            if std.field(f).type == "boolean":
                options = {"Yes": ["Y", "yes", "YES "], "No": ["N", "no", " No"]}.get(current.strip(), [])
                canonical = current.strip()
            else:
                codes = std.codes_for(f)
                canonical = codes.canonical(current)
                if canonical is None:
                    continue
                code = next(c for c in codes.codes if c.code == canonical)
                known = [
                    v for v in code.variants if " " in v or v.islower() or len(v) <= 3 or v.endswith(",")
                ]
                known = [
                    v for v in known if "risk" not in v.lower() or v.lower().startswith(("risk", "no known"))
                ]
                # Mostly the standard's own known variants; otherwise a stray space or lower case.
                options = known if known and rng.random() < 0.7 else [canonical + " ", canonical.lower()]
            options = [o for o in options if o != current]
            if not options:
                continue
            value = options[int(rng.integers(len(options)))]
            row[k] = value
            out.append(Planted(sheet, row, k, f, "variant", "none", value))
            busy.add(id(row))
    return out
