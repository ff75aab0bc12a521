"""A person extract that carries its relationships in columns: one row per link (issue 18).

A connected person (a grandmother) related to two grandchildren is written as two rows with one
person ID. That is one person, not a duplicate record; only the same person twice with the same
related person (or twice with none) is. The connected profile of the Person Standard takes at
most one relationship per record (``relatedPerson: "0..1"``), so there the second link is a
warning that says how to send it; the subject-of-care profile takes any number.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kit.api import check_files

HEADER = "personId,givenName,familyName,dateOfBirth,relatedPersonId,relationship\n"


def _check(tmp_path, rows: str, profile: str):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    result = check_files(
        [str(path)], standard="person", la="Z01", profile=profile, today=dt.date(2026, 10, 1)
    )
    f = result.findings
    return {
        (int(r), rule, sev)
        for r, rule, sev in zip(f["source_row"].fillna(0), f["rule"], f["severity"], strict=True)
    }


def test_a_grandmother_with_two_grandchildren_is_one_person_with_two_links(tmp_path):
    found = _check(
        tmp_path,
        "G1,Mary,Stone,1950-02-01,C1,GRMTH\nG1,Mary,Stone,1950-02-01,C2,GRMTH\n",
        "connected",
    )
    assert not {x for x in found if x[1] == "unique_person_id"}
    # The connected profile takes one relationship per record: the second link is a warning, on its row.
    assert (3, "one_relationship_in_profile", "warning") in found
    assert not {x for x in found if x[1] == "one_relationship_in_profile" and x[0] != 3}


@pytest.mark.parametrize(
    "rows",
    [
        # The same link twice, and the same person twice with no link (each with a surname typo: a row
        # that repeats another exactly is reported once, as a repeated row).
        "G1,Mary,Stone,1950-02-01,C1,GRMTH\nG1,Mary,Stoen,1950-02-01,C1,GRMTH\n",
        "G1,Mary,Stone,1950-02-01,,\nG1,Mary,Stoen,1950-02-01,,\n",
    ],
)
def test_the_same_person_twice_with_the_same_related_person_is_still_a_duplicate(tmp_path, rows):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    f = check_files(
        [str(path)], standard="person", la="Z01", profile="connected", today=dt.date(2026, 10, 1)
    ).findings
    dup = f[f["rule"] == "unique_person_id"]
    assert list(dup["source_row"]) == [3] and set(dup["severity"]) == {"error"}
    assert "G1" in dup["message"].iat[0]  # the message names the person, not the related person


def test_a_child_may_have_many_relationships_in_the_subject_of_care_profile(tmp_path):
    rows = "".join(
        f"C1,Ann,Stone,2015-05-05,{other},{code}\n"
        for other, code in (("M1", "MTH"), ("C2", "SIS"), ("C3", "BRO"))
    )
    found = _check(tmp_path, rows, "subject_of_care")
    assert not {x for x in found if x[1] in ("unique_person_id", "one_relationship_in_profile")}


def test_without_a_related_person_column_a_repeated_person_id_is_a_duplicate(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("personId,givenName,familyName\nG1,Mary,Stone\nG1,Mary,Stone\n", encoding="utf-8")
    f = check_files(
        [str(path)], standard="person", la="Z01", profile="connected", today=dt.date(2026, 10, 1)
    ).findings
    assert pd.Series(f["rule"]).eq("unique_person_id").any()
