"""The region's configuration file (``region.yml``): which LAs, which files, where outputs go.

In: the path of a YAML file. Out: a :class:`RegionConfig` with every path resolved (relative paths
are relative to the YAML file's folder, ``~`` is the user's home, ``*`` patterns are expanded) and
checked to exist. Anything wrong is one :class:`~kit.core.errors.KitError` sentence naming the file and
the key at fault, so a regional lead can fix the YAML without reading Python.

The layout (``guides/regional-dataset.md`` shows an annotated copy)::

    region: Esterhold               # the region's name, used in titles (or name:)
    code: ZR1                       # the region's code (ONS rgn code in the postcode file)
    period: {start: 2025-04-01, end: 2026-09-30}   # the quarters the returns cover
                                    # (or period_start: / period_end:)
    output: ../outputs/region       # where `python -m kit run` writes (``--out`` overrides)
    reference:
      ofsted_register: reference/ofsted_providers.csv
      postcode_districts: reference/postcode_districts.csv
    privacy:
      key_env: KIT_PSEUDONYM_KEY    # environment variable holding the key (read first)
      key_file: ~/.config/csc-kit/region.key   # or a key file OUTSIDE the kit's folder
      suppress_below: 5             # small-number threshold for anything published
      free_text: withhold           # or keep: the v1 "...Other" free-text fields
    matching:
      window_days: 7                # v1 placement date vs 903 DECOM tolerance (days either side)
    capacity:                       # optional: places held are counted on this date (default: the
      date: 2026-09-30              # period end), and the region's own capacity files, if it has them
      in_house_fostering: capacity/in_house_fostering.csv   # la, households, places, vacancies
      block_contracts: capacity/block_contracts.csv         # la, placement_type, beds, vacancies
    las:
      - code: Z01
        name: Kestlebury
        ons_code: Z01               # optional: the LA's code in the postcode file (default: code)
        placements: [placements/Z01/*.csv]
        placements_version: "1"     # or auto
        mapping: mappings/Z01.yml   # optional
        ssda903:                    # lists, patterns, or one folder holding <year>/episodes.csv...
          header: [ssda903/Z01/*/header.csv]
          episodes: [ssda903/Z01/*/episodes.csv]
          uasc: [ssda903/Z01/*/uasc.csv]

The reference and privacy keys may also sit at the top level (``ofsted_register: ...``). Keys the
kit does not know are reported in ``RegionConfig.notes`` (not an error: a region may keep its own
notes in the file).
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kit import standards
from kit.core.errors import KitError
from kit.core.paths import LA_CODE_RULE, OUTPUTS, is_safe_code

DEFAULT_KEY_ENV = "KIT_PSEUDONYM_KEY"
DEFAULT_SUPPRESS_BELOW = 5
MIN_SUPPRESS_BELOW = 3  # below this, a published count could be 1 or 2 children: the run refuses
# Why 7: see kit/region/join.py (the v1 placement date is the date the placement was agreed, which
# sits within days of the 903 DECOM; a week either side covers it without reaching the next move).
DEFAULT_WINDOW_DAYS = 7
SSDA903_TABLES = ("header", "episodes", "uasc")
CAPACITY_KINDS = ("in_house_fostering", "block_contracts")
"""The region's optional capacity files under ``capacity:`` (columns: kit.analysis.availability)."""

_TOP_KEYS = {
    "name", "region", "code", "ons_code", "period", "period_start", "period_end", "output", "las", "reference", "privacy",
    "matching", "ofsted_register", "postcode_districts", "key_env", "key_file", "suppress_below",
    "free_text", "window_days", "description", "notes", "capacity",
}  # fmt: skip
_LA_KEYS = {
    "code", "name", "ons_code", "placements", "placements_version", "version", "mapping", "persons",
    "person_mapping", "relationships", "relationship_mapping", "ssda903", "notes",
}  # fmt: skip


@dataclass
class LAConfig:
    """One LA of the region and its files."""

    code: str
    name: str
    placements: list[Path]
    placements_version: str = "auto"
    mapping: Path | None = None
    persons: Path | None = None
    person_mapping: Path | None = None
    # Family members and links between people (kit.person.relationships), checked with ``persons``.
    relationships: tuple[Path, ...] = ()
    relationship_mapping: Path | None = None
    ssda903: dict[str, list[Path]] = field(default_factory=lambda: {t: [] for t in SSDA903_TABLES})
    ons_code: str = ""  # the LA's code in the postcode-district file (oslaua); default: code

    def __post_init__(self) -> None:
        self.ons_code = self.ons_code or self.code


