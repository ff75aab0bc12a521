"""Reference data in the real publishers' shapes: an Ofsted-style provider register and an
ONS-Postcode-Directory-style lookup of postcode districts.

In: the geography and a random generator. Out: :func:`build_providers` gives the register the
placements are drawn from (one row per provider, with its district); :func:`register_frame` and
:func:`postcode_frame` give the two files as published, written by :func:`write_reference`.

URNs: children's homes and IFAs registered before 2021 have ``SC`` + 6 digits (Ofsted's social care
URNs, placements doc §4.3), newer providers 7 digits starting ``2`` (Ofsted's newer URNs; peers
generate 7-digit URNs too). The sample uses ``SC9xxxxx`` and ``29xxxxx``, the top of each range.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from kit.synth import parameters as P
from kit.synth.region import Geography, inward_codes

_OWNER_WORDS_A = (
    "Amber", "Beacon", "Bright", "Cedar", "Clear", "Compass", "Evergreen", "Harbour", "Hearth",
    "Horizon", "Juniper", "Keystone", "Lantern", "Meadow", "North Star", "Oak", "Pathway", "Rowan",
    "Safe Harbour", "Silver Birch", "Stepping Stone", "Thistle", "Willow", "Wren",
)  # fmt: skip
_OWNER_WORDS_B = ("Care Ltd", "Homes Ltd", "Children's Services Ltd", "Care Group Ltd", "Residential Ltd")
_CHARITY = ("Trust", "Foundation", "Children's Charity")
_BIG_GROUPS = (
    "Meridian Care Group Ltd",
    "Fieldhouse Partnerships Ltd",
    "Sunrise Young People Ltd",
    "Alder Bridge Holdings Ltd",
)

JUDGEMENTS = {"Outstanding": 0.15, "Good": 0.63, "Requires improvement to be good": 0.17, "Inadequate": 0.05}

PROVISION_TYPES = {
    # kind -> Ofsted provision type as in "Children's social care data in England" provider files
    "home": "Children's home",
    "secure": "Secure children's home",
    "supported": "Supported accommodation",
    "ifa": "Independent fostering agency",
    "la_fostering": "Local authority fostering agency",
    "adoption": "Local authority adoption agency",
    "school": "Residential special school",
}


def _choice(rng, items, n, p=None):
    items = np.asarray(items, dtype=object)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return items[rng.choice(len(items), size=n, p=p)]


def build_providers(geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    """Every provider of the sample: children's homes, supported accommodation, fostering and
    adoption agencies, secure homes and residential schools, in and around the region.

    Columns: urn, kind, provision_type, sector, places, owner, la, district, registered,
    status, judgement, postcode.
    """
    d = geo.districts
    rows: list[dict] = []
    dist_la = d["la"].to_numpy()
    for la in geo.las:
        idx = np.flatnonzero(dist_la == la.index)
        # Homes cluster in cheaper districts: a district's share of homes is not its share of children.
        pull = np.exp(rng.normal(0, 0.9, len(idx)))
        scale = 1.0 if not la.in_region else max(0.5, la.stock / 700)
        n_homes = rng.poisson(P.PROVIDERS["homes_per_la"] * scale)
        for kind, n in (
            ("home", n_homes),
            ("supported", rng.poisson(P.PROVIDERS["supported_per_la"] * scale)),
        ):
            where = idx[rng.choice(len(idx), size=n, p=pull / pull.sum())]
            for k in range(n):
                rows.append({"kind": kind, "la": la.index, "district": int(where[k])})
        rows.append({"kind": "la_fostering", "la": la.index, "district": int(idx[0])})
    region_idx = np.flatnonzero(np.isin(dist_la, [la.index for la in geo.region_las]))
    all_idx = np.arange(len(d))
    for _ in range(max(4, round(P.PROVIDERS["ifas_in_region"] * len(geo.region_las) / 6))):
        rows.append({"kind": "ifa", "la": -1, "district": int(rng.choice(region_idx))})
    for _ in range(P.PROVIDERS["secure_homes"]):
        rows.append({"kind": "secure", "la": -1, "district": int(rng.choice(all_idx))})
    for _ in range(P.PROVIDERS["residential_schools_per_region"]):
        rows.append({"kind": "school", "la": -1, "district": int(rng.choice(region_idx))})
    rows.append({"kind": "adoption", "la": geo.region_las[0].index, "district": int(region_idx[0])})
    prov = pd.DataFrame(rows)
    prov["la"] = np.where(prov["la"] < 0, dist_la[prov["district"]], prov["la"])
    n = len(prov)
    kind = prov["kind"].to_numpy()
    prov["provision_type"] = [PROVISION_TYPES[k] for k in kind]

    # Sector and owner.
    sector = _choice(rng, list(P.PROVIDERS["home_sector"]), n, list(P.PROVIDERS["home_sector"].values()))
    sector = np.where(np.isin(kind, ["la_fostering", "adoption", "secure"]), "Local Authority", sector)
    sector = np.where(kind == "ifa", _choice(rng, ["Private", "Voluntary"], n, [0.8, 0.2]), sector)
    sector = np.where(
        kind == "supported",
        _choice(rng, ["Private", "Voluntary", "Local Authority"], n, [0.7, 0.22, 0.08]),
        sector,
    )
    sector = np.where(kind == "school", _choice(rng, ["Voluntary", "Private"], n, [0.6, 0.4]), sector)
    prov["sector"] = sector
    la_names = {la.index: la.name for la in geo.las}
    owners = []
    company = [f"{a} {b}" for a in _OWNER_WORDS_A for b in _OWNER_WORDS_B]
    charity = [f"{a} {b}" for a in _OWNER_WORDS_A for b in _CHARITY]
    for i in range(n):
        if sector[i] == "Local Authority":
            owners.append(f"{la_names[int(prov.at[i, 'la'])]} Council")
        elif sector[i] == "Voluntary":
            owners.append(charity[int(rng.integers(len(charity)))])
        elif kind[i] == "home" and rng.random() < P.PROVIDERS["big_owner_share"]:
            owners.append(_BIG_GROUPS[int(rng.integers(len(_BIG_GROUPS)))])
        else:
            owners.append(company[int(rng.integers(len(company)))])
    prov["owner"] = owners

    # Places: homes 1-8, supported 4-20, agencies: approved fostering places.
    places = _choice(rng, P.PROVIDERS["home_places"], n, P.PROVIDERS["home_places_weights"]).astype(int)
    places = np.where(kind == "supported", rng.integers(4, 21, n), places)
    places = np.where(kind == "secure", rng.integers(8, 25, n), places)
    places = np.where(kind == "school", rng.integers(10, 40, n), places)
    places = np.where(kind == "ifa", rng.integers(30, 260, n), places)
    places = np.where(kind == "la_fostering", rng.integers(120, 450, n), places)
    places = np.where(kind == "adoption", 0, places)
    prov["places"] = places

    # Registration, URN, inspection.
    new_style = (kind == "supported") | ((kind == "home") & (rng.random(n) < 0.3))
    start = np.where(new_style, dt.date(2021, 4, 1).toordinal(), dt.date(1996, 1, 1).toordinal())
    end = dt.date(2025, 12, 31).toordinal()
    reg = start + (rng.random(n) * (end - start)).astype(int)
    reg = np.where(kind == "supported", dt.date(2023, 10, 1).toordinal() + rng.integers(0, 700, n), reg)
    prov["registered"] = [dt.date.fromordinal(int(x)) for x in reg]
    sc = rng.choice(np.arange(900000, 1000000), size=n, replace=False)
    seven = rng.choice(np.arange(2900000, 3000000), size=n, replace=False)
    prov["urn"] = np.where(new_style, seven.astype(str), np.char.add("SC", sc.astype(str)))
    prov["status"] = np.where(rng.random(n) < 0.01, "Suspended", "Active")
    judgement = _choice(rng, list(JUDGEMENTS), n, list(JUDGEMENTS.values()))
    recent = np.array([r > dt.date(2025, 6, 30) for r in prov["registered"]])
    prov["judgement"] = np.where(recent, "Not yet inspected", judgement)
    prov["postcode"] = np.char.add(
        np.char.add(d["outward"].to_numpy()[prov["district"].to_numpy()].astype(str), " "),
        inward_codes(rng, n),
    )
    prov = prov.sort_values(["kind", "urn"], kind="stable").reset_index(drop=True)
    return prov


def closed_urns(providers: pd.DataFrame, rng: np.random.Generator, n: int) -> list[str]:
    """URNs that look real but are not on the register (homes that closed, or typos)."""
    taken = set(providers["urn"])
    out: list[str] = []
    while len(out) < n:
        cand = f"SC{int(rng.integers(900000, 1000000))}"
        if cand not in taken:
            taken.add(cand)
            out.append(cand)
    return out


# ---------------------------------------------------------------------------------------------
# The published files


REGISTER_COLUMNS = [
    "URN", "Provision type", "Sector", "Registration status", "Registration date", "Places",
    "Organisation which owns the provider", "Local authority", "Region", "Postcode district",
    "Overall experiences and progress of children and young people",
]  # fmt: skip


def register_frame(providers: pd.DataFrame, geo: Geography) -> pd.DataFrame:
    """The provider register as Ofsted's provider-level file lays it out (plus the postcode district,
    which Ofsted does not publish for children's homes but regions hold under data sharing)."""
    la = {x.index: x for x in geo.las}
    outward = geo.districts["outward"].to_numpy()
    frame = pd.DataFrame(
        {
            "URN": providers["urn"],
            "Provision type": providers["provision_type"],
            "Sector": providers["sector"],
            "Registration status": providers["status"],
            "Registration date": [d.strftime("%d/%m/%Y") for d in providers["registered"]],
            "Places": providers["places"].astype(int),
            "Organisation which owns the provider": providers["owner"],
            "Local authority": [la[i].name for i in providers["la"]],
            "Region": [la[i].region_name for i in providers["la"]],
            "Postcode district": outward[providers["district"].to_numpy()],
            "Overall experiences and progress of children and young people": np.where(
                providers["kind"].isin(["la_fostering", "adoption"]), "", providers["judgement"]
            ),
        }
    )
    return frame[REGISTER_COLUMNS]


