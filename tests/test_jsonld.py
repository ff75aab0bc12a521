"""JSON-LD export of both standards, validated with pyshacl against the official SHACL shape.

Placements: a sample LA's quarterly file goes through ``kit check``; its ``standard.csv`` is
exported; every record whose row had no finding must conform to the official shape, and every
row with a planted error on a field the shape requires must fail on that field. Person: records
nest as each field's ``path:`` says, and the bundled context turns the tokens into the code IRIs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, SHACL_EXAMPLES

from kit import standards
from kit.check import check_files
from kit.outputs import write_outputs
from kit.outputs.jsonld import CONTEXT_FILES, bundled_context, export_jsonld, flatten_record, read_records

SAMPLE = Path(os.environ.get("KIT_SAMPLE_DATA", REPO / "sample_data"))
SHAPE = SHACL_EXAMPLES.parent / "shacl-shape.ttl"
TODAY = dt.date(2026, 11, 24)
PL = "https://ns.socialcaredata.io/placements/"
# rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph internally: not the kit's concern.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]


def run_kit(*args):
    return subprocess.run(
        [sys.executable, "-m", "kit", *args], cwd=REPO, capture_output=True, text=True, check=False
    )


def _region() -> dict:
    path = SAMPLE / "region.yml"
    if not path.exists():
        pytest.fail("sample_data/region.yml is missing: run 'python -m kit synth --out sample_data'")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _shacl_results(doc: dict) -> pd.DataFrame:
    """pyshacl's results on a whole exported file: one row per result, with the record it belongs to."""
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import SH

    data = Graph().parse(data=json.dumps(doc), format="json-ld")
    shapes = Graph().parse(SHAPE, format="turtle")
    _conforms, report, _text = validate(data, shacl_graph=shapes)
    rows = []
    for node in report.subjects(predicate=SH.focusNode):
        focus = str(report.value(node, SH.focusNode))
        path = report.value(node, SH.resultPath)
        rows.append(
            {
                "record": "ex:" + focus.removeprefix("https://example.org/placement/").split("/")[0],
                "path": str(path).removeprefix(PL) if path else "",
                "message": str(report.value(node, SH.resultMessage) or ""),
            }
        )
    return pd.DataFrame(rows, columns=["record", "path", "message"])


def _required_by_shape() -> set[str]:
    from rdflib import Graph
    from rdflib.namespace import SH

    shapes = Graph().parse(SHAPE, format="turtle")
    return {str(shapes.value(p, SH.path)).removeprefix(PL) for p in shapes.subjects(SH.minCount, None)}


