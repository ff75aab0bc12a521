"""The kit's public surface: every name the notebooks and the command line use.

    from kit.api import check_files, write_outputs
    result = check_files(["data/Z05/Q1.csv"], la="Z05")     # read, map and check one LA's files
    paths = write_outputs(result, "outputs/Z05")            # standard.csv, findings.csv, feedback.xlsx

Anything not listed here is the kit's inside and may change between versions. The names, by step
of the journey (the notebook that uses them in brackets):

Getting ready (00_start_here)
    check_environment      is this machine ready? one row per check, column ``ok``
    standards_summary      the standards and versions the kit knows, one row each
    load_standard          one version of one standard: its fields, codes and rules
    available_standards, standard_versions   (standard, version) pairs; one standard's versions
    KitError               the error every kit function raises for a problem a user can fix
    SAMPLE_DATA, OUTPUTS   the sample region's folder; the folder git ignores, for your outputs

The sample region (every notebook)
    sample_placements_files, sample_la_names, sample_files_on_layout

Loading and mapping one LA's file (01_load_and_map)
    read_file, detect, suggest_mapping, describe_matches, missing_fields, unknown_values,
    mapping_editor, check_files

Checking quality and giving feedback (02_check_quality)
    check_files, findings_by_rule, write_outputs, write_feedback, copy_with_fixes, suggested_fix

The Person Standard (03_person_standard)
    profile_required, person_findings_by_rule, identifier_problems, crosswalk_table,
    check_region_persons, scoring_table, find_duplicates, export_jsonld, national_verdict,
    relationship_links (the links of a checked person table), sibling_groups (the groups they make)

The regional dataset (04_build_regional_dataset)
    load_region_config, load_key, build_regional_dataset, suppress, write_region_outputs,
    write_key_file, key_fingerprint

Sufficiency (05_sufficiency_dashboard)
    analysis_scope, sufficiency_tables, regional_tables, MEASURE_REGISTRY, suppress_tables, chart_source_line,
    draw_chart, sufficiency_dashboard

Forecast and scenarios (06_forecast_and_scenarios)
    prepare_episodes, quarterly_counts, estimate_rates, forecast_region,
    default_scenarios_folder, load_scenarios, FORECAST_TYPE_LABELS (the seven types' names)

Publishing (07_publish)
    publish_region, check_published

The whole quarterly run and the sample (``python -m kit run``, ``synth``, ``demo``, ``guides``)
    run_region, write_sample_region, run_demo, write_reference_guides, run_lab

Writing files safe to open (every command that writes a table)
    write_csv              a table as CSV with text that could run as a formula neutralised
    check_output_folder    an output folder made and checked writable before the long work

Importing this module is cheap: each name is imported from its module the first time it is
used (module-level ``__getattr__``), so Great Expectations loads only when something is checked
and matplotlib only when something is drawn or published.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> (module, name in that module); one line per name, grouped as in the docstring
_NAMES: dict[str, tuple[str, str]] = {
    # getting ready
    "check_environment": ("kit.app.environment", "check_environment"),
    "standards_summary": ("kit.standards", "summary_table"),
    "load_standard": ("kit.standards", "load"),
    "available_standards": ("kit.standards", "available"),
    "standard_versions": ("kit.standards", "versions"),
    "KitError": ("kit.core.errors", "KitError"),
    "SAMPLE_DATA": ("kit.core.paths", "SAMPLE_DATA"),
    "OUTPUTS": ("kit.core.paths", "OUTPUTS"),
    # the sample region
    "sample_placements_files": ("kit.app.samples", "sample_placements_files"),
    "sample_la_names": ("kit.app.samples", "sample_la_names"),
    "sample_files_on_layout": ("kit.app.samples", "sample_files_on_layout"),
    # loading and mapping one LA's file
    "read_file": ("kit.read.files", "read_file"),
    "detect": ("kit.detect", "detect"),
    "suggest_mapping": ("kit.mapping.suggest", "suggest_mapping"),
    "describe_matches": ("kit.mapping.suggest", "describe_matches"),
    "missing_fields": ("kit.mapping.suggest", "missing_fields"),
    "unknown_values": ("kit.mapping.suggest", "unknown_values"),
    "mapping_editor": ("kit.mapping.editor", "mapping_editor"),
    # checking quality and giving feedback
    "check_files": ("kit.check", "check_files"),
    "findings_by_rule": ("kit.outputs.quality_report", "findings_by_rule"),
    "write_outputs": ("kit.outputs", "write_outputs"),
    "write_feedback": ("kit.outputs.feedback", "write_feedback"),
    "copy_with_fixes": ("kit.outputs.feedback", "copy_with_fixes"),
    "suggested_fix": ("kit.checks.fixes", "suggested_fix"),
    # the Person Standard
    "profile_required": ("kit.person.suite", "profile_required"),
    "person_findings_by_rule": ("kit.region.persons", "findings_by_rule"),
    "identifier_problems": ("kit.region.persons", "identifier_problems"),
    "crosswalk_table": ("kit.person", "crosswalk_table"),
    "check_region_persons": ("kit.region.persons", "check_region_persons"),
    "scoring_table": ("kit.person", "scoring_table"),
    "find_duplicates": ("kit.person", "find_duplicates"),
    "export_jsonld": ("kit.outputs.jsonld", "export_jsonld"),
    "national_verdict": ("kit.outputs.national_check", "national_verdict"),
    "relationship_links": ("kit.person.relationships", "links_of"),
    "sibling_groups": ("kit.person.relationships", "sibling_groups"),
    # the regional dataset
    "load_region_config": ("kit.region", "load_region_config"),
    "load_key": ("kit.region", "load_key"),
    "build_regional_dataset": ("kit.region", "build_regional_dataset"),
    "suppress": ("kit.publish.suppression", "suppress"),
    "write_region_outputs": ("kit.app.quarterly_run", "write_region_outputs"),
    "write_key_file": ("kit.region.privacy", "write_key_file"),
    "key_fingerprint": ("kit.region.privacy", "key_fingerprint"),
    # sufficiency
    "analysis_scope": ("kit.analysis", "analysis_scope"),
    "sufficiency_tables": ("kit.analysis", "sufficiency_tables"),
    "regional_tables": ("kit.analysis", "regional_tables"),
    "MEASURE_REGISTRY": ("kit.analysis", "REGISTRY"),
    "suppress_tables": ("kit.publish.suppression", "suppress_tables"),
    "chart_source_line": ("kit.publish.charts", "source_line"),
    "sufficiency_dashboard": ("kit.publish", "sufficiency_dashboard"),
    # forecast and scenarios
    "prepare_episodes": ("kit.forecast", "prepare_episodes"),
    "quarterly_counts": ("kit.forecast", "quarterly_counts"),
    "estimate_rates": ("kit.forecast", "estimate_rates"),
    "forecast_region": ("kit.forecast", "forecast_region"),
    "default_scenarios_folder": ("kit.forecast", "default_scenarios_folder"),
    "load_scenarios": ("kit.forecast", "load_scenarios"),
    "FORECAST_TYPE_LABELS": ("kit.forecast", "TYPE_LABELS"),
    # publishing
    "publish_region": ("kit.publish", "publish_region"),
    "check_published": ("kit.publish.report", "check_published"),
    # the whole quarterly run and the sample
    "run_region": ("kit.app.quarterly_run", "run_region"),
    "write_sample_region": ("kit.synth", "write_sample_region"),
    "run_demo": ("kit.app.demo", "run_demo"),
    "write_reference_guides": ("kit.app.guides", "write_reference_guides"),
    "run_lab": ("kit.app.lab", "run_lab"),
    # writing files safe to open
    "write_csv": ("kit.outputs.excel", "write_csv"),
    "check_output_folder": ("kit.core.paths", "writable_folder"),
}


def draw_chart(name: str, tables: dict, source: str):
    """One chart of the published report, drawn from the (suppressed) sufficiency tables.

    In: the chart's name in the report (``placements_by_quarter``, ``displacement_by_needs``,
    ``far_from_home``, ``cost_by_type``, ``like_for_like_la``, ``like_for_like_route``,
    ``cost_drivers``, ``demand_against_places``, ...; a wrong name is told the full list), the
    tables from :func:`suppress_tables` and the source line from :func:`chart_source_line`.
    Out: a matplotlib figure (a notebook shows it).
    """
    from kit.core.errors import KitError
    from kit.publish import charts

    if name not in charts.CHARTS:
        raise KitError(f"There is no chart called {name!r}. Choose one of: {', '.join(charts.CHARTS)}.")
    draw, table, options = charts.CHARTS[name]
    return draw(tables[table], source, **options)


__all__ = sorted([*_NAMES, "draw_chart"])


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for (keeps ``import kit.api`` fast)."""
    if name not in _NAMES:
        raise AttributeError(f"module 'kit.api' has no attribute {name!r}")
    module, attribute = _NAMES[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
