"""The mapping editor, exercised through its widgets (``.value``, ``.click()``) as a user would."""

from __future__ import annotations

import sys

import pytest
from conftest import REPO

from kit import standards
from kit.check import check_files
from kit.mapping.editor import KEEP, LEAVE, mapping_editor
from kit.mapping.mapping_file import load_mapping
from kit.read.files import read_file

sys.path.insert(0, str(REPO / "tests" / "data" / "malformed"))
from make_corpus import COLUMNS, csv_text, placement  # noqa: E402

V1 = standards.load("placements", "1")
RENAMES = {"placement_type": "Placement Kind", "can_child_live_with_pets": "Animals OK?"}


@pytest.fixture
def la_file(tmp_path):
    header = [RENAMES.get(c, c) for c in COLUMNS] + ["LA notes"]
    rows = [
        placement(1, placement_type="Kinship foster") + ["panel"],
        placement(2, placement_type="Kinship foster", can_child_live_with_pets="Maybe") + [""],
        placement(3, placement_type="Secure unit") + [""],
    ]
    path = tmp_path / "LA07_2026Q1.csv"
    path.write_text(csv_text(rows, header), encoding="utf-8")
    return path


@pytest.fixture
def editor(la_file, tmp_path):
    return mapping_editor(read_file(la_file), V1, path=tmp_path / "maps" / "LA07.yml", la="LA07")


def test_one_dropdown_per_column_with_the_suggestion_preselected(editor):
    assert list(editor.column_dropdowns) == [RENAMES.get(c, c) for c in COLUMNS] + ["LA notes"]
    kind = editor.column_dropdowns["Placement Kind"]
    assert kind.value == "placementType"
    assert editor.column_labels["Placement Kind"].value.startswith("suggested (")
    assert editor.column_dropdowns["child_ID"].value == "childId"
    assert editor.column_labels["child_ID"].value == "exact name"
    # no field fits: kept as the LA's own column, which is always the first option
    assert editor.column_dropdowns["LA notes"].value == KEEP
    assert editor.column_dropdowns["Animals OK?"].value == KEEP
    assert editor.column_labels["LA notes"].value == "no match"
    values = [v for _, v in kind.options]
    assert values[0] == KEEP and values[1:] == V1.field_names
    assert editor.mapping.columns["Placement Kind"] == "placementType" and editor.mapping.la == "LA07"


def test_unknown_values_get_a_dropdown_of_codes_and_a_count(editor):
    assert list(editor.value_dropdowns) == [
        ("placementType", "Kinship foster"),
        ("placementType", "Secure unit"),
    ]
    kinship = editor.value_dropdowns[("placementType", "Kinship foster")]
    assert kinship.value == LEAVE
    assert list(kinship.options) == [LEAVE, "Foster", "Residential", "Supported Accommodation"]
    assert editor.value_labels[("placementType", "Kinship foster")].value == "2 rows"
    assert editor.value_labels[("placementType", "Secure unit")].value == "1 row"


def test_choosing_a_field_for_a_column_maps_it_and_shows_its_unknown_values(editor):
    editor.column_dropdowns["Animals OK?"].value = "pets"
    assert editor.mapping.columns["Animals OK?"] == "pets"
    assert editor.column_labels["Animals OK?"].value == "chosen by you"
    assert ("pets", "Maybe") in editor.value_dropdowns  # "Maybe" is not a pets code
    assert editor.value_labels[("pets", "Maybe")].value == "1 row"
    editor.column_dropdowns["Animals OK?"].value = KEEP
    assert editor.mapping.columns["Animals OK?"] is None
    shown = [row.children[0].value for row in editor.values_box.children]
    assert shown == ["placementType: 'Kinship foster'", "placementType: 'Secure unit'"]


def test_mapping_a_value_and_leaving_it_as_an_error(editor):
    kinship = editor.value_dropdowns[("placementType", "Kinship foster")]
    kinship.value = "Foster"
    assert editor.mapping.values == {"placementType": {"Kinship foster": "Foster"}}
    assert editor.status.value == "'Kinship foster' in placementType will become 'Foster'."
    kinship.value = LEAVE
    assert editor.mapping.values == {}
    assert "stay an error" in editor.status.value


def test_two_columns_for_one_field_are_refused(editor, tmp_path):
    editor.column_dropdowns["LA notes"].value = "childId"
    assert "all map to childId" in editor.status.value
    editor.save_button.click()
    assert editor.status.value.startswith("Not saved")
    assert not (tmp_path / "maps" / "LA07.yml").exists()


def test_save_writes_the_mapping_file_and_says_so(editor, tmp_path):
    editor.column_dropdowns["Animals OK?"].value = "pets"
    editor.value_dropdowns[("placementType", "Kinship foster")].value = "Foster"
    editor.value_dropdowns[("pets", "Maybe")].value = "Not known"
    editor.save_button.click()
    path = tmp_path / "maps" / "LA07.yml"
    assert editor.status.value == (
        "Saved LA07.yml: 45 columns mapped, 1 kept as the LA's own, 2 values mapped."
    )
    saved = load_mapping(path)
    assert saved.columns["Animals OK?"] == "pets" and saved.columns["LA notes"] is None
    assert saved.values == {"placementType": {"Kinship foster": "Foster"}, "pets": {"Maybe": "Not known"}}
    assert (saved.la, saved.version) == ("LA07", "1")


def test_save_without_a_path_asks_for_one(editor):
    editor.path.value = "  "
    editor.save_button.click()
    assert editor.status.value.startswith("Type where to save the mapping")


def test_reopening_with_the_saved_mapping_shows_the_choices(editor, la_file, tmp_path):
    editor.value_dropdowns[("placementType", "Kinship foster")].value = "Foster"
    editor.column_dropdowns["Animals OK?"].value = "pets"
    editor.save_button.click()
    saved = load_mapping(tmp_path / "maps" / "LA07.yml")
    again = mapping_editor(read_file(la_file), V1, saved, path=saved.path)
    assert again.column_dropdowns["Animals OK?"].value == "pets"
    assert again.column_labels["Animals OK?"].value == "from the mapping file"
    assert again.value_dropdowns[("placementType", "Kinship foster")].value == "Foster"
    assert again.value_dropdowns[("placementType", "Secure unit")].value == LEAVE


def test_the_saved_mapping_applies_next_quarter(editor, la_file, tmp_path):
    editor.value_dropdowns[("placementType", "Kinship foster")].value = "Foster"
    editor.save_button.click()
    result = check_files([la_file], mapping=tmp_path / "maps" / "LA07.yml", run_checks=False)
    assert result.data["placementType"].tolist() == ["Foster", "Foster", None]
    unknown = result.findings[result.findings["rule"] == "unknown_code"]
    assert unknown[["source_row", "value"]].values.tolist() == [[4, "Secure unit"]]


def test_a_second_column_with_the_same_name_gets_no_dropdown(tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text(csv_text([placement(1) + ["LA-7"]], COLUMNS + ["child_ID"]), encoding="utf-8")
    editor = mapping_editor(read_file(path), V1)
    assert editor.column_dropdowns["child_ID"].value == "childId"
    assert len(editor.column_dropdowns) == len(COLUMNS)
    rows = editor.widget.children[1].children
    assert "a second column with this name" in rows[-1].children[1].value
    assert editor.clashes() == {}
    assert editor.mapping.columns["child_ID"] == "childId"  # the second column does not undo the first


def test_the_editor_displays_as_one_widget(editor):
    bundle = editor._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
