"""The seven commercially meaningful placement types, and how SSDA903 codes map to them.

In: SSDA903 ``PLACE`` and ``PLACE_PROVIDER`` codes (episodes), or placements-standard rows.
Out: one type key per row, from :data:`TYPES`.

The crosswalk (codes from the DfE SSDA903 guide, see ``guides/forecasting.md``):

=============================================  ===========================  ==========================
Type                                           PLACE                        PLACE_PROVIDER
=============================================  ===========================  ==========================
``kinship``  Kinship fostering                 U1, U2, U3 (relative/friend) any
``inhouse_foster``  In-house fostering         U4, U5, U6 (other carers)    PR1, PR2, PR3 or blank
``ifa``  Independent fostering agency          U4, U5, U6                   PR4 (private), PR5 (voluntary)
``la_home``  LA children's home                K2, R1                       PR1, PR2, PR3 or blank
``private_home``  Private or voluntary home    K2, R1                       PR4, PR5
``supported``  Supported accommodation         K3, H5, P2                   any
``other``  Other                               everything else              any
=============================================  ===========================  ==========================

Assumptions (each also in the guide):

* In-house versus external follows the national convention of the Children's Social Care Demand
  Model: PR1 (own LA), PR2 (another LA) and PR3 (other public) are public provision; PR4 private and
  PR5 voluntary are external. A blank provider on a foster or children's-home episode is counted as
  public (in-house), the commonest case; the number of such episodes is reported as a note.
* ``other`` holds placements the placements market does not buy as foster, home or supported
  places: placed for adoption (A3-A6), with parents (P1), secure children's homes (K1, bought
  nationally through the Secure Welfare Coordination Unit), residential schools (S1), residential
  employment (P3), health settings (R2), family centres (R3), young offender institutions (R5),
  temporary moves (T0-T4) and other placements (Z1, Z11-Z14).
* H5 (semi-independent) and P2 (independent living) were retired in 2024-25 and 2025-26; they are
  counted as supported accommodation so that the history before registration (K3) lines up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TYPES: tuple[str, ...] = (
    "kinship",
    "inhouse_foster",
    "ifa",
    "la_home",
    "private_home",
    "supported",
    "other",
)
"""Type keys in the order every table and chart uses."""

TYPE_LABELS: dict[str, str] = {
    "kinship": "Kinship fostering",
    "inhouse_foster": "In-house fostering",
    "ifa": "Independent fostering agency",
    "la_home": "LA children's home",
    "private_home": "Private or voluntary children's home",
    "supported": "Supported accommodation",
    "other": "Other",
}

FOSTER_TYPES = ("kinship", "inhouse_foster", "ifa")
HOME_TYPES = ("la_home", "private_home")

KINSHIP_PLACE = ("U1", "U2", "U3")
FOSTER_PLACE = ("U4", "U5", "U6")
HOME_PLACE = ("K2", "R1")
SUPPORTED_PLACE = ("K3", "H5", "P2")
EXTERNAL_PROVIDER = ("PR4", "PR5")

AGE_BANDS: tuple[str, ...] = ("Under 1", "1-4", "5-9", "10-15", "16+")
"""DfE age bands (the regional dataset's ``age_band``); 16+ means 16 and 17."""
AGE_BAND_EDGES = (1.0, 5.0, 10.0, 16.0)
"""Lower edges (years) of every band after the first."""
CARE_ENDS_AT = 18.0
"""Care ends at the 18th birthday: the model makes every child leave then."""
DAYS_PER_YEAR = 365.25


def _codes(values: pd.Series | np.ndarray | list) -> np.ndarray:
    """Upper-case, stripped text codes; missing values become ''."""
    s = pd.Series(values, dtype="object")
    return s.fillna("").astype(str).str.strip().str.upper().to_numpy()


def type_from_903(place, place_provider) -> np.ndarray:
    """Type key for each episode from its ``PLACE`` and ``PLACE_PROVIDER`` codes.

    In: two equal-length sequences of codes (text; blanks allowed). Out: array of type keys.
    """
    place = _codes(place)
    provider = _codes(place_provider)
    external = np.isin(provider, EXTERNAL_PROVIDER)
    out = np.full(len(place), "other", dtype=object)
    out[np.isin(place, KINSHIP_PLACE)] = "kinship"
    foster = np.isin(place, FOSTER_PLACE)
    out[foster] = np.where(external[foster], "ifa", "inhouse_foster")
    home = np.isin(place, HOME_PLACE)
    out[home] = np.where(external[home], "private_home", "la_home")
    out[np.isin(place, SUPPORTED_PLACE)] = "supported"
    return out


def blank_provider_count(place, place_provider) -> int:
    """How many foster or children's-home episodes have no ``PLACE_PROVIDER`` (counted as in-house)."""
    place = _codes(place)
    provider = _codes(place_provider)
    return int((np.isin(place, FOSTER_PLACE + HOME_PLACE) & (provider == "")).sum())


def type_from_placements(placements: pd.DataFrame) -> np.ndarray:
    """Type key for each placements-standard row.

    In: the regional dataset's ``placements`` frame. Rows matched to an SSDA903 episode use its
    ``place_903`` / ``place_provider_903`` codes (the same crosswalk as episodes). Unmatched rows
    fall back on the standard's ``placementType`` and the provider: Foster with ``in_house`` true ->
    in-house fostering (kinship cannot be told apart without the 903 code), Foster otherwise -> IFA;
    Residential run by a local authority (``provider_sector`` "Local Authority" or ``in_house``) -> LA
    home, otherwise private or voluntary home; Supported Accommodation -> supported. Rows with none
    of these get '' and are left out of the needs mix and the cost table.
    Out: array of type keys (or '').
    """
    n = len(placements)
    out = np.full(n, "", dtype=object)

    def col(name):
        return placements[name] if name in placements else pd.Series([None] * n, index=placements.index)

    place = _codes(col("place_903"))
    matched = place != ""
    if matched.any():
        out[matched] = type_from_903(place[matched], _codes(col("place_provider_903"))[matched])
    ptype = _codes(col("placementType"))
    in_house = col("in_house").astype("boolean").fillna(False).to_numpy(dtype=bool)
    sector = _codes(col("provider_sector"))
    la_run = in_house | (sector == "LOCAL AUTHORITY")
    rest = ~matched
    foster = rest & (ptype == "FOSTER")
    out[foster] = np.where(in_house[foster], "inhouse_foster", "ifa")
    residential = rest & (ptype == "RESIDENTIAL")
    out[residential] = np.where(la_run[residential], "la_home", "private_home")
    out[rest & np.isin(ptype, ("SUPPORTED ACCOMMODATION", "SUPPORTED ACCOMODATION"))] = "supported"
    return out


def age_band(age_years) -> np.ndarray:
    """Index into :data:`AGE_BANDS` (int64) for ages in years (floats)."""
    age = np.asarray(age_years, dtype=float)
    band = np.zeros(age.shape, dtype=np.int64)
    for edge in AGE_BAND_EDGES:
        band += age >= edge
    return band
