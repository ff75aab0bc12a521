"""The joins: placement <-> 903 episode (exact, then the window), URNs, districts and distance, needs."""

from __future__ import annotations

import pandas as pd
import pytest

from kit.region import join as J
from kit.region.ofsted import is_unregistered_marker, normalise_urn, read_register
from kit.region.postcodes import distance_band, read_districts

T = pd.Timestamp


def _placements(rows: list[dict]) -> pd.DataFrame:
    base = {"la": "Z01", "version": "1", "providerURN": None, "placementLocation": None, "placementType": "Foster",
            "_source_file": "Z01_2026-27_Q1.csv"}  # fmt: skip
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["placement_start"] = frame["placement_start"].astype("datetime64[ns]")
    frame["_source_row"] = range(3, 3 + len(frame))
    return frame


def _episodes(rows: list[dict]) -> pd.DataFrame:
    base = {"la": "Z01", "RNE": "P", "LS": "C2", "PLACE": "U6", "PLACE_PROVIDER": "PR1", "HOME_POST": "QK3",
            "PL_POST": "QK5", "URN": "SC900001", "dob": T("2012-06-15"), "sex": "2", "ethnicity": "WBRI",
            "uasc": False}  # fmt: skip
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["DECOM"] = frame["DECOM"].astype("datetime64[ns]")
    frame["uasc"] = frame["uasc"].astype("boolean")
    return frame


def test_exact_match_then_nearest_within_the_window_skipping_legal_status_changes():
    eps = _episodes([
        {"child": "a", "DECOM": T("2026-04-10"), "RNE": "S"},
        {"child": "a", "DECOM": T("2026-04-13"), "RNE": "L"},   # legal status only: not a placement start
        {"child": "b", "DECOM": T("2026-05-01")},
        {"child": "b", "DECOM": T("2026-05-09")},
        {"child": "c", "DECOM": T("2026-06-01")},
    ])  # fmt: skip
    pl = _placements([
        {"child": "a", "placement_start": T("2026-04-10")},     # exact
        {"child": "a", "placement_start": T("2026-04-14")},     # L episode 1 day off is skipped; S is 4 days off
        {"child": "b", "placement_start": T("2026-05-04")},     # 3 days after 1 May, 5 before 9 May
        {"child": "c", "placement_start": T("2026-06-09")},     # 8 days: outside the window
        {"child": "d", "placement_start": T("2026-06-09")},     # not in the 903
        {"child": "a", "placement_start": None},                 # no date
    ])  # fmt: skip
    m = J.match_episodes(pl, eps, window_days=7)
    assert m["episode"].tolist() == [0, 0, 2, -1, -1, -1]
    assert m["match_rule"].tolist()[:3] == ["exact", "window", "window"]
    assert m["match_days"].tolist()[:3] == [0, -4, -3]
    assert J.match_episodes(pl, eps, window_days=0)["episode"].tolist() == [0, -1, -1, -1, -1, -1]


def test_within_the_window_an_episode_of_the_same_type_of_home_wins_over_a_nearer_one():
    # A two-day emergency foster placement, then the children's home: the v1 date of the home
    # placement is 5 days early, nearer the foster episode; the type of home decides.
    eps = _episodes([
        {"child": "a", "DECOM": T("2025-10-12"), "PLACE": "U6"},
        {"child": "a", "DECOM": T("2025-10-15"), "PLACE": "K2"},
    ])  # fmt: skip
    pl = _placements([
        {"child": "a", "placement_start": T("2025-10-10"), "placementType": "Residential"},
        {"child": "a", "placement_start": T("2025-10-12"), "placementType": "Foster"},
        {"child": "a", "placement_start": T("2025-10-14"), "placementType": None},
    ])  # fmt: skip
    m = J.match_episodes(pl, eps, window_days=7)
    assert m["episode"].tolist() == [1, 0, 1]
    assert m["match_days"].tolist() == [5, 0, 1]


def test_903_columns_age_band_and_in_house():
    eps = _episodes([
        {"child": "a", "DECOM": T("2026-04-10"), "PLACE_PROVIDER": "PR4", "LS": "V2", "uasc": True},
        {"child": "b", "DECOM": T("2026-06-15"), "dob": T("2026-01-01"), "PLACE_PROVIDER": "PR2"},
    ])  # fmt: skip
    pl = _placements([{"child": "a", "placement_start": T("2026-04-10")},
                      {"child": "b", "placement_start": T("2026-06-15")},
                      {"child": "z", "placement_start": T("2026-06-15")}])  # fmt: skip
    out = J.join_episodes(pl, eps, 7)
    assert out["episode_matched"].tolist() == [True, True, False]
    assert out["age_at_start"].tolist()[:2] == [13, 0]  # 15 June 2012 -> 13 on 10 April 2026
    assert out["age_band"].tolist()[:2] == ["10-15", "Under 1"]
    assert out["in_house"].tolist()[:2] == [False, True]
    assert out["legal_status"].iloc[0] == "V2" and bool(out["uasc"].iloc[0])
    assert out["home_district"].iloc[0] == "QK3" and pd.isna(out["home_district"].iloc[2])
    assert J.age_band(pd.Series([0, 1, 4, 5, 9, 10, 15, 16, 17], dtype="Int64")).tolist() == [
        "Under 1", "1-4", "1-4", "5-9", "5-9", "10-15", "10-15", "16+", "16+"
    ]  # fmt: skip
    assert J.age_in_years(pd.Series([T("2010-03-01")]), pd.Series([T("2026-02-28")])).iloc[0] == 15


