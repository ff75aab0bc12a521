"""The region's optional capacity files (region.yml ``capacity:``): read, named, refused plainly."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SAMPLE_REGION

from kit.analysis import availability as A
from kit.core.errors import KitError
from kit.region import load_region_config


def _region_with(tmp_path, capacity: str):
    """A one-LA region file in ``tmp_path`` (the sample's files, by absolute path) plus ``capacity``."""
    base = SAMPLE_REGION.parent
    placements = sorted((base / "placements" / "Z04").glob("*.csv"))[0]
    text = (
        "region: Test\ncode: ZR1\nperiod: {start: 2025-04-01, end: 2026-09-30}\n"
        f"las:\n- code: Z04\n  placements: [{placements.as_posix()}]\n"
        f"reference:\n  ofsted_register: {(base / 'reference' / 'ofsted_providers.csv').as_posix()}\n"
        f"  postcode_districts: {(base / 'reference' / 'postcode_districts.csv').as_posix()}\n"
    )
    path = tmp_path / "region.yml"
    path.write_text(text + capacity, encoding="utf-8")
    return path


def test_capacity_files_are_read_and_tabulated(tmp_path):
    (tmp_path / "fostering.csv").write_text(
        "LA,Households,Places,Vacancies\nZ01,120,160,9\nZ02,80,95,\n", encoding="utf-8"
    )
    (tmp_path / "blocks.csv").write_text(
        "la,Placement Type,beds,vacancies\nZ01,Residential,6,1\nZ01,supported accommodation,10,0\n",
        encoding="utf-8",
    )
    cfg = load_region_config(
        _region_with(
            tmp_path,
            "capacity:\n  date: 2026-06-30\n  in_house_fostering: fostering.csv\n  block_contracts: blocks.csv\n",
        )
    )
    assert str(cfg.capacity_on) == "2026-06-30"
    table = A.capacity_supplied(A.read_capacity(cfg.capacity_files))
    assert (table["status"] == "supplied").all()
    fost = table[table["source"] == "In-house fostering households"].set_index("la")
    assert fost.loc["Z01", "capacity"] == 120 and fost.loc["Z01", "vacancies"] == 9
    assert pd.isna(fost.loc["Z02", "vacancies"])
    beds = table[table["source"] == "Block-contract beds"].set_index("placement_type")
    assert beds.loc["Supported Accommodation", "capacity"] == 10
    assert beds.loc["Residential", "vacancies"] == 1


def test_a_capacity_file_with_a_missing_column_or_a_bad_number_is_one_sentence(tmp_path):
    bad = tmp_path / "blocks.csv"
    bad.write_text("la,beds\nZ01,6\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"blocks\.csv.*no column 'placement_type'"):
        A.read_capacity_file(bad, "block_contracts")
    bad.write_text("la,placement_type,beds\nZ01,Residential,six\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"row 2: beds 'six' is not a whole number"):
        A.read_capacity_file(bad, "block_contracts")
    bad.write_text("la,placement_type,beds\nZ01,Hostel,6\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"placement type 'Hostel' is not one of"):
        A.read_capacity_file(bad, "block_contracts")


def test_a_capacity_file_that_does_not_exist_names_the_key(tmp_path):
    with pytest.raises(KitError, match=r"capacity\.block_contracts names 'nowhere\.csv'"):
        load_region_config(_region_with(tmp_path, "capacity:\n  block_contracts: nowhere.csv\n"))


def test_without_capacity_files_each_is_named_as_not_supplied():
    table = A.capacity_supplied(A.read_capacity({}))
    assert table["status"].str.contains("not supplied").all()
    assert len(table) == len(A.CAPACITY_FILES)
