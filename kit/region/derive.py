"""Every derived concept of the regional dataset, computed once, from the standard files' roles and
the declared reference data (``kit/standards/reference/``).

In: the pooled placements (the standard's fields and the joins' columns). Out: the derived columns
the measures, the cost comparisons and the forecast all read, so that no two stages can answer the
same question differently:

=======================  ==================================================================
column                   rule (missing values: see each function)
=======================  ==================================================================
``risk_count``           how many of the standard's coded risks are "present"
                         (:func:`risk_count`); **missing** when no risk was answered at all
``needs_band``           ``0 risks``, ``1-2 risks``, ``3+ risks``; missing with ``risk_count``
``preferred_type``       the one placement type rated "Preferred"; missing when none or several
``displaced``            foster care preferred, placed in residential care
``provider_sector_903``  the 903 provider's sector (Own LA, Other LA, Other public, Private...)
``in_house``             the kit's one in-house rule (reference/ssda903.yaml, PLACE_PROVIDER)
``sourcing_route``       ``In-house``, ``External`` or ``Kinship`` (from the 903 episode)
``setting``              the kind of home within the standard's type (kinship, agency...)
``commercial_type``      the forecast's seven commercial types (reference/ssda903.yaml)
``age_band``             DfE's age bands (reference/ssda903.yaml)
=======================  ==================================================================

Coverage helpers (:func:`recorded_in_file`, :func:`coverage`): a field a file does not record (the
June 2026 Excel template has no sexual-exploitation column) is unknown for its rows, never a code.
Cost helpers: :func:`plausible_cost` (the one cost every figure uses: costs outside the sense range
are left out) and :func:`outside_sense_range` (those rows, listed).

Plus two constants: :data:`WEEKS_PER_YEAR` (365.25 / 7: the one length of a year in weeks, for the
report's annualised spend and the forecast's spend alike) and :func:`cost_sense_range` (read from
the standard files' ``total_cost`` rule, never copied).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from kit import standards
from kit.standards import reference

ROLES = standards.common_roles("placements")
"""The roles every placements version plays with the same fields (``ROLES.total_cost.field``)."""
SSDA903 = reference.ssda903()
EPISODE = SSDA903.episodes
"""Column names of the 903 Episodes table, by role (``EPISODE.start`` is the DECOM column)."""
REGISTER = reference.ofsted()
DISTRICTS = reference.postcodes()

DAYS_PER_YEAR = 365.25
WEEKS_PER_YEAR = DAYS_PER_YEAR / 7
"""One year in weeks (52.18): annualised spend in the report and yearly spend in the forecast."""

PLACEMENT_TYPE = ROLES.placement_type.field
FOSTER = ROLES.placement_type.code("foster")
RESIDENTIAL = ROLES.placement_type.code("residential")
SUPPORTED = ROLES.placement_type.code("supported")
TYPES = (FOSTER, RESIDENTIAL, SUPPORTED)
"""The standard's placement types, in its order."""
TYPE_KEYS = {FOSTER: "foster", RESIDENTIAL: "residential", SUPPORTED: "supported"}

URGENCY = ROLES.urgency.field
TODAY = ROLES.urgency.code("today")
WITHIN_5_DAYS = ROLES.urgency.code("within_5_days")
OVER_5_DAYS = ROLES.urgency.code("over_5_days")
URGENCIES = (TODAY, WITHIN_5_DAYS, OVER_5_DAYS)

RISKS = ROLES.risks.fields
RISK_PRESENT = ROLES.risks.code("present")
PREFERRED = ROLES.suitability.code("preferred")
UNSUITABLE = ROLES.suitability.code("unsuitable")
SUITABILITY = {ROLES.placement_type.code(k): f for k, f in ROLES.suitability.by.items()}
"""Placement type -> the field rating its suitability."""
TOTAL_COST = ROLES.total_cost.field

NEEDS_BANDS = ("0 risks", "1-2 risks", "3+ risks")
NOT_RECORDED = "Not recorded"
AGE_BANDS = tuple(SSDA903.age_bands)
AGE_BAND_EDGES = tuple(float(v) for v in list(SSDA903.age_bands.values())[1:])
DISTANCE_BANDS = tuple(DISTRICTS.distance_bands)
NEAR_MILES = DISTRICTS.near_miles

IN_HOUSE_ROUTE, EXTERNAL_ROUTE, KINSHIP_ROUTE = "In-house", "External", "Kinship"
COMMERCIAL_TYPES = tuple(SSDA903.commercial_types)
KINSHIP_PLACES = SSDA903.places(kinship=True)
SECURE_PLACES = SSDA903.places(secure=True)
REGISTERED_PLACES = SSDA903.places(registered=True)
FOSTER_PLACES = SSDA903.places(placement_type=FOSTER)
OTHER_FOSTER_PLACES = tuple(p for p in FOSTER_PLACES if p not in KINSHIP_PLACES)


