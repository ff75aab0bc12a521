"""Relationship extracts for some LAs of the sample region: family members and the links between people.

In: the children (their ``family`` is a sibling group), each LA's person extract (from
:mod:`kit.synth.persons`) and a random generator of its own (so the other files do not change).
For each LA in ``RELATIONSHIP_LAS`` it writes, in that LA's style:

* ``<code>_<name>_family.csv``: the birth mother of every sibling group (a connected person: ID,
  names, date of birth, sex), at least 18 years older than her eldest child;
* ``<code>_<name>_relationships.csv``: one row per link, both directions (child -> mother,
  mother -> child, child -> each sibling), in the LA's own spellings ("Birth mother",
  "Sibling - half") or the standard's codes;
* ``<code>_relationships_mapping.yml``: the saved mapping for the three files checked together.

Some sibling groups reach across LAs (``CROSS_LA_GROUPS`` per LA): a brother or sister looked after
by another LA of the region is a family member in this LA's family file, with the NHS number that
LA's person extract also holds, linked to the group like any sibling. The kit joins the two records
through the NHS number (``kit.region.persons.sibling_groups_across``); the truth is
``person/sibling_groups_across_truth.csv``.

Planted defects (one of each per LA, listed in the answer key with the rows they spoil): a code
that is not a relationship, a person related to themselves, a link to a person not in the extract,
a missing link back, a contradictory pair, a mother too young to be a mother, a duplicate link and a
relationship that ends before it starts. Kinds in the answer key are the rule ids that find them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kit.synth import names as N
from kit.synth.children import YEAR
from kit.synth.persons import FIELDS, STYLES, PersonOutputs, _fmt_dates

RELATIONSHIP_LAS = ("Z01", "Z02")
LINK_HEADERS = ("Person ID", "Related Person ID", "Relationship", "Start Date", "End Date")
# The LA's spellings: index 0 writes what a case-management system shows, index 1 the standard's codes.
SPELLINGS = (
    {"mother": "Birth mother", "son": "Son", "daughter": "Daughter", "brother": "Brother", "sister": "Sister",
     "half": "Sibling - half"},
    {"mother": "MTH", "son": "SON", "daughter": "DAU", "brother": "BRO", "sister": "SIS", "half": "HSIB"},
)  # fmt: skip
MAPPED_VALUES = ({"Birth mother": "NMTH", "Sibling - half": "HSIB"}, {})
NOT_A_CODE = "Godparent"  # no PersonRelationshipCode means this (the standard has no godparent)
NOBODY = "F999999"  # a related person's ID that no file holds
CROSS_LA_GROUPS = 3  # sibling groups per LA with a brother or sister looked after by another LA
CROSS_TRUTH = ("la", "person_id", "la_other", "person_id_other", "group_children")


@dataclass
class RelationshipOutputs:
    files: dict[str, list[str]] = field(default_factory=dict)  # LA code -> [family file, links file]
    mappings: dict[str, str] = field(default_factory=dict)
    answer_rows: list[dict] = field(default_factory=list)
    cross_la: list[dict] = field(default_factory=list)  # rows of CROSS_TRUTH


def _answer(la, row, col, fld, kind, severity, value):
    return {"la": la, "file": "", "source_row": row + 2, "source_column": "ABCDE"[col], "field": fld,
            "kind": kind, "expected_severity": severity, "value": value}  # fmt: skip


def _cross_la_candidates(children: pd.DataFrame, persons: PersonOutputs, geo) -> pd.DataFrame:
    """Children who can be another LA's child's brother or sister: alone in their LA's family, never moved
    between LAs, and with the NHS number their LA's extract holds unspoiled (so the kit can join them)."""
    rows = []
    moved_from = set(children["transfer_from"].to_numpy().tolist())
    for la_obj in geo.region_las:
        extract = persons.extracts[la_obj.code]
        written = extract.iloc[:, 6].astype(str).str.replace(" ", "", regex=False).to_numpy()
        rows.append(pd.DataFrame({"la": la_obj.code, "row": np.arange(len(extract)), "child": extract.attrs["child"],
                                  "id": extract.iloc[:, 0].astype(str).to_numpy(), "written": written}))  # fmt: skip
    frame = pd.concat(rows, ignore_index=True)
    c = children.set_index("child")
    size = c.groupby("family").size()
    frame["dob"] = c.loc[frame["child"], "dob"].to_numpy().astype("int64")
    frame["nhs"] = c.loc[frame["child"], "nhs"].astype(str).to_numpy()
    alone = size.loc[c.loc[frame["child"], "family"]].to_numpy() == 1
    kept = (
        alone
        & (frame["written"] == frame["nhs"]).to_numpy()
        & (frame["nhs"] != "").to_numpy()
        & (c.loc[frame["child"], "transfer_from"].to_numpy() < 0)
        & ~frame["child"].isin(moved_from).to_numpy()
    )
    return frame[kept].reset_index(drop=True)


