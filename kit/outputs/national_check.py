"""The national validator's verdict, predicted: exported JSON-LD checked against the official SHACL shape.

The national programme validates Placements Data Standard v1 records with its SHACL shape
(vendored unchanged in ``kit/standards/official/shacl/``). :func:`national_verdict` runs that shape
with pyshacl on what :func:`kit.outputs.jsonld.export_jsonld` wrote and returns one row per
problem, tied back to the LA's file and row, in words an LA officer can act on:

* a problem the standard file has a rule for (the ``source:`` of the rule names the official
  shape, e.g. ``SHACL OutOfLAReasonOtherCheckShape``) reads as that rule's message;
* a missing, unknown or badly typed value reads as a sentence naming the field's title.

``severity`` is ``error`` for a SHACL Violation (the national validator rejects the record) and
``warning`` for a SHACL Warning (it accepts the record with a warning). pyshacl and rdflib are
imported inside the function: importing this module is cheap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kit.core.errors import KitError
from kit.core.paths import OFFICIAL_SHACL

SHAPE = OFFICIAL_SHACL / "shacl-shape.ttl"
VERDICT_COLUMNS = [
    "la",
    "source_file",
    "source_row",
    "record",
    "field",
    "value",
    "severity",
    "kind",
    "message",
    "official_message",
]
# kind: "data" (the value itself is missing or wrong) or "format" (the value is right but written in
# a way the JSON-LD reads differently; the kit's own export never does this).
_SH = "http://www.w3.org/ns/shacl#"
NATIONAL_NAMESPACE = "https://ns.socialcaredata.io/"
_JSON_NUMBER = (
    "{title} is written as the number {value}, which JSON-LD reads as a floating-point or whole "
    'number, not the decimal amount the national format needs; write it as text ("{value}"), as '
    "'kit jsonld' does."
)
_PLAIN_WORD = (
    "'{value}' for {title} is written as a plain word where the national format needs the code's "
    "name (e.g. olr:OutOfLAReasonOther), so the national validator reads it as a web address and "
    "rejects the record; export the records with 'kit jsonld', which writes codes that way."
)
# SHACL constraint components -> how the problem reads to an LA officer ({title}: the field's title).
_COMPONENT_WORDS = {
    "MinCountConstraintComponent": "{title} is missing, and the national validator requires it.",
    "MaxCountConstraintComponent": "{title} has more than one value, and the national validator allows one.",
    "InConstraintComponent": "'{value}' is not one of the national codes for {title}.",
    "HasValueConstraintComponent": "'{value}' is not one of the national codes for {title}.",
    "DatatypeConstraintComponent": "'{value}' is not in the form the national validator expects for {title}.",
    "NodeKindConstraintComponent": "'{value}' is not in the form the national validator expects for {title}.",
    "PatternConstraintComponent": "'{value}' is not in the form the national validator expects for {title}.",
    "MinInclusiveConstraintComponent": "{title} of {value} is below what the national validator accepts.",
    "MaxInclusiveConstraintComponent": "{title} of {value} is above what the national validator accepts.",
    "MinExclusiveConstraintComponent": "{title} of {value} is below what the national validator accepts.",
    "MaxExclusiveConstraintComponent": "{title} of {value} is above what the national validator accepts.",
}


@dataclass(frozen=True)
class NationalVerdict:
    """What the official shape says of an exported file: every problem, and the records it rejects."""

    records: int
    problems: pd.DataFrame  # VERDICT_COLUMNS, one row per SHACL result

    @property
    def rejected(self) -> int:
        """How many records the national validator would reject (at least one SHACL Violation)."""
        errors = self.problems[self.problems["severity"] == "error"]
        return int(errors["record"].nunique())

    def describe(self) -> str:
        if self.problems.empty:
            return f"All {self.records} records pass the official national SHACL shape."
        warned = int(self.problems.loc[self.problems["severity"] == "warning", "record"].nunique())
        text = (
            f"{self.rejected} of {self.records} records would be rejected by the national validator "
            f"(official SHACL shape)"
        )
        if warned:
            text += f"; {warned} would pass with a warning"
        return text + "."


def _local(iri) -> str:
    text = str(iri or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _shape_rules(std) -> dict[str, str]:
    """Official shape name -> the standard file's message for the rule that mirrors it."""
    out: dict[str, str] = {}
    for rule in std.rules:
        for word in rule.source.replace(";", " ").replace(",", " ").split():
            if word.endswith("Shape"):
                out[word] = rule.message
    return out


