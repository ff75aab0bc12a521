"""The national standards, read from the declarative files in this folder.

Each standard version is one YAML file (``placements-v1.yaml``, ``person-v1.0.0.yaml``...); the
format is described in ``FORMAT.md`` beside them. Everything else in the kit derives from what
``load`` returns, so a new version of a standard is one new file and nothing else.

    >>> from kit import standards
    >>> v1 = standards.load("placements", "1")
    >>> v1.field("neededBy").codelist
    'PlacementUrgency'
    >>> v1.codelists["PlacementUrgency"].canonical("< 5days")
    '< 5 days'
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kit.core.errors import KitError

HERE = Path(__file__).parent

FIELD_TYPES = {
    "string",
    "code",
    "boolean",
    "integer",
    "decimal",
    "date",
    "outward_code",
    # person standard
    "nhs_number",
    "upn",
    "uln",
    "postcode",
    "accuracy_indicator",
}
SEVERITIES = {"error", "warning"}
RULE_KINDS = {
    # kind: the parameters that name fields of the standard
    "range": ("field",),
    "required_if": ("field", "when.field"),
    "only_if": ("field", "when.field"),
    "consistent": ("field", "when.field"),
    "not_greater_than": ("field", "other"),
    "sum_equals": ("fields", "total"),
    "count_of_value": ("fields",),
    "exclusive_code": ("field",),
    "date_order": ("earlier", "later"),
    "not_future": ("fields",),
    "unique_rows": (),
    "unique_key": ("fields",),
    "required_together": ("field", "requires"),
    # person standard
    "check_digit": ("field",),
    "consistent_deceased": (),
    "plausible_age": ("field",),
    "accuracy_consistent": (),
    "relationship_link": ("field",),  # a link judged against the other rows (kit.person.relationships)
}


class StandardFileError(KitError):
    """A standard file is missing, unreadable or does not follow FORMAT.md."""


def normalise_code(value: str) -> str:
    """The key codes and their variants are compared on.

    Case, spaces and a stray trailing comma never matter (``Risk Present`` = ``Risk present``,
    ``< 5days`` = ``< 5 days``, ``Suitable but not preferred,`` = ``Suitable but not preferred``).
    """
    text = str(value).replace("\u00a0", " ").strip().rstrip(",").strip()
    return re.sub(r"\s+", "", text).casefold()


def normalise_header(value: str) -> str:
    """The key column headers are compared on: letters and digits only, case-folded.

    ``Date_entry_referral``, ``date entry referral`` and ``DATE-ENTRY-REFERRAL`` are the same.
    """
    return re.sub(r"[^0-9a-z]", "", str(value).replace("\ufeff", "").casefold())


@dataclass(frozen=True)
class Code:
    code: str
    label: str = ""
    concept: str = ""
    definition: str = ""
    variants: tuple[str, ...] = ()


@dataclass
class CodeList:
    name: str
    title: str
    codes: list[Code]
    scheme: str = ""
    prefix: str = ""
    _lookup: dict[str, str] = field(default_factory=dict, repr=False)
    _exact: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Canonical codes first, so that a variant can never shadow a real code; an exact
        # spelling beats a case-folded one (the label "Son" of SONC is not the code SON).
        for c in self.codes:
            self._exact[c.code] = c.code
            self._lookup[normalise_code(c.code)] = c.code
        for c in self.codes:
            for spelling in (c.label, c.concept, *c.variants):
                if spelling:
                    self._exact.setdefault(spelling.strip(), c.code)
                    self._lookup.setdefault(normalise_code(spelling), c.code)

    @property
    def values(self) -> list[str]:
        """The canonical codes, in the standard's order."""
        return [c.code for c in self.codes]

    def canonical(self, value: str) -> str | None:
        """The canonical code for a code or any known spelling of it, else ``None``."""
        exact = self._exact.get(str(value).strip())
        return exact if exact is not None else self._lookup.get(normalise_code(value))

    def is_exact(self, value: str) -> bool:
        return value in self.values


