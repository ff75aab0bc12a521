"""A plausible correct value for a field, for workshops that practise the feedback loop."""

from __future__ import annotations

import datetime as dt

from kit.standards import Standard


def suggested_fix(std: Standard, field: str) -> str:
    """A value the standard accepts for ``field``, as an LA would type it in the template.

    The template's own example is used where the standard file records one; otherwise the
    first allowed code, ``true``, ``0``, a weekly cost or a date. For training only: a real fix
    is whatever is true for that child.
    """
    f = std.field(field)
    if f.identifier:  # never the template's example child (ABCD2012), which the kit rejects
        return "FIXED0001"
    example = f.example
    if isinstance(example, (dt.date, dt.datetime)):
        return example.strftime("%d/%m/%Y")
    if example not in (None, ""):
        return str(example)
    if f.type == "code":
        return std.codelists[f.codelist].values[0]
    if f.type == "boolean":
        return "true"  # every file's yes/no spellings accept it (kit.convert.values.TRUE_TEXT)
    if f.type == "integer":
        return "0"
    if f.type == "decimal":
        return "1250.00"
    if f.type == "date":
        return dt.date.today().replace(day=1).strftime("%d/%m/%Y")
    if f.type == "outward_code":
        return "QA1"
    return "fixed"
