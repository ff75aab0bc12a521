"""Person extracts of a whole region, and plain tables of what the checks found.

* :func:`check_region_persons` checks every LA's person extract named in a ``region.yml`` (its
  ``persons`` and ``person_mapping`` keys) with one profile, for duplicate finding across LAs;
* :func:`person_identities` and :func:`sibling_groups_across` join sibling groups across LAs: person
  IDs are LA-local, so the same child recorded by two LAs is joined only through the identifiers
  duplicate finding trusts (a valid NHS number, UPN or ULN), pseudonymised with the region's key;
* :func:`findings_by_rule` and :func:`identifier_problems` turn a check's findings into the short
  tables a notebook shows: counts by rule, and where the identifier problems are (row, column and
  rule, never the identifier itself).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kit.core.errors import KitError
from kit.standards import common_roles


def identifier_fields() -> tuple[str, ...]:
    """The person ID and the identifiers (NHS number, UPN, ULN): the person standard's roles."""
    roles = common_roles("person")
    return (roles.person, *roles.identifiers.fields)


# Findings whose message quotes a column header or a code list entry, never a person's own value.
GENERIC_RULES = {
    "gender_not_recorded", "column_guessed", "duplicate_column", "new_column", "missing_column",
    "crosswalk_gap", "crosswalk_approximate", "code_to_query",
}  # fmt: skip


def check_region_persons(
    region_file: str | Path,
    profile: str = "subject_of_care",
    las: list[str] | None = None,
    today: dt.date | None = None,
    run_checks: bool = True,
) -> dict:
    """Check each LA's person extract listed in ``region_file``: LA code -> :class:`kit.check.CheckResult`.

    ``las`` limits it to some LA codes (default: every LA with a ``persons`` file). With
    ``run_checks=False`` (enough for finding duplicates, and faster) the values are still
    normalised and crosswalked (that is conversion), but the profile's checks do not run.
    """
    from kit.check import check_files
    from kit.region.config import load_region_config

    config = load_region_config(region_file)
    chosen = [la for la in config.las if la.persons and (las is None or la.code in las)]
    if las is not None:
        unknown = sorted(set(las) - {la.code for la in chosen})
        if unknown:
            raise KitError(
                f"{Path(region_file).name} has no person extract for LA {', '.join(unknown)}: "
                "add a 'persons:' file for it, or leave it out."
            )
    if not chosen:
        raise KitError(f"{Path(region_file).name} names no person extracts: add 'persons:' to each LA.")
    results = {}
    for la in chosen:
        result = check_files(
            [la.persons],
            standard="person",
            la=la.code,
            mapping=la.person_mapping,
            profile=profile,
            today=today,
            run_checks=run_checks,
        )
        results[la.code] = result
    return results


def _findings(result_or_findings) -> pd.DataFrame:
    return result_or_findings if isinstance(result_or_findings, pd.DataFrame) else result_or_findings.findings


IDENTITY_COLUMNS = ["la", "child", "identity"]
GROUP_COLUMNS = ["la", "child", "group", "size", "person", "las", "identified"]


