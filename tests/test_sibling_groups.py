"""Sibling groups across LAs (issue 18): joined through a shared identifier, counted once, together or apart.

Person IDs are LA-local: a sibling of a Z01 child looked after by Z02 is a second record in Z02's
extract. These tests write two small LA extracts in tmp_path, read them with the person plug-in's
mapping machinery, pseudonymise them as the region does, and check that one shared NHS number makes
one group (judged together or apart at the children's latest homes) and that, without one, the two
LAs' records stay two groups and the explanation says why.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kit.analysis.siblings import ACROSS, PER_GROUP, group_outcomes, sibling_groups_placed
from kit.person.relationships import links_of
from kit.region import derive as D
from kit.region.persons import explain_groups, person_identities, sibling_groups_across
from kit.region.privacy import pseudonymise

KEY = b"sibling-groups-test-key-32-bytes"
SHARED_NHS = "943 476 5919"  # a valid NHS number (modulus 11), written with spaces as a CMS would
HEADER = "Person ID,First Name,Last Name,Date of Birth,NHS Number,Related Person ID,Relationship\n"
EXTRACTS = {
    # Z01: A1 and A2 are siblings (A2 has the shared NHS number); C1 and C2 are siblings, no identifiers.
    "Z01": [
        "A1,Amy,Shaw,2014-02-03,,,",
        f"A2,Ben,Shaw,2016-03-04,{SHARED_NHS},,",
        "A1,Amy,Shaw,2014-02-03,,A2,BRO",
        "A2,Ben,Shaw,2016-03-04,,A1,SIS",
        "C1,Cara,Lowe,2013-05-06,,,",
        "C2,Dan,Lowe,2015-06-07,,,",
        "C1,Cara,Lowe,2013-05-06,,C2,BRO",
        "C2,Dan,Lowe,2015-06-07,,C1,SIS",
    ],
    # Z02 looks after Ben (its own ID B1, the same NHS number) and his sister B2; and, as D1, Dan Lowe,
    # recorded without an NHS number, with his brother D2.
    "Z02": [
        "B1,Ben,Shaw,2016-03-04,9434765919,,",
        "B2,Eve,Shaw,2018-07-08,,,",
        "B1,Ben,Shaw,2016-03-04,,B2,SIS",
        "B2,Eve,Shaw,2018-07-08,,B1,BRO",
        "D1,Dan,Lowe,2015-06-07,,,",
        "D2,Finn,Lowe,2017-08-09,,,",
        "D1,Dan,Lowe,2015-06-07,,D2,BRO",
        "D2,Finn,Lowe,2017-08-09,,D1,BRO",
    ],
}


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """Both LAs' extracts read and pooled as the region pools them: pseudonymised links and identities."""
    from kit.api import check_files

    folder = tmp_path_factory.mktemp("two_las")
    links, identities = [], []
    for la, rows in EXTRACTS.items():
        path = folder / f"{la}_people.csv"
        path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
        result = check_files([path], standard="person", la=la, profile="relationships", run_checks=False)
        found = links_of(result.data, result.standard)
        links.append(
            pd.DataFrame(
                {
                    "la": la,
                    "child": pseudonymise(found["person"], KEY, la=la),
                    "related": pseudonymise(found["related"], KEY, la=la),
                    "kinds": found["kinds"].map(";".join).astype("string"),
                }
            )
        )
        identities.append(person_identities(result.data, la, KEY))
    links = pd.concat(links, ignore_index=True)
    identities = pd.concat(identities, ignore_index=True)
    return {"links": links, "identities": identities, "groups": sibling_groups_across(links, identities)}


def _p(la: str, person: str) -> str:
    return str(pseudonymise([person], KEY, la=la).iloc[0])


