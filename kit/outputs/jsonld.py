"""JSON-LD records of the standards, to and from the kit's flat rows.

A placements record nests its parts (``placementAvailability``, ``actualPlacement``...) and a
person record its objects (``name``, ``identifier``, ``address``...); the kit's standard table is
flat, one column per property.

* :func:`flatten_record` turns a record into a flat row of text cells, headed by property names,
  which the normal mapping and checks then read like any LA's file; :func:`read_records` reads
  the records of a JSON-LD file.
* :func:`export_jsonld` does the reverse for a whole ``standard.csv`` written by ``kit check``:
  one JSON-LD record per row, nested as the standard says, with the official context embedded so
  the file means the same thing offline. ``standard.csv`` already holds the model's meaning
  (``isEducationContinuous`` is not the template's "disrupted?"), so nothing is inverted here.

Placements (v1, the version whose official context and SHACL shape the kit bundles): record ids
``ex:<childId>-<nnn>`` and part ids ``ex:<childId>-<nnn>/availability`` as in the official
examples; codes are written as their concept names (``WithinFiveDays``, ``NoKnownRisk``), which the
context's ``@vocab`` turns into the shape's IRIs; ``outOfLAReason`` is an ``@id`` property, so it
is written as a compact IRI (``olr:CourtOrder``); amounts as decimal text (``"1250.5"``), which
the context types as ``xsd:decimal``.

Person (1.0.0): each field's ``path:`` in the standard file says where its value goes
(``name.familyName``, ``identifier[system=https://fhir.nhs.uk/Id/nhs-number].value``); every object
gets its ``@type``; keys the standard declares as sets are written as arrays; codes stay tokens
(``"2"``). No ``@id`` is written (the standard file's choice: an id built from an identifier
would copy it where pseudonymisation could miss it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kit.core.paths import OFFICIAL_SHACL, STANDARDS

CONTEXT_FILES = {
    "placements": OFFICIAL_SHACL / "context.jsonld",
    "person": STANDARDS / "contexts" / "person-v1.0.0-context.jsonld",
}
# Placements: the standard's sections -> (the property linking the part, its @type, the id suffix).
PLACEMENT_PARTS = {
    "availability": ("placementAvailability", "PlacementAvailability"),
    "requirements": ("placementRequirements", "PlacementRequirements"),
    "recommendation": ("placementRecommendation", "PlacementRecommendation"),
    "risk": ("riskAssessment", "RiskAssessment"),
    "actual": ("actualPlacement", "ActualPlacement"),
    "qa": ("qualityAssurance", "QualityAssurance"),
}
PATH_PART = re.compile(r"([A-Za-z0-9_]+)(?:\[(\w+)=([^\]]*)\])?(?:\.|$)")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_text(v) for v in value)
    if isinstance(value, dict):  # a node reference or an @value object
        return _text(value.get("@value", value.get("@id", "")))
    return "" if value is None else str(value)


def flatten_record(record: dict[str, Any]) -> dict[str, str]:
    """Property name -> cell text for every leaf of a nested record (JSON-LD keywords dropped)."""
    row: dict[str, str] = {}

    def walk(node: dict[str, Any]) -> None:
        for key, value in node.items():
            if key.startswith("@"):
                continue
            if isinstance(value, dict) and "@value" not in value:
                walk(value)
            else:
                row[key] = _text(value)

    walk(record)
    return row


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The records in a JSON-LD file: one object, a list, or an ``@graph``."""
    from kit.read import check_input

    data = json.loads(check_input(path, "The JSON-LD file").read_text(encoding="utf-8"))
    if isinstance(data, list):
        return data
    if "@graph" in data:
        return list(data["@graph"])
    return [data]


# ---------------------------------------------------------------------------------------------
# Export


