"""Person conversion: identifiers and postcodes normalised, statutory codes crosswalked, as converters.

The person standard's own types (``nhs_number``, ``upn``, ``uln``, ``postcode``,
``accuracy_indicator``) and its crosswalked code fields are converted here, plugged into the shared
conversion (``kit.convert.registry``, registered by ``kit.person.plugin``), so that each cell is
read once and its finding made once:

* NHS numbers lose their spaces and hyphens (``943 476 5919``), UPNs and postcodes are
  upper-cased, a postcode gets its single space back (``qa11aa`` -> ``QA1 1AA``): the standard's
  normalisation, done quietly because it changes nothing a person meant; a value that still does
  not have the type's format is an error finding (``bad_format``) and the cell is left empty;
* ``UN1``-``UN7`` in a UPN column are reasons for having no UPN: the cell becomes empty, silently;
* DfE ethnicity, 903/CIN sex and CIN/SSD gender codes become the standard's codes through the
  crosswalks; where no exact match exists the finding says so (a warning), and where no code
  exists at all the cell is left empty; a value that is none of these is an ``unknown_code`` error;
* a file with a sex column from a statutory return and no gender column gets the gender the
  crosswalk gives for "not recorded" (:func:`derive_gender`), with a warning.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from kit.convert.registry import ColumnContext, Derived, TableView
from kit.convert.values import Outcome, unknown_code_message, user_codes
from kit.core.findings import Finding
from kit.person.crosswalk import Crosswalk, Entry, crosswalks_for
from kit.person.identifiers import PERSON_TYPES
from kit.standards import Standard, normalise_code


def _normalised(text: str, ftype: str) -> Outcome:
    kind = PERSON_TYPES[ftype]
    value = kind.normalise(text)
    if value in kind.no_value:
        return Outcome(None)  # a reason for having no value (no UPN), not a value
    if kind.pattern.match(value):
        return Outcome(value)
    return Outcome(None, "bad_format", "error", kind.message.replace("{value}", text))


def _crosswalked(entry: Entry, name: str) -> Outcome:
    code = entry.targets.get(name)
    if not entry.warning:
        return Outcome(code)
    return Outcome(
        code, "crosswalk_gap" if entry.is_gap else "crosswalk_approximate", "warning", entry.warning
    )


def _coded(text: str, f, codes, user: dict, walks: list[Crosswalk], header_walks: list[Crosswalk]) -> Outcome:
    key = normalise_code(text)
    if key in user:  # the LA's own mapping file wins over everything
        code = user[key]
        if code is None:
            return Outcome(None, "unknown_code", "error", unknown_code_message(text, f, codes.values))
        return Outcome(code)
    # A column with a statutory header (GenderCurrent, ETHNIC) follows its crosswalk even where a
    # value is also a standard code: CIN GenderCurrent 9 means "not specified/indeterminate".
    for walk in header_walks:
        entry = walk.lookup(text)
        if entry is not None:
            return _crosswalked(entry, f.name)
    code = codes.canonical(text)
    if code is not None:
        return Outcome(code)
    for walk in walks:
        entry = walk.lookup(text)
        if entry is not None:
            return _crosswalked(entry, f.name)
    return Outcome(None, "unknown_code", "error", unknown_code_message(text, f, codes.values))


def person_converter(f, std: Standard, context: ColumnContext) -> Callable[[str], Outcome] | None:
    """The converter of a person field the shared conversion does not know, or ``None`` (see module doc)."""
    if f.type in PERSON_TYPES:
        return lambda text: _normalised(text, f.type)
    walks = crosswalks_for(std, f.name)
    if f.type == "code" and walks:
        codes = std.codes_for(f.name)
        user = user_codes(context.user_values, codes)
        header_walks = [w for w in walks if w.applies_to_header(context.header)]
        return lambda text: _coded(text, f, codes, user, walks, header_walks)
    return None


def _sex_walk(std: Standard, field_name: str, cells: pd.Series) -> Crosswalk | None:
    """The sex crosswalk (903 SEX 1/2 or CIN Sex M/F/U) most of a sex column's values come from."""
    walks = [w for w in crosswalks_for(std, field_name) if w.gender_when_not_recorded]
    if not walks:
        return None
    values = cells.astype(str).str.strip()
    counts = [int(values.map(lambda v, w=w: w.lookup(v) is not None if v else False).sum()) for w in walks]
    return walks[counts.index(max(counts))]


def derive_gender(view: TableView) -> Derived:
    """Gender for a file with a statutory sex column and no gender column: the crosswalk's "not recorded".

    903 SEX and CIN Sex record sex, not gender: such a file gets genderCode X (not known) rather
    than a copy of sex (brief §5.7, person-standard #24), and one warning on the sex column's header.
    """
    std = view.standard
    sex_field, gender_field = std.roles.sex, std.roles.gender
    applied = {m.field: m for m in view.matches}
    if gender_field in applied or sex_field not in applied:
        return Derived()
    sex = applied[sex_field]
    walk = _sex_walk(std, sex_field, view.raw[sex.position])
    if walk is None:
        return Derived()
    finding = Finding(
        la=view.la, source_file=view.source_file, source_row=view.header_row, source_column=sex.letter,
        field=gender_field, value=sex.header, rule="gender_not_recorded", severity="warning",
        message=walk.gender_warning,
    )  # fmt: skip
    return Derived({gender_field: walk.gender_when_not_recorded}, [finding])


__all__ = ["derive_gender", "person_converter"]
