"""Declared reference data: SSDA903 columns, codes and crosswalks, the Ofsted register's columns,
the postcode directory's columns (one YAML file each in this folder, each citing its public source).

    >>> from kit.standards import reference
    >>> r = reference.ssda903()
    >>> r.place["U4"].placement_type, r.commercial_type("U4", "PR4"), r.in_house("PR3")
    ('Foster', 'ifa', True)

Nothing outside ``kit/standards/`` spells a 903 code or an Ofsted or ONS column name: the region,
analysis and forecast stages read them from here, so a change of the 903 guide is one edit here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kit.core.errors import KitError

HERE = Path(__file__).parent


class ReferenceFileError(KitError):
    """A reference file is missing or does not fit together."""


def _read(name: str) -> dict[str, Any]:
    path = HERE / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceFileError(f"The reference file {path.name} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise ReferenceFileError(f"The reference file {path.name} does not hold a mapping.")
    return data


class Columns(dict):
    """Role -> column name of one table, also as attributes (``episodes.start`` is ``DECOM``)."""

    def __getattr__(self, role: str) -> str:
        try:
            return self[role]
        except KeyError:
            raise AttributeError(role) from None


@dataclass(frozen=True)
class PlaceCode:
    code: str
    label: str
    placement_type: str | None
    commercial: str | dict[str, str]
    registered: bool = False
    kinship: bool = False
    secure: bool = False


@dataclass(frozen=True)
class ProviderCode:
    code: str
    label: str
    sector: str
    in_house: bool | None


@dataclass(frozen=True)
class SSDA903:
    tables: dict[str, Columns]
    place: dict[str, PlaceCode]
    provider: dict[str, ProviderCode]
    commercial_types: dict[str, dict[str, Any]]
    rne_not_a_placement: tuple[str, ...]
    blank_provider_commercial: str
    age_bands: dict[str, int]
    care_ends_at_age: float
    sex: dict[str, str] = field(default_factory=dict)  # spelling (upper case) -> the kit's SEX code
    no_urn: tuple[str, ...] = ()
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def episodes(self) -> Columns:
        return self.tables["episodes"]

    @property
    def header(self) -> Columns:
        return self.tables["header"]

    @property
    def uasc(self) -> Columns:
        return self.tables["uasc"]

    @property
    def sex_codes(self) -> tuple[str, ...]:
        """The kit's SEX codes, in the file's order (``1``, ``2``, ``U``)."""
        return tuple(dict.fromkeys(self.sex.values()))

    def places(self, **flags: Any) -> tuple[str, ...]:
        """PLACE codes whose attributes equal ``flags`` (``places(kinship=True)``, ``places(placement_type="Foster")``)."""
        return tuple(p.code for p in self.place.values() if all(getattr(p, k) == v for k, v in flags.items()))

    def in_house(self, provider: str | None) -> bool | None:
        """The kit's one in-house rule (see ssda903.yaml): True, False, or None when not known."""
        p = self.provider.get(str(provider or "").strip().upper())
        return p.in_house if p else None

    def commercial_type(self, place: str | None, provider: str | None) -> str:
        """The forecast's commercial type of an episode (``other`` for a code not in the guide)."""
        p = self.place.get(str(place or "").strip().upper())
        if p is None:
            return "other" if "other" in self.commercial_types else list(self.commercial_types)[-1]
        if isinstance(p.commercial, str):
            return p.commercial
        flag = self.in_house(provider)
        if flag is None:
            return p.commercial[self.blank_provider_commercial]
        return p.commercial["in_house" if flag else "external"]


@dataclass(frozen=True)
class Register:
    columns: dict[str, str]
    active_statuses: tuple[str, ...]
    local_authority_sector: str
    provision_types: dict[str, str]
    secure_word: str


@dataclass(frozen=True)
class Districts:
    columns: dict[str, str]
    key: str
    required: tuple[str, ...]
    distance_bands: dict[str, float | None]
    near_miles: float


def _placement_types() -> set[str]:
    from kit import standards

    out: set[str] = set()
    for s, v in standards.available():
        if s == "placements":
            std = standards.load(s, v)
            out |= set(std.codes_for(std.roles.placement_type.field).values)
    return out