@functools.cache
def cost_sense_range() -> tuple[float, float]:
    """(lowest, highest) plausible weekly cost in pounds: the standard files' ``total_cost`` rule.

    Every placements version names its sense-range rule under ``roles.total_cost.rule``; they must
    agree (a pooled region mixes versions), else the kit refuses to guess.
    """
    found = set()
    for name, version in standards.available():
        if name != "placements":
            continue
        std = standards.load(name, version)
        rule_id = std.roles.total_cost.code("rule")
        rule = next(r for r in std.rules if r.id == rule_id)
        found.add((float(rule.params["min"]), float(rule.params["max"])))
    if len(found) != 1:
        raise standards.StandardFileError(
            f"The placements versions disagree on the cost sense range: {found}."
        )
    return found.pop()


# ---------------------------------------------------------------------------------------------
# Small helpers


def text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as nullable text (all missing when the frame lacks it)."""
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[column].astype("string")


def flag(frame: pd.DataFrame, column: str) -> pd.Series:
    """A nullable boolean column (missing when the field is absent or empty)."""
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="boolean")
    col = frame[column]
    if str(col.dtype) == "boolean" or pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("boolean")
    t = col.astype("string").str.strip().str.lower()
    return t.map({"true": True, "false": False, "yes": True, "no": False}).astype("boolean")


def _codes(values) -> pd.Series:
    s = pd.Series(values, dtype="object")
    return s.fillna("").astype(str).str.strip().str.upper()


# ---------------------------------------------------------------------------------------------
# Needs


def risks_answered(frame: pd.DataFrame) -> pd.Series:
    """True where at least one coded risk was answered (either way)."""
    cols = [frame[r].notna() for r in RISKS if r in frame]
    if not cols:
        return pd.Series(False, index=frame.index)
    return pd.concat(cols, axis=1).any(axis=1)


def risk_present(frame: pd.DataFrame, field: str) -> pd.Series:
    """True where ``field`` is "Risk present" (False when absent or not answered)."""
    return text(frame, field).eq(RISK_PRESENT).fillna(False).astype(bool)


def risk_count(frame: pd.DataFrame) -> pd.Series:
    """How many of the coded risks are "Risk present".

    Missing-value rule: a row where **no** risk was answered at all is *not recorded* (missing),
    never "0 risks"; a row with some risks answered counts the unanswered ones as not present.
    """
    count = sum((risk_present(frame, r).astype("int64") for r in RISKS), pd.Series(0, index=frame.index))
    return count.astype("Int64").where(risks_answered(frame))


def needs_band(count: pd.Series) -> pd.Series:
    """``0 risks``, ``1-2 risks``, ``3+ risks`` (an ordered categorical); missing where the count is."""
    rc = pd.to_numeric(count, errors="coerce").astype(float)
    band = np.select([rc == 0, rc <= 2, rc >= 3], list(NEEDS_BANDS), default="")
    band = np.where((band == "") | np.isnan(rc), None, band)
    return pd.Series(pd.Categorical(band, categories=NEEDS_BANDS, ordered=True), index=count.index)


def preferred_type(frame: pd.DataFrame) -> pd.Series:
    """The one placement type rated "Preferred"; missing when none or several are."""
    pref = pd.DataFrame({t: text(frame, f).eq(PREFERRED).fillna(False) for t, f in SUITABILITY.items()})
    one = pref.sum(axis=1) == 1
    out = pd.Series(pd.NA, index=frame.index, dtype="string")
    for t in TYPES:
        out[one & pref[t]] = t
    return out


def displaced(frame: pd.DataFrame, preferred: pd.Series) -> pd.Series:
    """Foster care was the one preferred type and the child was placed in residential care;
    missing when the preference or the type placed is not known."""
    placed = text(frame, PLACEMENT_TYPE)
    known = preferred.notna() & placed.notna()
    return ((preferred == FOSTER) & (placed == RESIDENTIAL)).astype("boolean").where(known)


def unsuitable_type(frame: pd.DataFrame) -> pd.Series:
    """Placed in a type the referral rated "Unsuitable" (False when not rated)."""
    ptype = text(frame, PLACEMENT_TYPE)
    out = pd.Series(False, index=frame.index)
    for t, f in SUITABILITY.items():
        out |= ptype.eq(t).fillna(False) & text(frame, f).eq(UNSUITABLE).fillna(False)
    return out


# ---------------------------------------------------------------------------------------------
# Coverage: a field a file does not record is unknown, never a code


def _file_key(frame: pd.DataFrame) -> pd.Series:
    """One key per source file (the LA and the file's name); one key for a frame without them."""
    parts = [text(frame, c).fillna("") for c in ("la", "_source_file") if c in frame]
    if not parts:
        return pd.Series("", index=frame.index, dtype="string")
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part
    return key


def recorded_in_file(frame: pd.DataFrame, field: str) -> pd.Series:
    """True for the rows whose source file records ``field`` (gives it for at least one row).

    A file whose template has no column for the field (the June 2026 Excel template has none for the
    sexual-exploitation risk: missing by design) or that left it empty throughout does not record it:
    its rows are *unknown* for that field, never "no known risk", and a measure that uses the field
    is computed only on the rows of files that record it (:func:`coverage` says how many).
    """
    if field not in frame:
        return pd.Series(False, index=frame.index)
    given = frame[field].notna()
    return given.groupby(_file_key(frame).to_numpy()).transform("any").astype(bool)


def coverage(frame: pd.DataFrame, field: str) -> float:
    """The share (0-1) of rows whose source file records ``field`` (:func:`recorded_in_file`)."""
    return float(recorded_in_file(frame, field).mean()) if len(frame) else float("nan")


# ---------------------------------------------------------------------------------------------
# Provider and kind of home (903)


def in_house(provider) -> pd.Series:
    """The kit's one in-house rule on 903 ``PLACE_PROVIDER`` codes (reference/ssda903.yaml):
    True (PR1-PR3, public provision), False (PR4-PR5, private or voluntary), missing (PR0, blank)."""
    codes = _codes(provider)
    values = {c: p.in_house for c, p in SSDA903.provider.items()}
    out = codes.map(values).astype("boolean")
    out.index = getattr(provider, "index", out.index)
    return out


def provider_sector_903(provider) -> pd.Series:
    """The 903 provider's sector label (``Own LA``, ``Other LA``, ``Other public``, ``Private``...)."""
    codes = _codes(provider)
    out = codes.map({c: p.sector for c, p in SSDA903.provider.items()}).astype("string")
    out.index = getattr(provider, "index", out.index)
    return out


def commercial_type_903(place, provider) -> np.ndarray:
    """The forecast's commercial type of each 903 episode from its PLACE and PLACE_PROVIDER."""
    return np.array(
        [SSDA903.commercial_type(p, q) for p, q in zip(_codes(place), _codes(provider), strict=True)],
        dtype=object,
    )


def blank_provider_count(place, provider) -> int:
    """Episodes whose commercial type depends on the provider but have none (counted as in-house)."""
    split = [c for c, p in SSDA903.place.items() if isinstance(p.commercial, dict)]
    return int((_codes(place).isin(split) & (_codes(provider) == "")).sum())


def commercial_type(frame: pd.DataFrame) -> np.ndarray:
    """The forecast's commercial type of each placements row ('' when it cannot be told).

    Rows matched to a 903 episode use its PLACE and PLACE_PROVIDER (:func:`commercial_type_903`);
    unmatched rows fall back on the standard's placement type and ``in_house`` / the register's
    sector: Foster -> in-house fostering when in-house, else IFA (kinship cannot be told apart
    without the 903); Residential run by an LA -> LA home, else private or voluntary home; Supported
    Accommodation -> supported.
    """
    n = len(frame)
    out = np.full(n, "", dtype=object)
    place = _codes(text(frame, "place_903")).to_numpy()
    matched = place != ""
    if matched.any():
        provider = _codes(text(frame, "place_provider_903")).to_numpy()
        out[matched] = commercial_type_903(place[matched], provider[matched])
    ptype = text(frame, PLACEMENT_TYPE).fillna("").to_numpy(dtype=object)
    house = flag(frame, "in_house").fillna(False).to_numpy(dtype=bool)
    sector = _codes(text(frame, "provider_sector")).to_numpy()
    la_run = house | (sector == REGISTER.local_authority_sector.upper())
    rest = ~matched
    by_type = {
        pt: [k for k, spec in SSDA903.commercial_types.items() if (spec or {}).get("placement_type") == pt]
        for pt in TYPES
    }

    def pick(pt: str, inside: bool) -> str:
        keys = by_type[pt]
        split = {
            SSDA903.commercial_types[k]["in_house"]: k
            for k in keys
            if "in_house" in SSDA903.commercial_types[k]
        }
        return split.get(inside) or keys[0]

    for pt in TYPES:
        m = rest & (ptype == pt)
        if not m.any():
            continue
        own = la_run if pt == RESIDENTIAL else house
        out[m & own] = pick(pt, True)
        out[m & ~own] = pick(pt, False)
    return out


def sourcing_route(frame: pd.DataFrame) -> pd.Series:
    """``In-house`` or ``External`` by :func:`in_house` (the 903 provider), ``Kinship`` for care by
    relatives or friends (arranged with family, not bought); missing when the provider is not known."""
    house = flag(frame, "in_house")
    out = pd.Series(pd.NA, index=frame.index, dtype="string")
    out[house.eq(True).fillna(False)] = IN_HOUSE_ROUTE
    out[house.eq(False).fillna(False)] = EXTERNAL_ROUTE
    out[text(frame, "place_903").isin(list(KINSHIP_PLACES)).fillna(False)] = KINSHIP_ROUTE
    return out


def setting(frame: pd.DataFrame) -> pd.Series:
    """The kind of home within the standard's type, from the 903 and Ofsted joins.

    ``Foster: kinship`` (903 kinship PLACE codes), ``Foster: in-house`` / ``Foster: agency`` (other
    foster carers, by :func:`in_house`), ``Residential: secure`` (a secure 903 PLACE, or a secure
    home on the register), ``Residential: unregistered`` (no Ofsted URN recorded), ``Residential:
    children's home``, the standard's type otherwise; ``Foster: not known`` when the 903 cannot say.
    """
    ptype = text(frame, PLACEMENT_TYPE)
    place = text(frame, "place_903")
    house = flag(frame, "in_house")
    provider_type = text(frame, "provider_type").str.lower()
    urn_status = text(frame, "urn_status")
    out = ptype.copy()
    foster = ptype.eq(FOSTER).fillna(False)
    other_carers = place.isin(list(OTHER_FOSTER_PLACES)).fillna(False)
    out[foster] = f"{FOSTER}: not known"
    out[foster & other_carers & house.eq(True).fillna(False)] = f"{FOSTER}: in-house"
    out[foster & other_carers & house.eq(False).fillna(False)] = f"{FOSTER}: agency"
    out[foster & place.isin(list(KINSHIP_PLACES)).fillna(False)] = f"{FOSTER}: kinship"
    res = ptype.eq(RESIDENTIAL).fillna(False)
    out[res] = f"{RESIDENTIAL}: children's home"
    out[res & urn_status.eq("missing").fillna(False)] = f"{RESIDENTIAL}: unregistered"
    secure = place.isin(list(SECURE_PLACES)).fillna(False) | provider_type.str.contains(
        REGISTER.secure_word
    ).fillna(False)
    out[res & secure] = f"{RESIDENTIAL}: secure"
    return out


# ---------------------------------------------------------------------------------------------
# Age


def age_in_years(dob: pd.Series, on: pd.Series) -> pd.Series:
    """Whole years of age on a date (a birthday counts on the day itself)."""
    years = on.dt.year - dob.dt.year
    before_birthday = (on.dt.month < dob.dt.month) | (
        (on.dt.month == dob.dt.month) & (on.dt.day < dob.dt.day)
    )
    return (years - before_birthday.astype("int64")).astype("Int64")


def age_band_index(age_years) -> np.ndarray:
    """Index into :data:`AGE_BANDS` (int64) for ages in years (floats)."""
    age = np.asarray(age_years, dtype=float)
    band = np.zeros(age.shape, dtype=np.int64)
    for edge in AGE_BAND_EDGES:
        band += age >= edge
    return band


def age_band(age: pd.Series) -> pd.Series:
    """DfE's age bands (an ordered categorical); missing where the age is."""
    values = age.astype("float64").to_numpy()
    labels = np.array(AGE_BANDS, dtype=object)[age_band_index(np.nan_to_num(values))]
    labels = np.where(np.isnan(values), None, labels)
    return pd.Series(pd.Categorical(labels, categories=AGE_BANDS, ordered=True), index=age.index)


SCHOOL_AGE = 5
"""Children of school age (5 and over on the day the placement starts) are the ones whose
education can be disrupted; the education measure's denominator is theirs."""


def school_age(frame: pd.DataFrame) -> pd.Series:
    """True for a placement of a child aged 5 or over at its start (False when younger or the age is
    not known: the 903 record did not match)."""
    age = pd.to_numeric(frame["age_at_start"], errors="coerce") if "age_at_start" in frame else None
    if age is None:
        return pd.Series(False, index=frame.index)
    return (age >= SCHOOL_AGE).fillna(False).astype(bool)


def financial_quarter_label(quarter) -> pd.Series:
    """Calendar quarters (``2026Q2``, as pandas writes them) -> financial-year quarters
    (``2026-27 Q1``, the label the pooled dataset's ``financial_quarter`` column uses)."""
    q = pd.Series(quarter, dtype="string")
    parts = q.str.extract(r"^(\d{4})Q([1-4])$")
    year = pd.to_numeric(parts[0], errors="coerce")
    cal = pd.to_numeric(parts[1], errors="coerce")
    start = year.where(cal >= 2, year - 1)
    fq = (cal - 1).where(cal >= 2, 4)
    out = (
        start.astype("Int64").astype("string")
        + "-"
        + ((start + 1) % 100).astype("Int64").astype("string").str.zfill(2)
        + " Q"
        + fq.astype("Int64").astype("string")
    )
    return out.where(year.notna())


# ---------------------------------------------------------------------------------------------
# Cost


def weekly_cost(frame: pd.DataFrame) -> pd.Series:
    """The total weekly cost in pounds as floats (NaN when not recorded)."""
    cost = frame[TOTAL_COST] if TOTAL_COST in frame else pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(cost, errors="coerce").astype(float)


def in_sense_range(cost: pd.Series) -> pd.Series:
    """True for a weekly cost inside :func:`cost_sense_range` (False when outside or missing)."""
    lo, hi = cost_sense_range()
    return cost.notna() & (cost >= lo) & (cost <= hi)


def plausible_cost(frame: pd.DataFrame) -> pd.Series:
    """The weekly cost where it is inside :func:`cost_sense_range`, NaN otherwise (not recorded, or
    outside the range): the one cost every cost and spend figure reads."""
    cost = weekly_cost(frame)
    return cost.where(in_sense_range(cost))


def outside_sense_range(frame: pd.DataFrame) -> pd.DataFrame:
    """The recorded weekly costs outside :func:`cost_sense_range` (almost always keying slips: a
    yearly or a daily figure typed as weekly), listed so that the region can ask the LA: ``la``,
    ``_source_file``, ``_source_row`` (where the frame has them), the placement type and the cost.
    Every cost and spend figure leaves these rows out (the report, data pack, dashboard and forecast
    alike)."""
    cost = weekly_cost(frame)
    bad = cost.notna() & ~in_sense_range(cost)
    cols = [c for c in ("la", "_source_file", "_source_row", PLACEMENT_TYPE) if c in frame]
    out = frame.loc[bad.to_numpy(), cols].copy()
    out[TOTAL_COST] = cost[bad]
    return out.reset_index(drop=True)


def annual(weekly: float) -> float:
    """A weekly amount over a year of :data:`WEEKS_PER_YEAR` weeks."""
    return weekly * WEEKS_PER_YEAR


# ---------------------------------------------------------------------------------------------
# The derivation step


DERIVED = ("risk_count", "needs_band", "preferred_type", "displaced", "provider_sector_903", "sourcing_route",
           "setting", "commercial_type")  # fmt: skip
"""The columns :func:`derive` adds to the pooled placements, in order."""


def derive(frame: pd.DataFrame) -> pd.DataFrame:
    """The derived columns (:data:`DERIVED`) for each row of the joined placements (same index)."""
    out = pd.DataFrame(index=frame.index)
    out["risk_count"] = risk_count(frame)
    out["needs_band"] = needs_band(out["risk_count"])
    out["preferred_type"] = preferred_type(frame)
    out["displaced"] = displaced(frame, out["preferred_type"])
    out["provider_sector_903"] = provider_sector_903(text(frame, "place_provider_903"))
    out["sourcing_route"] = sourcing_route(frame)
    out["setting"] = setting(frame)
    out["commercial_type"] = pd.Series(commercial_type(frame), index=frame.index, dtype="string").replace(
        "", pd.NA
    )
    return out


def ensure_derived(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every derived column (computed for a frame that lacks any; a copy)."""
    missing = [c for c in DERIVED if c not in frame]
    if not missing:
        return frame
    p = frame.copy()
    new = derive(p)
    for c in missing:
        p[c] = new[c]
    return p


__all__ = [
    "AGE_BANDS", "DERIVED", "NEEDS_BANDS", "TYPES", "WEEKS_PER_YEAR", "age_band", "annual",
    "commercial_type", "cost_sense_range", "coverage", "derive", "financial_quarter_label", "ensure_derived", "in_house", "needs_band",
    "outside_sense_range", "plausible_cost", "preferred_type", "recorded_in_file", "risk_count", "school_age", "setting", "sourcing_route",
]  # fmt: skip
