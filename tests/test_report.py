"""Publishing: the offline HTML report, the Excel data pack and the PNG charts, all suppressed."""

from __future__ import annotations

import base64
import functools
import re
import shutil
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest
from conftest import REPO
from test_measures import sample_dataset, sample_tables

from kit.analysis import REGISTRY
from kit.analysis.measures import Column, Grid, Rate, Shape
from kit.core.errors import KitError
from kit.publish import publish_region
from kit.publish.report import column_label, write_report
from kit.publish.suppression import HIDDEN, small_counts_shown, suppress_table, suppress_tables

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / ".state" / "artifacts"
THRESHOLD = 5


@functools.cache
def published() -> dict:
    """The sample region published once per test run, into .state/artifacts (synthetic data only)."""
    dataset = sample_dataset()
    out = ARTIFACTS / "sufficiency-report"
    shutil.rmtree(out, ignore_errors=True)
    return publish_region(dataset, out, synthetic=True)


class _Page(HTMLParser):
    """The report's images, tables (header + cell text) and every address (src, href...)."""

    def __init__(self):
        super().__init__()
        self.images, self.tables, self.attrs, self.tags = [], [], [], []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        self.attrs += [a[k] or "" for k in ("src", "href", "action", "data", "poster") if k in a]
        if tag == "img":
            self.images.append(a)
        elif tag == "table":
            self.tables.append({"head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables:
            text = "".join(self._cell).strip()
            rows = self.tables[-1]["rows"]
            if tag == "th" and len(rows) == 1:
                self.tables[-1]["head"].append(text)
            else:
                rows[-1].append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def paths():
    return published()


@pytest.fixture(scope="module")
def page(paths):
    parser = _Page()
    parser.feed(paths["report"].read_text(encoding="utf-8"))
    return parser


def test_publish_writes_report_data_pack_and_charts(paths):
    assert paths["report"].name == "report.html" and paths["report"].stat().st_size > 50_000
    assert paths["data_pack"].name == "data_pack.xlsx"
    pngs = sorted(paths["charts"].glob("*.png"))
    assert len(pngs) >= 8
    for png in pngs:
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 5_000


def test_report_is_self_contained(paths, page):
    text = paths["report"].read_text(encoding="utf-8")
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|www\.", text, flags=re.IGNORECASE), (
        "no web addresses"
    )
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert not re.search(r"url\(|@import", text), "no external CSS"
    for value in page.attrs:  # every src/href is inside the file: a data: image or a #fragment
        assert value.startswith(("data:image/png;base64,", "#")) or ":" not in value, value
    assert len(page.images) == len(list(paths["charts"].glob("*.png")))
    for img in page.images:
        data = base64.b64decode(img["src"].split(",", 1)[1])
        assert data.startswith(b"\x89PNG") and b"matplotlib.org" not in data
        assert len(img["alt"]) > 20, "every chart has its finding as alt text"
    assert "Synthetic sample region" in text


def test_report_tables_show_no_small_counts(page):
    """Every count column of every HTML table: no value from 1 to 4 is visible."""
    assert len(page.tables) == len(REGISTRY)
    for table, (name, m) in zip(page.tables, REGISTRY.items(), strict=True):
        counts = [column_label(c) for c in m.shape.count_columns()]
        head = table["head"]
        for label in counts:
            k = head.index(label)
            for row in table["rows"][1:]:
                cell = row[k].replace(",", "")
                if cell in (HIDDEN, ""):
                    continue
                assert not (1 <= int(cell) < THRESHOLD), f"{name}.{label} shows {cell}"
    hidden = sum(row.count(HIDDEN) for t in page.tables for row in t["rows"])
    print(f"\nHidden cells in the report's tables: {hidden}")
    assert hidden > 0, "the sample region has small numbers to hide"


def test_data_pack_sheets_definitions_and_suppression(paths):
    wb = openpyxl.load_workbook(paths["data_pack"], read_only=True)
    names = wb.sheetnames
    assert names[:2] == ["Cover", "Definitions and caveats"]
    assert names[2:] == [n[:31] for n in REGISTRY]
    cover = " ".join(str(c) for row in wb["Cover"].iter_rows(values_only=True) for c in row if c)
    assert "Small numbers" in cover and "1 to 4" in cover and HIDDEN in cover
    defs = pd.DataFrame(list(wb["Definitions and caveats"].iter_rows(values_only=True))[1:])
    assert len(defs) == len(REGISTRY) and defs.notna().all().all()
    for name, m in REGISTRY.items():
        rows = list(wb[name[:31]].iter_rows(values_only=True))
        assert rows[0][0] == m.title
        header = list(rows[3])
        for col in m.shape.count_columns():
            k = header.index(column_label(col))
            for row in rows[4:]:
                v = row[k]
                if v in (HIDDEN, None):
                    continue
                assert isinstance(v, (int, float)) and not (1 <= v < THRESHOLD), f"{name}.{col} shows {v}"


def test_every_whole_number_column_of_every_published_table_is_suppressed():
    """Not only the declared counts: every integer column (e.g. unmet = two counts added) is checked,
    and every declared count is published as a whole number (so that check sees it)."""
    published = suppress_tables(sample_tables(), THRESHOLD)
    for name, table in published.items():
        shape = REGISTRY[name].shape
        assert small_counts_shown(table, THRESHOLD, shape.public) == [], name
        for col in shape.count_columns():
            assert str(table[col].dtype) == "Int64", f"{name}.{col}: counts are published as whole numbers"


def test_suppression_hides_small_counts_and_their_partners():
    t = pd.DataFrame(
        {
            "breakdown": ["LA"] * 3,
            "group": ["A", "B", "C"],
            "numerator": [3, 40, 20],
            "denominator": [30, 90, 60],
            "percent": [10.0, 44.4, 33.3],
        }
    )
    out = suppress_table(t, Shape((Rate("numerator", "denominator"),)), THRESHOLD)
    assert pd.isna(out.loc[0, "numerator"]) and pd.isna(out.loc[0, "percent"])
    assert out["numerator"].isna().sum() >= 2, "one hidden cell alone could be worked out from the total"
    assert small_counts_shown(out, THRESHOLD) == []
    grid = pd.DataFrame({"r": ["x", "x", "y", "y"], "c": ["p", "q", "p", "q"], "n": [2, 10, 12, 9]})
    g = suppress_table(grid, Shape((Grid("r", "c", "n"),)), THRESHOLD)
    assert g["n"].isna().sum() >= 4, "a 2x2 table with one small cell loses all four body cells"
    col = suppress_table(
        pd.DataFrame({"k": ["a", "b", "c"], "n": [7, 1, 8]}), Shape((Column("n"),)), THRESHOLD
    )
    assert col["n"].isna().sum() == 2


def test_a_table_without_a_suppression_rule_is_refused(tmp_path):
    with pytest.raises(KitError, match="no suppression rule"):
        write_report({"my_table": pd.DataFrame({"n": [1]})}, {}, tmp_path, "t", THRESHOLD)
    assert not (tmp_path / "report.html").exists()
