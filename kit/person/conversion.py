"""Person conversion: normalise identifiers and postcodes, and apply the statutory-code crosswalks.

The shared conversion (``kit.convert.values``) reads the person-only types (``nhs_number``, ``upn``,
``uln``, ``postcode``, ``accuracy_indicator``) as plain strings and knows nothing of DfE codes.
:func:`convert_person` runs after it, on the same :class:`kit.check.CheckResult`, and re-reads
those columns from the LA's own cells:

* NHS numbers lose their spaces and hyphens (``943 476 5919``), UPNs and postcodes are
  upper-cased, a postcode gets its single space back (``qa11aa`` -> ``QA1 1AA``): the standard's
  normalisation, done quietly because it changes nothing a person meant;
* ``UN1``-``UN7`` in a UPN column are reasons for having no UPN: the cell becomes empty, silently;
* DfE ethnicity, 903/CIN sex and CIN/SSD gender codes become the standard's codes through the
  crosswalks; where no exact match exists the finding says so (a warning), and where no code
  exists at all the cell is left empty;
* a value that is none of these is left for the quality suite, which reports it.

In: the converted result. Out: the result changed in place (its data, text and findings: the
crosswalk warnings are added, and the shared conversion's findings on cells this conversion could
read are dropped), and the new findings and derived fields as a :class:`PersonConversion`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from kit.convert.values import NA_TEXT, VALUE_RULES, user_codes
from kit.core.findings import Finding, to_frame
from kit.person.crosswalk import Crosswalk, Entry, crosswalks_for
from kit.person.identifiers import (
    ACCURACY_PATTERN,
    NHS_PATTERN,
    POSTCODE_PATTERN,
    ULN_PATTERN,
    UPN_PATTERN,
    UPN_UNKNOWN_CODES,
    normalise_accuracy,
    normalise_nhs_number,
    normalise_postcode,
    normalise_uln,
    normalise_upn,
)
from kit.standards import normalise_code

# type -> (normaliser, the pattern a normalised value must match to be kept)
NORMALISED_TYPES: dict[str, tuple[Callable[[str], str], object]] = {
    "nhs_number": (normalise_nhs_number, NHS_PATTERN),
    "upn": (normalise_upn, UPN_PATTERN),
    "uln": (normalise_uln, ULN_PATTERN),
    "postcode": (normalise_postcode, POSTCODE_PATTERN),
    "accuracy_indicator": (normalise_accuracy, ACCURACY_PATTERN),
}
CROSSWALK_FIELDS = ("ethnicityCode", "sexCode", "genderCode")


@dataclass
class PersonConversion:
    findings: list[Finding] = field(default_factory=list)
    derived: set[str] = field(default_factory=set)  # fields filled by the kit with no column of their own


@dataclass
class _Outcome:
    value: str | None
    text: str | None
    entry: Entry | None = None
    walk: Crosswalk | None = None


def _is_empty(text: str, na_means_empty: bool) -> bool:
    return text == "" or (na_means_empty and text.casefold() in NA_TEXT)


def _normalised(text: str, ftype: str) -> _Outcome:
    normalise, pattern = NORMALISED_TYPES[ftype]
    value = normalise(text)
    if ftype == "upn" and value in UPN_UNKNOWN_CODES:
        return _Outcome(None, None)  # a reason for having no UPN, not a UPN
    if pattern.match(value):
        return _Outcome(value, value)
    return _Outcome(None, text)  # the suite reports the original text


def _coded(text: str, codes, user: dict, walks: list[Crosswalk], header_walks: list[Crosswalk], name: str):
    key = normalise_code(text)
    if key in user:  # the LA's own mapping file wins over everything
        code = user[key]
        return _Outcome(code, code if code is not None else text)
    # A column with a statutory header (GenderCurrent, ETHNIC) follows its crosswalk even where a
    # value is also a standard code: CIN GenderCurrent 9 means "not specified/indeterminate".
    for walk in header_walks:
        entry = walk.lookup(text)
        if entry is not None:
            code = entry.targets.get(name)
            return _Outcome(code, code, entry, walk)
    code = codes.canonical(text)
    if code is not None:
        return _Outcome(code, code)
    for walk in walks:
        entry = walk.lookup(text)
        if entry is not None:
            code = entry.targets.get(name)
            return _Outcome(code, code, entry, walk)
    return _Outcome(None, text)  # unknown: the suite's code-list check reports it


def _sex_walk(std, cells: pd.Series) -> Crosswalk | None:
    """The sex crosswalk (903 SEX 1/2 or CIN Sex M/F/U) most of a sex column's values come from."""
    walks = [w for w in crosswalks_for(std, "sexCode") if w.gender_when_not_recorded]
    if not walks:
        return None
    values = cells.astype(str).str.strip()
    counts = [int(values.map(lambda v, w=w: w.lookup(v) is not None if v else False).sum()) for w in walks]
    return walks[counts.index(max(counts))]