@functools.cache
def ssda903() -> SSDA903:
    """The SSDA903 reference (``kit/standards/reference/ssda903.yaml``), checked."""
    data = _read("ssda903")
    where = "ssda903.yaml"
    types = dict(data.get("commercial_types") or {})
    place: dict[str, PlaceCode] = {}
    ptypes = _placement_types()
    for code, spec in (data.get("PLACE") or {}).items():
        commercial = spec.get("commercial")
        targets = list(commercial.values()) if isinstance(commercial, dict) else [commercial]
        if isinstance(commercial, dict) and set(commercial) != {"in_house", "external"}:
            raise ReferenceFileError(
                f"{where}: PLACE {code} splits by {sorted(commercial)}; use in_house and external."
            )
        for t in targets:
            if t not in types:
                raise ReferenceFileError(
                    f"{where}: PLACE {code} has commercial type {t!r}, not in commercial_types."
                )
        pt = spec.get("placement_type")
        if pt is not None and pt not in ptypes:
            raise ReferenceFileError(
                f"{where}: PLACE {code} has placement_type {pt!r}, not a placementType code."
            )
        place[str(code)] = PlaceCode(
            code=str(code),
            label=str(spec.get("label") or ""),
            placement_type=pt,
            commercial=commercial,
            registered=bool(spec.get("registered", False)),
            kinship=bool(spec.get("kinship", False)),
            secure=bool(spec.get("secure", False)),
        )
    provider = {
        str(code): ProviderCode(
            str(code), str(s.get("label") or ""), str(s.get("sector") or ""), s.get("in_house")
        )
        for code, s in (data.get("PLACE_PROVIDER") or {}).items()
    }
    for t, spec in types.items():
        pt = (spec or {}).get("placement_type")
        if pt is not None and pt not in ptypes:
            raise ReferenceFileError(
                f"{where}: commercial type {t} has placement_type {pt!r}, not a placementType code."
            )
    sex: dict[str, str] = {}
    for code, spec in (data.get("SEX") or {}).items():
        for spelling in (code, *((spec or {}).get("variants") or ())):
            key = str(spelling).strip().upper()
            if sex.get(key, str(code)) != str(code):
                raise ReferenceFileError(f"{where}: SEX spelling {spelling!r} is given to two codes.")
            sex[key] = str(code)
    blank = str(data.get("blank_provider_commercial") or "in_house")
    if blank not in ("in_house", "external"):
        raise ReferenceFileError(f"{where}: blank_provider_commercial must be in_house or external.")
    return SSDA903(
        tables={t: Columns(cols) for t, cols in (data.get("tables") or {}).items()},
        place=place,
        provider=provider,
        commercial_types=types,
        rne_not_a_placement=tuple(str(c) for c in data.get("rne_not_a_placement") or ()),
        blank_provider_commercial=blank,
        age_bands={str(k): int(v) for k, v in (data.get("age_bands") or {}).items()},
        care_ends_at_age=float(data.get("care_ends_at_age") or 18),
        sex=sex,
        no_urn=tuple(str(u).strip().upper() for u in data.get("no_urn") or ()),
        raw=data,
    )


@functools.cache
def ofsted() -> Register:
    """The Ofsted register reference (``kit/standards/reference/ofsted.yaml``), checked."""
    data = _read("ofsted")
    ptypes = _placement_types()
    kinds = {str(k): str(v) for k, v in (data.get("provision_types") or {}).items()}
    bad = sorted(v for v in kinds.values() if v not in ptypes)
    if bad:
        raise ReferenceFileError(f"ofsted.yaml: provision_types map to {bad}, not placementType codes.")
    return Register(
        columns={str(k): str(v) for k, v in (data.get("columns") or {}).items()},
        active_statuses=tuple(str(s) for s in data.get("active_statuses") or ()),
        local_authority_sector=str(data.get("local_authority_sector") or ""),
        provision_types=kinds,
        secure_word=str(data.get("secure_word") or ""),
    )


@functools.cache
def postcodes() -> Districts:
    """The postcode-district reference (``kit/standards/reference/postcodes.yaml``), checked."""
    data = _read("postcodes")
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    required = tuple(str(c) for c in data.get("required") or ())
    missing = [c for c in required if c not in columns.values()]
    if missing:
        raise ReferenceFileError(f"postcodes.yaml: required columns {missing} are given by no header.")
    key = str(data.get("key") or "")
    if key not in required:
        raise ReferenceFileError(f"postcodes.yaml: key {key!r} is not one of the required columns.")
    return Districts(
        columns=columns,
        key=key,
        required=required,
        distance_bands={
            str(k): (None if v is None else float(v)) for k, v in (data.get("distance_bands") or {}).items()
        },
        near_miles=float(data.get("near_miles") or 20),
    )


def all_names() -> set[str]:
    """Every column name and code the reference files declare (for the guard test on literals)."""
    r, o, p = ssda903(), ofsted(), postcodes()
    names: set[str] = set()
    for cols in r.tables.values():
        names |= set(cols.values())
    names |= set(r.place) | set(r.provider) | set(r.rne_not_a_placement) | set(r.sex) | set(r.no_urn)
    names |= set(o.columns) | set(p.columns) | {p.key}
    return names


__all__ = ["ReferenceFileError", "all_names", "ofsted", "postcodes", "ssda903"]