def national_verdict(jsonld_path: str | Path, standard_csv_path: str | Path | None = None) -> NationalVerdict:
    """Validate an exported placements JSON-LD file against the official v1 SHACL shape.

    In: the file :func:`kit.outputs.jsonld.export_jsonld` wrote and (optional) the ``standard.csv``
    it came from, to tie each record back to the LA's file and row (records are written in the
    rows' order). Out: a :class:`NationalVerdict`.
    """
    from pyshacl import validate
    from rdflib import Graph, URIRef

    from kit import standards
    from kit.read import check_input

    path = check_input(jsonld_path, "The JSON-LD file")  # a pipe would wait for ever: refused at once
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KitError(f"{path.name} cannot be read as a JSON-LD file ({exc}). Export it again.") from None
    if not isinstance(doc, dict):
        raise KitError(f"{path.name} is not a JSON-LD file of records (no @graph object). Export it again.")
    records = doc.get("@graph", [doc])  # an exported file, or one record (the official examples)
    std = standards.load("placements", "1")
    titles = {f.name: f.title or f.name for f in std.fields}
    by_shape = _shape_rules(std)
    where: dict[str, dict[str, str]] = {}
    if standard_csv_path is not None:
        from kit.outputs.excel import restore_frame

        frame = restore_frame(
            pd.read_csv(standard_csv_path, dtype=str, keep_default_na=False, na_filter=False)
        )
        provenance = frame[["_la", "_source_file", "_source_row"]].to_dict("records")
        for record, prov in zip(records, provenance, strict=False):
            where[str(record.get("@id", ""))] = prov
    context = doc.get("@context")
    if not isinstance(context, dict):
        # A context given by reference ("context.jsonld", a web address) is never fetched: the kit
        # works offline, and the official placements context is the one it bundles.
        from kit.outputs.jsonld import bundled_context

        context = bundled_context("placements")
        doc = {**doc, "@context": context}
    base = str(context.get("ex", ""))
    nodes: dict[str, dict] = {}  # each record and part, by its id without the "ex:" prefix

    def collect(node) -> None:
        if isinstance(node, list):
            for child in node:
                collect(child)
        elif isinstance(node, dict):
            if isinstance(node.get("@id"), str):
                nodes[node["@id"].removeprefix("ex:")] = node
            for child in node.values():
                collect(child)

    collect(records)

    data = Graph().parse(data=json.dumps(doc), format="json-ld")
    shapes = Graph().parse(SHAPE, format="turtle")
    _conforms, report, _text = validate(data, shacl_graph=shapes)
    sh = lambda name: URIRef(_SH + name)  # noqa: E731
    rows = []
    for result in report.subjects(sh("focusNode"), None):
        focus = str(report.value(result, sh("focusNode")))
        record = "ex:" + focus.removeprefix(base).split("/")[0] if base else focus
        field = _local(report.value(result, sh("resultPath")))
        value = report.value(result, sh("value"))
        value_text = _local(value) if isinstance(value, URIRef) else str(value or "")
        official = str(report.value(result, sh("resultMessage")) or "")
        component = _local(report.value(result, sh("sourceConstraintComponent")))
        shape = _local(report.value(result, sh("sourceShape")))
        severity = "warning" if _local(report.value(result, sh("resultSeverity"))) == "Warning" else "error"
        title = titles.get(field, field)
        raw = nodes.get(focus.removeprefix(base), {}).get(field) if base else None  # as the file wrote it
        kind = "data"
        if shape in by_shape:
            message = by_shape[shape]
        elif isinstance(value, URIRef) and not str(value).startswith(NATIONAL_NAMESPACE):
            # A code typed as an IRI (outOfLAReason) but written as a plain word: JSON-LD reads it as
            # a web address relative to the file, not as the code (the context's names do not apply).
            value_text = str(raw) if isinstance(raw, str) else value_text
            kind, message = "format", _PLAIN_WORD.format(value=value_text, title=title)
        elif (
            component == "DatatypeConstraintComponent"
            and isinstance(raw, int | float)
            and not isinstance(raw, bool)
        ):
            # An amount written as a JSON number: JSON-LD reads it as a floating-point number, which is
            # not the xsd:decimal the shape asks for, whatever the number is.
            kind, message = "format", _JSON_NUMBER.format(value=value_text, title=title)
        elif component in _COMPONENT_WORDS and field:
            message = _COMPONENT_WORDS[component].format(title=titles.get(field, field), value=value_text)
        else:
            message = official or "The national validator rejects this record."
        prov = where.get(record, {})
        rows.append(
            {
                "la": prov.get("_la", ""),
                "source_file": prov.get("_source_file", ""),
                "source_row": prov.get("_source_row", ""),
                "record": record,
                "field": field,
                "value": value_text,
                "severity": severity,
                "kind": kind,
                "message": message,
                "official_message": official,
            }
        )
    problems = pd.DataFrame(rows, columns=VERDICT_COLUMNS)
    if not problems.empty:
        order = pd.to_numeric(problems["source_row"], errors="coerce")
        problems = (
            problems.assign(_order=order)
            .sort_values(["source_file", "_order", "record", "field"], kind="stable")
            .drop(columns="_order")
            .reset_index(drop=True)
        )
    return NationalVerdict(records=len(records), problems=problems)


__all__ = ["NATIONAL_NAMESPACE", "SHAPE", "VERDICT_COLUMNS", "NationalVerdict", "national_verdict"]