@pytest.fixture
def register(tmp_path):
    path = tmp_path / "ofsted_providers.csv"
    path.write_text(
        "URN,Provision type,Sector,Registration status,Registration date,Places,"
        "Organisation which owns the provider,Local authority,Region,Postcode district\r\n"
        "SC900001,Children's home,Private,Active,01/02/2015,4,Oak Care Ltd,Kestlebury,Esterhold,QK5\r\n"
        "2912345,Supported accommodation,Voluntary,Active,01/10/2024,12,Rowan Trust,Quillby,Esterhold,QQ2\r\n"
        "SC900002,Children's home,Private,Resigned,01/02/2010,3,Wren Homes Ltd,Oxwold,Esterhold,QX1\r\n",
        encoding="utf-8",
    )
    return read_register(path)


def test_urns_are_normalised_and_their_status_told_apart(register):
    assert normalise_urn(" sc 900001 ") == "SC900001" and normalise_urn(2912345.0) == "2912345"
    assert is_unregistered_marker("N/A - unregistered") and is_unregistered_marker("Not registered")
    assert not is_unregistered_marker("SC900001") and not is_unregistered_marker("")
    pl = _placements([
        {"child": "a", "placement_start": T("2026-04-10"), "providerURN": "sc900001"},
        {"child": "b", "placement_start": T("2026-04-10"), "providerURN": "2912345.0"},
        {"child": "c", "placement_start": T("2026-04-10"), "providerURN": "SC999999"},
        {"child": "d", "placement_start": T("2026-04-10"), "providerURN": "900002"},
        {"child": "e", "placement_start": T("2026-04-10"), "providerURN": None},     # 903: K2 with no URN
        {"child": "f", "placement_start": T("2026-04-10"), "providerURN": "Unregistered"},
        {"child": "g", "placement_start": T("2026-04-10"), "providerURN": ""},       # 903 has a URN
        {"child": "h", "placement_start": T("2026-04-10"), "providerURN": None},     # no 903 episode
    ])  # fmt: skip
    eps = _episodes(
        [{"child": c, "DECOM": T("2026-04-10")} for c in "abcdfg"]
        + [{"child": "e", "DECOM": T("2026-04-10"), "PLACE": "K2", "PLACE_PROVIDER": "PR4", "URN": None}]
    )
    j903 = J.join_episodes(pl, eps, 7)
    reg = J.join_register(pl, j903, register)
    assert reg["urn_status"].tolist() == ["registered", "registered", "not_on_register", "registered",
                                          "missing", "missing", "missing", "missing"]  # fmt: skip
    assert reg["urn"].tolist()[:4] == ["SC900001", "2912345", "SC999999", "SC900002"]
    assert reg["urn_match"].tolist()[3] == "prefix_added"
    assert reg["unregistered"].tolist()[4:7] == [True, True, False] and pd.isna(reg["unregistered"].iloc[7])
    assert reg["unregistered_evidence"].tolist()[4:6] == ["903", "recorded"]
    assert reg["provider_type"].iloc[0] == "Children's home" and reg["provider_places"].iloc[1] == 12
    assert reg["provider_owner"].iloc[1] == "Rowan Trust" and pd.isna(reg["provider_owner"].iloc[2])

    joined = pd.concat([pl, j903, reg], axis=1)
    found = J.join_findings(joined, {("Z01_2026-27_Q1.csv", "providerURN"): "AF",
                                     ("Z01_2026-27_Q1.csv", "placementDate"): "AT"}, 7, eps)  # fmt: skip
    rules = {(f.rule, f.source_row) for f in found}
    assert ("urn_not_on_register", 5) in rules and ("urn_prefix_added", 6) in rules
    assert ("unregistered_placement", 7) in rules and ("unregistered_placement", 8) not in rules
    assert ("no_903_episode", 10) in rules
    not_on = next(f for f in found if f.rule == "urn_not_on_register")
    assert (not_on.source_column, not_on.value, not_on.severity) == ("AF", "SC999999", "warning")
    unmatched = next(f for f in found if f.rule == "no_903_episode")
    assert unmatched.source_column == "AT" and "not in your 903 extract" in unmatched.message


