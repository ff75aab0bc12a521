"""Scenarios a commissioner asks for, as small YAML files, turned into changes to the model.

In: a scenario file such as::

    name: Fewer children displaced into residential care
    description: Foster-preferred children placed in children's homes fall by a fifth.
    starts_in_quarter: 1          # optional: the projected quarter the change starts (default 1)
    changes:
      displacement_reduction: 0.2

Out: a :class:`Scenario`, and (with :func:`adjustments`) the
:class:`~kit.forecast.stock_flow.Adjustments` the projection applies. The changes a file may make:

``entry_rate_change``
    Relative change in children coming into care: ``-0.05`` is 5% fewer each month.
``displacement_reduction``
    Share of displaced children (foster preferred, placed in a children's home) who get a foster
    placement instead: ``0.2`` is a fifth fewer displaced. Each child arriving in a children's home
    goes to foster care instead with chance ``displacement_reduction x displaced_share``.
``displaced_share``
    Optional: share of children's-home placements that are displacements. Default: measured from
    the placements (``displaced`` flag, or foster ``preferred_type`` and a residential placement).
``in_house_foster_places``
    Extra in-house foster places (a whole number), filled by children who would have gone to an
    independent fostering agency.
``new_childrens_home_places``
    Places in a new regional (LA-run) children's home, filled by children who would have gone to a
    private or voluntary children's home.

Assumptions (also in ``guides/forecasting.md``): displaced children who are fostered instead go to
in-house carers and IFAs in the proportions the region's foster placements start in (kinship
depends on a relative being there, so it is left alone); extra places fill as soon as children need
them and stay full while demand lasts; children already placed do not move because of a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kit.core.errors import KitError
from kit.forecast.categories import HOME_TYPES, IFA, INHOUSE_FOSTER, LA_HOME, PRIVATE_HOME, TYPES
from kit.forecast.stock_flow import EXIT, Adjustments, Capacity, Rates
from kit.region import derive as D

CHANGES = {
    "entry_rate_change": "relative change in children coming into care (e.g. -0.05)",
    "displacement_reduction": "share of displaced children fostered instead (0 to 1, e.g. 0.2)",
    "displaced_share": "share of children's-home placements that are displacements (0 to 1)",
    "in_house_foster_places": "extra in-house foster places (whole number, e.g. 30)",
    "new_childrens_home_places": "places in a new LA-run children's home (whole number, e.g. 6)",
    "home_running_cost_per_year": "the new home's running costs a year, in pounds (e.g. 1500000)",
    "home_occupancy": "share of the new home's places filled on average (0 to 1, e.g. 0.85)",
    "home_ramp_up_months": "months from opening until every usable place is open (whole number, e.g. 6)",
    "recruitment_cost_per_household": "cost of recruiting and approving one foster household, in pounds",
    "places_per_household": "foster places each new household offers (e.g. 1.5)",
    "approval_months": "months from the start of recruiting until new carers take children (e.g. 6)",
}
NEEDS = {
    "home_running_cost_per_year": "new_childrens_home_places",
    "home_occupancy": "new_childrens_home_places",
    "home_ramp_up_months": "new_childrens_home_places",
    "recruitment_cost_per_household": "in_house_foster_places",
    "places_per_household": "in_house_foster_places",
    "approval_months": "in_house_foster_places",
}
TOP_LEVEL = {"name", "description", "starts_in_quarter", "changes"}


@dataclass
class Scenario:
    """One scenario: a name, a plain-English description and the changes it makes."""

    name: str
    description: str = ""
    changes: dict[str, float | int] = field(default_factory=dict)
    starts_in_quarter: int = 1
    path: Path | None = None

    @property
    def from_month(self) -> int:
        return 3 * (self.starts_in_quarter - 1) + 1


def _number(value, key: str, where: str, low=None, high=None, whole=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise KitError(f"{where}: '{key}' must be a number ({CHANGES[key]}), not {value!r}.")
    if whole and value != int(value):
        raise KitError(f"{where}: '{key}' must be a whole number of places, not {value!r}.")
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise KitError(f"{where}: '{key}' must be {span} ({CHANGES[key]}), not {value!r}.")
    return float(value)


def scenario_from_dict(data: dict, where: str = "the scenario") -> Scenario:
    """Check a scenario's fields and build a :class:`Scenario`; :class:`KitError` names what is wrong."""
    if not isinstance(data, dict):
        raise KitError(f"{where}: a scenario file must hold 'name', 'description' and 'changes'.")
    unknown = set(data) - TOP_LEVEL
    if unknown:
        raise KitError(
            f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
            f"a scenario has {', '.join(sorted(TOP_LEVEL))}."
        )
    name = str(data.get("name") or "").strip()
    if not name:
        raise KitError(f"{where}: give the scenario a 'name'.")
    changes = data.get("changes") or {}
    if not isinstance(changes, dict) or not changes:
        raise KitError(f"{where}: 'changes' must list at least one of: {', '.join(CHANGES)}.")
    bad = set(changes) - set(CHANGES)
    if bad:
        raise KitError(
            f"{where}: unknown change(s) {', '.join(sorted(map(str, bad)))}; known changes: {', '.join(CHANGES)}."
        )
    checked: dict[str, float | int] = {}
    for key, value in changes.items():
        if key == "entry_rate_change":
            checked[key] = _number(value, key, where, low=-0.95, high=5.0)
        elif key in ("displacement_reduction", "displaced_share", "home_occupancy"):
            checked[key] = _number(value, key, where, low=0.0, high=1.0)
        elif key in ("home_running_cost_per_year", "recruitment_cost_per_household"):
            checked[key] = _number(value, key, where, low=0.0)
        elif key == "places_per_household":
            checked[key] = _number(value, key, where, low=0.5, high=10.0)
        else:  # places, months
            checked[key] = int(_number(value, key, where, low=0, whole=True))
    for key, needs in NEEDS.items():
        if key in checked and needs not in checked:
            raise KitError(f"{where}: '{key}' only makes sense with '{needs}'.")
    if "displaced_share" in checked and "displacement_reduction" not in checked:
        raise KitError(f"{where}: 'displaced_share' only makes sense with 'displacement_reduction'.")
    start = data.get("starts_in_quarter", 1)
    if isinstance(start, bool) or not isinstance(start, int) or start < 1:
        raise KitError(f"{where}: 'starts_in_quarter' must be a whole number from 1, not {start!r}.")
    return Scenario(
        name=name,
        description=" ".join(str(data.get("description") or "").split()),
        changes=checked,
        starts_in_quarter=start,
    )