@dataclass
class Field:
    name: str
    section: str
    title: str
    description: str
    type: str
    required: bool
    cardinality: str = ""
    columns: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    codelist: str | None = None
    multi: bool = False
    na_means_empty: bool = True
    invert_from_template: bool = False
    internal: bool = False
    identifier: bool = False
    personal: bool = False
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    max_length: int | None = None
    example: Any = None
    path: str | None = None
    required_in: tuple[str, ...] = ()

    @property
    def header_names(self) -> tuple[str, ...]:
        """Every header this field is known by: property name, template columns, aliases."""
        return (self.name, *self.columns, *self.aliases)


@dataclass
class Layout:
    id: str
    title: str
    format: str
    columns: list[str]
    sheet: str | None = None
    ignore_sheets: tuple[str, ...] = ()
    section_row: int | None = None
    header_row: int = 1
    question_row: int | None = None
    example_rows: tuple[int, ...] = ()
    example_child_id: str | None = None
    missing_by_design: tuple[str, ...] = ()
    file: str | None = None
    notes: str = ""


@dataclass
class Rule:
    id: str
    kind: str
    severity: str
    message: str
    source: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def fields(self) -> list[str]:
        """The standard fields this rule reads."""
        names: list[str] = []
        for key in RULE_KINDS.get(self.kind, ()):
            value: Any = self.params
            for part in key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, str):
                names.append(value)
            elif isinstance(value, list):
                names.extend(value)
        return names


@dataclass(frozen=True)
class Role:
    """One role a later stage needs (``risks``, ``placement_type``...): the field(s) that play it
    and the codes it means (``risks.code("present")`` is ``Risk present``).

    ``field``: the one field (or ``None``); ``fields``: every field, in order; ``by``: key -> field
    when the role's fields are keyed (``suitability.by["foster"]``); ``codes``: key -> code.
    """

    name: str
    field: str | None = None
    fields: tuple[str, ...] = ()
    by: dict[str, str] = dataclasses.field(default_factory=dict)
    codes: dict[str, str] = dataclasses.field(default_factory=dict)

    def code(self, key: str) -> str:
        try:
            return self.codes[key]
        except KeyError:
            raise KeyError(f"The role {self.name} names no code {key!r}") from None