def person_identities(data: pd.DataFrame, la: str, key: bytes) -> pd.DataFrame:
    """Who each LA person is, region-wide: ``la``, ``child`` (the LA-scoped pseudonym) and ``identity``.

    One row per valid identifier a record carries (NHS number, UPN, ULN: the identifiers and the
    validity rules :func:`kit.person.duplicates.prepare_records` uses, so "the same person" means
    the same here as in duplicate finding). The identity is the identifier pseudonymised with the
    region's key *without* the LA (``la=None`` scope in :func:`kit.region.privacy.pseudonymise`),
    scoped by the identifier's kind instead, so one NHS number gives one identity in every LA and an
    NHS number can never collide with a UPN. ``child`` is the pseudonym the pooled placements use.
    """
    from kit.person.duplicates import prepare_records
    from kit.region.privacy import pseudonymise

    if data is None or not len(data):
        return pd.DataFrame(columns=IDENTITY_COLUMNS)
    prepared = prepare_records(data)
    child = pseudonymise(prepared["person_id"].where(prepared["person_id"] != "", None), key, la=la)
    frames = []
    for kind in common_roles("person").identifiers.by:
        values = prepared[kind]
        keep = (values != "") & child.notna().to_numpy()
        if not keep.any():
            continue
        frames.append(
            pd.DataFrame(
                {
                    "la": la,
                    "child": child[keep].to_numpy(),
                    "identity": pseudonymise(values[keep], key, la=f"identifier:{kind}").to_numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=IDENTITY_COLUMNS)
    return pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)


class _Union:
    """Connected parts of a graph (union-find), the smallest name of each part as its label."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        while self.parent.setdefault(x, x) != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def sibling_groups_across(
    links: pd.DataFrame, identities: pd.DataFrame | None = None, kind: str = "sibling"
) -> pd.DataFrame:
    """Sibling groups of the pooled links, joined across LAs where the same person is in two LAs' extracts.

    ``links``: the regional dataset's pooled links (``la``, ``child``, ``related``, ``kinds``, the
    kinds ";"-joined). ``identities``: :func:`person_identities` of every LA's person extract. A
    node is a person of one LA (``la``, ``child``); two nodes with a shared identity are one
    **person**; a group is a connected part of the sibling links and those shared identities (a Z01
    child's sibling looked after by Z02, recorded with one NHS number in both extracts, is one group).

    Out: one row per node in a group of at least two people: ``la``, ``child``, ``group`` (the
    smallest pseudonym of its members), ``size`` (people, not records), ``person`` (the smallest
    pseudonym of the person's records), ``las`` (the group's LAs, ";"-joined) and ``identified``
    (the record has a valid NHS number, UPN or ULN; without one it cannot be joined across LAs).
    """
    if links is None or not len(links):
        return pd.DataFrame(columns=GROUP_COLUMNS)
    ids = identities if identities is not None and len(identities) else pd.DataFrame(columns=IDENTITY_COLUMNS)

    def node(la, child) -> str:
        return f"{child}\x1f{la}"

    kinds = links["kinds"].fillna("").astype(str).str.split(";")
    sib = links[kinds.map(lambda ks: kind in ks).to_numpy(bool)]
    # The LA of a related person is the LA of the link: person IDs are LA-local.
    nodes = {node(la, c) for la, c in zip(sib["la"], sib["child"], strict=True)}
    nodes |= {node(la, r) for la, r in zip(sib["la"], sib["related"], strict=True)}
    people, groups = _Union(), _Union()
    identified: set[str] = set()
    for la, c, identity in zip(ids["la"], ids["child"], ids["identity"], strict=True):
        n, i = node(la, c), f"\x00{identity}"  # identities sort first: never a group's label
        people.join(n, i)
        groups.join(n, i)
        identified.add(n)
    for la, c, r in zip(sib["la"], sib["child"], sib["related"], strict=True):
        groups.join(node(la, c), node(la, r))
    # Another LA's record of a person in a sibling link joins the group too (the Z02 record of a Z01
    # child's sibling), even with no sibling link of its own.
    records_of: dict[str, set[str]] = {}
    for n in people.parent:
        if not n.startswith("\x00"):
            records_of.setdefault(people.find(n), set()).add(n)
    nodes = set().union(*({n} | records_of.get(people.find(n), set()) for n in nodes))
    rows = []
    for n in sorted(nodes):
        child, la = n.split("\x1f", 1)
        rows.append({"la": la, "child": child, "_group": groups.find(n), "_person": people.find(n)})
    out = pd.DataFrame(rows, columns=["la", "child", "_group", "_person"])
    label = out.groupby("_group")["child"].transform("min")
    person = out.groupby("_person")["child"].transform("min")
    out = out.assign(group=label, person=person)
    out["size"] = out.groupby("group")["person"].transform("nunique")
    out["las"] = out.groupby("group")["la"].transform(lambda s: ";".join(sorted(set(s.astype(str)))))
    out["identified"] = [node(la, c) in identified for la, c in zip(out["la"], out["child"], strict=True)]
    out = out[out["size"] >= 2]
    return out[GROUP_COLUMNS].sort_values(["group", "la", "child"], kind="stable").reset_index(drop=True)


def explain_groups(groups: pd.DataFrame) -> list[str]:
    """Plain sentences on how the sibling groups were joined across LAs, and why some could not be."""
    if groups is None or not len(groups) or "las" not in groups:
        return []
    per_group = groups.drop_duplicates("group")
    across = int(per_group["las"].str.contains(";").sum())
    unidentified = int((~groups["identified"].astype(bool)).sum())
    lines = [
        f"{len(per_group)} sibling groups; {across} of them span more than one LA, joined where a child has "
        "the same NHS number, UPN or ULN in both LAs' extracts (compared as pseudonyms of the region's key)."
    ]
    if unidentified:
        lines.append(
            f"{unidentified} records of children in sibling groups have no valid NHS number, UPN or ULN, so "
            "a brother or sister of theirs recorded by another LA stays in a separate group (counted as two "
            "groups): add the identifiers to the person extracts to join them."
        )
    return lines


def findings_by_rule(result_or_findings) -> pd.DataFrame:
    """Counts of findings by severity, rule and field, errors first, with one example message each.

    The example's own value is blanked out (``NHS number … fails the check``): the table is for the
    region's overview, and an identifier or a date of birth has no place in it.
    """
    f = _findings(result_or_findings)
    if f.empty:
        return pd.DataFrame(columns=["severity", "rule", "field", "findings", "example"])
    personal = ~f["rule"].isin(GENERIC_RULES)  # the others quote a header or a code, not a person's value
    f = f.assign(
        message=[
            m.replace(v, "…", 1) if p and len(v) > 1 else m
            for m, v, p in zip(f["message"], f["value"], personal, strict=True)
        ]
    )
    table = (
        f.groupby(["severity", "rule", "field"], sort=False)
        .agg(findings=("message", "size"), example=("message", "first"))
        .reset_index()
    )
    table["order"] = table["severity"].map({"error": 0, "warning": 1})
    table = table.sort_values(["order", "findings", "rule"], ascending=[True, False, True], kind="stable")
    return table.drop(columns="order").reset_index(drop=True)


def identifier_problems(result_or_findings) -> pd.DataFrame:
    """Where the identifier findings are: file, row, column, field, rule and severity (no values)."""
    f = _findings(result_or_findings)
    rows = f[f["field"].isin(identifier_fields())]
    cols = ["source_file", "source_row", "source_column", "field", "rule", "severity"]
    return (
        rows[cols].sort_values(["source_file", "source_row", "field"], kind="stable").reset_index(drop=True)
    )


__all__ = [
    "check_region_persons",
    "explain_groups",
    "findings_by_rule",
    "identifier_problems",
    "person_identities",
    "sibling_groups_across",
]
