"""The fictional geography: local authorities, their postcode districts and where those lie.

In: the number of LAs wanted and a random generator. Out: a :class:`Geography` holding every LA
(the region's own, plus LAs of neighbouring fictional regions that hold homes and carers but send
no returns), every postcode district (outward code, LA, grid reference in metres) and the distances
between districts in km.

Outward codes all start with ``Q``: no real UK postcode area does, so they match the standard's
pattern (``^[A-Z]{1,2}[0-9][0-9A-Z]?$``) but can never be a real place. Grid references are
ONS-Postcode-Directory-style eastings and northings in metres, on a plane placed in the North Sea
(eastings above 800,000 m), so distances are realistic but no point is on land.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.synth import parameters as P

KM_PER_MILE = 1.609344
ORIGIN_KM = (900.0, 300.0)  # the region's centre on the grid (km): east of the real coastline
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters real inward codes use (no C, I, K, M, O, V)

# Syllables for the names of LAs beyond the six hand-made ones (neighbours, national scale).
_NAME_HEADS = (
    "Ash", "Bram", "Cor", "Dun", "Elm", "Fen", "Gar", "Hol", "Ick", "Kel", "Lun", "Mar", "Nor",
    "Orm", "Pel", "Quen", "Rav", "Sel", "Tarn", "Ulv", "Ven", "Wex", "Yarl", "Zen", "Brack", "Cran",
)  # fmt: skip
_NAME_TAILS = ("ford", "ley", "wick", "mere", "thorpe", "by", "combe", "den", "holt", "stow", "wold", "ham")


@dataclass
class LA:
    """One local authority (in the region, or a neighbour that only supplies homes)."""

    index: int
    code: str
    name: str
    kind: str
    region_code: str
    region_name: str
    in_region: bool
    stock: int
    rate_per_10k: int
    postcode_area: str
    dfe_number: str
    ifa_share_of_foster: float
    x_km: float
    y_km: float
    n_districts: int
    radius_km: float

    @property
    def population_0_17(self) -> int:
        return round(self.stock / self.rate_per_10k * 10_000, -2)


@dataclass
class Geography:
    las: list[LA]
    districts: pd.DataFrame  # outward, la (index), x_km, y_km, weight
    dist_km: np.ndarray = field(repr=False)

    @property
    def region_las(self) -> list[LA]:
        return [la for la in self.las if la.in_region]

    def district_index(self) -> dict[str, int]:
        return {o: i for i, o in enumerate(self.districts["outward"])}


def _generated_name(i: int) -> str:
    head = _NAME_HEADS[i % len(_NAME_HEADS)]
    tail = _NAME_TAILS[(i * 7 + i // len(_NAME_HEADS)) % len(_NAME_TAILS)]
    suffix = "" if i < len(_NAME_HEADS) * len(_NAME_TAILS) else f" {i}"
    return f"{head}{tail}{suffix}"


def _la_specs(n_las: int, rng: np.random.Generator) -> list[dict]:
    """The region's LAs: the six hand-made ones, or n generated ones for a national-size run."""
    if n_las <= len(P.REGION_LAS):
        return [dict(spec.__dict__) for spec in P.REGION_LAS[:n_las]]
    median, sd = P.STOCK_BY_LA_AT_SCALE
    stocks = np.clip(np.round(median * np.exp(rng.normal(0, sd, n_las) - sd**2 / 2)), 120, 2500)
    specs = []
    width = 3 if n_las > 99 else 2
    for i in range(n_las):
        stock = int(stocks[i])
        specs.append(
            dict(
                code=f"Z{i + 1:0{width}d}",
                name=_generated_name(i),
                kind="unitary" if stock < 600 else "county",
                stock=stock,
                rate_per_10k=int(np.clip(rng.normal(70, 28), 27, 184)),
                postcode_area="Q" + "ABDEFGHJKLMNPRSTUVWXYZ"[i // 9 % 22],
                districts=int(np.clip(round(stock / 90), 4, 14)),
                radius_km=float(np.clip(rng.normal(15, 5), 8, 28)),
                ifa_share_of_foster=float(np.clip(rng.normal(0.36, 0.05), 0.26, 0.45)),
                dfe_number=f"{942 + i % 58:03d}",  # 942-999: beyond DfE's list (which ends at 941)
            )
        )
    return specs


def _positions(n: int, spacing: float, rng: np.random.Generator) -> np.ndarray:
    """Centres for n LAs: a hexagonal spiral around the origin, slightly jittered."""
    pts = [(0.0, 0.0)]
    ring = 1
    dirs = [(1, 0), (0.5, 0.866), (-0.5, 0.866), (-1, 0), (-0.5, -0.866), (0.5, -0.866)]
    while len(pts) < n:
        x, y = ring * dirs[4][0], ring * dirs[4][1]  # the ring's south-west corner, then walk round
        for d in range(6):
            for _ in range(ring):
                pts.append((x, y))
                x, y = x + dirs[d][0], y + dirs[d][1]
        ring += 1
    arr = np.array(pts[:n]) * spacing
    return arr + rng.normal(0, spacing * 0.08, arr.shape)


MAX_LAS = 198  # 22 postcode areas x 9 LAs: outward codes stay within Q?1-Q?99


def build_geography(n_las: int, rng: np.random.Generator) -> Geography:
    """All LAs and postcode districts of the sample (region LAs first, in LA-code order)."""
    if not 1 <= n_las <= MAX_LAS:
        raise ValueError(f"the sample region can have 1 to {MAX_LAS} LAs, not {n_las}")
    specs = _la_specs(n_las, rng)
    with_neighbours = n_las <= 20  # a national-size run has no outside regions
    n_neigh = len(P.NEIGHBOUR_REGIONS) * P.NEIGHBOUR_LAS_PER_REGION if with_neighbours else 0
    centres = _positions(n_las + n_neigh, P.LA_SPACING_KM, rng) + np.array(ORIGIN_KM)
    if n_las > len(P.REGION_LAS):
        per_region = 17  # about the size of an English region
        region_of = [f"ZR{i // per_region + 1}" for i in range(n_las)]
        region_names = {code: f"Fictional region {code[2:]}" for code in set(region_of)}
        region_names["ZR1"] = P.REGION_NAME
    else:
        region_of = [P.REGION_CODE] * n_las
        region_names = {P.REGION_CODE: P.REGION_NAME}
    las: list[LA] = []
    for i, s in enumerate(specs):
        las.append(
            LA(
                index=i,
                code=s["code"],
                name=s["name"],
                kind=s["kind"],
                region_code=region_of[i],
                region_name=region_names[region_of[i]],
                in_region=True,
                stock=int(s["stock"]),
                rate_per_10k=int(s["rate_per_10k"]),
                postcode_area=s["postcode_area"],
                dfe_number=s["dfe_number"],
                ifa_share_of_foster=float(s["ifa_share_of_foster"]),
                x_km=float(centres[i, 0]),
                y_km=float(centres[i, 1]),
                n_districts=int(s["districts"]),
                radius_km=float(s["radius_km"]),
            )
        )
    # Neighbouring regions: the outer ring, split in two halves (north and south of the region).
    outer = list(range(n_las, n_las + n_neigh))
    outer.sort(key=lambda k: np.arctan2(centres[k, 1] - ORIGIN_KM[1], centres[k, 0] - ORIGIN_KM[0]))
    areas = "NRTUVWYZDEFGJLMP"
    for j, k in enumerate(outer):
        reg_code, reg_name = P.NEIGHBOUR_REGIONS[j // P.NEIGHBOUR_LAS_PER_REGION]
        idx = len(las)
        area = areas[j % len(areas)]
        las.append(
            LA(
                index=idx,
                code=f"Z{11 + (j // P.NEIGHBOUR_LAS_PER_REGION) * 10 + j % P.NEIGHBOUR_LAS_PER_REGION}",
                name=_generated_name(idx * 5 + 3),
                kind="neighbour",
                region_code=reg_code,
                region_name=reg_name,
                in_region=False,
                stock=0,
                rate_per_10k=70,
                postcode_area="Q" + area,
                dfe_number="",
                ifa_share_of_foster=0.36,
                x_km=float(centres[k, 0]),
                y_km=float(centres[k, 1]),
                n_districts=6,
                radius_km=15.0,
            )
        )
    districts = _districts(las, rng)
    xy = districts[["x_km", "y_km"]].to_numpy()
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return Geography(las=las, districts=districts, dist_km=dist)


def _districts(las: list[LA], rng: np.random.Generator) -> pd.DataFrame:
    """Postcode districts: each LA's districts scattered around its centre."""
    rows = []
    used: dict[str, int] = {}
    for la in las:
        n = la.n_districts
        start = used.get(la.postcode_area, 0)
        numbers = list(range(start + 1, start + n + 1))
        used[la.postcode_area] = start + n
        # Uniform in a disc, the first district at the centre (the town or city centre).
        r = la.radius_km * np.sqrt(rng.random(n))
        theta = rng.random(n) * 2 * np.pi
        r[0] = 0.0
        xs = la.x_km + r * np.cos(theta)
        ys = la.y_km + r * np.sin(theta)
        weights = np.exp(rng.normal(0, 0.5, n))
        weights[0] *= 1.8  # more children live in the centre
        weights = weights / weights.sum()
        for k in range(n):
            outward = f"{la.postcode_area}{numbers[k]}"
            if la.kind == "city" and numbers[k] == 1:
                outward = f"{la.postcode_area}1A"  # a city-centre district with a letter, like EC1A
            rows.append(dict(outward=outward, la=la.index, x_km=xs[k], y_km=ys[k], weight=weights[k]))
            if la.kind == "city" and numbers[k] == 1:
                rows.append(
                    dict(
                        outward=f"{la.postcode_area}1B",
                        la=la.index,
                        x_km=xs[k] + 1.5,
                        y_km=ys[k] - 1.0,
                        weight=weights[k] * 0.6,
                    )
                )
    frame = pd.DataFrame(rows)
    frame["weight"] = frame.groupby("la")["weight"].transform(lambda w: w / w.sum())
    return frame


def inward_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random inward codes (digit + two letters from the letters real inward codes use)."""
    digits = rng.integers(0, 10, n)
    a = rng.integers(0, len(INWARD_LETTERS), n)
    b = rng.integers(0, len(INWARD_LETTERS), n)
    letters = np.array(list(INWARD_LETTERS))
    return np.char.add(np.char.add(digits.astype(str), letters[a]), letters[b])
