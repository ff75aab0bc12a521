"""Sibling groups placed together or apart (issue 18): per group where relationships say who the groups are.

In: the pooled placements (in scope, :func:`kit.analysis.measures.prepare`d), the regional dataset's
sibling groups (``RegionalDataset.sibling_groups``: one row per child, ``la``, ``child``, ``group``,
``size``, derived from the LAs' relationship extracts with the pseudonyms of the placements) and the
LAs that supplied relationships.

Out: one rate table (``breakdown``, ``group``, ``counted_per``, ``numerator``, ``denominator``,
``percent``; the numerator is "placed apart"), in two blocks that are never added together:

* **per sibling group**, for the LAs that supply relationships: a group counts when at least two of
  its children have a placement in the period; it is *together* when all of them are (at their
  latest placement) in the same home (the same provider URN and placement district), *apart*
  otherwise; a child whose home is not recorded leaves the group out (it cannot be judged);
* **per child**, for the other LAs, from the placement record's own sibling numbers (the child's
  latest placement with a planned number of siblings to live with): *apart* when fewer siblings
  were placed with the child than planned, as :func:`kit.analysis.measures.sibling_splits` counts.

The ``counted_per`` column says which of the two each row is. Suppressed like every published
table (its shape is a rate). Nothing here reads a file or knows a field name: the fields are the
placements standard's roles (``kit.region.derive.ROLES``).
"""

from __future__ import annotations

import pandas as pd

from kit.analysis.measures import _RATE, REGION, Measure, _percent
from kit.region import derive as D

R = D.ROLES
PER_GROUP = "sibling group"
PER_CHILD = "child"
BLOCKS = {
    PER_GROUP: "Sibling groups (from relationships)",
    PER_CHILD: "Children (from the placement's sibling numbers)",
}
GROUP_COLUMNS = ["la", "child", "group", "size"]
ACROSS = "Across LAs"  # the breakdown row of sibling groups whose children are recorded by several LAs


def _latest(placements: pd.DataFrame) -> pd.DataFrame:
    """Each child's latest placement in ``placements`` (by start date, then by row order)."""
    p = placements.assign(_order=range(len(placements)))
    start = pd.to_datetime(p.get("placement_start"), errors="coerce")
    p = p.assign(_start=start).sort_values(["_start", "_order"], kind="stable", na_position="first")
    return p.drop_duplicates("child", keep="last")


def _home(p: pd.DataFrame) -> pd.Series:
    """The home of each placement (URN and placement district), missing when either is not recorded."""
    urn = p["urn"].astype("string") if "urn" in p else pd.Series(pd.NA, index=p.index, dtype="string")
    where = p.get(R.placement_location)
    where = where.astype("string") if where is not None else pd.Series(pd.NA, index=p.index, dtype="string")
    return (urn + "|" + where).where(urn.notna() & where.notna())