def load_scenario(path) -> Scenario:
    """Read one scenario YAML file. Raises :class:`KitError` naming the file when it cannot be used."""
    path = Path(path)
    if path.exists():
        from kit.read import check_input

        check_input(path, "The scenario file")  # a folder, pipe or device: refused at once
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KitError(f"{path}: no such scenario file.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" near line {mark.line + 1}" if mark else ""
        raise KitError(f"{path}: not valid YAML{line}; compare it with the examples in scenarios/.") from None
    scenario = scenario_from_dict(data, where=str(path))
    scenario.path = path
    return scenario


def load_scenarios(paths) -> list[Scenario]:
    """Scenarios from files, a folder of ``*.yml`` / ``*.yaml`` files, or :class:`Scenario` objects."""
    if paths is None:
        return []
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = []
    for p in paths:
        if isinstance(p, Scenario):
            out.append(p)
        elif Path(p).is_dir():
            files = sorted([*Path(p).glob("*.yml"), *Path(p).glob("*.yaml")])
            out.extend(load_scenario(f) for f in files)
        else:
            out.append(load_scenario(p))
    names = [s.name for s in out]
    if len(set(names)) < len(names):
        raise KitError("Two scenarios have the same name: give each scenario its own 'name'.")
    return out


def measured_displaced_share(placements: pd.DataFrame | None) -> float | None:
    """Share of residential placements that are displacements (foster preferred), or None if unknown."""
    if placements is None or D.PLACEMENT_TYPE not in placements:
        return None
    ptype = placements[D.PLACEMENT_TYPE].astype("string").str.strip()
    residential = (ptype == D.RESIDENTIAL).fillna(False).to_numpy(dtype=bool)
    if "displaced" in placements:
        flag = placements["displaced"].astype("boolean")
    else:  # the one rule of kit.region.derive (foster preferred, placed in residential care)
        pref = (
            placements["preferred_type"] if "preferred_type" in placements else D.preferred_type(placements)
        )
        flag = D.displaced(placements, pref.astype("string"))
    known = residential & flag.notna().to_numpy(dtype=bool)
    if known.sum() == 0:
        return None
    return float(flag[known].astype(bool).mean())


def foster_arrival_shares(rates: Rates) -> dict[str, float]:
    """Where foster placements start (in-house vs IFA): entrants and moves into each, in the reference period."""
    into = rates.entry_types.sum(axis=0).astype(float)
    moves = rates.transitions.sum(axis=0).astype(float)  # [from, to]
    np.fill_diagonal(moves[:, :EXIT], 0.0)
    into = into + moves[:, :EXIT].sum(axis=0)
    shares = {t: into[TYPES.index(t)] for t in (INHOUSE_FOSTER, IFA)}
    total = sum(shares.values())
    return {t: v / total for t, v in shares.items()} if total else {INHOUSE_FOSTER: 0.5, IFA: 0.5}


def adjustments(scenario: Scenario, rates: Rates, placements: pd.DataFrame | None = None) -> Adjustments:
    """The changes to the projection a scenario makes (see the module's docstring)."""
    c = scenario.changes
    adj = Adjustments(from_month=scenario.from_month)
    if "entry_rate_change" in c:
        adj.entry_multiplier = 1.0 + c["entry_rate_change"]
    if "displacement_reduction" in c:
        share = c.get("displaced_share")
        if share is None:
            share = measured_displaced_share(placements)
        if share is None:
            raise KitError(
                f"Scenario '{scenario.name}': the placements do not say which children were displaced; "
                "add 'displaced_share' (e.g. 0.3) under 'changes' in the scenario file."
            )
        adj.redirect = (HOME_TYPES, c["displacement_reduction"] * share, foster_arrival_shares(rates))
    if c.get("in_house_foster_places"):
        start = scenario.from_month + int(c.get("approval_months", 0))
        adj.capacity.append(Capacity(IFA, INHOUSE_FOSTER, int(c["in_house_foster_places"]), start))
    if c.get("new_childrens_home_places"):
        for places, start in home_places_by_month(scenario):
            adj.capacity.append(Capacity(PRIVATE_HOME, LA_HOME, places, start))
    return adj


def home_places_by_month(scenario: Scenario) -> list[tuple[int, int]]:
    """(places, first month) steps of a new home: its places times the occupancy (rounded to whole
    places, at least one), opened in equal steps over the ramp-up from the opening month."""
    c = scenario.changes
    usable = max(round(c["new_childrens_home_places"] * c.get("home_occupancy", 1.0)), 1)
    ramp = int(c.get("home_ramp_up_months", 0))
    if ramp <= 0:
        return [(usable, scenario.from_month)]
    return [(1, scenario.from_month + round(ramp * k / usable)) for k in range(usable)]