def build_relationships(
    children: pd.DataFrame,
    persons: PersonOutputs,
    geo,
    out_dir: Path,
    rng: np.random.Generator,
    cross_rng: np.random.Generator | None = None,
) -> RelationshipOutputs:
    """Write the family and relationship files of the LAs in ``RELATIONSHIP_LAS``; return their paths and answer rows.

    ``cross_rng`` chooses the sibling groups that reach across LAs (a generator of its own, so the
    planted defects stay where they were); without it no group does.
    """
    out = RelationshipOutputs()
    candidates = _cross_la_candidates(children, persons, geo) if cross_rng is not None else None
    used: set[str] = set()
    folder = out_dir / "person"
    by_child = children.set_index("child")
    for la_obj in geo.region_las:
        if la_obj.code not in RELATIONSHIP_LAS:
            continue
        style = STYLES[la_obj.index % len(STYLES)]
        words = SPELLINGS[la_obj.index % len(SPELLINGS)]
        extract = persons.extracts[la_obj.code]
        ids = extract.iloc[:, 0].astype(str).to_numpy()
        kids = extract.attrs["child"]
        fam = by_child.loc[kids, "family"].to_numpy()
        dob = by_child.loc[kids, "dob"].to_numpy().astype("int64")
        male = by_child.loc[kids, "sex"].to_numpy() == "M"
        groups = [np.flatnonzero(fam == f) for f in pd.unique(fam)]
        groups = [g for g in groups if len(g) >= 2]
        mothers, links = [], []
        for k, g in enumerate(groups):
            mid = f"F{la_obj.index:01d}{k:05d}"
            age_gap = int(rng.integers(18 * 365, 34 * 365))
            mothers.append({"id": mid, "given": N.GIVEN_FEMALE[int(rng.integers(0, len(N.GIVEN_FEMALE)))],
                            "family": str(extract.iat[int(g[0]), 2]), "dob": int(dob[g].min()) - age_gap, "group": k})  # fmt: skip
            half = rng.random() < 0.25
            for i in g:
                start = _fmt_dates(np.array([dob[i]]), style.date_format)[0]
                links.append([ids[i], mid, words["mother"], start, "", k, "mother"])
                links.append([mid, ids[i], words["son" if male[i] else "daughter"], start, "", k, "child"])
            for i in g:
                for j in g:
                    if i != j:
                        word = words["half"] if half else words["brother" if male[j] else "sister"]
                        links.append([ids[i], ids[j], word, "", "", k, "sibling"])
        table = pd.DataFrame(links, columns=[*LINK_HEADERS, "_group", "_kind"])
        fam_frame = pd.DataFrame(mothers)
        answers: list[dict] = []
        # Each defect spoils a different sibling group, chosen at random among the groups of three or more
        # kept apart from one another so that no two defects meet.
        chosen = [int(x) for x in rng.choice(len(groups), size=8, replace=False)]
        spoil = dict(zip(("code", "self", "missing", "no_reply", "contradiction", "age", "duplicate", "period"),
                         chosen, strict=True))  # fmt: skip
        rows = {name: table.index[table["_group"] == g] for name, g in spoil.items()}

        def first(name, kind):
            return int(next(r for r in rows[name] if table.at[r, "_kind"] == kind))  # noqa: B023 (used inside this iteration only)

        r = first("code", "sibling")
        table.iat[r, 2] = NOT_A_CODE
        r_code = r
        # Two links are added (changing a link instead would also take away its pair's link back).
        r = first("self", "sibling")
        table.loc[len(table)] = [
            table.iat[r, 0],
            table.iat[r, 0],
            table.iat[r, 2],
            "",
            "",
            spoil["self"],
            "extra",
        ]
        r_self = len(table) - 1
        r = first("missing", "mother")
        table.loc[len(table)] = [table.iat[r, 0], NOBODY, table.iat[r, 2], "", "", spoil["missing"], "extra"]
        r_missing = len(table) - 1
        r_no_reply_child = first("no_reply", "mother")
        r_no_reply = first("no_reply", "child")  # the mother's link back, removed below
        r_contra_child = first("contradiction", "mother")
        r_contra = first("contradiction", "child")
        table.iat[r_contra, 2] = words["mother"]  # the mother's record says the child is her mother
        r_dup = first("duplicate", "sibling")
        r = first("period", "mother")
        table.iat[r, 3], table.iat[r, 4] = _fmt_dates(np.array([dob[np.flatnonzero(ids == table.iat[r, 0])[0]] + 400,
                                                                 dob[np.flatnonzero(ids == table.iat[r, 0])[0]] + 30]),
                                                       style.date_format)  # fmt: skip
        r_period = r
        # The mother of the "age" group is made younger than 12 years older than her youngest child.
        g_age = spoil["age"]
        fam_frame.loc[fam_frame["group"] == g_age, "dob"] = int(dob[groups[g_age]].max()) - 9 * 365
        age_rows = [int(x) for x in rows["age"] if table.at[x, "_kind"] in ("mother", "child")]
        if candidates is not None:
            members = _add_cross_la_siblings(
                la_obj, groups, set(spoil.values()), ids, dob, male, mothers, table, words, style, candidates,
                used, by_child, cross_rng, out,
            )  # fmt: skip
            fam_frame = pd.concat([fam_frame, pd.DataFrame(members)], ignore_index=True)
        # Build the final row order: drop the removed link back, repeat the duplicated link after itself.
        order = []
        for x in table.index:
            if x == r_no_reply:
                continue
            order.append(x)
            if x == r_dup:  # noqa: B023
                order.append(x)
        final = table.loc[order].reset_index(drop=True)
        pos = {}  # noqa: B023
        for n, x in enumerate(order):
            pos.setdefault(x, []).append(n)

        def at(x, copy=0):
            return pos[x][copy]  # noqa: B023

        def val(x, c):
            return str(table.iat[x, c])  # noqa: B023

        code = la_obj.code
        answers.append(
            _answer(code, at(r_code), 2, "relationship", "relationship_unknown_code", "error", NOT_A_CODE)
        )
        answers.append(
            _answer(code, at(r_self), 1, "relatedPersonId", "relationship_to_self", "error", val(r_self, 1))
        )
        answers.append(
            _answer(
                code, at(r_missing), 1, "relatedPersonId", "related_person_not_in_extract", "error", NOBODY
            )
        )
        answers.append(
            _answer(code, at(r_no_reply_child), 2, "relationship", "relationship_not_reciprocated", "warning",
                    val(r_no_reply_child, 2))
        )  # fmt: skip
        for x in (r_contra_child, r_contra):
            answers.append(
                _answer(
                    code, at(x), 2, "relationship", "relationship_contradicts_reverse", "error", val(x, 2)
                )
            )
        answers.append(
            _answer(code, at(r_contra), 2, "relationship", "parent_age_impossible", "error", val(r_contra, 2))
        )
        for x in age_rows:
            answers.append(
                _answer(code, at(x), 2, "relationship", "parent_age_impossible", "error", val(x, 2))
            )
        answers.append(
            _answer(code, at(r_dup, 1), 2, "relationship", "unique_relationship", "warning", val(r_dup, 2))
        )
        answers.append(
            _answer(code, at(r_period), 3, "relationshipStartDate", "relationship_ends_before_start", "error",
                    val(r_period, 3))
        )  # fmt: skip
        # Files
        fam_frame = fam_frame.reindex(columns=["id", "given", "family", "dob", "group", "sex", "nhs"]).astype(
            {"sex": object, "nhs": object}
        )
        stem = f"{code}_{la_obj.name.lower()}"
        family_path = folder / f"{stem}_family.csv"
        fam_out = pd.DataFrame(
            {
                style.headers[0]: fam_frame["id"],
                style.headers[1]: fam_frame["given"],
                style.headers[2]: fam_frame["family"],
                style.headers[3]: _fmt_dates(fam_frame["dob"].to_numpy(), style.date_format),
                style.headers[4]: fam_frame["sex"].fillna("2"),  # mothers: "2"
                style.headers[6]: fam_frame["nhs"].fillna(""),
            }
        )
        family_path.write_bytes(fam_out.to_csv(index=False, lineterminator="\r\n").encode(style.encoding))
        links_path = folder / f"{stem}_relationships.csv"
        links_path.write_bytes(
            final[list(LINK_HEADERS)].to_csv(index=False, lineterminator="\r\n").encode(style.encoding)
        )
        rel_links = links_path.relative_to(out_dir).as_posix()
        for a in answers:
            a["file"] = rel_links
        out.answer_rows += answers
        out.files[code] = [family_path.relative_to(out_dir).as_posix(), rel_links]
        out.mappings[code] = _write_mapping(folder, la_obj, style, MAPPED_VALUES[la_obj.index % 2], out_dir)
    if candidates is not None:
        pd.DataFrame(out.cross_la, columns=list(CROSS_TRUTH)).to_csv(
            folder / "sibling_groups_across_truth.csv", index=False, lineterminator="\n"
        )
    return out


