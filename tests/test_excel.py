"""The one workbook writer (kit.outputs.excel): text that looks like a formula stays text, in every
workbook and CSV the kit writes; and the one style (kit.core.style) owns every colour."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from conftest import REPO

from kit.analysis.measures import Column, Shape
from kit.core import style
from kit.outputs import excel
from kit.outputs.feedback import write_feedback
from kit.outputs.quality_report import quality_report_html
from kit.publish.report import write_report

HOSTILE = [
    '=HYPERLINK("http://example.invalid/x","Click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


def _cells(path: Path):
    book = openpyxl.load_workbook(path)  # formulas as written (not data_only)
    try:
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        yield ws.title, cell
    finally:
        book.close()


def _assert_no_formula(path: Path, expected: list[str]) -> None:
    cells = list(_cells(path))
    assert not [c.coordinate for _, c in cells if c.data_type == "f"], "no cell of the workbook is a formula"
    for text in expected:
        # XML stores a carriage return as a line feed: the cell is still text, as typed otherwise.
        hits = [c for _, c in cells if c.value in (text, text.replace("\r", "\n"))]
        assert hits, f"{text!r} is in the workbook as typed"
        assert all(c.data_type == "s" for c in hits)


def test_write_cell_keeps_formula_like_text_as_text(tmp_path):
    wb = excel.new_workbook()
    ws = wb.active
    for i, text in enumerate([*HOSTILE, "plain", 12, 3.5, None], start=1):
        excel.write_cell(ws, i, 1, text)
    excel.write_cell(ws, 1, 2, "bell\x07 removed")
    path = excel.save(wb, tmp_path / "t.xlsx")
    _assert_no_formula(path, HOSTILE)
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].quotePrefix and not ws["A8"].quotePrefix
    assert ws["A9"].value == 12 and ws["A10"].value == 3.5 and ws["A11"].value is None
    assert ws["B1"].value == "bell removed"


def test_sheet_titles_are_valid():
    assert excel.sheet_title("Rows 1 a/b:c*d?[e]") == "Rows 1 a b c d  e"
    assert len(excel.sheet_title("x" * 40)) == 31
    assert excel.sheet_title("'") == "Sheet"


def test_csv_policy_is_a_leading_apostrophe_on_formula_like_text_only(tmp_path):
    frame = pd.DataFrame(
        {"=name": ["=1+2", "-3", "+1.5", "@x", "plain", "\t=1", None], "n": [1, -2, 3, 4, 5, 6, 7]}
    )
    safe = excel.csv_safe(frame)
    assert list(safe.columns) == ["'=name", "n"]
    assert safe["'=name"].tolist()[:6] == ["'=1+2", "-3", "+1.5", "'@x", "plain", "'\t=1"]
    assert safe["n"].tolist() == frame["n"].tolist()  # numbers are never changed
    path = excel.write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back.iloc[0, 0] == "'=1+2" and back.iloc[1, 0] == "-3"


ROUND_TRIP = [
    *HOSTILE,
    "'=already quoted",
    "''=twice",
    "'plain",
    "'-3",
    "-3",
    "+1.5",
    "plain",
    "",
    "'",
    "=",
    "-",
]


@pytest.mark.parametrize("value", ROUND_TRIP)
def test_restore_undoes_neutralise_exactly(value):
    safe = excel.neutralise(value)
    assert not excel.could_be_formula(safe) or excel._PLAIN_NUMBER.fullmatch(safe)
    assert excel.restore(safe) == value


def test_a_csv_the_kit_wrote_reads_back_exactly_through_restore_frame(tmp_path):
    frame = pd.DataFrame({"=col": ROUND_TRIP, "n": [str(i) for i in range(len(ROUND_TRIP))]})
    path = excel.write_csv(frame, tmp_path / "t.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    assert not any(excel.could_be_formula(v) and not excel._PLAIN_NUMBER.fullmatch(v) for v in raw["'=col"])
    back = excel.restore_frame(raw)
    assert list(back.columns) == ["=col", "n"]
    assert back["=col"].tolist() == ROUND_TRIP and back["n"].tolist() == frame["n"].tolist()


def test_a_saved_workbook_has_fixed_times_and_the_same_bytes_every_time(tmp_path):
    import zipfile

    def make(name: str) -> bytes:
        wb = excel.new_workbook()
        excel.write_rows(wb.active, [["=1+2", 3, "x"]])
        return excel.save(wb, tmp_path / name).read_bytes()

    first = make("a.xlsx")
    wb = excel.new_workbook()
    wb.properties.created = wb.properties.modified = None  # even a workbook stamped otherwise
    assert first == make("b.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert (
        "2000-01-01T00:00:00Z</dcterms:created>" in core and "2000-01-01T00:00:00Z</dcterms:modified>" in core
    )
    again = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert again.active["A1"].value == "=1+2" and again.active["A1"].data_type == "s"
    assert again.active["B1"].value == 3


def _fake_check_result(tmp_path: Path, la: str, value: str):
    """What write_feedback reads from a CheckResult (one file, one finding), without running a check."""
    data = pd.DataFrame({"child_id": ["A1", value], "=header": ["x", "y"]}, index=[2, 3])
    table = SimpleNamespace(
        path=tmp_path / "=file.csv", data=data, header_row=1, headers=["child_id", "=header"]
    )
    findings = pd.DataFrame(
        [
            {
                "la": la,
                "source_file": "=file.csv",
                "source_row": 3,
                "source_column": "A",
                "field": "childId",
                "value": value,
                "rule": "bad_id",
                "severity": "error",
                "message": "=not a message",
            }  # fmt: skip
        ]
    )
    summary = {"standard": "placements", "la": la, "files": [{"file": "=file.csv"}], "rows_in": 2,
               "rows_standard": 2, "rows_blank": 0, "rows_rejected": 0, "errors": 1, "warnings": 0,
               "missing_fields": [], "unmapped_columns": ["=header"]}  # fmt: skip
    return SimpleNamespace(
        summary=lambda: summary,
        standard=SimpleNamespace(title="Placements v1"),
        findings=findings,
        files=[SimpleNamespace(table=table)],
    )


def test_feedback_workbook_writes_an_la_name_and_values_as_text(tmp_path):
    la, value = '=HYPERLINK("http://example.invalid","LA")', "=1+1"
    path = write_feedback(_fake_check_result(tmp_path, la, value), tmp_path / "feedback.xlsx")
    _assert_no_formula(path, [la, value, "=header", "=not a message"])


def _registry_entry(title: str):
    return SimpleNamespace(
        title=title,
        definition="Placements by sector.",
        denominator="All placements.",
        caveat="=caveat",
        shape=Shape((Column("placements"),)),
    )


def test_data_pack_writes_region_la_and_register_values_as_text(tmp_path):
    sector = '=HYPERLINK("x.xlsx","Private")'  # as an Ofsted register might hold it (no web address:
    # the offline report refuses any)
    table = pd.DataFrame({"sector": [sector, "Local authority", "-voluntary"], "placements": [40, 25, 12]})
    registry = {"by_sector": _registry_entry("=Placements by sector")}
    paths = write_report(
        {"by_sector": table},
        {},
        tmp_path,
        title="=Region name",
        suppress_below=5,
        registry=registry,
        la_names={"Z01": "=cmd|' /C calc'!A0", "Z02": "+Borough"},
    )
    _assert_no_formula(
        paths["data_pack"],
        [sector, "-voluntary", "=Region name", "=Placements by sector", "=cmd|' /C calc'!A0"],
    )
    page = Path(paths["report"]).read_text(encoding="utf-8")
    assert "=cmd|&#x27; /C calc&#x27;!A0" in page  # the same name, escaped, in the HTML page
    assert style.CSS in page


def test_quality_report_shares_the_page_skeleton_and_escapes():
    summary = {"la": "<script>x</script>", "rows_in": 3, "rows_standard": 2, "rows_blank": 1,
               "rows_rejected": 0, "errors": 0, "warnings": 0}  # fmt: skip
    result = SimpleNamespace(
        la="Z01",
        summary=lambda: summary,
        standard=SimpleNamespace(title="Placements v1", fields=[SimpleNamespace(name="childId")]),
        data=pd.DataFrame({"childId": ["a", None]}),
        findings=pd.DataFrame(),
        files=[],
    )
    page = quality_report_html([result], "Quality")
    assert style.CSS in page and "<script>" not in page and "&lt;script&gt;" in page
    assert style.outside_references(page) == []
    with pytest.raises(AssertionError, match="offline"):
        style.page("x", '<img src="https://example.invalid/a.png">')


def test_only_the_style_module_defines_colours():
    found = []
    for path in (REPO / "kit").rglob("*.py"):
        if path == REPO / "kit" / "core" / "style.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"#[0-9A-Fa-f]{6}\b", line):
                found.append(f"{path.relative_to(REPO)}:{n}")
    assert found == [], "hex colours outside kit/core/style.py"
    assert style.PALETTE == ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
    assert style.TWO_SERIES == ("#12436D", "#F46A25")
    assert style.SEQUENTIAL == ("#12436D", "#2073BC", "#6BACE6")


def test_both_chart_modules_draw_under_the_one_style():
    import matplotlib

    from kit.forecast import charts as forecast_charts
    from kit.publish import charts as publish_charts

    seen = {}

    @style.styled
    def probe():
        seen["cycle"] = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]

    probe()
    assert tuple(seen["cycle"]) == style.PALETTE
    assert forecast_charts.PALETTE is style.PALETTE and publish_charts.PALETTE is style.PALETTE
    for func in (publish_charts.cost_by_type, forecast_charts.projection_chart):
        assert func.__wrapped__  # wrapped by style.styled