@pytest.fixture(scope="module")
def placements(tmp_path_factory):
    """The latest quarter of the first sample LA whose v1 returns are CSV files, checked and exported."""
    la = next(
        la
        for la in _region()["las"]
        if str(la.get("placements_version")) == "1" and la["placements"][-1].endswith(".csv")
    )
    source = la["placements"][-1]
    out = tmp_path_factory.mktemp("placements_jsonld")
    result = check_files([SAMPLE / source], la=la["code"], version="1", today=TODAY)
    write_outputs(result, out)
    run = run_kit(
        "jsonld", str(out / "standard.csv"), "--standard", "placements", "--out", str(out / "records.jsonld")
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads((out / "records.jsonld").read_text(encoding="utf-8"))
    standard = pd.read_csv(out / "standard.csv", dtype=str, keep_default_na=False)
    standard["record"] = [r["@id"] for r in doc["@graph"]]
    return {
        "source": source,
        "result": result,
        "doc": doc,
        "standard": standard,
        "out": out,
        "stdout": run.stdout,
        "shacl": _shacl_results(doc),
    }


def test_the_bundled_contexts_are_the_official_ones():
    official = json.loads((SHACL_EXAMPLES.parent / "context.jsonld").read_text(encoding="utf-8"))
    assert bundled_context("placements") == official["@context"]
    person = bundled_context("person")
    assert (
        person["genderCode"]["@context"]["X"] == "gc:NotKnown"
        and person["p"] == "https://ns.socialcaredata.io/"
    )
    readme = (CONTEXT_FILES["person"].parent / "README.md").read_text(encoding="utf-8")
    assert "Open Government Licence v3.0" in readme and "SocialCareData/standard" in readme


def test_records_are_nested_like_the_official_examples(placements):
    doc, standard = placements["doc"], placements["standard"]
    assert doc["@context"] == bundled_context("placements") and len(doc["@graph"]) == len(standard)
    first = doc["@graph"][0]
    child = standard.loc[0, "childId"]
    assert first["@id"] == f"ex:{child}-001" and first["@type"] == "Placement" and first["childId"] == child
    assert first["placementAvailability"]["@id"] == f"ex:{child}-001/availability"
    assert first["riskAssessment"]["@type"] == "RiskAssessment"
    repeated = standard["childId"].duplicated(keep="first")
    if repeated.any():  # a child's second placement in the quarter is -002
        assert standard.loc[repeated.idxmax(), "record"].endswith("-002")
    needed = {
        r["placementAvailability"]["neededBy"]
        for r in doc["@graph"]
        if "neededBy" in r["placementAvailability"]
    }
    assert needed <= {"Today", "WithinFiveDays", "MoreThanFiveDays"}  # concept names, not labels
    assert "records written" in placements["stdout"]


def test_clean_sample_rows_conform_to_the_official_shape(placements):
    standard, result, results = placements["standard"], placements["result"], placements["shacl"]
    flagged = set(result.findings["source_row"].dropna().astype(int).astype(str))
    clean = standard[~standard["_source_row"].isin(flagged)]
    assert len(clean) >= 50
    failing = clean[clean["record"].isin(results["record"])]
    assert failing.empty, results[results["record"].isin(failing["record"])].head(10).to_string()


def test_rows_with_a_planted_error_fail_for_that_error(placements):
    standard, results = placements["standard"], placements["shacl"]
    key = pd.read_csv(SAMPLE / "answer_key.csv", dtype=str, keep_default_na=False)
    required = _required_by_shape()
    planted = key[(key["file"] == placements["source"]) & (key["expected_severity"] == "error")]
    planted = planted[planted["field"].isin(required) & planted["source_row"].isin(standard["_source_row"])]
    assert len(planted) >= 2
    for p in planted.itertuples():
        record = standard.loc[standard["_source_row"] == p.source_row, "record"].iloc[0]
        mine = results[results["record"] == record]
        assert ((mine["path"] == p.field) | mine["message"].str.contains(p.field)).any(), (
            f"row {p.source_row} ({p.kind}) should fail on {p.field}: {mine.to_dict('records')}"
        )


def test_a_bad_value_written_into_standard_csv_fails_the_shape_on_that_field(placements, tmp_path):
    standard = pd.read_csv(placements["out"] / "standard.csv", dtype=str, keep_default_na=False)
    standard = standard.head(3).copy()
    standard.loc[0, "placementLocation"] = "NOT A POSTCODE"
    standard.loc[1, "referralDate"] = ""
    standard.to_csv(tmp_path / "standard.csv", index=False)
    report = export_jsonld(tmp_path / "standard.csv", "placements", tmp_path / "bad.jsonld")
    doc = json.loads(report.path.read_text(encoding="utf-8"))
    results = _shacl_results(doc)
    ids = [r["@id"] for r in doc["@graph"]]
    assert set(results.loc[results["record"] == ids[0], "path"]) >= {"placementLocation"}
    assert set(results.loc[results["record"] == ids[1], "path"]) >= {"referralDate"}


def test_exported_records_read_back_as_flat_rows(placements):
    records = read_records(placements["out"] / "records.jsonld")
    row = flatten_record(records[0])
    first = placements["standard"].iloc[0]
    assert row["childId"] == first["childId"] and row["referralDate"] == first["referralDate"]
    assert row["isPreferredLocationLocal"] == first["isPreferredLocationLocal"]  # true/false either way
    assert "@id" not in row and "placementAvailability" not in row


@pytest.fixture(scope="module")
def person(tmp_path_factory):
    """The first sample LA's person extract, checked as subjects of care and exported."""
    la = next(la for la in _region()["las"] if la.get("persons"))
    mapping = SAMPLE / la["person_mapping"] if la.get("person_mapping") else None
    out = tmp_path_factory.mktemp("person_jsonld")
    result = check_files(
        [SAMPLE / la["persons"]],
        standard="person",
        profile="subject_of_care",
        la=la["code"],
        mapping=mapping,
        today=TODAY,
    )
    write_outputs(result, out)
    run = run_kit(
        "jsonld", str(out / "standard.csv"), "--standard", "person", "--out", str(out / "persons.jsonld")
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads((out / "persons.jsonld").read_text(encoding="utf-8"))
    standard = pd.read_csv(out / "standard.csv", dtype=str, keep_default_na=False)
    return {"la": la, "doc": doc, "standard": standard, "stdout": run.stdout}


def test_person_records_nest_by_the_paths_of_the_standard_file(person):
    doc, standard, la = person["doc"], person["standard"], person["la"]
    assert len(doc["@graph"]) == len(standard) and "personal data" in person["stdout"]
    record, row = doc["@graph"][0], standard.iloc[0]
    assert record["@type"] == "Person" and "@id" not in record  # the standard file's choice: no id
    systems = {i["system"]: i["value"] for i in record["identifier"]}
    assert systems[f"https://example.org/Id/local-authority-id/{la['code']}"] == row["personId"]
    if row["nhsNumber"]:
        assert systems["https://fhir.nhs.uk/Id/nhs-number"] == row["nhsNumber"]
    assert all(i["@type"] == "Identifier" for i in record["identifier"])
    assert record["name"] == [
        {"@type": "Name", "familyName": [row["familyName"]], "givenName": [row["givenName"]]}
    ]
    assert record["dateOfBirth"] == {"@type": "PartialDate", "date": row["dateOfBirth"]}
    assert record["address"][0]["@type"] == "Address" and record["address"][0]["postcode"] == row["postcode"]
    assert record["genderCode"] in {"1", "2", "9", "X"}  # tokens, always JSON strings
    assert record["genderCode"] == row["genderCode"]


def test_person_codes_expand_to_the_standard_concepts(person):
    from rdflib import Graph, URIRef

    doc = {"@context": person["doc"]["@context"], "@graph": person["doc"]["@graph"][:20]}
    graph = Graph().parse(data=json.dumps(doc), format="json-ld")
    ns = "https://ns.socialcaredata.io/"
    concepts = {
        f"{scheme}#{code}"
        for scheme in ("gender-code", "phenotypic-sex-code")
        for code in ("Male", "Female", "Indeterminate", "NotKnown")
    }
    coded = set(graph.objects(None, URIRef(ns + "genderCode"))) | set(
        graph.objects(None, URIRef(ns + "sexCode"))
    )
    assert coded and {str(c).removeprefix(ns) for c in coded} <= concepts
    ethnicity = {str(c).removeprefix(ns) for c in graph.objects(None, URIRef(ns + "ethnicityCode"))}
    assert "ethnicity-code#WhiteBritish" in ethnicity
    dates = list(graph.objects(None, URIRef(ns + "date")))
    assert dates and all(str(d.datatype).endswith("#date") for d in dates)


def test_connected_people_and_multi_valued_fields(tmp_path):
    person = standards.load("person", "1.0.0")
    row = {name: "" for name in person.field_names} | {
        "_la": "992",
        "_source_file": "x.csv",
        "_source_row": "2",
    }
    row |= {"familyName": "Stone", "givenName": "Mary", "relatedPersonId": "P7", "relationship": "MTH;NMTH",
            "language": "en;bsl", "specialCommunicationNeeds": "BSL interpreter", "telephone": "+44 20 7946 0000;+44 20 7946 0001",
            "isDeceased": "false", "nameUse": "usual"}  # fmt: skip
    pd.DataFrame([row]).to_csv(tmp_path / "standard.csv", index=False)
    report = export_jsonld(tmp_path / "standard.csv", "person", tmp_path / "p.jsonld")
    record = read_records(report.path)[0]
    assert record["relatedPerson"] == [
        {
            "@type": "PersonRelationship",
            "identifier": [
                {
                    "@type": "Identifier",
                    "system": "https://example.org/Id/local-authority-id/992",
                    "value": "P7",
                }
            ],
            "relationship": ["MTH", "NMTH"],
        }
    ]
    assert record["communication"] == [
        {
            "@type": "Communication",
            "language": [
                {"@type": "Language", "languageCode": "en"},
                {"@type": "Language", "languageCode": "bsl"},
            ],
            "specialCommunicationNeeds": "BSL interpreter",
        }
    ]
    assert record["contact"][0]["telephone"] == ["+44 20 7946 0000", "+44 20 7946 0001"]
    assert record["isDeceased"] is False and record["name"][0]["use"] == "usual"


def _shape_problems(node: dict, struct: str, std, cardinality: dict[str, str] | None = None) -> list[str]:
    """Where a nested record breaks the Person Standard's JSON-LD shape as the standard file declares it.

    Every object carries the ``@type`` of its structure; every key is one of the structure's keys; a
    key declared a set is an array; the cardinalities (the profile's for the top level) hold; codes
    are tokens of their code list; and the same is checked inside every nested object.
    """
    structures, ld = std.raw["structures"], std.raw["json_ld"]
    spec = structures[struct]
    out = [] if node.get("@type") == spec["json_type"] else [f"{struct}: @type {node.get('@type')!r}"]
    for key, kspec in spec["keys"].items():
        card = (cardinality or {}).get(key, kspec["cardinality"])
        low, high = card.split("..")
        value = node.get(key)
        items = value if isinstance(value, list) else ([] if value is None else [value])
        if key in ld["set_keys"] and value is not None and not isinstance(value, list):
            out.append(f"{struct}.{key} is not an array")
        if len(items) < int(low) or (high != "*" and len(items) > int(high)):
            out.append(f"{struct}.{key}: {len(items)} values, cardinality {card}")
        for item in items:
            if kspec["type"] in structures:
                out += _shape_problems(item, kspec["type"], std)
            elif kspec["type"] == "code" and item not in set(std.codelists[kspec["codelist"]].values):
                out.append(f"{struct}.{key}: {item!r} is not a code")
    out += [f"{struct}: unknown key {k}" for k in node if not k.startswith("@") and k not in spec["keys"]]
    return out


@pytest.fixture(scope="module")
def related(tmp_path_factory):
    """The first sample LA with relationship extracts: children, family and links checked together, exported."""
    la = next(la for la in _region()["las"] if la.get("relationships"))
    out = tmp_path_factory.mktemp("related_jsonld")
    result = check_files(
        [SAMPLE / la["persons"], *(SAMPLE / p for p in la["relationships"])],
        standard="person",
        profile="relationships",
        la=la["code"],
        mapping=SAMPLE / la["relationship_mapping"],
        today=TODAY,
    )
    write_outputs(result, out)
    report = export_jsonld(out / "standard.csv", "person", out / "related.jsonld")
    doc = json.loads(report.path.read_text(encoding="utf-8"))
    standard = pd.read_csv(out / "standard.csv", dtype=str, keep_default_na=False)
    return {"la": la, "doc": doc, "standard": standard, "findings": result.findings, "report": report}


def test_a_persons_links_are_gathered_into_one_record_with_related_person(related):
    standard, doc = related["standard"], related["doc"]
    links = standard[standard["relatedPersonId"] != ""]
    people = standard[standard["relatedPersonId"] == ""]
    # One record per person row (links join their person's record), plus one per linked person with no row.
    orphans = set(zip(links["_la"], links["personId"], strict=True)) - set(
        zip(people["_la"], people["personId"], strict=True)
    )
    assert len(doc["@graph"]) == len(people) + len(orphans)
    system = f"https://example.org/Id/local-authority-id/{related['la']['code']}"
    by_id = {
        next(i["value"] for i in r["identifier"] if i["system"] == system): r
        for r in doc["@graph"]
        if r.get("identifier")
    }
    # A child with several links (mother and siblings) holds them all, each typed, with its codes.
    counts = links.groupby("personId").size()
    child = counts[counts.index.isin(people["personId"])].idxmax()
    record = by_id[child]
    given = {
        (r, tuple(c.split(";")))
        for r, c in zip(*(links.loc[links["personId"] == child, k] for k in ("relatedPersonId", "relationship")), strict=True)
    }  # fmt: skip
    written = {(x["identifier"][0]["value"], tuple(x["relationship"])) for x in record["relatedPerson"]}
    assert counts[child] >= 2 and written == given
    assert all(x["@type"] == "PersonRelationship" for x in record["relatedPerson"])
    assert all(x["identifier"][0]["system"] == system for x in record["relatedPerson"])


def test_exported_records_with_relationships_conform_to_the_person_shape(related):
    from rdflib import Graph, URIRef

    std, doc = standards.load("person", "1.0.0"), related["doc"]
    findings, standard = related["findings"], related["standard"]
    flagged = set(findings["source_row"].dropna().astype(int).astype(str))
    clean_links = standard[(standard["relatedPersonId"] != "") & ~standard["_source_row"].isin(flagged)]
    assert len(clean_links)
    system = f"https://example.org/Id/local-authority-id/{related['la']['code']}"
    clean = set(zip(clean_links["personId"], clean_links["relatedPersonId"], strict=True))
    has_row = set(standard.loc[standard["relatedPersonId"] == "", "personId"])
    with_links = [r for r in doc["@graph"] if r.get("relatedPerson")]
    assert with_links
    problems, checked = [], 0
    for record in with_links:
        holder = next(i["value"] for i in record["identifier"] if i["system"] == system)
        for link in record["relatedPerson"]:  # every link keeps to the PersonRelationship shape
            problems += _shape_problems(link, "PersonRelationship", std)
        if (
            holder in has_row
            and {(holder, x["identifier"][0]["value"]) for x in record["relatedPerson"]} <= clean
        ):
            problems += _shape_problems(
                record, "Person", std
            )  # a record of clean links: the whole Person shape
            checked += 1
    assert checked and problems == []
    # A link whose code failed the check is empty in standard.csv: left out (a link needs a code) and counted.
    uncoded = standard[(standard["relatedPersonId"] != "") & (standard["relationship"] == "")]
    assert related["report"].links_left_out == len(uncoded) > 0
    assert set(uncoded["_source_row"]) <= flagged
    # The bundled context expands the links to the standard's relationship concepts.
    sample = {"@context": doc["@context"], "@graph": with_links[:30]}
    graph = Graph().parse(data=json.dumps(sample), format="json-ld")
    ns = "https://ns.socialcaredata.io/"
    codes = {str(c).removeprefix(ns) for c in graph.objects(None, URIRef(ns + "relationship"))}
    known = {f"person-relationship-code#{c}" for c in std.codelists["PersonRelationshipCode"].values}
    assert codes and codes <= known
    assert len(set(graph.subjects(URIRef(ns + "relatedPerson"), None))) == len(with_links[:30])


def test_unusable_inputs_are_one_line_and_exit_2(tmp_path):
    run = run_kit(
        "jsonld", str(tmp_path / "nope.csv"), "--standard", "person", "--out", str(tmp_path / "x.jsonld")
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "nope.csv" in run.stderr
    v2 = standards.load("placements", "2")
    pd.DataFrame(
        [{**{n: "" for n in v2.field_names}, "_la": "Z06", "_source_file": "f.csv", "_source_row": "2"}]
    ).to_csv(tmp_path / "standard.csv", index=False)
    run = run_kit(
        "jsonld",
        str(tmp_path / "standard.csv"),
        "--standard",
        "placements",
        "--out",
        str(tmp_path / "x.jsonld"),
    )
    assert run.returncode == 2 and "v1 only" in run.stderr and "Traceback" not in run.stderr
