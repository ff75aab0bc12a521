"""Header and value mapping, the mapping file, and next quarter's unattended run."""

from __future__ import annotations

import sys

import pytest
import yaml
from conftest import REPO

from kit import standards
from kit.check import check_files
from kit.core.errors import KitError
from kit.mapping.mapping_file import Mapping, load_mapping, mapping_from_matches, save_mapping
from kit.mapping.suggest import (
    describe_matches,
    missing_fields,
    suggest_mapping,
    unknown_values,
)
from kit.read.files import read_file

sys.path.insert(0, str(REPO / "tests" / "data" / "malformed"))
from make_corpus import COLUMNS, csv_text, placement  # noqa: E402

V1 = standards.load("placements", "1")

# An LA's own export: most template names, some drift, some bespoke columns.
RENAMES = {
    "child_ID": "Child Ref",  # a synonym: suggested
    "placement_type": "Placement Kind",  # a synonym: suggested
    "cost_total_weekly": "total_weekly_cost",  # a regional pipeline alias
    "supported_accommodation": "Supported-Accommodation",  # case and punctuation differ
    "cost_core_weekly": "Weekly Cost (£)",  # the one cost field no other column claims
}
BESPOKE = ["LA notes", "Social worker"]


def la_file(path, rows, renames=RENAMES, bespoke=BESPOKE, extra_values=("", "")):
    header = [renames.get(c, c) for c in COLUMNS] + list(bespoke)
    path.write_text(
        csv_text([r + list(extra_values[: len(bespoke)]) for r in rows], header), encoding="utf-8"
    )
    return path


@pytest.fixture
def q1(tmp_path):
    rows = [
        placement(1),
        placement(2, placement_type="Kinship foster"),
        placement(3, placement_type="Kinship foster"),
    ]
    return la_file(tmp_path / "LA01_2026Q1.csv", rows, extra_values=("seen by panel", "J Bloggs"))


def by_header(matches):
    return {m.header: m for m in matches}


# ---------------------------------------------------------------------------------------------
# Header mapping


def test_header_mapping_order_exact_alias_normalised_then_suggested(q1):
    table = read_file(q1)
    m = by_header(suggest_mapping(table, V1))
    assert (m["when_placement_is_needed_by"].field, m["when_placement_is_needed_by"].how) == (
        "neededBy",
        "exact",
    )
    assert (m["total_weekly_cost"].field, m["total_weekly_cost"].how) == ("totalWeeklyCost", "alias")
    assert (m["Supported-Accommodation"].field, m["Supported-Accommodation"].how) == (
        "supportedAccommodationSuitability",
        "normalised",
    )
    assert (m["Child Ref"].field, m["Child Ref"].how) == ("childId", "suggested")
    assert (m["Placement Kind"].field, m["Placement Kind"].how) == ("placementType", "suggested")
    assert m["Placement Kind"].score >= 90 and m["Placement Kind"].explain().startswith("suggested (")
    # every other cost field has its column, so "Weekly Cost (£)" can only be the core cost
    assert (m["Weekly Cost (£)"].field, m["Weekly Cost (£)"].how) == ("coreWeeklyCost", "suggested")
    for header in BESPOKE:
        assert m[header].how == "unmapped" and m[header].field is None


def test_a_header_that_fits_several_fields_equally_is_offered_never_applied(tmp_path):
    costs = [c for c in COLUMNS if c.startswith("cost_")]
    header = [c for c in COLUMNS if c not in costs] + ["Weekly Cost (£)"]
    rows = [[v for c, v in zip(COLUMNS, placement(1), strict=True) if c not in costs] + ["£1,234.50"]]
    path = tmp_path / "one_cost.csv"
    path.write_text(csv_text(rows, header), encoding="utf-8")
    weekly = suggest_mapping(read_file(path), V1)[-1]
    assert weekly.how == "unmapped" and not weekly.applied and weekly.field is None
    assert {"totalWeeklyCost", "coreWeeklyCost"} <= {f for f, _ in weekly.alternatives}
    assert weekly.explain().startswith("no match; maybe ")


