"""The standard files hold the facts of the standards: these tests pin the facts, not the code."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import APRIL_XLSX, JUNE_XLSX, SHACL_EXAMPLES

from kit import standards
from kit.outputs.jsonld import flatten_record, read_records
from kit.standards import StandardFileError

# The June 2026 national spreadsheet, column by column (placements-standard.md §2.5.1).
JUNE_XLSX_COLUMNS = [
    "child_ID", "when_placement_is_needed_by", "number_of_siblings_to_place_with",
    "is_preferred_location_local", "out_of_LA_reason", "communication_language_learning_needs",
    "specific_communication_and_language_requirements", "adaptation_to_the_home", "cultural_needs",
    "who_can_the_child_be_cared_for_alongside", "can_child_live_with_pets", "additional_support",
    "additional_support_other", "dol", "foster_care_suitability", "residential_care_suitability",
    "supported_accommodation", "risk_to_child_self_harm", "risk_to_child_criminal_exploitation",
    "risk_to_child_drug_and_alcohol_use", "risk_to_child_eating_disorder", "risk_to_child_going_missing",
    "risk_to_others_physical_harm", "risk_to_others_sexual_harm", "risk_to_others_fire_setting",
    "risk_to_others_harm_to_animals", "risk_to_others_criminal_exploitation", "cost_core_weekly",
    "cost_additional_support_weekly", "cost_education_weekly", "cost_other_weekly", "cost_total_weekly",
    "placement_location", "preferrability_of_placement_location", "education_continuity", "provider_URN",
    "how_many_siblings_were_placed_together", "placement_type", "name_of_officer_referral",
    "Date_entry_referral", "name_of_officer_placement", "date_entry_placement",
    "name_of_officer_placement_cost", "date_entry_placement_cost",
]  # fmt: skip
# April 2026: the same plus risk_to_others_other after the last risk column (45 columns).
APRIL_XLSX_COLUMNS = JUNE_XLSX_COLUMNS[:27] + ["risk_to_others_other"] + JUNE_XLSX_COLUMNS[27:]
# June 2026 CSV: the June xlsx order with risk_to_child_sexual_exploitation after going_missing.
JUNE_CSV_COLUMNS = JUNE_XLSX_COLUMNS[:22] + ["risk_to_child_sexual_exploitation"] + JUNE_XLSX_COLUMNS[22:]

# Code list sizes (placements-standard.md §2.3; person-standard.md §2.12).
PLACEMENTS_V1_CODELIST_SIZES = {
    "PlacementUrgency": 3, "OutOfLAReason": 4, "PresenceStatus": 3, "CommunicationNeed": 5,
    "CulturalNeed": 4, "LivingArrangement": 5, "PetsAllowance": 4, "SupportType": 6,
    "SuitabilityLevel": 4, "RiskLevel": 2, "PlacementType": 3,
}  # fmt: skip
PLACEMENTS_V2_EXTRA_SIZES = {
    "NeedsAssessmentMethod": 4, "PlacementSource": 7, "NonPreferredLocationReason": 7, "UASCStatus": 3,
}  # fmt: skip


def _codelist_named(std, wanted: str):
    """The code list whose name is ``wanted`` (files may prefix or suffix names, e.g. ``RiskLevelCode``)."""
    for name, cl in std.codelists.items():
        if name == wanted or name.lower().startswith(wanted.lower()):
            return cl
    raise AssertionError(f"{std.name} has no code list like {wanted}; it has {sorted(std.codelists)}")


def test_the_kit_knows_every_version():
    assert {v for s, v in standards.available() if s == "placements"} == {"0.1", "1", "2"}
    assert ("person", "1.0.0") in standards.available()
    assert standards.load("placements", "1.0.0").version == "1"
    assert standards.load("placements", "v2").version == "2"
    assert standards.load("person", "1").version == "1.0.0"


def test_unknown_standard_or_version_is_a_plain_error():
    with pytest.raises(StandardFileError, match="Known versions: 0.1, 1, 2"):
        standards.load("placements", "3")
    with pytest.raises(StandardFileError, match="no standard called"):
        standards.load("adoptions", "1")


@pytest.mark.parametrize(
    "layout_id, expected",
    [
        ("xlsx-2026-06", JUNE_XLSX_COLUMNS),
        ("xlsx-2026-04", APRIL_XLSX_COLUMNS),
        ("csv-2026-06", JUNE_CSV_COLUMNS),
    ],
)
def test_v1_layouts_have_the_exact_columns_in_order(layout_id, expected):
    layout = standards.load("placements", "1").layout(layout_id)
    assert layout.columns == expected
    assert len(layout.columns) == {"xlsx-2026-06": 44, "xlsx-2026-04": 45, "csv-2026-06": 45}[layout_id]


@pytest.mark.parametrize("path, layout_id", [(APRIL_XLSX, "xlsx-2026-04"), (JUNE_XLSX, "xlsx-2026-06")])
def test_declared_template_headers_are_the_real_templates_row_2(official, path, layout_id):
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    row2 = [c for c in next(wb["Data Collection"].iter_rows(min_row=2, max_row=2, values_only=True)) if c]
    assert row2 == standards.load("placements", "1").layout(layout_id).columns


def test_june_templates_lack_sexual_exploitation_by_design():
    v1 = standards.load("placements", "1")
    june = v1.layout("xlsx-2026-06")
    assert "riskSexualExploitation" in june.missing_by_design
    assert v1.field("riskSexualExploitation").required
    assert (
        "risk_to_child_sexual_exploitation"
        in v1.field("riskSexualExploitation").columns + v1.field("riskSexualExploitation").aliases
    )


def test_every_layout_column_maps_to_exactly_one_field():
    for name, version in standards.available():
        std = standards.load(name, version)
        index = std.header_index()
        for layout in std.layouts:
            fields = [index[standards.normalise_header(c)] for c in layout.columns]
            assert len(fields) == len(set(fields)), f"{layout.id}: two columns map to one field"


def test_codelist_sizes_v1_and_v2():
    v1 = standards.load("placements", "1")
    for name, size in PLACEMENTS_V1_CODELIST_SIZES.items():
        assert len(_codelist_named(v1, name).codes) == size, name
    v2 = standards.load("placements", "2")
    for name, size in {**PLACEMENTS_V1_CODELIST_SIZES, **PLACEMENTS_V2_EXTRA_SIZES}.items():
        if name == "OutOfLAReason":
            continue  # removed in v2
        assert len(_codelist_named(v2, name).codes) == size, name


def test_person_codelist_sizes():
    person = standards.load("person", "1.0.0")
    assert len(_codelist_named(person, "PersonRelationship").codes) == 107
    assert len(_codelist_named(person, "Ethnicity").codes) == 20
    assert [c.code for c in _codelist_named(person, "Ethnicity").codes][
        -1
    ] == "-8" or "-8" in _codelist_named(person, "Ethnicity").values
    assert set(_codelist_named(person, "Gender").values) >= {"1", "2", "9", "X"}


def test_known_variant_spellings_become_canonical_codes():
    v1 = standards.load("placements", "1")
    assert v1.codes_for("neededBy").canonical("< 5days") == "< 5 days"
    assert v1.codes_for("neededBy").canonical("<5 days") == "< 5 days"
    assert v1.codes_for("riskSelfHarm").canonical("Risk Present") == "Risk present"
    assert v1.codes_for("placementType").canonical("Residential ") == "Residential"
    assert v1.codes_for("placementType").canonical("Supported Accomodation") == "Supported Accommodation"
    assert v1.codes_for("pets").canonical("Yes - must") == "Yes-must"
    assert v1.codes_for("residentialCareSuitability").canonical("Suitable but not preferred,") == (
        "Suitable but not preferred"
    )
    assert v1.codes_for("livingCompanions").canonical("Only With Other younger children") == (
        "Only with other younger children"
    )
    assert v1.codes_for("placementType").canonical("Kinship foster") is None


def test_na_is_a_real_code_only_for_additional_support():
    v1 = standards.load("placements", "1")
    assert v1.field("additionalSupport").na_means_empty is False
    assert v1.codes_for("additionalSupport").canonical("NA") == "NA"
    assert v1.codes_for("additionalSupport").canonical("N/A") == "NA"
    assert all(f.na_means_empty for f in v1.fields if f.name != "additionalSupport")
    assert v1.codes_for("specificCommunicationRequirement").canonical("None") == "None"


def test_education_continuity_is_inverted_and_officer_names_are_internal():
    for version in ("0.1", "1", "2"):
        std = standards.load("placements", version)
        assert [f.name for f in std.fields if f.invert_from_template] == ["isEducationContinuous"]
        assert {f.name for f in std.fields if f.internal} == {
            "referralOfficerName",
            "placementOfficerName",
            "costOfficerName",
        }


def test_version_differences():
    v01, v1, v2 = (standards.load("placements", v) for v in ("0.1", "1", "2"))
    assert v01.has_field("preferredLocation") and not v1.has_field("preferredLocation")
    for name in ("isPreferredLocationLocal", "outOfLAReason", "placementDate"):
        assert v1.has_field(name) and not v2.has_field(name)
    for name in ("uascStatus", "needsAssessmentMethod", "placementSource", "placementStartDate",
                 "nonPreferredLocationReason", "placementDateAdmin"):  # fmt: skip
        assert v2.has_field(name) and not v1.has_field(name)
    assert v1.field("totalWeeklyCost").type == "decimal"
    assert v1.field("neededBy").required and not v01.field("neededBy").required


def _v1_rows_from_examples():
    for path in sorted(SHACL_EXAMPLES.glob("*.jsonld")):
        for record in read_records(path):
            yield path.stem, flatten_record(record)


def test_every_code_in_the_official_examples_is_known(official):
    v1 = standards.load("placements", "1")
    unknown = set()
    for name, row in _v1_rows_from_examples():
        for prop, text in row.items():
            if not v1.has_field(prop) or not text:
                continue
            codes = v1.codes_for(prop)
            if codes is None:
                continue
            for part in text.split(";"):
                if codes.canonical(part) is None:
                    unknown.add((name, prop, part))
    # Only the deliberately wrong codes of the bad-enum example are unknown.
    assert unknown == {
        ("invalid-bad-enum", "specificCommunicationRequirement", "XYZ"),
        ("invalid-bad-enum", "pets", "MaybePets"),
        ("invalid-bad-enum", "riskSelfHarm", "Severe"),
    }


def test_every_property_in_the_official_examples_is_a_v1_field(official):
    v1 = standards.load("placements", "1")
    props = {p for _, row in _v1_rows_from_examples() for p in row}
    assert props - set(v1.field_names) == set()


def test_a_broken_standard_file_is_refused_with_a_reason(tmp_path):
    bad = tmp_path / "placements-v9.yaml"
    bad.write_text(
        "standard: placements\nversion: '9'\nfields:\n"
        "  - {name: childId, type: string}\n  - {name: neededBy, type: code, codelist: Nope}\n"
    )
    with pytest.raises(StandardFileError, match="code list 'Nope'"):
        standards.load_path(bad)
    bad.write_text("standard: placements\nversion: '9'\nfields:\n  - {name: childId, type: text}\n")
    with pytest.raises(StandardFileError, match="type 'text'"):
        standards.load_path(bad)


def test_an_exact_label_beats_a_case_folded_code():
    relationships = _codelist_named(standards.load("person", "1.0.0"), "PersonRelationship")
    assert relationships.canonical("SON") == "SON"
    assert relationships.canonical("Son") == "SONC"  # the label of SONC ("son"), not the code SON