class Roles(dict):
    """Role name -> field name (a plain role) or :class:`Role`; also as attributes (``roles.total_cost``)."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no role {name!r} (see the roles: block of the standard file)") from None


def _role(name: str, spec: Any, where: str) -> str | Role:
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict):
        raise StandardFileError(f"{where}: role {name} must be a field name or a mapping (FORMAT.md, roles).")
    unknown = set(spec) - {"field", "fields", "codes", "rule"}
    if unknown:
        raise StandardFileError(f"{where}: role {name} has unknown keys {sorted(unknown)}.")
    fields_spec = spec.get("fields")
    by = {str(k): str(v) for k, v in fields_spec.items()} if isinstance(fields_spec, dict) else {}
    fields_ = tuple(by.values()) if by else tuple(str(f) for f in _tuple(fields_spec))
    one = spec.get("field")
    if one is not None:
        fields_ = (str(one), *fields_)
    codes = {str(k): str(v) for k, v in (spec.get("codes") or {}).items()}
    if spec.get("rule") is not None:
        codes["rule"] = str(spec["rule"])
    return Role(name=name, field=str(one) if one is not None else None, fields=fields_, by=by, codes=codes)


@dataclass
class Standard:
    standard: str
    version: str
    full_version: str
    title: str
    status: str
    summary: str
    path: Path
    fields: list[Field]
    codelists: dict[str, CodeList]
    layouts: list[Layout]
    rules: list[Rule]
    sections: list[dict[str, str]]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    roles: Roles = field(default_factory=Roles)

    @property
    def name(self) -> str:
        return f"{self.standard} v{self.version}"

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    def has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    def optional_sections(self) -> set[str]:
        """Sections (parts of the record) that may be absent, e.g. the actual placement (0..1)."""
        return {s["id"] for s in self.sections if str(s.get("cardinality", "1")).startswith("0")}

    def section_fields(self, section: str) -> list[str]:
        return [f.name for f in self.fields if f.section == section]

    def layout(self, layout_id: str) -> Layout:
        for lay in self.layouts:
            if lay.id == layout_id:
                return lay
        raise KeyError(f"{self.name} has no layout {layout_id!r}")

    def codes_for(self, field_name: str) -> CodeList | None:
        f = self.field(field_name)
        return self.codelists.get(f.codelist) if f.codelist else None

    def header_index(self) -> dict[str, str]:
        """Normalised header -> field name, for every name a column of this standard goes by."""
        index: dict[str, str] = {}
        for f in self.fields:  # property names and template columns win over aliases
            for name in (f.name, *f.columns):
                index.setdefault(normalise_header(name), f.name)
        for f in self.fields:
            for name in f.aliases:
                index.setdefault(normalise_header(name), f.name)
        return index


# ---------------------------------------------------------------------------------------------
# Reading the files


def _files() -> dict[tuple[str, str], Path]:
    found: dict[tuple[str, str], Path] = {}
    for path in sorted(HERE.glob("*-v*.yaml")):
        standard, _, version = path.stem.partition("-v")
        found[(standard, version)] = path
    return found


def available() -> list[tuple[str, str]]:
    """(standard, version) pairs the kit knows, e.g. ``[("person", "1.0.0"), ("placements", "0.1"), ...]``."""
    return sorted(_files())


def versions(standard: str) -> list[str]:
    return [v for s, v in available() if s == standard]


def _version_key(version: str) -> tuple[str, ...]:
    """``1``, ``1.0`` and ``1.0.0`` are the same version; ``0.1`` and ``1`` are not."""
    parts = version.split(".")
    while len(parts) > 1 and parts[-1] == "0":
        parts.pop()
    return tuple(parts)


def resolve_version(standard: str, version: str) -> str:
    """The file version for a version a user typed (``1``, ``1.0``, ``1.0.0``, ``v1`` ...)."""
    wanted = str(version).strip().lower().removeprefix("v")
    known = versions(standard)
    if not known:
        names = ", ".join(sorted({s for s, _ in available()}))
        raise StandardFileError(f"The kit has no standard called {standard!r}. Known standards: {names}.")
    if wanted in known:
        return wanted
    for v in known:
        data = _read(standard, v)
        spellings = {str(data.get("full_version", "")), *map(str, data.get("aliases_of_version", []))}
        if wanted in spellings or _version_key(wanted) == _version_key(v):
            return v
    raise StandardFileError(
        f"The kit does not know {standard} version {version!r}. Known versions: {', '.join(known)}."
    )


@functools.cache
def _read(standard: str, version: str) -> dict[str, Any]:
    path = _files().get((standard, version))
    if path is None:
        raise StandardFileError(f"No standard file for {standard} v{version} in {HERE}.")
    try:
        # The C loader (when PyYAML has it) reads the standard files three times faster.
        data = yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except yaml.YAMLError as exc:
        raise StandardFileError(f"{path.name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise StandardFileError(f"{path.name} does not hold a standard (expected a mapping at the top).")
    return data


def _tuple(value: Any) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _codelist(name: str, spec: dict[str, Any], where: str) -> CodeList:
    codes = []
    for item in spec.get("codes") or []:
        if not isinstance(item, dict) or "code" not in item:
            raise StandardFileError(f"{where}: code list {name} has an entry without 'code'.")
        codes.append(
            Code(
                code=str(item["code"]),
                label=str(item.get("label") or ""),
                concept=str(item.get("concept") or ""),
                definition=str(item.get("definition") or ""),
                variants=tuple(str(v) for v in _tuple(item.get("variants"))),
            )
        )
    if not codes:
        raise StandardFileError(f"{where}: code list {name} has no codes.")
    return CodeList(
        name=name,
        title=str(spec.get("title") or name),
        codes=codes,
        scheme=str(spec.get("scheme") or ""),
        prefix=str(spec.get("prefix") or ""),
    )


def _field(spec: dict[str, Any], where: str) -> Field:
    try:
        name = spec["name"]
    except (KeyError, TypeError):
        raise StandardFileError(f"{where}: a field has no 'name'.") from None
    ftype = spec.get("type")
    if ftype not in FIELD_TYPES:
        raise StandardFileError(
            f"{where}: field {name} has type {ftype!r}; use one of {sorted(FIELD_TYPES)}."
        )
    return Field(
        name=str(name),
        section=str(spec.get("section") or ""),
        title=str(spec.get("title") or name),
        description=" ".join(str(spec.get("description") or "").split()),
        type=ftype,
        required=bool(spec.get("required", False)),
        cardinality=str(spec.get("cardinality") or ""),
        columns=tuple(str(c) for c in _tuple(spec.get("columns"))),
        aliases=tuple(str(c) for c in _tuple(spec.get("aliases"))),
        codelist=spec.get("codelist"),
        multi=bool(spec.get("multi", False)),
        na_means_empty=bool(spec.get("na_means_empty", True)),
        invert_from_template=bool(spec.get("invert_from_template", False)),
        internal=bool(spec.get("internal", False)),
        identifier=bool(spec.get("identifier", False)),
        personal=bool(spec.get("personal", False)),
        min=spec.get("min"),
        max=spec.get("max"),
        pattern=spec.get("pattern"),
        max_length=spec.get("max_length"),
        example=spec.get("example"),
        path=spec.get("path"),
        required_in=tuple(_tuple(spec.get("required_in"))),
    )


def _layout(spec: dict[str, Any], where: str) -> Layout:
    if "id" not in spec or "columns" not in spec:
        raise StandardFileError(f"{where}: every layout needs an 'id' and its 'columns'.")
    return Layout(
        id=str(spec["id"]),
        title=str(spec.get("title") or spec["id"]),
        format=str(spec.get("format") or "csv"),
        columns=[str(c) for c in spec["columns"]],
        sheet=spec.get("sheet"),
        ignore_sheets=tuple(_tuple(spec.get("ignore_sheets"))),
        section_row=spec.get("section_row"),
        header_row=int(spec.get("header_row") or 1),
        question_row=spec.get("question_row"),
        example_rows=tuple(int(r) for r in _tuple(spec.get("example_rows"))),
        example_child_id=spec.get("example_child_id"),
        missing_by_design=tuple(_tuple(spec.get("missing_by_design"))),
        file=spec.get("file"),
        notes=" ".join(str(spec.get("notes") or "").split()),
    )


def _rule(spec: dict[str, Any], where: str) -> Rule:
    rid = spec.get("id")
    kind = spec.get("kind")
    if not rid or kind not in RULE_KINDS:
        raise StandardFileError(f"{where}: rule {rid!r} has kind {kind!r}; use one of {sorted(RULE_KINDS)}.")
    severity = spec.get("severity")
    if severity not in SEVERITIES:
        raise StandardFileError(f"{where}: rule {rid} has severity {severity!r}; use 'error' or 'warning'.")
    params = {k: v for k, v in spec.items() if k not in {"id", "kind", "severity", "message", "source"}}
    variant = params.get("if_text_column_missing_by_design")
    if variant is not None and (
        kind != "required_if"
        or not isinstance(variant, dict)
        or variant.get("severity") not in SEVERITIES
        or not variant.get("message")
    ):
        raise StandardFileError(
            f"{where}: rule {rid} has an if_text_column_missing_by_design that is not a severity and a "
            "message on a required_if rule; see FORMAT.md."
        )
    return Rule(
        id=str(rid),
        kind=kind,
        severity=severity,
        message=" ".join(str(spec.get("message") or "").split()),
        source=str(spec.get("source") or ""),
        params=params,
    )


def _check(std: Standard) -> None:
    """Refuse a file whose parts do not fit together, naming what to fix."""
    where = std.path.name
    names = std.field_names
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise StandardFileError(f"{where}: fields defined twice: {', '.join(dupes)}.")
    for f in std.fields:
        if f.type == "code" and f.codelist not in std.codelists:
            raise StandardFileError(
                f"{where}: field {f.name} uses code list {f.codelist!r}, which is not defined."
            )
        if f.codelist and f.codelist not in std.codelists:
            raise StandardFileError(
                f"{where}: field {f.name} uses code list {f.codelist!r}, which is not defined."
            )
    for r in std.rules:
        for name in r.fields():
            if name not in names:
                raise StandardFileError(f"{where}: rule {r.id} refers to {name!r}, which is not a field.")
    ids = [r.id for r in std.rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise StandardFileError(f"{where}: rules defined twice: {', '.join(dupes)}.")
    rule_ids = set(ids)
    for name, role in std.roles.items():
        used = [role] if isinstance(role, str) else list(role.fields)
        for f in used:
            if f not in names:
                raise StandardFileError(f"{where}: role {name} names {f!r}, which is not a field.")
        if isinstance(role, Role):
            for key, code in role.codes.items():
                if key == "rule":
                    if code not in rule_ids:
                        raise StandardFileError(
                            f"{where}: role {name} names rule {code!r}, which is not a rule."
                        )
                    continue
                lists = {std.field(f).codelist for f in role.fields}
                if not role.fields or None in lists:
                    raise StandardFileError(
                        f"{where}: role {name} names code {code!r} but its fields have no code list."
                    )
                for cl in lists:
                    if code not in std.codelists[cl].values:
                        raise StandardFileError(
                            f"{where}: role {name} names {code!r}, which is not a code of {cl}."
                        )
    index = std.header_index()
    for lay in std.layouts:
        unknown = [c for c in lay.columns if normalise_header(c) not in index]
        if unknown:
            raise StandardFileError(
                f"{where}: layout {lay.id} has columns no field claims: {', '.join(unknown)}."
            )


@functools.cache
def load(standard: str = "placements", version: str = "1") -> Standard:
    """The standard ``standard`` at ``version`` (``load("placements", "1")``, ``load("person", "1.0.0")``)."""
    version = resolve_version(standard, version)
    return _build(_read(standard, version), _files()[(standard, version)])


def load_path(path: str | Path) -> Standard:
    """A standard file anywhere on disk (to try a new version before adding it to the kit)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise StandardFileError(f"{path.name} cannot be read as YAML: {exc}") from None
    if not isinstance(data, dict):
        raise StandardFileError(f"{path.name} does not hold a standard (expected a mapping at the top).")
    return _build(data, path)