def test_unmapped_columns_are_kept_and_missing_required_fields_listed(q1):
    result = check_files([q1], run_checks=False)
    summary = result.summary()
    assert summary["unmapped_columns"] == ["LA notes", "Social worker"]
    assert result.extra["AT: LA notes"].tolist() == ["seen by panel"] * 3
    assert result.extra["_source_row"].tolist() == [2, 3, 4]
    guessed = result.findings[result.findings["rule"] == "column_guessed"]
    assert set(guessed["value"]) == {"Child Ref", "Placement Kind", "Weekly Cost (£)"}
    table = read_file(q1)
    no_core = [m for m in suggest_mapping(table, V1) if m.header != "Child Ref"]
    assert missing_fields(no_core, V1) == ["childId"]


def test_the_most_confident_column_wins_a_contested_field(tmp_path):
    path = la_file(
        tmp_path / "two.csv",
        [placement(1)],
        renames={"placement_type": "Type of placement"},
        bespoke=["Placement Kind"],
    )
    m = by_header(suggest_mapping(read_file(path), V1))
    assert m["Type of placement"].field == "placementType"
    assert m["Placement Kind"].field is None  # the field is taken: offered nothing it could claim
    assert "placementType" not in {f for f, _ in m["Placement Kind"].alternatives}


def test_duplicate_columns(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text(csv_text([placement(1) + ["X1"]], COLUMNS + ["child_ID"]), encoding="utf-8")
    m = suggest_mapping(read_file(path), V1)
    assert (m[-1].how, m[-1].field, m[-1].applied) == ("duplicate", "childId", True)
    assert mapping_from_matches(m, V1).columns["child_ID"] == "childId"
    rows = describe_matches(m)
    assert rows[0] == {
        "column": "A",
        "header": "child_ID",
        "field": "childId",
        "how": "exact",
        "confidence": 100.0,
        "other suggestions": "",
    }


# ---------------------------------------------------------------------------------------------
# Value mapping


def test_unknown_values_are_grouped_with_counts(q1):
    table = read_file(q1)
    matches = suggest_mapping(table, V1)
    unknown = unknown_values(table, matches, V1)
    # "Risk Present", "< 5days", "Residential " and NA in additional_support are known spellings
    assert unknown == {"placementType": {"Kinship foster": 2}}
    mapped = Mapping(values={"placementType": {"kinship foster": "Foster"}})
    assert unknown_values(table, matches, V1, mapped) == {}


def test_multi_valued_cells_count_each_unknown_answer(tmp_path):
    rows = [
        placement(i, additional_support=v)
        for i, v in enumerate(["Karate;NA", "Karate", "Taxis to school, NA"], 1)
    ]
    table = read_file(la_file(tmp_path / "multi.csv", rows, renames={}, bespoke=[]))
    assert unknown_values(table, suggest_mapping(table, V1), V1) == {"additionalSupport": {"Karate": 2}}


# ---------------------------------------------------------------------------------------------
# The mapping file


def test_mapping_file_is_readable_commented_and_round_trips(tmp_path, q1):
    table = read_file(q1)
    mapping = mapping_from_matches(suggest_mapping(table, V1), V1, la="LA01")
    mapping.columns["LA notes"] = "additionalSupportOther"
    mapping.values = {"placementType": {"Kinship foster": "Foster", "Secure unit": None}}
    path = save_mapping(mapping, tmp_path / "LA01_mapping.yml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Mapping of one LA's placements files")
    assert "kit_mapping_format: 1" in text and "version: '1'" in text
    assert "Placement Kind: placementType" in text and "# Placement type" in text
    assert "Social worker: null" in text and "# kept as the LA's own column" in text
    assert "# Placement type: Foster | Residential | Supported Accommodation" in text
    data = yaml.safe_load(text)
    assert data["columns"]["Child Ref"] == "childId" and data["date_format"] == "day-first"
    loaded = load_mapping(path)
    assert (loaded.la, loaded.version, loaded.standard) == ("LA01", "1", "placements")
    assert loaded.columns == mapping.columns
    assert loaded.values == {"placementType": {"Kinship foster": "Foster", "Secure unit": None}}


def test_awkward_headers_survive_the_file(tmp_path):
    awkward = ["Yes", "12", "notes: free text", 'it\'s "quoted"', "two\nlines", "#hash", "null", "Zoë"]
    mapping = Mapping(version="1", columns={h: None for h in awkward} | {"Child ID": "childId"})
    mapping.values = {"pets": {"Yes": "Yes-can", "NA": None}}
    loaded = load_mapping(save_mapping(mapping, tmp_path / "m.yml"))
    assert loaded.columns == mapping.columns and loaded.values == mapping.values


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("columns: [a, b\n", "is not valid YAML (line 2)"),
        ("kit_mapping_format: 7\n", "has format 7"),
        ("date_format: month-first\n", "date_format must be"),
        ("columns: [child_ID, childId]\n", "'columns' must map"),
        ("values:\n  pets: Yes\n", "'values' must map"),
        ("- a list\n", "does not hold a mapping"),
    ],
)
def test_broken_mapping_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "broken.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KitError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        load_mapping(path)
    assert "\n" not in str(err.value) and "broken.yml" in str(err.value)


