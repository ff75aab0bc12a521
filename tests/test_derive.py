"""The one derivation step (kit.region.derive), the standard files' roles and the reference data."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from kit import standards
from kit.region import derive as D
from kit.standards import StandardFileError, reference

PRESENT, ABSENT = D.RISK_PRESENT, D.ROLES.risks.code("absent")


def test_every_standard_file_names_its_roles_and_they_are_real():
    for name, version in standards.available():
        std = standards.load(name, version)
        assert std.roles, f"{std.path.name} has no roles: block"
        for role in std.roles.values():
            used = [role] if isinstance(role, str) else role.fields
            assert all(std.has_field(f) for f in used)
    starts = {v: standards.load("placements", v).roles.start_date for v in standards.versions("placements")}
    assert starts == {"0.1": "placementDate", "1": "placementDate", "2": "placementStartDate"}
    assert "start_date" not in standards.common_roles("placements"), "differs by version, so not common"


@pytest.mark.parametrize(
    "role, complaint",
    [
        ({"total_cost": "totalWeeklyCosts"}, "not a field"),
        ({"risks": {"fields": ["riskSelfHarm"], "codes": {"present": "Risk Present!"}}}, "not a code"),
        ({"total_cost": {"field": "totalWeeklyCost", "rule": "no_such_rule"}}, "not a rule"),
    ],
)
def test_the_loader_refuses_a_role_that_names_nothing_real(tmp_path, role, complaint):
    data = yaml.safe_load(standards.load("placements", "1").path.read_text(encoding="utf-8"))
    data["roles"] = {**data["roles"], **role}
    path = tmp_path / "placements-v9.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(StandardFileError, match=complaint):
        standards.load_path(path)


def test_cost_sense_range_is_read_from_the_standard_rule_not_copied():
    low, high = D.cost_sense_range()
    for version in standards.versions("placements"):
        std = standards.load("placements", version)
        rule = next(r for r in std.rules if r.id == std.roles.total_cost.code("rule"))
        assert (rule.params["min"], rule.params["max"]) == (low, high)
    assert pytest.approx(365.25 / 7) == D.WEEKS_PER_YEAR


def test_no_risk_answered_is_not_recorded_not_zero_risks():
    rows = pd.DataFrame(
        [
            {r: ABSENT for r in D.RISKS} | {D.RISKS[0]: PRESENT, D.RISKS[1]: PRESENT, D.RISKS[2]: PRESENT},
            {r: ABSENT for r in D.RISKS},
            {r: None for r in D.RISKS},
            {D.RISKS[0]: PRESENT},  # one answered, the others blank: counted as not present
        ]
    )
    count = D.risk_count(rows)
    assert count.tolist()[:2] == [3, 0] and pd.isna(count.iloc[2]) and count.iloc[3] == 1
    band = D.needs_band(count)
    assert (
        band.tolist()[:2] == ["3+ risks", "0 risks"] and pd.isna(band.iloc[2]) and band.iloc[3] == "1-2 risks"
    )


def test_preferred_type_and_displacement():
    s = D.SUITABILITY
    rows = pd.DataFrame(
        [
            {
                s[D.FOSTER]: D.PREFERRED,
                s[D.RESIDENTIAL]: "Suitable but not preferred",
                D.PLACEMENT_TYPE: D.RESIDENTIAL,
            },
            {s[D.FOSTER]: D.PREFERRED, s[D.RESIDENTIAL]: D.PREFERRED, D.PLACEMENT_TYPE: D.FOSTER},
            {s[D.FOSTER]: None, D.PLACEMENT_TYPE: D.FOSTER},
        ]
    )
    pref = D.preferred_type(rows)
    assert pref.iloc[0] == D.FOSTER and pref.iloc[1:].isna().all()
    shifted = D.displaced(rows, pref)
    assert bool(shifted.iloc[0]) and shifted.iloc[1:].isna().all()


def test_one_in_house_rule_pr1_to_pr3_public_pr4_pr5_external():
    got = D.in_house(pd.Series(["PR1", "pr2", " PR3", "PR4", "PR5", "PR0", "", None]))
    assert got.tolist()[:5] == [True, True, True, False, False]
    assert got.iloc[5:].isna().all(), "parents and blank are not known, never guessed"
    assert D.provider_sector_903(pd.Series(["PR1", "PR2", "PR3"])).tolist() == [
        "Own LA",
        "Other LA",
        "Other public",
    ]


@pytest.mark.parametrize(
    "place, provider, expected",
    [
        ("U3", "PR4", "kinship"),
        ("U4", "PR1", "inhouse_foster"),
        ("U5", "PR3", "inhouse_foster"),  # other public provision is in-house: the one rule
        ("U6", "PR5", "ifa"),
        ("U6", "", "inhouse_foster"),  # blank counted as in-house for the forecast (and reported)
        ("K2", "PR2", "la_home"),
        ("R1", "PR4", "private_home"),
        ("K1", "PR1", "other"),
        ("S1", "PR5", "other"),
        ("H5", "PR4", "supported"),
        ("K3", "PR1", "supported"),
        ("P1", "PR0", "other"),
        ("XX", "PR1", "other"),
    ],
)
def test_commercial_types_from_the_903_crosswalk(place, provider, expected):
    assert D.commercial_type_903([place], [provider]).tolist() == [expected]


def test_setting_sourcing_route_and_commercial_type_agree_row_by_row():
    rows = pd.DataFrame(
        {
            D.PLACEMENT_TYPE: [D.FOSTER, D.FOSTER, D.FOSTER, D.RESIDENTIAL, D.RESIDENTIAL, D.FOSTER],
            "place_903": ["U3", "U6", "U6", "K2", "K1", None],
            "place_provider_903": ["PR1", "PR3", "PR4", "PR4", "PR1", None],
            "urn_status": ["registered"] * 6,
        }
    )
    rows["in_house"] = D.in_house(rows["place_provider_903"])
    assert D.sourcing_route(rows).tolist()[:5] == ["Kinship", "In-house", "External", "External", "In-house"]
    assert pd.isna(D.sourcing_route(rows).iloc[5])
    assert D.setting(rows).tolist() == [
        "Foster: kinship", "Foster: in-house", "Foster: agency", "Residential: children's home",
        "Residential: secure", "Foster: not known",
    ]  # fmt: skip
    assert D.commercial_type(rows).tolist() == [
        "kinship",
        "inhouse_foster",
        "ifa",
        "private_home",
        "other",
        "ifa",
    ]


def test_reference_files_cite_a_source_and_fit_the_standards():
    r = reference.ssda903()
    types = set(standards.load("placements", "1").codes_for(D.PLACEMENT_TYPE).values)
    assert {p.placement_type for p in r.place.values()} - {None} <= types
    assert set(reference.ofsted().provision_types.values()) <= types
    assert r.place["K2"].registered and not r.place["U4"].registered
    for name in ("ssda903", "ofsted", "postcodes"):
        text = (reference.HERE / f"{name}.yaml").read_text(encoding="utf-8")
        assert "Sources (public)" in text, f"{name}.yaml does not cite its public source"
    assert "PR3" in reference.all_names() and "DECOM" in reference.all_names()


def test_age_bands_from_the_reference():
    ages = pd.Series([0, 1, 4, 5, 9, 10, 15, 16, 17, None], dtype="Int64")
    assert D.age_band(ages).tolist()[:9] == [
        "Under 1",
        "1-4",
        "1-4",
        "5-9",
        "5-9",
        "10-15",
        "10-15",
        "16+",
        "16+",
    ]
    assert pd.isna(D.age_band(ages).iloc[9])