def group_outcomes(placements: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """One row per sibling group that can be judged: ``la``, ``group``, ``placed`` (children placed), ``apart``.

    A group's children are found in the placements by LA and pseudonym (person IDs are LA-local). A
    group joined across LAs (``kit.region.persons.sibling_groups_across``: its ``las`` name several)
    counts once, under :data:`ACROSS`, so the LA rows and that row still add up to the region's; a
    person recorded by two LAs (``person``) is one child, judged at their latest placement.
    """
    if groups is None or not len(groups) or not len(placements):
        return pd.DataFrame(columns=["la", "group", "placed", "apart"])
    latest = _latest(
        placements.assign(_key=placements["la"].astype(str) + "|" + placements["child"].astype(str))
    )
    latest = latest.assign(_home=_home(latest)).drop_duplicates("_key", keep="last")
    home = dict(zip(latest["_key"], latest["_home"], strict=True))
    start = dict(zip(latest["_key"], latest["_start"], strict=True))
    g = groups.assign(_key=groups["la"].astype(str) + "|" + groups["child"].astype(str))
    if "person" not in g:
        g = g.assign(person=g["_key"])
    g = g[g["_key"].isin(home)]
    g = g.assign(_home=g["_key"].map(home), _start=g["_key"].map(start))
    g = g.sort_values("_start", kind="stable", na_position="first").drop_duplicates("person", keep="last")
    rows = []
    for group, members in g.groupby("group", sort=True):
        if len(members) < 2 or members["_home"].isna().any():
            continue  # fewer than two children placed, or a home not recorded: not judged
        spans = members["las"].iloc[0] if "las" in members else ""
        la = ACROSS if ";" in str(spans) or members["la"].nunique() > 1 else members["la"].iloc[0]
        rows.append(
            {"la": la, "group": group, "placed": len(members), "apart": members["_home"].nunique() > 1}
        )
    return pd.DataFrame(rows, columns=["la", "group", "placed", "apart"])


def child_outcomes(placements: pd.DataFrame) -> pd.DataFrame:
    """One row per child with a planned number of siblings to live with: ``la``, ``child``, ``apart``."""
    count_f, together_f = R.siblings.by["count"], R.siblings.by["together"]
    if not len(placements) or count_f not in placements or together_f not in placements:
        return pd.DataFrame(columns=["la", "child", "apart"])
    count = pd.to_numeric(placements[count_f], errors="coerce")
    together = pd.to_numeric(placements[together_f], errors="coerce")
    eligible = placements[(count > 0) & together.notna()]
    latest = _latest(eligible)
    apart = pd.to_numeric(latest[together_f]) < pd.to_numeric(latest[count_f])
    return pd.DataFrame({"la": latest["la"], "child": latest["child"], "apart": apart.to_numpy()})


def _block(label: str, counted: str, la: pd.Series, apart: pd.Series) -> list[dict]:
    frame = pd.DataFrame({"la": la.astype("string").to_numpy(), "apart": apart.astype(bool).to_numpy()})
    rows = [{"breakdown": label, "group": REGION, "counted_per": counted,
             "numerator": int(frame["apart"].sum()), "denominator": len(frame)}]  # fmt: skip
    for code, part in frame.groupby("la", sort=True):
        rows.append({"breakdown": label, "group": str(code), "counted_per": counted,
                     "numerator": int(part["apart"].sum()), "denominator": len(part)})  # fmt: skip
    return rows


def sibling_groups_placed(
    placements: pd.DataFrame, sibling_groups: pd.DataFrame | None = None, relationship_las=()
) -> pd.DataFrame:
    """Sibling groups placed together or apart: per group for ``relationship_las``, per child for the rest.

    Without sibling groups (or for an LA that supplies no relationships) the placement record's own
    sibling numbers are counted, one row per child; ``counted_per`` says which.
    """
    las = {str(x) for x in relationship_las or ()}
    if sibling_groups is None or not len(sibling_groups):
        las = set()
    in_rel = (
        placements["la"].astype(str).isin(las)
        if "la" in placements
        else pd.Series(False, index=placements.index)
    )
    rows: list[dict] = []
    if las:
        # A group with a child of an LA that supplies relationships; its members recorded by another LA
        # (joined through a shared identifier) are judged with it.
        touched = set(sibling_groups.loc[sibling_groups["la"].astype(str).isin(las), "group"])
        groups = sibling_groups[sibling_groups["group"].isin(touched)]
        member = set(groups["la"].astype(str) + "|" + groups["child"].astype(str))
        key = placements["la"].astype(str) + "|" + placements["child"].astype(str)
        judged = group_outcomes(placements[in_rel | key.isin(member)], groups)
        rows += _block(BLOCKS[PER_GROUP], PER_GROUP, judged["la"], judged["apart"])
    children = child_outcomes(placements[~in_rel])
    if len(children) or not las:
        rows += _block(BLOCKS[PER_CHILD], PER_CHILD, children["la"], children["apart"])
    out = pd.DataFrame(rows, columns=["breakdown", "group", "counted_per", "numerator", "denominator"])
    out["numerator"] = out["numerator"].astype("int64")
    out["denominator"] = out["denominator"].astype("int64")
    out["percent"] = _percent(out["numerator"], out["denominator"])
    return out


MEASURES = (
    Measure(
        "sibling_groups_placed",
        "Sibling groups placed together or apart",
        "Brothers and sisters who are all in care and placed, and whether they live together. Where the LA "
        "supplies relationships, each sibling group counts once: apart when its placed children are not all "
        "in the same home (same provider URN and placement district); a group whose children are recorded by two "
        "LAs (the same NHS number, UPN or ULN in both extracts) counts once, in the row 'Across LAs'. Elsewhere each child counts once: "
        "apart when fewer siblings were placed with the child than the care plan said.",
        "Sibling groups with at least two children placed (LAs that supply relationships); children whose "
        "care plan said to live with at least one sibling (the other LAs). The column 'counted_per' says which.",
        "The two blocks count different things (groups, children) and are never added together. A group "
        "whose placed children's home is not recorded is left out; siblings the LA has no record of are not "
        "in any group; 'the same home' is the same URN and district, so two foster homes of one agency in one "
        "district look like one; a sibling recorded by another LA without a shared NHS number, UPN or ULN "
        "makes a second group.",
        sibling_groups_placed,
        _RATE,
    ),
)

__all__ = ["ACROSS", "BLOCKS", "MEASURES", "child_outcomes", "group_outcomes", "sibling_groups_placed"]
