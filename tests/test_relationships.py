"""Relationships between people (issue 18): read with the mapping machinery, checked, and grouped.

The sample region's relationship extracts (two LAs: a family-members file and a links file, checked
with the children's extract under ``--profile relationships``) carry planted defects listed in
``sample_data/answer_key.csv``; the checks must find every one and nothing else on the links.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from kit.core.paths import SAMPLE_DATA as SAMPLE_DIR
from kit.person.relationships import columns, links_of, relationship_kinds, sibling_groups
from kit.standards import load

# The answer key's kind is the rule id that finds the defect, except an unknown code, which conversion reports.
RULE_OF_KIND = {"relationship_unknown_code": "unknown_code"}


def _region():
    return yaml.safe_load((SAMPLE_DIR / "region.yml").read_text(encoding="utf-8"))


def _las_with_relationships():
    return [la for la in _region()["las"] if la.get("relationships")]


def _cross_la_truth() -> pd.DataFrame:
    return pd.read_csv(
        SAMPLE_DIR / "person" / "sibling_groups_across_truth.csv", dtype=str, keep_default_na=False
    )


def test_the_sample_region_has_relationship_extracts_for_some_las():
    las = _las_with_relationships()
    assert 0 < len(las) < len(_region()["las"])
    for la in las:
        assert all((SAMPLE_DIR / p).is_file() for p in la["relationships"])
        assert (SAMPLE_DIR / la["relationship_mapping"]).is_file()


def test_every_relationship_kind_names_real_codes_and_a_reverse_kind():
    std = load("person", "1.0.0")
    kinds, reverse = relationship_kinds(std)
    assert set(reverse.values()) <= set(reverse)  # every reverse kind is itself a kind
    assert {kinds[c] for c in std.codes_for(columns(std)[2]).values if c in kinds} == set(reverse)


@pytest.mark.slow
@pytest.mark.parametrize("la", [la["code"] for la in _las_with_relationships()])
def test_checking_the_relationship_extracts_finds_every_planted_defect_and_nothing_on_clean_links(
    la, tmp_path
):
    from kit.api import check_files

    entry = next(x for x in _las_with_relationships() if x["code"] == la)
    paths = [SAMPLE_DIR / entry["persons"], *(SAMPLE_DIR / p for p in entry["relationships"])]
    result = check_files(
        paths,
        standard="person",
        la=la,
        mapping=SAMPLE_DIR / entry["relationship_mapping"],
        profile="relationships",
    )
    links_file = entry["relationships"][-1]
    f = result.findings
    f = f[(f["source_file"] == links_file.split("/")[-1]) & f["source_row"].notna()]
    found = {
        (int(r), rule, sev) for r, rule, sev in zip(f["source_row"], f["rule"], f["severity"], strict=True)
    }
    key = pd.read_csv(SAMPLE_DIR / "answer_key.csv", dtype=str, keep_default_na=False)
    key = key[key["file"] == links_file]
    planted = {
        (int(r), RULE_OF_KIND.get(k, k), s)
        for r, k, s in zip(key["source_row"], key["kind"], key["expected_severity"], strict=True)
    }
    assert len({k for _, k, _ in planted}) == 8  # every kind of defect the issue lists is planted
    assert planted - found == set(), "planted relationship defects the checks missed"
    assert found - planted == set(), "findings on links with no planted defect"
    # The CMS spellings were read as the standard's codes through the saved mapping and the labels.
    data = result.data
    codes = set(data["relationship"].dropna())
    assert codes and codes <= set(load("person", "1.0.0").codes_for("relationship").values)


@pytest.mark.slow
def test_sibling_groups_come_from_the_sibling_links_and_match_the_families():
    from kit.api import check_files

    entry = _las_with_relationships()[0]
    result = check_files(
        [SAMPLE_DIR / entry["persons"], *(SAMPLE_DIR / p for p in entry["relationships"])],
        standard="person", la=entry["code"], mapping=SAMPLE_DIR / entry["relationship_mapping"],
        profile="relationships", run_checks=False,
    )  # fmt: skip
    groups = sibling_groups(links_of(result.data, result.standard))
    assert len(groups) and (groups["size"] >= 2).all()
    # Every member of a group is a child of the children's extract (the mothers are linked by parent
    # codes), or a brother or sister another LA looks after, recorded in the family file.
    children = set(
        result.data.loc[result.data["_source_file"] == entry["persons"].split("/")[-1], "personId"]
    )
    across = _cross_la_truth()
    elsewhere = set(across.loc[across["la"] == entry["code"], "person_id"])
    assert elsewhere and elsewhere <= set(groups["person"])
    assert set(groups["person"]) <= children | elsewhere


@pytest.mark.slow
def test_the_region_pools_pseudonymised_links_and_sibling_groups_of_the_las_that_supply_them(
    regional_dataset,
):
    ds = regional_dataset
    assert ds.relationship_las == tuple(la["code"] for la in _las_with_relationships())
    rel, groups = ds.relationships, ds.sibling_groups
    assert set(rel["la"]) == set(ds.relationship_las) and len(groups)
    # The same key and function as the placements: 16-hex pseudonyms, and the groups' children are
    # the pooled placements' children (some of them are in care this period).
    assert (
        rel["child"].str.fullmatch(r"[0-9a-f]{16}").all()
        and rel["related"].str.fullmatch(r"[0-9a-f]{16}").all()
    )
    raw = set()
    for la in _las_with_relationships():
        for p in la["relationships"]:
            raw |= set(pd.read_csv(SAMPLE_DIR / p, dtype=str, keep_default_na=False).iloc[:, 0])
    assert not (set(rel["child"]) | set(rel["related"])) & raw
    assert set(groups["child"]) & set(ds.placements["child"].astype(str))
    assert (groups["size"] >= 2).all()
    # A group reaches another LA only through a record that LA holds of a group member (its person extract).
    outside = set(groups["la"]) - set(ds.relationship_las)
    assert outside and groups.loc[groups["la"].isin(outside), "las"].str.contains(";").all()


@pytest.mark.slow
def test_a_sibling_looked_after_by_another_la_joins_the_group_through_the_shared_nhs_number(regional_dataset):
    from conftest import TEST_KEY

    from kit.region.privacy import pseudonymise

    groups = regional_dataset.sibling_groups
    truth = _cross_la_truth()
    assert len(truth) >= 2 * len(regional_dataset.relationship_las)
    for row in truth.itertuples():
        # The other LA's record of the sibling is in the same group as this LA's children.
        other = pseudonymise(pd.Series([row.person_id_other]), TEST_KEY, la=row.la_other).iat[0]
        kids = pseudonymise(pd.Series(row.group_children.split(";")), TEST_KEY, la=row.la).tolist()
        mine = groups[(groups["la"] == row.la) & groups["child"].isin(kids)]
        theirs = groups[(groups["la"] == row.la_other) & (groups["child"] == other)]
        assert len(mine) == len(kids) and len(theirs) == 1, row
        assert set(mine["group"]) == set(theirs["group"]), row
        assert {row.la, row.la_other} <= set(theirs["las"].iat[0].split(";"))
        # The sibling's two records (this LA's family file, the other LA's extract) are one person.
        here = pseudonymise(pd.Series([row.person_id]), TEST_KEY, la=row.la).iat[0]
        same = groups[(groups["la"] == row.la) & (groups["child"] == here)]
        assert len(same) == 1 and same["person"].iat[0] == theirs["person"].iat[0]


@pytest.mark.slow
def test_siblings_are_counted_per_group_where_relationships_are_supplied_and_per_child_elsewhere(
    regional_dataset,
):
    from kit.analysis import analysis_scope, sufficiency_tables
    from kit.analysis.siblings import ACROSS, BLOCKS, PER_CHILD, PER_GROUP
    from kit.publish.suppression import suppress_tables

    ds = regional_dataset
    placements, _ = analysis_scope(ds.placements, ds.config.period_start, ds.config.period_end)
    name = "sibling_groups_placed"
    table = sufficiency_tables(
        placements, names=[name], sibling_groups=ds.sibling_groups, relationship_las=ds.relationship_las
    )[name]
    per_group = table[table["counted_per"] == PER_GROUP]
    per_child = table[table["counted_per"] == PER_CHILD]
    region = per_group["group"].iloc[0]
    # The LAs that supply relationships, and one row for the groups that reach across LAs (counted once).
    assert set(per_group["group"]) - {region} == {*ds.relationship_las, ACROSS}
    assert not set(per_child["group"]) & set(ds.relationship_las)
    assert set(table["breakdown"]) == {BLOCKS[PER_GROUP], BLOCKS[PER_CHILD]}
    for block in (per_group, per_child):  # each block adds up to its own Region row, never to the other's
        total, las = block[block["group"] == region].iloc[0], block[block["group"] != region]
        assert total["denominator"] == las["denominator"].sum() > 0
        assert total["numerator"] == las["numerator"].sum()
    # A group counts once: no more groups than children in groups who are placed, halved.
    placed = set(placements["child"].astype(str)) & set(ds.sibling_groups["child"])
    assert per_group.loc[per_group["group"] == region, "denominator"].iloc[0] <= len(placed) // 2
    # Without relationships every LA is counted per child, and says so.
    plain = sufficiency_tables(placements, names=[name])[name]
    assert set(plain["counted_per"]) == {PER_CHILD} and set(ds.relationship_las) <= set(plain["group"])
    # Published like every table: through the one suppression (no count from 1 to threshold - 1 shown).
    shown = suppress_tables({name: table}, ds.config.suppress_below)[name]
    counts = pd.Series([*shown["numerator"].to_numpy(), *shown["denominator"].to_numpy()]).dropna()
    assert len(counts) and not counts.between(1, ds.config.suppress_below - 1).any()
