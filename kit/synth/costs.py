"""Weekly cost of each placement the standard covers.

In: spells with their setting, risks, deprivation of liberty, solo recommendation and urgency. Out:
the spells with ``cost`` (pounds a week, excluding VAT): lognormal around the setting's median with
the causal effects of ``parameters.COST_LOG_EFFECTS`` and an independent long right tail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kit.synth import parameters as P


def weekly_costs(spells: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Weekly cost for placements the standard covers: lognormal around the setting's median, with
    the causal effects of ``COST_LOG_EFFECTS`` and an independent long right tail."""
    n = len(spells)
    setting = spells["setting"].to_numpy()
    urgency = spells["urgency"].to_numpy()
    eff = P.COST_LOG_EFFECTS
    effect = (
        eff["per_risk"] * spells["n_risks"].to_numpy()
        + eff["dol"] * spells["dol"].to_numpy()
        + eff["solo"] * spells["solo"].to_numpy()
        + eff["urgent_today"] * (urgency == "Today")
        + eff["urgent_within_5_days"] * (urgency == "< 5 days")
    )
    tail = (rng.random(n) < P.COST_TAIL["share"]) * P.COST_TAIL["log_shift"]
    noise = rng.normal(0, 1, n)
    cost = np.full(n, np.nan)
    for s, median in P.COST_MEDIAN_WEEKLY.items():
        m = setting == s
        if not m.any():
            continue
        # Centre the effects within the setting, so that the setting's median is the target.
        centre = np.median(effect[m] + tail[m] + P.COST_SIGMA[s] * noise[m])
        log_cost = np.log(median) + effect[m] + tail[m] + P.COST_SIGMA[s] * noise[m] - centre
        cost[m] = np.round(np.clip(np.exp(log_cost), *P.COST_CLIP), 2)
    spells["cost"] = cost
    return spells
