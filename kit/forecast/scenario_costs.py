"""What a scenario's own provision costs: running costs of a new home, recruiting foster households.

The projection's spend charges every child a weekly cost of the type they are in. That is right
for a foster placement (allowances are paid per child) but not for a home the region runs itself:
a new home costs its **running costs** whether or not its places are full, and the children in it
cost nothing more per week. Recruiting foster carers costs money **before** any child is placed.

:func:`provision_costs` turns a scenario's cost assumptions into an array to add to the scenario's
spend (``[sims, years, types]``, pounds, same years as :func:`kit.forecast.costing.simulate_spend`):

* New home (``new_childrens_home_places``): minus the weekly cost of the LA-home type for every
  extra child-week in LA homes (the children in the new places; the scenario's LA-home children
  minus the baseline's, paired simulations), plus ``home_running_cost_per_year`` for every month
  the home is open (from ``starts_in_quarter``, during the ramp-up too), inflated like every cost.
* Foster recruitment (``in_house_foster_places``): ``recruitment_cost_per_household`` times the
  households needed (places / ``places_per_household``, rounded up), in the year recruiting starts.
  The children in the extra places are charged the in-house weekly cost as usual.

Net of these, a scenario's spend difference is what the region would pay with the scenario minus
what it would pay without it. Places, occupancy, ramp-up and time to approval change when and how
many children the extra places take (see :func:`kit.forecast.scenarios.adjustments`).
"""

from __future__ import annotations

import math

import numpy as np

from kit.forecast.categories import INHOUSE_FOSTER, LA_HOME, TYPES
from kit.forecast.stock_flow import Projection


def weekly_unit_cost(costs, t: str) -> float | None:
    """The mean weekly cost of type ``t`` over all needs (the cost table's ``all`` row), or None."""
    from kit.forecast.costing import _cost_lookup

    look = _cost_lookup(costs, t, "all")
    return None if look is None else look[0]


def provision_costs(scenario, baseline: Projection, run: Projection, costs, inflation: float) -> np.ndarray:
    """Pounds to add to the scenario's spend by simulation, projection year and type (see above)."""
    dates = run.dates
    n_months = len(dates) - 1
    n_years = int(np.ceil(n_months / 12))
    out = np.zeros((run.n_sims, n_years, len(TYPES)))
    weeks = np.diff(dates.to_numpy()).astype("timedelta64[D]").astype(float) / 7.0
    years_from_start = (dates[1:] - dates[0]).days.to_numpy() / 365.25
    price = (1.0 + inflation) ** years_from_start
    year_of = np.arange(n_months) // 12
    c = scenario.changes
    month = np.arange(1, n_months + 1)
    if c.get("new_childrens_home_places"):
        la = TYPES.index(LA_HOME)
        extra = np.maximum(run.by_type()[:, 1:, la] - baseline.by_type()[:, 1:, la], 0).astype(float)
        unit = weekly_unit_cost(costs, LA_HOME) or 0.0
        running = float(c.get("home_running_cost_per_year", 0.0))
        is_open = (month >= scenario.from_month).astype(float)
        for y in range(n_years):
            m = year_of == y
            out[:, y, la] -= (extra[:, m] * weeks[m] * price[m]).sum(axis=1) * unit
            out[:, y, la] += running / 12 * (is_open[m] * price[m]).sum()
    if c.get("in_house_foster_places") and c.get("recruitment_cost_per_household"):
        households = math.ceil(c["in_house_foster_places"] / float(c.get("places_per_household", 1.0)))
        y = min(year_of[min(scenario.from_month, n_months) - 1], n_years - 1)
        first = min(scenario.from_month, n_months) - 1
        out[:, y, TYPES.index(INHOUSE_FOSTER)] += (
            households * c["recruitment_cost_per_household"] * price[first]
        )
    return out