@pytest.mark.parametrize(
    ("columns", "values", "message"),
    [
        ({"Child Ref": "childID"}, {}, "not a field of"),
        ({}, {"placementKind": {"x": "Foster"}}, "not a field of"),
        ({}, {"childId": {"x": "y"}}, "not a coded field"),
        ({}, {"placementType": {"Kinship foster": "Fostr"}}, "not one of its codes"),
    ],
)
def test_a_mapping_naming_unknown_fields_or_codes_stops_the_run(tmp_path, q1, columns, values, message):
    path = save_mapping(Mapping(version="1", columns=columns, values=values), tmp_path / "bad.yml")
    with pytest.raises(KitError, match=message):
        check_files([q1], mapping=path, run_checks=False)


# ---------------------------------------------------------------------------------------------
# Next quarter


def test_next_quarter_applies_the_mapping_and_warns_about_anything_new(tmp_path, q1):
    table = read_file(q1)
    mapping = mapping_from_matches(suggest_mapping(table, V1), V1, la="LA01")
    mapping.values = {"placementType": {"Kinship foster": "Foster"}}
    path = save_mapping(mapping, tmp_path / "LA01_mapping.yml")

    rows = [
        placement(1, placement_type="Kinship foster"),
        placement(2, placement_type="Secure unit"),  # a value not seen last quarter
        placement(3),
    ]
    q2 = la_file(tmp_path / "LA01_2026Q2.csv", rows, bespoke=BESPOKE + ["Panel date"])  # a new column
    result = check_files([q2], mapping=str(path), run_checks=False)
    assert result.la == "LA01"  # the LA code comes from the mapping file
    f = result.findings
    assert result.data["placementType"].tolist() == ["Foster", None, "Foster"]
    assert f[(f["source_row"] == 2) & (f["field"] == "placementType")].empty  # mapped silently
    unseen = f[f["rule"] == "unknown_code"]
    assert unseen[["source_row", "field", "value"]].values.tolist() == [[3, "placementType", "Secure unit"]]
    new = f[f["rule"] == "new_column"]
    assert new["value"].tolist() == ["Panel date"] and (new["severity"] == "warning").all()
    assert f[f["rule"] == "column_guessed"].empty  # last quarter's confirmed columns are not guesses
    assert result.data["coreWeeklyCost"].fillna(0).tolist() == [0, 4100.0, 0]
    summary = result.summary()
    assert summary["rows_in"] == 3 == summary["rows_standard"]


def test_a_mapping_with_iso_dates_refuses_day_first_text(tmp_path, q1):
    path = save_mapping(Mapping(version="1", date_format="iso"), tmp_path / "iso.yml")
    result = check_files([q1], mapping=path, run_checks=False)
    dates = result.findings[
        (result.findings["rule"] == "not_a_date") & (result.findings["field"] == "referralDate")
    ]
    assert dates["value"].tolist() == ["12/2/2024", "03/03/2024", "1/4/2024"]
