"""JSON-LD records of the standards, to and from the kit's flat rows.

A placements record nests its parts (``placementAvailability``, ``actualPlacement``...); the
kit's standard table is flat, one column per property. :func:`flatten_record` turns a record
into a flat row of text cells, headed by property names, which the normal mapping and checks
then read like any LA's file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, list):
        return data
    if "@graph" in data:
        return list(data["@graph"])
    return [data]