def test_v2_rows_matched_only_within_the_window_are_reported():
    pl = _placements([{"child": "a", "placement_start": T("2026-04-12"), "version": "2"}])
    eps = _episodes([{"child": "a", "DECOM": T("2026-04-10")}])
    j903 = J.join_episodes(pl, eps, 7)
    joined = pd.concat([pl, j903, J.join_register(pl, j903, pd.DataFrame(columns=["urn", *[
        "provider_type", "provider_places", "provider_sector", "provider_owner", "provider_la",
        "provider_region", "provider_status", "provider_district"]]))], axis=1)  # fmt: skip
    found = J.join_findings(joined, {}, 7, eps)
    assert [f.rule for f in found] == ["start_date_differs_from_903"]
    assert "-2 days" in found[0].message and found[0].field == "placementStartDate"


@pytest.fixture
def districts(tmp_path):
    path = tmp_path / "postcode_districts.csv"
    path.write_text(
        "pcd_outward,oslaua,laua_name,rgn,rgn_name,ctry,oseast1m,osnrth1m,dointr,doterm\n"
        "QK3,Z01,Kestlebury,ZR1,Esterhold,E92000001,900000,300000,198001,\n"
        "QK5,Z01,Kestlebury,ZR1,Esterhold,E92000001,903000,304000,198001,\n"
        "QH2,Z02,Harrowmere,ZR1,Esterhold,E92000001,932186,300000,198001,\n"
        "QN1,Z11,Northby,ZR2,Norland Reach,E92000001,900000,348280,198001,\n",
        encoding="utf-8",
    )
    return read_districts(path)


def test_distance_bands_and_inside_or_outside_the_la_and_region(districts):
    pl = _placements([
        {"child": "a", "placement_start": T("2026-04-10"), "placementLocation": "QK5"},
        {"child": "b", "placement_start": T("2026-04-10"), "placementLocation": "qh 2"},
        {"child": "c", "placement_start": T("2026-04-10"), "placementLocation": "QN1"},
        {"child": "d", "placement_start": T("2026-04-10"), "placementLocation": None},   # falls back to PL_POST
        {"child": "e", "placement_start": T("2026-04-10"), "placementLocation": "QZ9"},  # unknown district
    ])  # fmt: skip
    eps = _episodes([{"child": c, "DECOM": T("2026-04-10")} for c in "abcde"])
    j903 = J.join_episodes(pl, eps, 7)
    d = J.join_districts(pl, j903, districts, "Z01", "ZR1")
    assert d["distance_miles"].tolist()[:4] == [pytest.approx(3.11, abs=0.01), pytest.approx(20.0, abs=0.01),
                                                 pytest.approx(30.0, abs=0.01), pytest.approx(3.11, abs=0.01)]  # fmt: skip
    assert d["distance_band"].tolist()[:4] == ["0-5", "10-20", "over 20", "0-5"]
    assert d["placed_outside_la"].tolist()[:4] == [False, True, True, False]
    assert d["placed_outside_region"].tolist()[:4] == [False, False, True, False]
    assert d["placement_district_source"].tolist()[:4] == ["placements"] * 3 + ["903"]
    assert pd.isna(d["distance_miles"].iloc[4]) and pd.isna(d["placed_outside_la"].iloc[4])
    assert d["home_la_code"].iloc[0] == "Z01" and d["placement_region"].iloc[2] == "ZR2"
    assert distance_band(pd.Series([0.0, 5.0, 10.0, 20.0, 20.01])).tolist() == [
        "0-5",
        "0-5",
        "5-10",
        "10-20",
        "over 20",
    ]


def test_needs_helpers():
    present, none = "Risk present", "No known risk"
    risks = {r: none for r in J.RISKS}
    pl = pd.DataFrame([
        {**risks, "riskSelfHarm": present, "riskMissing": present, "riskDrugAlcohol": present,
         "fosterCareSuitability": "Preferred", "residentialCareSuitability": "Suitable but not preferred",
         "supportedAccommodationSuitability": "Unsuitable", "placementType": "Residential"},
        {**risks, "fosterCareSuitability": "Preferred", "residentialCareSuitability": "Preferred",
         "supportedAccommodationSuitability": "Unsuitable", "placementType": "Foster"},
        {**{r: None for r in J.RISKS}, "fosterCareSuitability": None, "residentialCareSuitability": None,
         "supportedAccommodationSuitability": None, "placementType": "Foster"},
    ])  # fmt: skip
    out = J.needs_helpers(pl)
    assert out["risk_count"].tolist()[:2] == [3, 0] and pd.isna(out["risk_count"].iloc[2])
    assert out["needs_band"].tolist()[:2] == ["3+ risks", "0 risks"]
    assert out["preferred_type"].iloc[0] == "Foster" and pd.isna(out["preferred_type"].iloc[1])
    assert out["displaced"].iloc[0] and pd.isna(out["displaced"].iloc[1])
