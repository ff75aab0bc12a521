"""Conversion plug-ins: how a standard with types of its own reads them (the person standard's NHS numbers).

The shared converters (``kit.convert.values``) know the types every standard uses: codes, yes/no,
whole numbers, amounts, dates, outward codes, text. A standard that needs more declares a plug-in
module in its standard file (``plugin: kit.person.plugin``); that module registers here, under the
standard's name,

* a **column converter factory**: ``factory(field, standard, context)`` returns the function that
  converts one cell of that field (text in, :class:`kit.convert.values.Outcome` out), or ``None``
  to leave the field to the shared converters;
* a **table step**: ``step(view)`` runs on one file once its columns are converted and returns the
  values the kit fills in for fields with no column of their own, and their findings.

Nothing here knows any standard by name; :func:`load_plugin` imports what the standard file names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_CONVERTERS: dict[str, Callable[..., Any]] = {}
_TABLE_STEPS: dict[str, Callable[..., Any]] = {}


@dataclass(frozen=True)
class ColumnContext:
    """What a converter may need to know about the source column besides its cells."""

    header: str = ""
    invert: bool = False
    date_format: str = "day-first"
    user_values: dict[str, str | None] | None = None


@dataclass(frozen=True)
class TableView:
    """One converted file, read-only, for a table step: the kept rows and their columns."""

    standard: Any
    la: str
    source_file: str
    header_row: int
    matches: list  # the applied column matches (kit.mapping.suggest.ColumnMatch)
    raw: Any  # the source cells of the kept rows (pandas DataFrame, columns by position)


@dataclass(frozen=True)
class Derived:
    """What a table step fills in: field -> one value for every kept row, and the findings saying so."""

    values: dict[str, str] = field(default_factory=dict)
    findings: list = field(default_factory=list)


def register_converters(standard: str, factory: Callable[..., Any]) -> None:
    _CONVERTERS[standard] = factory


def register_table_step(standard: str, step: Callable[[TableView], Derived]) -> None:
    _TABLE_STEPS[standard] = step


def converter_factory(standard: str) -> Callable[..., Any] | None:
    return _CONVERTERS.get(standard)


def table_step(standard: str) -> Callable[[TableView], Derived] | None:
    return _TABLE_STEPS.get(standard)


def load_plugin(std) -> None:
    """Import the plug-in module the standard file names (``plugin:``), once; it registers itself."""
    module = (getattr(std, "raw", None) or {}).get("plugin")
    if module:
        importlib.import_module(str(module))


__all__ = [
    "ColumnContext",
    "Derived",
    "TableView",
    "converter_factory",
    "load_plugin",
    "register_converters",
    "register_table_step",
    "table_step",
]
