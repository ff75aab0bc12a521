"""The mapping file: what a user confirmed about one LA's files, saved as YAML and read back.

A :class:`Mapping` records the header map, value maps, standard version and date format of one
LA's files; :func:`save_mapping` writes it as a commented, versioned YAML file and
:func:`load_mapping` reads it back with one-sentence errors; :func:`check_mapping` refuses one
that names fields or codes the standard does not have. How columns are matched to fields is
:mod:`kit.mapping.suggest`. See ``guides/mapping.md``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kit import standards
from kit.core.errors import KitError
from kit.read.text import read_text
from kit.standards import Standard, normalise_header

MAPPING_FORMAT = 1


@dataclass
class Mapping:
    """What a user confirmed about one LA's files (saved as YAML).

    ``values`` maps a field to ``{source value: code}``; a code of ``None`` means "leave it as
    an error" (the user has seen the value and the LA must fix it), so it is never filled in.
    """

    standard: str = "placements"
    version: str = "auto"
    la: str = ""
    date_format: str = "day-first"
    columns: dict[str, str | None] = field(default_factory=dict)  # source header -> field (None = LA's own)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)  # field -> source value -> code
    sheet: str | None = None
    notes: str = ""
    path: Path | None = None

    def column_for(self, header: str) -> tuple[bool, str | None]:
        """(known, field) for a source header: known is False when the mapping never saw it."""
        if header in self.columns:
            return True, self.columns[header]
        key = normalise_header(header)
        for h, f in self.columns.items():
            if normalise_header(h) == key:
                return True, f
        return False, None

    @property
    def label(self) -> str:
        """How messages name this mapping: its file name, or 'The mapping' before it is saved."""
        return f"Mapping file {self.path.name}" if self.path else "The mapping"


def check_mapping(mapping: Mapping, std: Standard) -> None:
    """Refuse a mapping that names fields or codes the standard does not have (one sentence)."""
    names = set(std.field_names)
    for header, target in mapping.columns.items():
        if target and target not in names:
            raise KitError(
                f"{mapping.label} maps column {header!r} to {target!r}, which is not a field of {std.title}. "
                "Fix the name in the mapping file (see guides/mapping.md)."
            )
    for fname, values in mapping.values.items():
        if fname not in names:
            raise KitError(
                f"{mapping.label} has values for {fname!r}, which is not a field of {std.title}. "
                "Fix the field name under 'values:' in the mapping file."
            )
        codes = std.codes_for(fname)
        if codes is None:
            raise KitError(
                f"{mapping.label} has values for {fname}, which is not a coded field, so values cannot be "
                "mapped. Remove it from 'values:' in the mapping file."
            )
        for source, target in values.items():
            if target is not None and codes.canonical(target) is None:
                allowed = ", ".join(codes.values)
                raise KitError(
                    f"{mapping.label} maps {fname} value {source!r} to {target!r}, which is not one of its "
                    f"codes ({allowed}). Fix it in the mapping file."
                )


HEADER_COMMENT = """\
# Mapping of one LA's {standard} files to the national standard, made with the kit.
# Edit it by hand or in notebooks/01_load_and_map.ipynb; the kit applies it unattended next
# quarter and warns about any column or value it has not seen before.
#   columns: source column name -> standard field (null = keep as the LA's own extra column)
#   values:  standard field -> {{source value: canonical code}} for values the kit does not know
#            (null = leave the value as an error for the LA to fix)
#   date_format: day-first (12/02/2024 is 12 February) or iso (2024-02-12)
"""


def _yaml_scalar(value: object) -> str:
    """One YAML scalar on one line, quoted only when YAML needs it (``'Yes'``, ``'12'``)."""
    if value is None:
        return "null"
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10**9, default_flow_style=True)
    line = dumped.removesuffix("\n").removesuffix("\n...")
    if "\n" in line:  # a header with a line break: JSON's quoting is valid YAML
        return json.dumps(value, ensure_ascii=False)
    return line


def _standard_for(mapping: Mapping) -> Standard | None:
    """The standard the mapping is for (for the comments in its file), if the kit knows it."""
    try:
        version = (
            mapping.version
            if mapping.version not in ("", "auto")
            else standards.versions(mapping.standard)[-1]
        )
        return standards.load(mapping.standard, version)
    except (KitError, IndexError):
        return None


def _mapping_lines(mapping: Mapping) -> list[str]:
    """The ``columns:`` and ``values:`` sections, with a comment naming each field."""
    std = _standard_for(mapping)
    titles = {f.name: f.title for f in std.fields} if std else {}
    lines = ["columns:" if mapping.columns else "columns: {}"]
    width = max((len(_yaml_scalar(h)) + len(_yaml_scalar(f)) for h, f in mapping.columns.items()), default=0)
    for header, target in mapping.columns.items():
        entry = f"  {_yaml_scalar(header)}: {_yaml_scalar(target)}"
        note = titles.get(target, target) if target else "kept as the LA's own column"
        lines.append(f"{entry:<{width + 4}}  # {note}")
    values = {k: v for k, v in mapping.values.items() if v}
    lines.append("values:" if values else "values: {}")
    for fname, pairs in values.items():
        codes = std.codes_for(fname) if std and std.has_field(fname) else None
        note = f"  # {titles.get(fname, fname)}: " + " | ".join(codes.values) if codes else ""
        lines.append(f"  {_yaml_scalar(fname)}:{note}")
        for source, target in pairs.items():
            lines.append(f"    {_yaml_scalar(source)}: {_yaml_scalar(target)}")
    return lines


def save_mapping(mapping: Mapping, path: str | Path) -> Path:
    """Write the mapping as a commented, versioned YAML file; returns its path.

    The file reads top to bottom as: format and date, standard and version, LA, date format,
    then ``columns:`` (each with a comment naming the field) and ``values:``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {
        "kit_mapping_format": MAPPING_FORMAT,
        "saved": dt.date.today().isoformat(),
        "standard": mapping.standard,
        "version": mapping.version,
        "la": mapping.la,
        "date_format": mapping.date_format,
    }
    if mapping.sheet:
        head["sheet"] = mapping.sheet
    if mapping.notes:
        head["notes"] = mapping.notes
    lines = [f"{key}: {_yaml_scalar(value)}" for key, value in head.items()]
    text = (
        HEADER_COMMENT.format(standard=mapping.standard)
        + "\n".join([*lines, *_mapping_lines(mapping)])
        + "\n"
    )
    path.write_text(text, encoding="utf-8")
    mapping.path = path
    return path