@dataclass
class ExportReport:
    """What an export wrote and what it could not put in the records."""

    path: Path
    standard: str
    version: str
    records: int
    left_out: list[str] = field(default_factory=list)  # fields with values that have no term in the context
    links: int = 0  # relatedPerson links written (person)
    links_left_out: int = 0  # link rows with no relationship code (see findings.csv), not written

    def describe(self) -> str:
        text = f"{self.records} {self.standard} records written to {self.path.name} (standard version {self.version})"
        if self.left_out:
            text += f"; not in the official context, so left out: {', '.join(self.left_out)}"
        if self.links:
            text += f"; {self.links} relationships (relatedPerson)"
        if self.links_left_out:
            text += f"; {self.links_left_out} link rows with no relationship code left out (their findings say why)"
        return text + "."


def bundled_context(standard: str) -> dict[str, Any]:
    """The official JSON-LD context the kit bundles for ``standard`` (the ``@context`` object)."""
    from kit.core.errors import KitError

    path = CONTEXT_FILES.get(standard)
    if path is None:
        raise KitError(f"The kit has no JSON-LD context for {standard!r}: use placements or person.")
    return json.loads(path.read_text(encoding="utf-8"))["@context"]


def _read_standard_csv(path: Path):
    import pandas as pd

    from kit.core.errors import KitError
    from kit.outputs.excel import restore_frame

    if not path.exists():
        raise KitError(f"{path} does not exist. Give the standard.csv that 'python -m kit check' wrote.")
    from kit.read import check_input

    check_input(path)  # a folder, pipe or device: refused at once, never opened
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
        frame = restore_frame(frame)  # undo the kit's formula neutralisation: values round-trip exactly
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise KitError(
            f"{path.name} cannot be read as the kit's standard.csv ({exc}). Run 'kit check' again."
        ) from None
    if "_la" not in frame.columns:
        raise KitError(
            f"{path.name} is not a standard.csv written by 'python -m kit check' (no _la column). "
            "Check the file with 'python -m kit check' first and export its standard.csv."
        )
    return frame


def _version_of(frame, standard: str, version: str | None, name: str = "standard.csv"):
    """The standard version whose field names are exactly the file's columns (or the one given)."""
    from kit import standards
    from kit.core.errors import KitError

    columns = [c for c in frame.columns if not c.startswith("_")]
    if version:
        return standards.load(standard, version)
    for v in standards.versions(standard):
        std = standards.load(standard, v)
        if set(std.field_names) == set(columns):
            return std
    raise KitError(
        f"The columns of {name} are not those of any {standard} version the kit knows: "
        f"check that it was written by 'python -m kit check --standard {standard}', or pass --version."
    )


def _placement_value(f, text: str, std, term: Any):
    """One cell of standard.csv as the JSON value the official context and shape expect."""
    if f.type == "boolean":
        return text == "true"
    if f.type == "integer":
        return int(text)
    if f.type == "code":
        codes = std.codelists[f.codelist]
        parts = [p.strip() for p in text.split(";") if p.strip()] if f.multi else [text]
        by_code = {c.code: c for c in codes.codes}
        is_id = isinstance(term, dict) and term.get("@type") == "@id"
        out = []
        for p in parts:
            c = by_code.get(p)
            concept = (c.concept or c.code) if c else p
            out.append(f"{codes.prefix}:{concept}" if is_id and codes.prefix else concept)
        return out if f.multi else out[0]
    if f.multi:
        return [p.strip() for p in text.split(";") if p.strip()]
    return text  # strings, ISO dates and decimal text (typed by the context)


def placement_records(frame, std) -> tuple[list[dict[str, Any]], list[str]]:
    """Nested Placement records, one per row of a placements standard.csv (and the fields left out)."""
    context = bundled_context("placements")
    counters: dict[str, int] = {}
    left_out: set[str] = set()
    records = []
    child_field = std.roles.child
    for _, row in frame.iterrows():
        child = row.get(child_field, "")
        counters[child] = counters.get(child, 0) + 1
        rid = f"ex:{quote(child, safe='')}-{counters[child]:03d}"
        record: dict[str, Any] = {"@id": rid, "@type": "Placement"}
        parts: dict[str, dict[str, Any]] = {}
        for f in std.fields:
            text = row.get(f.name, "")
            if text == "":
                continue
            if f.name not in context:
                left_out.add(f.name)
                continue
            value = _placement_value(f, text, std, context[f.name])
            if f.section in PLACEMENT_PARTS:
                key, kind = PLACEMENT_PARTS[f.section]
                node = parts.setdefault(key, {"@id": f"{rid}/{f.section}", "@type": kind})
                node[f.name] = value
            else:
                record[f.name] = value
        # Every required part is written even when empty, so a missing part is reported by the
        # shape as missing fields, not silently absent; the optional actual placement only when given.
        optional = std.optional_sections()
        for section, (key, kind) in PLACEMENT_PARTS.items():
            if key in parts:
                record[key] = parts[key]
            elif section not in optional:
                record[key] = {"@id": f"{rid}/{section}", "@type": kind}
        records.append(record)
    return records, sorted(left_out)