def _block_positions(result) -> list[tuple[object, pd.Index]]:
    """(file result, positions of its rows in result.data), file by file."""
    out, offset = [], 0
    for fr in result.files:
        n = fr.rows_in - fr.rows_blank - fr.rows_rejected
        out.append((fr, pd.RangeIndex(offset, offset + n)))
        offset += n
    return out


def convert_person(result) -> PersonConversion:
    """Normalise identifiers and postcodes and apply the crosswalks, in place (see module doc)."""
    std = result.standard
    mapping = result.mapping
    conv = PersonConversion()
    stale: dict[tuple[str, str], set[int]] = {}
    for fr, positions in _block_positions(result):
        if not len(positions):
            continue
        name_of_file = fr.table.path.name
        rows = result.data["_source_row"].to_numpy()[positions]
        applied = {m.field: m for m in fr.matches if m.applied and m.how != "duplicate"}
        for fname, m in applied.items():
            f = std.field(fname)
            if f.type not in NORMALISED_TYPES and fname not in CROSSWALK_FIELDS:
                continue
            raw = fr.table.data.loc[rows, m.position].astype(str)
            if fname in CROSSWALK_FIELDS:
                codes = std.codes_for(fname)
                user = user_codes(mapping.values.get(fname) if mapping else None, codes)
                walks = crosswalks_for(std, fname)
                header_walks = [w for w in walks if w.applies_to_header(m.header)]
            seen: dict[str, _Outcome] = {}
            values, texts = [], []
            for cell in raw:
                text = cell.strip()
                outcome = seen.get(text)
                if outcome is None:
                    if _is_empty(text, f.na_means_empty):
                        outcome = _Outcome(None, None)
                    elif fname in CROSSWALK_FIELDS:
                        outcome = _coded(text, codes, user, walks, header_walks, fname)
                    else:
                        outcome = _normalised(text, f.type)
                    seen[text] = outcome
                values.append(outcome.value)
                texts.append(outcome.text)
            result.data.loc[result.data.index[positions], fname] = pd.Series(values, dtype=object).to_numpy()
            result.text.loc[result.text.index[positions], fname] = pd.Series(texts, dtype=object).to_numpy()
            # The shared conversion judged these cells before they were normalised or crosswalked
            # ('943 476 5919' is not ten digits, 'WBRI' is not an ONS code): its verdict stands only
            # where this conversion could not read the value either.
            settled = {
                int(row)
                for row, cell in zip(rows, raw, strict=True)
                if (o := seen[cell.strip()]).value is not None or o.entry is not None or o.text is None
            }
            stale.setdefault((name_of_file, fname), set()).update(settled)
            for row, cell in zip(rows, raw, strict=True):
                entry = seen[cell.strip()].entry
                if entry is None or not entry.warning:
                    continue
                conv.findings.append(
                    Finding(
                        la=result.la,
                        source_file=name_of_file,
                        source_row=int(row),
                        source_column=m.letter,
                        field=fname,
                        value=cell.strip(),
                        rule="crosswalk_gap" if entry.is_gap else "crosswalk_approximate",
                        severity="warning",
                        message=entry.warning,
                    )
                )
        # 903 SEX and CIN Sex record sex, not gender: a file with a sex column and no gender column
        # gets genderCode X (not known) rather than a copy of sex (brief §5.7, person-standard #24).
        if "genderCode" not in applied and "sexCode" in applied:
            sex = applied["sexCode"]
            walk = _sex_walk(std, fr.table.data.loc[rows, sex.position])
            if walk is not None:
                result.data.loc[result.data.index[positions], "genderCode"] = walk.gender_when_not_recorded
                result.text.loc[result.text.index[positions], "genderCode"] = walk.gender_when_not_recorded
                conv.derived.add("genderCode")
                conv.findings.append(
                    Finding(
                        la=result.la,
                        source_file=name_of_file,
                        source_row=fr.table.header_row,
                        source_column=sex.letter,
                        field="genderCode",
                        value=sex.header,
                        rule="gender_not_recorded",
                        severity="warning",
                        message=walk.gender_warning,
                    )
                )
    if stale and not result.findings.empty:
        f = result.findings
        rows = pd.to_numeric(f["source_row"], errors="coerce")
        drop = pd.Series(
            [
                r in stale.get((file, field), ()) and rule in VALUE_RULES
                for file, field, r, rule in zip(f["source_file"], f["field"], rows, f["rule"], strict=True)
            ],
            index=f.index,
            dtype=bool,
        )
        result.findings = f[~drop].reset_index(drop=True)
    result.findings = to_frame(pd.concat([result.findings, to_frame(conv.findings)], ignore_index=True))
    return conv


__all__ = ["NORMALISED_TYPES", "PersonConversion", "convert_person"]
