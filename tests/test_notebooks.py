"""What each notebook relies on, checked on the sample region through the calls the notebook makes.

The notebooks are written for regional leads: they show results and assert nothing. nbval runs
every one top to bottom in ``make test``, which proves they run (committed without outputs, they
have nothing to compare). What their cells used to assert lives here instead, one section per
notebook, calling the same ``kit.api`` functions with the same arguments. No notebook is executed
again here.

The sample region's true cost effects (``kit.synth.parameters.COST_LOG_EFFECTS``), which notebook 05
once compared with the regression, are checked with the generator's other promises in
``tests/test_costs.py`` (``test_regression_recovers_the_generator_cost_effects``) and
``tests/test_synth.py`` (``test_cost_effects_are_recoverable_by_regression``).
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from test_measures import sample_dataset, sample_placements, sample_tables
from test_report import published

from kit import api

# ---------------------------------------------------------------------------------------------
# 00 · Start here


def test_00_the_machine_is_ready():
    checks = api.check_environment()
    assert checks["ok"].all(), "not ready:\n" + checks[~checks["ok"]].to_string()


def test_00_the_kit_knows_both_standards():
    assert set(api.standards_summary()["standard"]) == {"placements", "person"}
    assert len(api.load_standard("placements", "1").fields) > 8


# ---------------------------------------------------------------------------------------------
# 01 · Load and map: Oxwold (Z05), the LA whose headers are its regional pipeline's own

OXWOLD_OWN_COLUMNS = [
    "autistic_spectrum_condition",
    "learning_disability",
    "section_117",
    "therapeutic_placement",
]


@pytest.fixture(scope="module")
def oxwold():
    files = api.sample_placements_files()["Z05"]
    table = api.read_file(files[0])
    std = api.detect(table).standard
    return files, table, std, api.suggest_mapping(table, std)


def test_01_oxwold_keeps_its_four_own_columns_and_misses_no_required_field(oxwold):
    _, _, std, matches = oxwold
    assert [m.header for m in matches if not m.applied] == OXWOLD_OWN_COLUMNS
    assert api.missing_fields(matches, std) == []


def test_01_the_one_unknown_value_is_listed_with_its_row_count(oxwold):
    _, table, std, matches = oxwold
    assert api.unknown_values(table, matches, std) == {"riskMissing": {"Medium risk": 1}}


def test_01_the_mapping_made_in_the_editor_is_saved_and_reapplied(oxwold, tmp_path):
    files, table, std, _ = oxwold
    path = tmp_path / "Z05_mapping.yml"
    editor = api.mapping_editor(table, std, path=path, la="Z05")
    editor.value_dropdowns[("riskMissing", "Medium risk")].value = "Risk present"
    assert editor.mapping.values == {"riskMissing": {"Medium risk": "Risk present"}}
    editor.save_button.click()
    assert path.exists(), editor.status.value

    result = api.check_files(files, mapping=path, run_checks=False)
    s = result.summary()
    assert s["rows_in"] == s["rows_standard"] + s["rows_blank"] + s["rows_rejected"]
    assert s["la"] == "Z05" and s["rows_in"] > len(table.data)
    findings = result.findings
    assert "Medium risk" not in set(findings.loc[findings["rule"] == "unknown_code", "value"])
    assert findings[findings["rule"] == "new_column"].empty


# ---------------------------------------------------------------------------------------------
# 02 · Check quality: the LA on the April 2026 national spreadsheet


@pytest.fixture(scope="module")
def quillby():
    la, paths = api.sample_files_on_layout("xlsx-2026-04")
    return la, paths, api.check_files(paths, la=la)


def test_02_every_row_is_accounted_for_and_the_planted_errors_are_found(quillby):
    _, _, result = quillby
    s = result.summary()
    assert s["rows_in"] == s["rows_standard"] + s["rows_blank"] + s["rows_rejected"]
    assert s["errors"] > 0, "the sample files carry planted errors to practise on"
    assert not api.findings_by_rule([result]).empty


def test_02_the_feedback_workbook_has_a_summary_findings_and_the_las_rows(quillby, tmp_path):
    _, paths, result = quillby
    written = api.write_outputs(result, tmp_path)
    sheets = openpyxl.load_workbook(written["feedback"], read_only=True).sheetnames
    assert sheets[:2] == ["Summary", "Findings"] and len(sheets) > 2


def test_02_fixing_the_first_error_removes_it(quillby, tmp_path):
    la, paths, result = quillby
    before = result.summary()["errors"]
    errors = result.findings[
        (result.findings["severity"] == "error") & (result.findings["source_column"] != "")
    ]
    first = errors.iloc[0]
    original = next(p for p in paths if p.name == first.source_file)
    cell = f"{first.source_column}{first.source_row}"
    fixed = api.copy_with_fixes(
        original, {cell: api.suggested_fix(result.standard, first.field)}, tmp_path / f"fixed {original.name}"
    )
    rechecked = api.check_files([fixed if p == original else p for p in paths], la=la)
    still = rechecked.findings
    same_cell = (
        (still["source_file"] == fixed.name)
        & (still["source_row"] == first.source_row)
        & (still["source_column"] == first.source_column)
        & (still["severity"] == "error")
    )
    assert not same_cell.any()
    assert rechecked.summary()["errors"] < before


# ---------------------------------------------------------------------------------------------
# 03 · The Person Standard

PROFILE = "subject_of_care"


@pytest.fixture(scope="module")
def region():
    return api.load_region_config(api.SAMPLE_DATA / "region.yml")


@pytest.fixture(scope="module")
def person_check(region):
    la = next(la for la in region.las if la.persons and la.person_mapping)
    return api.check_files(
        [la.persons], standard="person", profile=PROFILE, mapping=la.person_mapping, la=la.code
    )


def test_03_the_person_extract_is_accounted_for_and_its_bad_identifiers_are_errors(person_check):
    s = person_check.summary()
    assert s["rows_in"] == s["rows_standard"] + s["rows_blank"] + s["rows_rejected"]
    problems = api.identifier_problems(person_check)
    assert len(problems) > 0 and (problems["severity"] == "error").all()
    assert len(api.person_findings_by_rule(person_check))


def test_03_likely_duplicates_are_across_las_and_above_the_threshold(region):
    first_three = [la.code for la in region.las if la.persons][:3]
    results = api.check_region_persons(
        api.SAMPLE_DATA / "region.yml", profile=PROFILE, las=first_three, run_checks=False
    )
    assert sorted(results) == sorted(first_three)
    pairs = api.find_duplicates(list(results.values()), scope="across")
    assert len(pairs) > 0
    assert (pairs["la_1"] != pairs["la_2"]).all() and pairs["score"].between(0.7, 1).all()


def test_03_every_checked_person_becomes_a_json_ld_record(person_check, tmp_path):
    paths = api.write_outputs(person_check, tmp_path)
    report = api.export_jsonld(paths["standard"], "person", tmp_path / "persons.jsonld")
    assert report.records == person_check.summary()["rows_standard"]


@pytest.fixture(scope="module")
def links_check(region):
    la = next(la for la in region.las if la.relationships)
    return api.check_files(
        [la.persons, *la.relationships],
        standard="person",
        profile="relationships",
        mapping=la.relationship_mapping,
        la=la.code,
    )


def test_03_only_the_links_file_is_judged_and_its_findings_are_the_planted_kinds(links_check, region):
    la = next(la for la in region.las if la.relationships)
    findings = links_check.findings
    assert set(findings["source_file"].dropna()) <= {la.relationships[-1].name}
    assert "missing_column" not in set(findings["rule"]) and links_check.summary()["missing_fields"] == []
    key = pd.read_csv(api.SAMPLE_DATA / "answer_key.csv", dtype=str, keep_default_na=False)
    planted = set(key.loc[key["file"].str.endswith(la.relationships[-1].name), "kind"])
    shown = set(api.person_findings_by_rule(links_check)["rule"])
    assert len(planted) == 8 and planted - {"relationship_unknown_code"} <= shown


def test_03_sibling_groups_and_related_person_records(links_check, tmp_path):
    links = api.relationship_links(links_check.data, links_check.standard)
    groups = api.sibling_groups(links)
    assert len(links) and groups["group"].nunique() > 0 and (groups["size"] >= 2).all()
    paths = api.write_outputs(links_check, tmp_path)
    report = api.export_jsonld(paths["standard"], "person", tmp_path / "related.jsonld")
    assert report.links > len(groups) and "relatedPerson" in report.describe()


# ---------------------------------------------------------------------------------------------
# 04 · The regional dataset (built once per test run, shared with the sufficiency tests)


@pytest.fixture(scope="module")
def ds():
    return sample_dataset()


def test_04_the_sample_region_has_six_las(ds):
    assert len(ds.config.las) == 6


def test_04_the_pool_holds_every_las_usable_rows(ds):
    assert len(ds.placements) == sum(len(result.data) for result in ds.check_results.values())


def test_04_children_are_pseudonyms_and_officer_names_are_gone(ds):
    assert ds.placements["child"].str.fullmatch(r"[0-9a-f]{16}").all()
    assert not [c for c in ds.placements.columns if c.endswith("OfficerName")]


def test_04_almost_every_placement_matches_a_903_episode(ds):
    rates = ds.match_rates
    assert (rates["rate"] > 0.95).all(), rates.to_string()


# ---------------------------------------------------------------------------------------------
# 05 · Sufficiency


def test_05_every_placement_is_covered_or_counted_as_left_out(ds):
    placements, left_out = api.analysis_scope(ds.placements, ds.config.period_start, ds.config.period_end)
    assert len(placements) + sum(left_out.values()) == len(ds.placements)


def test_05_every_registered_table_is_computed():
    tables = sample_tables()
    assert list(tables) == list(api.MEASURE_REGISTRY) and all(len(t) for t in tables.values())


@pytest.fixture(scope="module")
def published_tables(ds):
    return api.suppress_tables(sample_tables(), ds.config.suppress_below)


def test_05_displacement_rises_with_the_number_of_risks(published_tables):
    bands = published_tables["displacement"].query("breakdown == 'Needs band'").set_index("group")["percent"]
    assert bands["0 risks"] < bands["3+ risks"]


@pytest.mark.parametrize(
    "name",
    [
        "placements_by_quarter",
        "displacement_by_needs",
        "far_from_home",
        "cost_by_type",
        "like_for_like_la",
        "like_for_like_route",
        "cost_drivers",
        "demand_against_places",
    ],
)
def test_05_each_chart_the_notebook_draws(published_tables, name):
    source = api.chart_source_line(6, ["2025Q1"], synthetic=True)
    figure = api.draw_chart(name, published_tables, source)
    assert len(figure.kit_title) > 10, "a chart's title states its finding"
    assert any(text.get_text() == source for text in figure.texts), "a chart names its source"


def test_05_an_unknown_chart_name_is_explained(published_tables):
    from kit.core.errors import KitError

    with pytest.raises(KitError, match="Choose one of"):
        api.draw_chart("pie", published_tables, "")


def test_05_the_dashboard_filters_count_what_they_say(ds):
    placements = sample_placements()
    dash = api.sufficiency_dashboard(placements, suppress_below=ds.config.suppress_below, synthetic=True)
    dash.la.value = ("Z03",)
    dash.placement_type.value = ("Residential",)
    expected = ((placements["la"] == "Z03") & (placements["placementType"] == "Residential")).sum()
    assert dash.numbers["placements"] == expected
    dash.reset.click()
    assert dash.numbers["placements"] == len(placements)


# ---------------------------------------------------------------------------------------------
# 06 · Forecast and scenarios (the notebook's arguments, with fewer simulations)


@pytest.fixture(scope="module")
def forecast(ds):
    return api.forecast_region(
        ds,
        reference_start="2024-04-01",
        reference_end="2026-09-30",
        horizon_quarters=12,
        scenarios=api.default_scenarios_folder(),
        n_sims=100,
        backtest_sims=100,
        seed=2026,
        inflation=0.03,
    )


def test_06_the_history_is_long_enough_and_mostly_foster_care(ds):
    counts = api.quarterly_counts(api.prepare_episodes(ds.episodes, data_end=ds.config.period_end))
    assert len(counts) >= 8 and counts["total"].min() > 3000
    latest = counts.iloc[-1]
    assert latest[["kinship", "inhouse_foster", "ifa"]].sum() / latest["total"] > 0.5


def test_06_the_projection_is_ordered_and_close_to_today(forecast):
    total = forecast.intervals[forecast.intervals["type"] == "total"]
    assert total["quarter"].nunique() == 12
    assert (total["lower_95"] <= total["median"]).all() and (total["median"] <= total["upper_95"]).all()
    now = forecast.history["total"].iloc[-1]
    assert ((total["median"] / now - 1).abs() < 0.15).all()


def test_06_the_backtest_scores_every_method(forecast):
    overall = forecast.backtest_result.overall().set_index("method")
    assert set(overall.index) == {"stock_flow", "naive", "seasonal_naive", "exponential_smoothing"}
    assert overall["coverage_95"].between(0, 100).all()
    assert overall.loc["stock_flow", "wape"] < 5
    # section 5 shows the total's error by horizon and the method chosen per type and horizon
    total = forecast.backtest_result.by_horizon("total")
    assert list(total.index) == list(range(1, forecast.backtest_result.max_horizon + 1))
    assert (total["stock_flow"] <= total.drop(columns="stock_flow").min(axis=1)).all()
    methods = forecast.tables()["forecast_methods"]
    shown = methods[(methods["level"] != "la") & (methods["horizon"] != "all")]
    assert set(shown["series"]) == {*forecast.history.columns}


def test_06_needs_shares_add_up_and_childrens_homes_cost_most(forecast):
    assert (forecast.needs_mix.groupby("type")["share"].sum().round(6) == 1).all()
    spend = forecast.spend.set_index(["year", "type"])["mean"]
    first_year = forecast.spend["year"].unique()[0]
    assert spend[first_year].drop("total").idxmax() == "private_home"


def test_06_each_scenario_moves_the_forecast_the_way_it_says(forecast):
    comparison = forecast.scenario_comparison
    last = comparison.loc[comparison["measure"] == "children", "period"].iloc[-1]

    def diff(name, type_):
        rows = comparison[
            (comparison["scenario"] == name) & (comparison["period"] == last) & (comparison["type"] == type_)
        ]
        return rows["difference"].iloc[0]

    assert diff("Five per cent fewer children coming into care", "total") < 0
    displaced = "Fewer children displaced into residential care"
    assert diff(displaced, "la_home") + diff(displaced, "private_home") < 0
    more = "More in-house foster places"
    assert diff(more, "inhouse_foster") > 0 > diff(more, "ifa")
    assert diff("New regional children's home (6 places)", "la_home") > 0
    # the home fills only its usable places (6 at 80% occupancy: 5); spend is net of running costs
    assert diff("New regional children's home (6 places)", "la_home") <= 5.0 + 1e-9
    spend = comparison[(comparison["measure"] == "spend") & (comparison["type"] == "total")]
    year = spend.groupby("scenario")["difference"]
    assert year.last()[more] < 0 < year.first()[more]  # recruitment first costs, then saves
    assert year.last()["Five per cent fewer children coming into care"] < 0


# ---------------------------------------------------------------------------------------------
# 07 · Publish (the sample region published once per test run, shared with tests/test_report.py)


def test_07_the_report_and_data_pack_are_written_and_pass_the_check_before_sending(ds):
    paths = published()
    assert paths["report"].exists() and paths["data_pack"].exists()
    assert api.check_published(paths, ds.config.suppress_below) == []


def test_07_the_charts_the_notebook_shows_are_written():
    paths = published()
    for name in ("chart_cost_by_type", "chart_like_for_like_la"):
        assert paths[name].read_bytes()[:4] == b"\x89PNG"