def _path_parts(path: str) -> list[tuple[str, tuple[str, str] | None]]:
    """``identifier[system=X].value`` -> ``[("identifier", ("system", "X")), ("value", None)]``."""
    parts = []
    for m in PATH_PART.finditer(path):
        if m.group(1):
            parts.append((m.group(1), (m.group(2), m.group(3)) if m.group(2) else None))
    return parts


def _person_leaf(f, text: str) -> Any:
    if f.type == "boolean":
        return text == "true"
    return text


def _place(record: dict[str, Any], parts, values: list[Any], std, set_keys: set[str]) -> None:
    """Put ``values`` at ``parts`` in ``record``, creating the typed objects on the way.

    Several values of a multi field go into one array when the last key is a set
    (``telephone``), else one object each at the deepest set of objects (``language``).
    """
    structures = std.raw["structures"]
    node, struct = record, "Person"
    fan_out_at = None
    if len(values) > 1 and parts[-1][0] not in set_keys:
        fan_out_at = max((k for k, (key, _) in enumerate(parts[:-1]) if key in set_keys), default=None)
    targets = [node]
    for k, (key, selector) in enumerate(parts[:-1]):
        child_type = structures[struct]["keys"][key]["type"]
        json_type = structures[child_type]["json_type"]
        new_targets = []
        for target in targets:
            if key in set_keys:
                items = target.setdefault(key, [])
                if fan_out_at == k:
                    for _ in values:
                        items.append({"@type": json_type, **({selector[0]: selector[1]} if selector else {})})
                    new_targets.extend(items[-len(values) :])
                    continue
                found = next((x for x in items if not selector or x.get(selector[0]) == selector[1]), None)
                if found is None:
                    found = {"@type": json_type, **({selector[0]: selector[1]} if selector else {})}
                    items.append(found)
                new_targets.append(found)
            else:
                new_targets.append(target.setdefault(key, {"@type": json_type}))
        targets, struct = new_targets, child_type
    leaf = parts[-1][0]
    if len(targets) > 1:
        for target, value in zip(targets, values, strict=True):
            target[leaf] = value
    elif leaf in set_keys:
        targets[0][leaf] = list(values)
    else:
        targets[0][leaf] = values[0]


def _person_fields(
    record: dict[str, Any], row, fields, std, set_keys: set[str], la_code: str
) -> dict[str, Any]:
    for f in fields:
        text = row.get(f.name, "")
        if text == "" or not f.path:
            continue
        values = [p.strip() for p in text.split(";") if p.strip()] if f.multi else [text]
        values = [_person_leaf(f, v) for v in values]
        _place(record, _path_parts(f.path.replace("{la_code}", la_code)), values, std, set_keys)
    return record


