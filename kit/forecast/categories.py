"""The seven commercially meaningful placement types, and how SSDA903 codes map to them.

In: SSDA903 ``PLACE`` and ``PLACE_PROVIDER`` codes (episodes), or placements-standard rows.
Out: one type key per row, from :data:`TYPES`.

The crosswalk is declared as data in ``kit/standards/reference/ssda903.yaml`` (codes from the DfE
SSDA903 guide, see ``guides/forecasting.md``); this module only reads it:

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

* In-house versus external is the kit's one rule (:func:`kit.region.derive.in_house`, written down
  with its reason in the reference file): PR1 (own LA), PR2 (another LA) and PR3 (other public) are
  public provision, in-house; PR4 private and PR5 voluntary are external; the sufficiency tables'
  in-house share uses the same rule. A blank provider on a foster or children's-home episode is
  counted as public (in-house) here, the commonest case (the forecast needs a type for every child;
  the sufficiency tables leave it "not known"); the number of such episodes is reported as a note.
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

from kit.region import derive as D

_REF = D.SSDA903

TYPES: tuple[str, ...] = D.COMMERCIAL_TYPES
"""Type keys in the order every table and chart uses (reference/ssda903.yaml, commercial_types)."""

TYPE_LABELS: dict[str, str] = {t: str(spec["label"]) for t, spec in _REF.commercial_types.items()}


def _split(placement_type: str, in_house: bool) -> str:
    """The commercial type of a placement type bought in-house (True) or externally (False)."""
    return next(
        t
        for t, spec in _REF.commercial_types.items()
        if spec.get("placement_type") == placement_type and spec.get("in_house") is in_house
    )


INHOUSE_FOSTER, IFA = _split(D.FOSTER, True), _split(D.FOSTER, False)
LA_HOME, PRIVATE_HOME = _split(D.RESIDENTIAL, True), _split(D.RESIDENTIAL, False)
KINSHIP = _REF.place[D.KINSHIP_PLACES[0]].commercial
OTHER = TYPES[-1]
IN_HOUSE_TYPES = (INHOUSE_FOSTER, LA_HOME)
EXTERNAL_TYPES = (IFA, PRIVATE_HOME)
"""The commercial types split by the in-house rule (what the forecast's in-house share counts)."""
FOSTER_TYPES = tuple(t for t, spec in _REF.commercial_types.items() if spec.get("placement_type") == D.FOSTER)
HOME_TYPES = (LA_HOME, PRIVATE_HOME)

AGE_BANDS: tuple[str, ...] = D.AGE_BANDS
"""DfE age bands (the regional dataset's ``age_band``); 16+ means 16 and 17."""
AGE_BAND_EDGES = D.AGE_BAND_EDGES
"""Lower edges (years) of every band after the first."""
CARE_ENDS_AT = _REF.care_ends_at_age
"""Care ends at the 18th birthday: the model makes every child leave then."""
DAYS_PER_YEAR = D.DAYS_PER_YEAR


def type_from_903(place, place_provider) -> np.ndarray:
    """Type key for each episode from its ``PLACE`` and ``PLACE_PROVIDER`` codes.

    In: two equal-length sequences of codes (text; blanks allowed). Out: array of type keys.
    """
    return D.commercial_type_903(place, place_provider)


blank_provider_count = D.blank_provider_count
"""How many foster or children's-home episodes have no ``PLACE_PROVIDER`` (counted as in-house)."""


def type_from_placements(placements: pd.DataFrame) -> np.ndarray:
    """Type key for each placements-standard row ('' when it cannot be told).

    The regional dataset carries it as ``commercial_type`` (the one derivation step,
    :func:`kit.region.derive.commercial_type`); other frames get it computed the same way.
    """
    if "commercial_type" in placements:
        return placements["commercial_type"].astype("string").fillna("").to_numpy(dtype=object)
    return D.commercial_type(placements)


DURATION_BANDS: tuple[str, ...] = ("under 6 months", "6 to 24 months", "2 years or more")
"""Time in care (since the period of care started) the move and exit rates depend on. Why these
three: exits are commonest in the first months (short stays, returns home), fall over the first two
years and are low after (long-term foster care, leaving at 18); three bands keep enough
child-months per cell for a region of a few thousand children."""
DURATION_BAND_EDGES = (0.5, 2.0)
"""Lower edges (years in care) of every duration band after the first."""


def duration_band(years_in_care) -> np.ndarray:
    """Index into :data:`DURATION_BANDS` (int64) for times in care in years."""
    return np.searchsorted(
        np.asarray(DURATION_BAND_EDGES), np.asarray(years_in_care, dtype=float), side="right"
    )


def age_band(age_years) -> np.ndarray:
    """Index into :data:`AGE_BANDS` (int64) for ages in years (floats)."""
    return D.age_band_index(age_years)