def _bad(path: Path, what: str) -> KitError:
    return KitError(f"Mapping file {path.name}: {what} Fix it, or save it again from the notebook.")


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file written by :func:`save_mapping` (or by hand); one-line errors if broken."""
    path = Path(path)
    if not path.exists():
        raise KitError(f"Mapping file {path} does not exist. Check the path, or run without --mapping.")
    text = read_text(path, what="Mapping file").text  # any folder, pipe or binary file: one sentence
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where else ""
        raise KitError(
            f"Mapping file {path.name} is not valid YAML{line}. Fix it or save it again from the notebook."
        ) from None
    if not isinstance(data, dict):
        raise KitError(f"Mapping file {path.name} does not hold a mapping. Save it again from the notebook.")
    fmt = data.get("kit_mapping_format", MAPPING_FORMAT)
    if fmt != MAPPING_FORMAT:
        raise KitError(
            f"Mapping file {path.name} has format {fmt}; this kit reads format {MAPPING_FORMAT}. "
            "Save the mapping again from notebooks/01_load_and_map.ipynb with this kit."
        )
    date_format = data.get("date_format", "day-first")
    if date_format not in ("day-first", "iso"):
        raise KitError(
            f"Mapping file {path.name}: date_format must be 'day-first' or 'iso', not {date_format!r}."
        )
    columns = data.get("columns") or {}
    if not isinstance(columns, dict) or not all(v is None or isinstance(v, str) for v in columns.values()):
        raise _bad(path, "'columns' must map each source column name to a field name (or null).")
    values = data.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise _bad(path, "'values' must map each field to {source value: code}.")
    for pairs in values.values():
        if not all(v is None or isinstance(v, (str, int, float, bool)) for v in pairs.values()):
            raise _bad(path, "each entry under 'values' must be 'source value: code'.")
    sheet = data.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        raise _bad(path, "'sheet' must be the name of a sheet.")
    return Mapping(
        standard=str(data.get("standard", "placements")),
        version=str(data.get("version", "auto")),
        la=str(data.get("la") or ""),
        date_format=date_format,
        columns={str(k): (str(v) if v else None) for k, v in columns.items()},
        values={
            str(f): {str(k): (str(v) if v is not None else None) for k, v in m.items()}
            for f, m in values.items()
        },
        sheet=sheet,
        notes=str(data.get("notes") or ""),
        path=path,
    )


def mapping_from_matches(
    matches: list, std: Standard, la: str = "", existing: Mapping | None = None
) -> Mapping:
    """A mapping that records the current column matches (for saving after review)."""
    mapping = existing or Mapping()
    mapping.standard, mapping.version = std.standard, std.version
    if la:
        mapping.la = la
    seen: set[str] = set()
    for m in matches:
        # A header that appears twice is one entry in the file: the first column's (a second
        # "child_ID" must not overwrite the first with null and lose every child ID next quarter).
        if m.header.strip() and m.header not in seen:
            mapping.columns[m.header] = m.field if m.how not in ("unmapped", "duplicate") else None
            seen.add(m.header)
    return mapping
