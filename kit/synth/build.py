"""Putting the sample region together: simulate, lay out, spoil, write.

In: an output folder, a seed, the number of LAs and years of SSDA903 history. Out: every file of
the region (see :mod:`kit.synth`) and the path of ``region.yml``. Each stage draws from its own
random stream (spawned from the seed), so changing one stage does not reshuffle the others.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kit.core.findings import column_letter
from kit.synth import parameters as P
from kit.synth.calibration import calibration_table
from kit.synth.care import simulate_spells
from kit.synth.children import day, simulate_children
from kit.synth.defects import Planted, plant_defects, plant_variants
from kit.synth.layouts import Shape, render, shape_for, split
from kit.synth.persons import assign_identities, build_person_extracts, plant_bad_identifiers, write_persons
from kit.synth.placements import placement_records, quarters
from kit.synth.reference import build_providers, closed_urns, write_reference
from kit.synth.region import build_geography
from kit.synth.relationships import build_relationships
from kit.synth.ssda903 import build_episodes, collection_years, write_903, year_bounds
from kit.synth.writers import write_sheet

XLSX_MAX_LAS = 12  # bigger runs write CSV layouts only (Excel files are slow to write)
PERSONS_MAX_LAS = 40  # bigger runs skip the person extracts (not needed for benchmarks)
ANSWER_COLUMNS = ["la", "file", "source_row", "source_column", "field", "kind", "expected_severity", "value"]
VARIANT_COLUMNS = ["la", "file", "source_row", "source_column", "field", "value", "canonical"]


def _file_name(shape: Shape, la, quarter: str) -> str:
    fy, q = quarter.split()
    return shape.file_pattern.format(
        code=la.code,
        name=la.name,
        lower=la.name.lower(),
        quarter=f"{fy}_{q}",
        quarter_words=f"{q} {fy}",
        quarter_snake=f"{fy.replace('-', '_')}_{q.lower()}",
    )


def build_region(out: Path, seed: int, n_las: int, years: int) -> Path:
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]
    geo = build_geography(n_las, streams[0])
    providers = build_providers(geo, streams[1])
    years_list = collection_years(years)
    window = (year_bounds(years_list[0])[0], day(P.PERIOD_END))
    children, legal = simulate_children(geo, window, streams[2])
    children = assign_identities(children, geo, streams[3])
    spells, changes = simulate_spells(children, geo, providers, window, streams[4])
    episodes = build_episodes(children, legal, spells, changes, streams[5])
    ssda = write_903(out, episodes, children, geo.region_las, years_list)
    del episodes, legal, changes  # the 903 tables are written; free memory for the placements

    large = n_las > XLSX_MAX_LAS  # a national-size benchmark: CSV layouts only, every quarter of the history
    qtrs = quarters(years, every_quarter=large)
    closed = iter(closed_urns(providers, streams[8], max(200, len(spells) // 60)))
    answer: list[dict] = []
    variants: list[dict] = []
    costs: list[pd.DataFrame] = []
    placement_files: dict[str, list[str]] = {}
    shapes: dict[str, Shape] = {}
    rng = streams[7]
    kids = children.set_index("child")
    spell_la = spells["la"].to_numpy()
    for la in geo.region_las:
        shape = shape_for(la.index, large)
        shapes[la.code] = shape
        # One LA at a time, so that a national-size run never holds every record in memory.
        recs = placement_records(
            spells.iloc[np.flatnonzero(spell_la == la.index)], kids, providers, geo, qtrs, streams[6]
        )
        costs.append(recs[["la", "childId", "placementStartDate", "totalWeeklyCost"]])
        labels = [q[0] for q in qtrs]
        sheets = split(render(recs, shape, rng), recs["quarter"].to_numpy(), labels)
        paths = [out / "placements" / la.code / _file_name(shape, la, label) for label in labels]
        n_closed = max(4, sum(len(s.rows) for s in sheets) // 100)
        planted = plant_defects(sheets, [next(closed) for _ in range(n_closed)], rng)
        planted_variants = plant_variants(sheets, planted, rng)
        for sheet, path in zip(sheets, paths, strict=True):
            write_sheet(sheet, path)
        rel = {id(s): p.relative_to(out).as_posix() for s, p in zip(sheets, paths, strict=True)}
        answer += [_answer_row(p, la.code, rel) for p in planted]
        variants += [_variant_row(p, la.code, rel) for p in planted_variants]
        placement_files[la.code] = [p.relative_to(out).as_posix() for p in paths]

    persons = None
    if n_las <= PERSONS_MAX_LAS:
        persons = build_person_extracts(children, geo, streams[9])
        plant_bad_identifiers(persons, geo, streams[10])
        write_persons(out, persons, geo)
        answer += [{k: r[k] for k in ANSWER_COLUMNS} for r in persons.answer_rows]
        # A generator of its own, so that adding relationship files leaves every other file as it was.
        relations = build_relationships(
            children, persons, geo, out, np.random.default_rng([seed, 18]), np.random.default_rng([seed, 19])
        )
        answer += [{k: r[k] for k in ANSWER_COLUMNS} for r in relations.answer_rows]
        persons.relationships, persons.relationship_mappings = relations.files, relations.mappings
    refs = write_reference(out, providers, geo)

    key = pd.DataFrame(answer, columns=ANSWER_COLUMNS)
    key["_order"] = key["file"].map({f: i for i, f in enumerate(dict.fromkeys(key["file"]))})
    key = key.sort_values(["_order", "source_row", "source_column"], kind="stable").drop(columns="_order")
    key.to_csv(out / "answer_key.csv", index=False, lineterminator="\n")
    pd.DataFrame(variants, columns=VARIANT_COLUMNS).to_csv(
        out / "variants_key.csv", index=False, lineterminator="\n"
    )
    region = _region_yml(out, geo, shapes, placement_files, ssda, persons, refs, qtrs)
    calibration_table(out, pd.concat(costs, ignore_index=True), geo).to_csv(
        out / "calibration.csv", index=False, lineterminator="\n"
    )
    _readme(out, geo, shapes, seed, n_las, years)
    return region


def _answer_row(p: Planted, la: str, rel: dict[int, str]) -> dict:
    index = {id(r): i for i, r in enumerate(p.sheet.rows)}
    return {
        "la": la,
        "file": rel[id(p.sheet)],
        "source_row": p.sheet.first_data_row + index[id(p.row)],
        "source_column": column_letter(p.col) if p.col is not None else "",
        "field": p.field,
        "kind": p.kind,
        "expected_severity": p.severity,
        "value": p.value,
    }


def _variant_row(p: Planted, la: str, rel: dict[int, str]) -> dict:
    row = _answer_row(p, la, rel)
    std = p.sheet.std
    f = std.field(p.field)
    canonical = (
        std.codes_for(p.field).canonical(p.value)
        if f.type == "code"
        else p.value.strip().capitalize()[:3].rstrip()
    )
    if f.type == "boolean":
        canonical = "Yes" if p.value.strip().lower() in ("y", "yes") else "No"
    return {
        **{k: row[k] for k in ("la", "file", "source_row", "source_column", "field", "value")},
        "canonical": canonical,
    }


def _region_yml(out: Path, geo, shapes, placement_files, ssda, persons, refs, qtrs) -> Path:
    start = (dt.date(1970, 1, 1) + dt.timedelta(days=qtrs[0][1])).isoformat()
    end = (dt.date(1970, 1, 1) + dt.timedelta(days=qtrs[-1][2])).isoformat()
    las = []
    for la in geo.region_las:
        las.append(
            {
                "code": la.code,
                "name": la.name,
                "placements": placement_files[la.code],
                "placements_version": shapes[la.code].version,
                "mapping": None,
                "persons": persons.files.get(la.code) if persons else None,
                "person_mapping": persons.mappings.get(la.code) if persons else None,
                **(
                    {
                        "relationships": persons.relationships[la.code],
                        "relationship_mapping": persons.relationship_mappings[la.code],
                    }
                    if persons and la.code in persons.relationships
                    else {}
                ),  # fmt: skip
                "ssda903": ssda[la.code],
            }
        )
    one_region = len({x.region_code for x in geo.region_las}) == 1
    name = geo.region_las[0].region_name if one_region else "Fictional England (benchmark)"
    code = geo.region_las[0].region_code if one_region else "ZNAT"
    body = {
        "las": las,
        "reference": {
            "ofsted_register": refs["ofsted_register"].relative_to(out).as_posix(),
            "postcode_districts": refs["postcode_districts"].relative_to(out).as_posix(),
        },
        "privacy": {"key_env": "KIT_PSEUDONYM_KEY", "key_file": None, "suppress_below": 5},
        "output": "../outputs/sample-region",
    }
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
    text = text.replace(
        "  key_env: KIT_PSEUDONYM_KEY\n",
        "  key_env: KIT_PSEUDONYM_KEY       # the pseudonymisation key comes from here or key_file, never from the repo\n",
    )
    header = (
        "# The fictional sample region: every name, code, child and provider is invented.\n"
        "# Generated by 'python -m kit synth' (see guides/sample-region.md); paths are relative to this file.\n"
        f"region: {name}\n"
        f"code: {code}\n"
        f"period: {{start: {start}, end: {end}}}\n"
    )
    path = out / "region.yml"
    path.write_text(header + text, encoding="utf-8")
    return path


def _readme(out: Path, geo, shapes, seed: int, n_las: int, years: int) -> None:
    lines = [
        "# Sample region (fictional)",
        "",
        "Every name, code, child, carer and provider here is invented; no file describes a real person.",
        f"Generated by `python -m kit synth --out sample_data --seed {seed} --las {n_las} --years {years}`.",
        "Do not edit by hand: regenerate instead. What each file is, and every figure the region is",
        "calibrated to, is in `guides/sample-region.md`.",
        "",
        "| LA | name | placements files |",
        "|---|---|---|",
    ]
    for la in geo.region_las[:12]:
        lines.append(f"| {la.code} | {la.name} | {shapes[la.code].title} |")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