def _add_cross_la_siblings(
    la_obj,
    groups,
    spoiled,
    ids,
    dob,
    male,
    mothers,
    table,
    words,
    style,
    candidates,
    used,
    by_child,
    rng,
    out,
) -> list[dict]:
    """Give ``CROSS_LA_GROUPS`` clean sibling groups of this LA a brother or sister another LA looks after.

    The sibling is a family member here (an ID of this LA's, the other LA's NHS number, names, date of
    birth and sex), linked both ways to the group's mother and to each child. Born after the group's
    eldest and at most three years after its youngest, so the mother's age stays possible. Returns
    the family file's new rows; the links are added to ``table``.
    """
    members: list[dict] = []
    others = candidates[(candidates["la"] != la_obj.code) & ~candidates["child"].isin(used)]
    clean = [k for k in range(len(groups)) if k not in spoiled]
    for k in rng.permutation(clean):
        if sum(r["la"] == la_obj.code for r in out.cross_la) >= CROSS_LA_GROUPS:
            break
        g = groups[int(k)]
        fit = others[(others["dob"] >= dob[g].min()) & (others["dob"] <= dob[g].max() + 3 * 365)]
        fit = fit[~fit["child"].isin(used)]
        if not len(fit):
            continue
        pick = fit.iloc[int(rng.integers(0, len(fit)))]
        used.add(pick["child"])
        who = by_child.loc[pick["child"]]
        sid = f"S{la_obj.index:01d}{int(k):05d}"
        nhs = str(pick["nhs"])
        members.append({"id": sid, "given": str(who["given"]), "family": str(who["surname"]), "dob": int(pick["dob"]),
                        "group": -1, "sex": "1" if who["sex"] == "M" else "2",
                        "nhs": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" if style.nhs_spaced else nhs})  # fmt: skip
        mid = next(m["id"] for m in mothers if m["group"] == int(k))
        start = _fmt_dates(np.array([int(pick["dob"])]), style.date_format)[0]
        rows = [[sid, mid, words["mother"], start, "", int(k), "mother"],
                [mid, sid, words["son" if who["sex"] == "M" else "daughter"], start, "", int(k), "child"]]  # fmt: skip
        for i in g:
            rows.append(
                [ids[i], sid, words["brother" if who["sex"] == "M" else "sister"], "", "", int(k), "sibling"]
            )
            rows.append([sid, ids[i], words["brother" if male[i] else "sister"], "", "", int(k), "sibling"])
        for r in rows:
            table.loc[len(table)] = r
        out.cross_la.append({"la": la_obj.code, "person_id": sid, "la_other": pick["la"],
                             "person_id_other": pick["id"], "group_children": ";".join(ids[g].tolist())})  # fmt: skip
    return members


def _write_mapping(folder: Path, la_obj, style, values: dict[str, str], out_dir: Path) -> str:
    columns = {
        h: (style.mapping.get(h) if style.mapping else None) or FIELDS[k] for k, h in enumerate(style.headers)
    }
    columns.update(dict(zip(LINK_HEADERS[1:], ("relatedPersonId", "relationship", "relationshipStartDate",
                                                "relationshipEndDate"), strict=True)))  # fmt: skip
    body = {
        "kit_mapping_format": 1,
        "saved": "2026-10-01",
        "standard": "person",
        "version": "1.0.0",
        "la": la_obj.code,
        "date_format": "iso" if style.date_format == "iso" else "day-first",
        "notes": "Children, family members and the links between them, checked together (--profile relationships).",
        "columns": columns,
        "values": {"relationship": dict(values)} if values else {},
    }
    path = folder / f"{la_obj.code}_relationships_mapping.yml"
    header = (
        f"# Mapping of {la_obj.name}'s person, family and relationship extracts to the Person Standard "
        "(sample region).\n#   columns: source column name -> standard field\n"
    )
    path.write_text(
        header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )
    return path.relative_to(out_dir).as_posix()


__all__ = ["RELATIONSHIP_LAS", "RelationshipOutputs", "build_relationships"]
_ = YEAR  # the same calendar as the children (days since 1970)