POSTCODE_COLUMNS = [
    "pcd_outward",
    "oslaua",
    "laua_name",
    "rgn",
    "rgn_name",
    "ctry",
    "oseast1m",
    "osnrth1m",
    "dointr",
    "doterm",
]


def postcode_frame(geo: Geography) -> pd.DataFrame:
    """Postcode districts in ONS Postcode Directory style: ``oslaua``, ``rgn``, ``ctry``,
    ``oseast1m``/``osnrth1m`` (grid reference in metres), ``dointr``/``doterm`` as in ONSPD; the
    district key ``pcd_outward`` and the two name columns (from ONSPD's lookup tables) are the kit's
    additions, since ONSPD itself is one row per full postcode."""
    d = geo.districts
    la = {x.index: x for x in geo.las}
    return pd.DataFrame(
        {
            "pcd_outward": d["outward"],
            "oslaua": [la[i].code for i in d["la"]],
            "laua_name": [la[i].name for i in d["la"]],
            "rgn": [la[i].region_code for i in d["la"]],
            "rgn_name": [la[i].region_name for i in d["la"]],
            "ctry": "E92000001",
            "oseast1m": np.round(d["x_km"].to_numpy() * 1000).astype(int),
            "osnrth1m": np.round(d["y_km"].to_numpy() * 1000).astype(int),
            "dointr": "198001",
            "doterm": "",
        }
    )[POSTCODE_COLUMNS]


def write_reference(out: Path, providers: pd.DataFrame, geo: Geography) -> dict[str, Path]:
    """Write ``reference/ofsted_providers.csv`` and ``reference/postcode_districts.csv``."""
    folder = out / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "ofsted_register": folder / "ofsted_providers.csv",
        "postcode_districts": folder / "postcode_districts.csv",
    }
    register_frame(providers, geo).to_csv(paths["ofsted_register"], index=False, lineterminator="\r\n")
    postcode_frame(geo).to_csv(paths["postcode_districts"], index=False, lineterminator="\n")
    return paths