def _build(data: dict[str, Any], path: Path) -> Standard:
    where = path.name
    for key in ("standard", "version", "fields"):
        if key not in data:
            raise StandardFileError(f"{where} has no '{key}' (see kit/standards/FORMAT.md).")
    standard, version = str(data["standard"]), str(data["version"])
    std = Standard(
        standard=standard,
        version=version,
        full_version=str(data.get("full_version") or version),
        title=str(data.get("title") or f"{standard} v{version}"),
        status=str(data.get("status") or ""),
        summary=" ".join(str(data.get("summary") or "").split()),
        path=path,
        fields=[_field(f, where) for f in data.get("fields") or []],
        codelists={n: _codelist(n, s, where) for n, s in (data.get("codelists") or {}).items()},
        layouts=[_layout(x, where) for x in data.get("layouts") or []],
        rules=[_rule(r, where) for r in data.get("rules") or []],
        sections=list(data.get("sections") or []),
        raw=data,
        roles=Roles({str(n): _role(str(n), r, where) for n, r in (data.get("roles") or {}).items()}),
    )
    if not std.fields:
        raise StandardFileError(f"{where} defines no fields.")
    _check(std)
    return std


def common_roles(standard: str = "placements") -> Roles:
    """The roles every version of ``standard`` gives the same fields and codes (what pooled data of
    mixed versions can rely on); a role that differs between versions (``start_date``: v1's
    ``placementDate``, v2's ``placementStartDate``) is left out: read it from each version's roles."""
    stds = [load(s, v) for s, v in available() if s == standard]
    if not stds:
        raise StandardFileError(f"The kit has no standard called {standard!r}.")
    first = stds[0].roles
    return Roles({n: r for n, r in first.items() if all(s.roles.get(n) == r for s in stds[1:])})


def all_names() -> set[str]:
    """Every field name and code of every standard file (for the guard test on string literals)."""
    names: set[str] = set()
    for s, v in available():
        std = load(s, v)
        names |= set(std.field_names)
        for cl in std.codelists.values():
            names |= set(cl.values)
    return names


def all_layouts() -> list[tuple[Standard, Layout]]:
    """Every file layout of every version, for template detection."""
    return [(std, lay) for s, v in available() for std in [load(s, v)] for lay in std.layouts]


def summary_table():
    """One row per standard version the kit knows (a pandas DataFrame, for notebooks and reports)."""
    import pandas as pd

    rows = []
    for name, version in available():
        std = load(name, version)
        rows.append(
            {
                "standard": name,
                "version": std.full_version,
                "status": std.status,
                "fields": len(std.fields),
                "required fields": sum(f.required for f in std.fields),
                "code lists": len(std.codelists),
                "rules": len(std.rules),
                "title": std.title,
            }
        )
    return pd.DataFrame(rows)
