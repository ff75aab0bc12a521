"""Where a placement is: inside or outside the child's LA, near or far, and which home.

In: spells with their setting and urgency, the children, the geography and the provider register.
Out: the spells with the district of the placement, the provider (for homes and supported
accommodation), whether it is outside the child's LA and its straight-line distance from home.

Whether a placement is outside the LA depends on the type of home and on urgency (placements needed
today are more often out of area); how far depends on the type of home; the district is then drawn
among the districts (or providers) in that zone, nearer ones more likely.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.synth import parameters as P
from kit.synth.children import _logistic
from kit.synth.region import KM_PER_MILE, Geography

NEAR_KM = P.NEAR_MILES * KM_PER_MILE


def place_spells(
    spells: pd.DataFrame,
    children: pd.DataFrame,
    geo: Geography,
    providers: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Add district, provider, outside_la, distance_km and home_district to each spell."""
    n = len(spells)
    row = spells["row"].to_numpy()
    setting = spells["setting"].to_numpy()
    home = children["home_district"].to_numpy()[row]
    today = spells["urgency"].to_numpy() == "Today"
    base = np.array([P.OUTSIDE_LA_LOG_ODDS.get(s, 0.0) for s in _setting_key(setting)])
    logit_out = (
        base + P.OUTSIDE_LA_LOG_ODDS["urgent_today"] * today + 2.0 * ~spells["preferred_local"].to_numpy()
    )
    outside = rng.random(n) < _logistic(logit_out)
    far_base = np.array([P.FAR_LOG_ODDS.get(s, 0.0) for s in _setting_key(setting)])
    far = rng.random(n) < _logistic(far_base)
    with_parents = setting == "with_parents"
    outside[with_parents & (rng.random(n) < 0.8)] = False
    district = np.full(n, -1, dtype=np.int64)
    provider = np.full(n, -1, dtype=np.int64)

    d = geo.districts
    dist_la = d["la"].to_numpy()
    weights = d["weight"].to_numpy()
    prov_kind = providers["kind"].to_numpy()
    prov_district = providers["district"].to_numpy()
    prov_places = providers["places"].to_numpy().astype(float)
    prov_la_run = (providers["sector"].to_numpy() == "Local Authority") & (prov_kind == "home")
    prov_la = providers["la"].to_numpy()

    kind_of = {"childrens_home": "home", "secure": "secure", "supported": "supported"}
    needs_provider = np.isin(setting, ["childrens_home", "secure", "supported"])
    keys = pd.DataFrame(
        {"home": home, "outside": outside, "far": far, "setting": np.where(needs_provider, setting, "carer")}
    )
    for (h, out, fa, st), idx in keys.groupby(
        ["home", "outside", "far", "setting"], sort=True
    ).indices.items():
        la_h = dist_la[h]
        dist_h = geo.dist_km[h]
        if st == "carer":
            mask = _zone(np.ones(len(dist_la), dtype=bool), dist_la == la_h, dist_h, out, fa)
            w = weights[mask] * np.exp(-dist_h[mask] / (60.0 if out else 12.0))
            cands = np.flatnonzero(mask)
            district[idx] = cands[rng.choice(len(cands), size=len(idx), p=w / w.sum())]
        else:
            kind = kind_of[st]
            ok_kind = (prov_kind == kind) & (~prov_la_run | (prov_la == la_h))
            p_dist_la = dist_la[prov_district]
            mask = _zone(ok_kind, p_dist_la == la_h, dist_h[prov_district], out, fa)
            w = prov_places[mask] * np.exp(-dist_h[prov_district][mask] / 80.0)
            cands = np.flatnonzero(mask)
            provider[idx] = cands[rng.choice(len(cands), size=len(idx), p=w / w.sum())]
            district[idx] = prov_district[provider[idx]]
    # Placed with parents: at the family home.
    at_home = with_parents & ~outside
    district[at_home] = home[at_home]
    spells["district"] = district
    spells["provider"] = provider
    spells["outside_la"] = dist_la[district] != children["la"].to_numpy()[row]
    spells["distance_km"] = geo.dist_km[home, district]
    spells["home_district"] = home
    return spells


def _setting_key(setting: np.ndarray) -> list[str]:
    return [s if s in P.OUTSIDE_LA_LOG_ODDS else "other" for s in setting]


def _zone(ok: np.ndarray, same_la: np.ndarray, dist: np.ndarray, outside: bool, far: bool) -> np.ndarray:
    """Candidates (``ok``) in the wanted zone (inside/outside the LA, near/far), relaxing the
    distance and then the LA condition when no candidate is there."""
    la_ok = ~same_la if outside else same_la
    far_ok = dist > NEAR_KM if far else dist <= NEAR_KM
    for mask in (ok & la_ok & far_ok, ok & la_ok, ok):
        if mask.any():
            return mask
    raise ValueError("no provider of this kind exists in the sample")
