"""SSDA903 codes of each placement: PLACE, PLACE_PROVIDER, URN and the placement postcode.

In: spells with their setting, provider and district, the children, the geography and the provider
register. Out: :func:`assign_codes` adds the 903 codes (year-aware: H5/P2 before April 2024, K3 after;
Z1 before April 2025, Z11-Z14 after) and :func:`status_changes` lists the same-carer changes of
PLACE inside a placement (903 RNE ``T``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kit.synth import parameters as P
from kit.synth.children import YEAR, day
from kit.synth.region import Geography, inward_codes

SUPPORTED_REGISTRATION = day(dt.date(2024, 4, 1))  # K3 from the 2024-25 return
Z_SPLIT = day(dt.date(2025, 4, 1))  # Z1 retired in the 2025-26 return (open ones are re-coded there)


def assign_codes(
    spells: pd.DataFrame,
    children: pd.DataFrame,
    geo: Geography,
    providers: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """903 PLACE, PLACE_PROVIDER and URN, the placement postcode, and the register URN of each spell."""
    n = len(spells)
    setting = spells["setting"].to_numpy()
    start = spells["start"].to_numpy()
    age = spells["age"].to_numpy()
    row = spells["row"].to_numpy()
    la = spells["la"].to_numpy()
    provider = spells["provider"].to_numpy().copy()
    sex = children["sex"].to_numpy()[row]
    place = np.full(n, "", dtype=object)
    pp = np.full(n, "", dtype=object)
    urn = np.full(n, "", dtype=object)

    prov_urn = providers["urn"].to_numpy()
    prov_sector = providers["sector"].to_numpy()
    prov_kind = providers["kind"].to_numpy()
    fostering = {int(providers.at[i, "la"]): prov_urn[i] for i in np.flatnonzero(prov_kind == "la_fostering")}
    ifas = np.flatnonzero(prov_kind == "ifa")
    adoption_urn = prov_urn[np.flatnonzero(prov_kind == "adoption")[0]]
    schools = np.flatnonzero(prov_kind == "school")

    baby = age < 1
    u = rng.random(n)
    m = setting == "kinship"
    place[m] = np.where(baby[m] & (u[m] < 0.05), "U2", "U3")
    m = np.isin(setting, ["inhouse_foster", "ifa"])
    place[m] = np.where(baby[m] & (u[m] < 0.08), "U5", "U6")
    m = np.isin(setting, ["kinship", "inhouse_foster"])
    pp[m] = "PR1"
    urn[m] = [fostering[int(x)] for x in la[m]]
    m = setting == "ifa"
    chosen = ifas[
        rng.choice(
            len(ifas),
            size=int(m.sum()),
            p=providers["places"].to_numpy()[ifas] / providers["places"].to_numpy()[ifas].sum(),
        )
    ]
    provider[m] = chosen
    pp[m] = np.where(prov_sector[chosen] == "Voluntary", "PR5", "PR4")
    urn[m] = prov_urn[chosen]
    for s, code in (("childrens_home", "K2"), ("secure", "K1")):
        m = setting == s
        place[m] = code
        pr = provider[m]
        own = providers["la"].to_numpy()[pr] == la[m]
        pp[m] = np.where(
            prov_sector[pr] == "Local Authority",
            np.where(own, "PR1", "PR2"),
            np.where(prov_sector[pr] == "Voluntary", "PR5", "PR4"),
        )
        urn[m] = prov_urn[pr]
    m = setting == "unregulated"
    place[m] = "K2"
    pp[m] = "PR4"
    m = setting == "supported"
    pr = provider[m]
    early = start[m] < SUPPORTED_REGISTRATION
    place[m] = np.where(early, np.where(rng.random(int(m.sum())) < 0.8, "H5", "P2"), "K3")
    pp[m] = np.where(
        prov_sector[pr] == "Local Authority", "PR1", np.where(prov_sector[pr] == "Voluntary", "PR5", "PR4")
    )
    urn[m] = np.where(early, "", prov_urn[pr])
    registered_urn = np.full(n, "", dtype=object)
    registered_urn[m] = prov_urn[pr]  # the URN once the placement became registered (K3)
    m = setting == "with_parents"
    place[m] = "P1"
    pp[m] = "PR0"
    m = setting == "adoption"
    place[m] = np.where(rng.random(int(m.sum())) < 0.3, "A5", "A6")
    pp[m] = "PR1"
    urn[m] = adoption_urn
    m = setting == "other"
    o = rng.random(n)
    other = np.where(
        (age >= 15) & (sex == "M") & (o < 0.3), "R5", np.where(
            (age >= 14) & (sex == "F") & (o < 0.5), "R3", np.where(
                o < 0.45, "R2", np.where(o < 0.7, "S1", "Z1"))))  # fmt: skip
    other = np.where((other == "Z1") & (start >= Z_SPLIT), _z_codes(rng, n), other)
    place[m] = other[m]
    pp[m] = np.where(
        np.isin(other[m], ["R2", "R5"]),
        "PR3",
        np.where(other[m] == "S1", "PR5", np.where(other[m] == "R3", "PR3", "PR4")),
    )
    sch = m & (other == "S1")
    if sch.any() and len(schools):
        pick = schools[rng.integers(0, len(schools), int(sch.sum()))]
        urn[sch] = prov_urn[pick]
        provider[sch] = pick
    spells["place"] = place
    spells["place_provider"] = pp
    spells["urn_903"] = urn
    spells["provider"] = provider
    # Placement postcode: the provider's, or a carer's address in the district.
    outward = geo.districts["outward"].to_numpy()
    inward = inward_codes(rng, n)
    post = np.char.add(np.char.add(outward[spells["district"].to_numpy()].astype(str), " "), inward)
    has_prov = (provider >= 0) & np.isin(setting, ["childrens_home", "secure", "supported", "other"])
    post = np.where(has_prov, providers["postcode"].to_numpy()[np.maximum(provider, 0)], post)
    spells["pl_postcode"] = post
    spells["pl_post_recorded"] = rng.random(n) >= P.PL_POST_NOT_RECORDED
    spells["registered_urn"] = registered_urn
    # Sibling groups placed together share one carer: the same codes, agency and address.
    grp = spells["sibling_group"].to_numpy()
    if (grp >= 0).any():
        for col in ("place", "place_provider", "urn_903", "provider", "pl_postcode"):
            values = spells[col].to_numpy()
            first = pd.Series(values).groupby(grp).transform("first").to_numpy()
            spells[col] = np.where(grp >= 0, first, values)
    return spells


def _z_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array(["Z11", "Z12", "Z13", "Z14"])[rng.integers(0, 4, n)]


def status_changes(spells: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Same-carer changes of PLACE code inside a spell (903 RNE T, reason PLACE): short-term
    fostering that becomes long-term with the same carers (U6 -> U4, U3 -> U1). (Codes retired in
    2025-26 are re-coded on the restated episode instead: see ``ssda903.year_tables``.)"""
    start = spells["start"].to_numpy()
    end = spells["end"].to_numpy()
    place = spells["place"].to_numpy()
    n = len(spells)
    rows = []
    long_fc = (
        np.isin(place, ["U6", "U3"])
        & ((end - start) > YEAR)
        & (rng.random(n) < P.LONG_TERM_FOSTER_CONVERSION)
    )
    when = start + rng.integers(int(0.5 * YEAR), int(1.0 * YEAR), n)
    m = long_fc & (when < end)
    rows.append(
        pd.DataFrame(
            {
                "spell_index": np.flatnonzero(m),
                "day": when[m],
                "place": np.where(place[m] == "U6", "U4", "U1"),
            }
        )
    )
    changes = pd.concat(rows, ignore_index=True)
    changes["child"] = spells["child"].to_numpy()[changes["spell_index"].to_numpy()]
    return changes.sort_values(["child", "day"], kind="stable").reset_index(drop=True)