@dataclass
class RegionConfig:
    """Everything ``region.yml`` says, with paths resolved and checked."""

    name: str
    code: str
    period_start: dt.date | None
    period_end: dt.date | None
    las: list[LAConfig]
    ofsted_register: Path
    postcode_districts: Path
    key_env: str = DEFAULT_KEY_ENV
    key_file: Path | None = None
    suppress_below: int = DEFAULT_SUPPRESS_BELOW
    output: Path = OUTPUTS / "region"
    free_text: str = "withhold"  # "withhold": v1 free-text "...Other" fields are emptied before pooling
    window_days: int = DEFAULT_WINDOW_DAYS
    ons_code: str = ""  # the region's code in the postcode-district file (rgn); default: code
    path: Path | None = None  # the YAML file itself
    # capacity: the date places held are counted on (default: the period end) and the region's own
    # capacity files (kit.analysis.availability.CAPACITY_FILES), None for each one not given.
    capacity_on: dt.date | None = None
    capacity_files: dict[str, Path | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ons_code = self.ons_code or self.code

    def las_table(self):
        """One row per LA: code, name, version, how many placements files and 903 years it has."""
        import pandas as pd

        from kit.region.ssda903 import collection_year

        rows = []
        for la in self.las:
            years = sorted({collection_year(p) or "?" for p in la.ssda903.get("episodes", [])})
            rows.append(
                {
                    "code": la.code,
                    "name": la.name,
                    "version": la.placements_version,
                    "placements files": len(la.placements),
                    "mapping": la.mapping.name if la.mapping else "",
                    "903 years": f"{years[0]} to {years[-1]}" if years else "none",
                }
            )
        return pd.DataFrame(rows)

    def la(self, code: str) -> LAConfig:
        for la in self.las:
            if la.code == code:
                return la
        raise KitError(f"The region has no LA with code {code!r}.")


# ---------------------------------------------------------------------------------------------


class _TextDatesLoader(yaml.SafeLoader):
    """YAML without automatic dates: ``2025-13-01`` stays text, so the kit can say which key is wrong
    (PyYAML's own date conversion would fail with a bare ValueError)."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Reader:
    """Resolves and checks values, naming the file and key in every error."""

    def __init__(self, path: Path):
        self.path = path
        self.base = path.parent

    def fail(self, where: str, what: str) -> KitError:
        return KitError(f"{self.path}: {where} {what}")

    def text(self, value: Any, where: str, required: bool = True) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(where, "is missing; add it to the file.")
            return ""
        if isinstance(value, (dict, list)):
            raise self.fail(where, "should be a single value, not a list or a section.")
        return str(value).strip()

    def date(self, value: Any, where: str) -> dt.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise self.fail(where, f"is {text!r}, which is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31.")

    def integer(self, value: Any, where: str, default: int, minimum: int) -> int:
        if value is None or value == "":
            return default
        try:
            number = int(str(value).strip())
        except ValueError:
            raise self.fail(where, f"is {value!r}, which is not a whole number.") from None
        if number < minimum:
            raise self.fail(where, f"is {number}; it must be at least {minimum}.")
        return number

    def _resolve(self, text: str) -> Path:
        p = Path(text).expanduser()
        return p if p.is_absolute() else (self.base / p)

    def file(self, value: Any, where: str, required: bool = True, must_exist: bool = True) -> Path | None:
        text = self.text(value, where, required)
        if not text:
            return None
        p = self._resolve(text)
        if must_exist and not p.is_file():
            raise self.fail(where, f"names {text!r}, but there is no such file ({p}); correct the path.")
        return p

    def files(self, value: Any, where: str, required: bool = True) -> list[Path]:
        """A list of files: a single path, a list, and ``*`` patterns (each must match something)."""
        if value is None or value == "" or value == []:
            if required:
                raise self.fail(where, "is missing; list the LA's files under it.")
            return []
        items = value if isinstance(value, list) else [value]
        out: list[Path] = []
        for item in items:
            text = self.text(item, where)
            if any(ch in text for ch in "*?["):
                pattern = str(self._resolve(text))
                found = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
                if not found:
                    raise self.fail(where, f"has the pattern {text!r}, which matches no file; correct it.")
                out += found
            else:
                out.append(self.file(text, where))
        # The same file twice would double-count its rows.
        unique: list[Path] = []
        for p in out:
            if p.resolve() not in {u.resolve() for u in unique}:
                unique.append(p)
        return unique


def _ssda903(reader: _Reader, value: Any, where: str) -> tuple[dict[str, list[Path]], list[str]]:
    """The LA's 903 tables: a section with header/episodes/uasc lists, or one folder to search."""
    notes: list[str] = []
    out: dict[str, list[Path]] = {t: [] for t in SSDA903_TABLES}
    if value is None or value == "":
        notes.append(f"{where} is not given: this LA's placements cannot be matched to 903 episodes.")
        return out, notes
    if isinstance(value, dict):
        for key in value:
            if str(key).lower() not in SSDA903_TABLES:
                notes.append(f"{where}.{key} is not a 903 table the kit reads (header, episodes, uasc).")
        for table in SSDA903_TABLES:
            raw = value.get(table, value.get(table.upper()))
            out[table] = reader.files(raw, f"{where}.{table}", required=table == "episodes")
        return out, notes
    # One folder: every header*.csv/episodes*.csv/uasc*.csv (or .xlsx) under it, in year order.
    folder = reader._resolve(reader.text(value, where))
    if not folder.is_dir():
        raise reader.fail(
            where, f"names {value!r}, which is not a folder; give the folder or list the files."
        )
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.suffix.lower() not in (".csv", ".xlsx"):
            continue
        stem = re.sub(r"[^a-z]", "", p.stem.lower())
        for table in SSDA903_TABLES:
            if stem.startswith(table):
                out[table].append(p)
    if not out["episodes"]:
        raise reader.fail(where, f"names the folder {value!r}, which holds no episodes file.")
    return out, notes


def _section(data: dict, name: str, reader: _Reader) -> dict:
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise reader.fail(
            name, "should be a section of keys (e.g. 'ofsted_register: ...'), not a single value."
        )
    return value


def load_region_config(path: str | Path) -> RegionConfig:
    """Read and check ``region.yml``; every path in it is resolved and must exist.

    Raises :class:`KitError` (one sentence naming the file and key) when the file cannot be used.
    The pseudonymisation key is *not* read here (see :func:`kit.region.privacy.load_key`).
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise KitError(f"The region file {path} does not exist; give the path of your region.yml.")
    from kit.read import check_input

    check_input(path, "The region file")  # a folder, pipe or device: refused at once, never opened
    try:
        data = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_TextDatesLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise KitError(f"{path} is not valid YAML{line}; check the indentation and colons there.") from None
    if not isinstance(data, dict):
        raise KitError(f"{path} should hold keys such as name, las and reference; it holds none.")
    r = _Reader(path)
    notes = [f"unknown key '{k}' in {path.name} (ignored)" for k in data if k not in _TOP_KEYS]
    reference = _section(data, "reference", r)
    privacy = _section(data, "privacy", r)
    matching = _section(data, "matching", r)

    def pick(section: dict, section_name: str, key: str):
        """A key from its section, or from the top level; the name to quote in errors."""
        if key in section:
            return section[key], f"{section_name}.{key}"
        return data.get(key), key

    value, where = pick(reference, "reference", "ofsted_register")
    ofsted = r.file(value, where)
    value, where = pick(reference, "reference", "postcode_districts")
    postcodes = r.file(value, where)
    value, where = pick(privacy, "privacy", "key_env")
    key_env = r.text(value, where, required=False) or DEFAULT_KEY_ENV
    value, where = pick(privacy, "privacy", "key_file")
    key_file = r.file(value, where, required=False, must_exist=False)
    value, where = pick(privacy, "privacy", "suppress_below")
    suppress_below = r.integer(value, where, DEFAULT_SUPPRESS_BELOW, minimum=1)
    if suppress_below < MIN_SUPPRESS_BELOW:
        raise r.fail(
            where,
            f"is {suppress_below}, which would publish counts of 1 to {MIN_SUPPRESS_BELOW - 1} children; "
            f"set it to {MIN_SUPPRESS_BELOW} or more (the default is {DEFAULT_SUPPRESS_BELOW}).",
        )
    value, where = pick(privacy, "privacy", "free_text")
    free_text = (r.text(value, where, required=False) or "withhold").lower()
    if free_text not in ("withhold", "keep"):
        raise r.fail(where, f"is {free_text!r}; write withhold (the default) or keep.")
    value, where = pick(matching, "matching", "window_days")
    window = r.integer(value, where, DEFAULT_WINDOW_DAYS, minimum=0)

    period = _section(data, "period", r)
    value, where = (
        pick(period, "period", "start") if "start" in period else (data.get("period_start"), "period_start")
    )
    start = r.date(value, where)
    value, where = (
        pick(period, "period", "end") if "end" in period else (data.get("period_end"), "period_end")
    )
    end = r.date(value, where)
    if start and end and start > end:
        raise r.fail("period", f"starts ({start}) after it ends ({end}); swap or correct the dates.")

    capacity = _section(data, "capacity", r)
    notes += [
        f"unknown key 'capacity.{k}' in {path.name} (ignored)"
        for k in capacity
        if k not in ("date", *CAPACITY_KINDS)
    ]
    capacity_on = r.date(capacity.get("date"), "capacity.date")
    capacity_files = {k: r.file(capacity.get(k), f"capacity.{k}", required=False) for k in CAPACITY_KINDS}

    # `region:` is how the sample region's file names the region; `name:` is accepted too.
    name = r.text(data.get("name", data.get("region")), "region" if "region" in data else "name")
    code = r.text(data.get("code"), "code", required=False)
    if code and not is_safe_code(code):  # the default output folder is named after it
        raise r.fail("code", f"is {code!r}, which is not a region code; {LA_CODE_RULE}.")
    code = code or re.sub(r"\W+", "-", name.lower()).strip("-")
    out_text = r.text(data.get("output"), "output", required=False)
    output = r._resolve(out_text) if out_text else OUTPUTS / f"region-{code}"

    raw_las = data.get("las")
    if not isinstance(raw_las, list) or not raw_las:
        raise r.fail(
            "las", "should list the region's LAs (each with a code, a name and its placements files)."
        )
    las: list[LAConfig] = []
    for i, item in enumerate(raw_las):
        where = f"las[{i}]"
        if not isinstance(item, dict):
            raise r.fail(where, "should be a section with code, name and placements.")
        la_code = r.text(item.get("code"), f"{where}.code")
        if not is_safe_code(la_code):  # it names the LA's feedback folder: never a path elsewhere
            raise r.fail(f"{where}.code", f"is {la_code!r}, which is not an LA code; {LA_CODE_RULE}.")
        where = f"las[{i}] ({la_code})"
        if any(la.code == la_code for la in las):
            raise r.fail(where, "repeats an LA code already listed; each LA appears once.")
        notes += [f"unknown key '{k}' under {where} (ignored)" for k in item if k not in _LA_KEYS]
        version = r.text(
            item.get("placements_version", item.get("version")), f"{where}.placements_version", False
        )
        choices = ["auto", *standards.versions("placements")]  # the standard files the kit has
        if version and version not in choices:
            spelled = f"{', '.join(choices[:-1])} or {choices[-1]}"
            raise r.fail(f"{where}.placements_version", f"is {version!r}; write {spelled}.")
        ssda903, more = _ssda903(r, item.get("ssda903"), f"{where}.ssda903")
        notes += more
        las.append(
            LAConfig(
                code=la_code,
                name=r.text(item.get("name"), f"{where}.name", required=False) or la_code,
                placements=r.files(item.get("placements"), f"{where}.placements"),
                placements_version=version or "auto",
                mapping=r.file(item.get("mapping"), f"{where}.mapping", required=False),
                persons=r.file(item.get("persons"), f"{where}.persons", required=False),
                person_mapping=r.file(item.get("person_mapping"), f"{where}.person_mapping", required=False),
                relationships=tuple(
                    r.file(x, f"{where}.relationships", required=False)
                    for x in (item.get("relationships") or [])
                ),
                relationship_mapping=r.file(
                    item.get("relationship_mapping"), f"{where}.relationship_mapping", required=False
                ),
                ssda903=ssda903,
                ons_code=r.text(item.get("ons_code"), f"{where}.ons_code", required=False),
            )
        )
    return RegionConfig(
        name=name,
        code=code,
        period_start=start,
        period_end=end,
        las=las,
        ofsted_register=ofsted,
        postcode_districts=postcodes,
        key_env=key_env,
        key_file=key_file,
        suppress_below=suppress_below,
        output=output,
        free_text=free_text,
        window_days=window,
        ons_code=r.text(data.get("ons_code"), "ons_code", required=False),
        path=path.resolve(),
        notes=notes,
        capacity_on=capacity_on or end,
        capacity_files=capacity_files,
    )