def person_records(frame, std, la_codes: dict[str, str] | None = None, with_skipped: bool = False):
    """Nested Person records: one per person row of a person standard.csv, with that person's links.

    A row with a related person (``relatedPersonId``, the standard's ``related_person`` role) is a
    link: it becomes one ``PersonRelationship`` in the ``relatedPerson`` array of its person's record
    (the first row of the same LA and person ID that is not a link), so a child's several links
    (mother, siblings) are one record; a link whose person has no record row of their own makes one
    record from the link row's other fields. The same link given twice is written once; a link with
    no relationship code (its code failed the check, so standard.csv holds it empty) is left out, as
    the standard requires one (``with_skipped=True`` also returns the source rows left out).

    ``la_codes`` maps the ``_la`` of a row to the 3-digit DfE LA number that the LA person ID's
    system URI is keyed on (``{la_code}`` in the standard file); without it the ``_la`` text is used.
    """
    raw_ld = std.raw.get("json_ld") or {}
    set_keys = set(raw_ld.get("set_keys") or [])
    types = raw_ld.get("types") or {}
    roles = std.roles
    person_f, related_f, relationship_f = (
        (r if isinstance(r, str) else r.field)
        for r in (roles.person, roles.related_person, roles.relationship)
    )
    link_section = std.field(related_f).section
    own = [f for f in std.fields if f.section != link_section]
    link = [f for f in std.fields if f.section == link_section]
    records: list[dict[str, Any]] = []
    holder: dict[tuple[str, str], dict[str, Any]] = {}
    pending: list[tuple[Any, str]] = []
    skipped: list[str] = []
    relationship_key = _path_parts(std.field(relationship_f).path)[-1][0]
    for _, row in frame.iterrows():
        la = row.get("_la", "")
        la_code = quote((la_codes or {}).get(la, la), safe="")
        if row.get(related_f, "") != "":
            pending.append((row, la_code))
            continue
        record = _person_fields(
            {"@type": types.get("person", "Person")}, row, std.fields, std, set_keys, la_code
        )
        records.append(record)
        if row.get(person_f, ""):
            holder.setdefault((la, row.get(person_f, "")), record)
    for row, la_code in pending:
        key = (row.get("_la", ""), row.get(person_f, ""))
        record = holder.get(key) if key[1] else None
        if record is None:
            record = _person_fields(
                {"@type": types.get("person", "Person")}, row, own, std, set_keys, la_code
            )
            records.append(record)
            if key[1]:
                holder[key] = record
        links = _person_fields({}, row, link, std, set_keys, la_code).get("relatedPerson", [])
        existing = record.setdefault("relatedPerson", [])
        for x in links:
            if not x.get(relationship_key):  # its code failed the check (findings.csv): not a valid link
                skipped.append(row.get("_source_row", ""))
            elif x not in existing:
                existing.append(x)
        if not existing:
            del record["relatedPerson"]
    return (records, skipped) if with_skipped else records


def export_jsonld(
    standard_csv_path: str | Path,
    standard: str,
    out_path: str | Path,
    *,
    version: str | None = None,
    la_codes: dict[str, str] | None = None,
) -> ExportReport:
    """Turn a ``standard.csv`` from ``kit check`` into a JSON-LD file of records (see the module doc).

    In: the standard.csv, ``placements`` or ``person``, and the file to write. Out: an
    :class:`ExportReport`. The file is one JSON object: the bundled official ``@context`` and an
    ``@graph`` holding one record per row.
    """
    from kit.core.errors import KitError

    if standard not in CONTEXT_FILES:
        raise KitError(f"JSON-LD export knows the placements and person standards, not {standard!r}.")
    src = Path(standard_csv_path)
    frame = _read_standard_csv(src)
    std = _version_of(frame, standard, version, src.name)
    if standard == "placements":
        if std.version != "1":
            raise KitError(
                f"{src.name} holds placements v{std.version} data, but the kit bundles the official JSON-LD "
                "context and SHACL shape of v1 only: check the LA's file as v1 (--version 1) to export it."
            )
        records, left_out = placement_records(frame, std)
        skipped, links = [], 0
    else:
        (records, skipped), left_out = person_records(frame, std, la_codes, with_skipped=True), []
        links = sum(len(r.get("relatedPerson", [])) for r in records)
    doc = {"@context": bundled_context(standard), "@graph": records}
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return ExportReport(out, standard, std.version, len(records), left_out, links, len(skipped))


__all__ = [
    "ExportReport",
    "bundled_context",
    "export_jsonld",
    "flatten_record",
    "person_records",
    "placement_records",
    "read_records",
]