def _placements(homes: dict[tuple[str, str], tuple[str, str, str]]) -> pd.DataFrame:
    """Pooled placements: (LA, person ID) -> (start date, provider URN, placement district)."""
    rows = [
        {"la": la, "child": _p(la, person), "placement_start": start, "urn": urn, D.ROLES.placement_location: where}
        for (la, person), (start, urn, where) in homes.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_a_shared_nhs_number_joins_two_las_records_into_one_sibling_group(region):
    identities, groups = region["identities"], region["groups"]
    # The identity is region-wide: the same NHS number, however written, is one pseudonym in both LAs,
    # and never the plain number.
    shared = identities.groupby("identity")["la"].nunique()
    assert (shared == 2).sum() == 1 and not identities["identity"].str.contains("9434765919").any()
    shaw = groups[groups["child"] == _p("Z01", "A1")]["group"].iloc[0]
    members = groups[groups["group"] == shaw]
    assert set(zip(members["la"], members["child"], strict=True)) == {
        ("Z01", _p("Z01", "A1")), ("Z01", _p("Z01", "A2")), ("Z02", _p("Z02", "B1")), ("Z02", _p("Z02", "B2")),
    }  # fmt: skip
    # Four records, three children: Ben is one person in two LAs.
    assert (members["size"] == 3).all() and members["person"].nunique() == 3
    assert set(members["las"]) == {"Z01;Z02"}


def test_without_a_shared_identifier_the_two_las_records_stay_two_groups_and_say_why(region):
    groups = region["groups"]
    lowe = {
        la: groups[groups["child"] == _p(la, p)]["group"].iloc[0] for la, p in (("Z01", "C1"), ("Z02", "D1"))
    }
    assert lowe["Z01"] != lowe["Z02"]
    for la, group in lowe.items():
        members = groups[groups["group"] == group]
        assert set(members["las"]) == {la} and (members["size"] == 2).all()
        assert not members["identified"].any()
    assert groups["group"].nunique() == 3
    lines = explain_groups(groups)
    assert lines[0].startswith("3 sibling groups; 1 of them span more than one LA")
    # The 4 Lowe records and the 2 Shaw records without an NHS number cannot be joined across LAs.
    assert "6 records of children in sibling groups have no valid NHS number" in lines[1]
    assert "separate group" in lines[1]


def test_a_group_across_las_counts_once_together_only_when_all_its_children_share_a_home(region):
    groups = region["groups"]
    together = {
        ("Z01", "A1"): ("2025-01-10", "SC100001", "E06000001"),
        ("Z01", "A2"): ("2024-03-01", "SC999999", "E06000009"),  # Ben's earlier Z01 placement
        ("Z02", "B1"): ("2025-02-01", "SC100001", "E06000001"),  # Ben's latest: with his sisters
        ("Z02", "B2"): ("2025-02-01", "SC100001", "E06000001"),
        ("Z01", "C1"): ("2025-01-01", "SC200002", "E06000002"),
        ("Z01", "C2"): ("2025-01-01", "SC200002", "E06000002"),
        ("Z02", "D1"): ("2025-01-01", "SC300003", "E06000003"),
        ("Z02", "D2"): ("2025-01-01", "SC300004", "E06000003"),
    }
    judged = group_outcomes(_placements(together), groups).set_index("la")
    assert sorted(judged.index) == sorted([ACROSS, "Z01", "Z02"])
    assert judged.loc[ACROSS, "placed"] == 3 and not judged.loc[ACROSS, "apart"]
    assert not judged.loc["Z01", "apart"] and judged.loc["Z02", "apart"]
    table = sibling_groups_placed(_placements(together), groups, ("Z01", "Z02"))
    rows = table[table["counted_per"] == PER_GROUP].set_index("group")
    assert rows.loc["Region", ["numerator", "denominator"]].tolist() == [1, 3]
    assert rows.loc[ACROSS, ["numerator", "denominator"]].tolist() == [0, 1]
    # Eve moves to another home: the one group across LAs is now apart.
    apart = {**together, ("Z02", "B2"): ("2025-06-01", "SC100009", "E06000001")}
    judged = group_outcomes(_placements(apart), groups).set_index("la")
    assert judged.loc[ACROSS, "apart"]
    # Ben's latest placement is the one judged: placed back with Amy in Z01 later, the group is apart.
    back = {**together, ("Z01", "A2"): ("2025-09-01", "SC999999", "E06000009")}
    assert group_outcomes(_placements(back), groups).set_index("la").loc[ACROSS, "apart"]
