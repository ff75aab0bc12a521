"""Turn mapped source columns into the standard table: typed values, canonical codes, findings.

The conversions the standard needs, decided per field from the standard file:

* codes: a known variant spelling becomes the canonical code silently; a value the user mapped
  becomes their code; anything else is an error finding (the original value is kept in the
  finding, the cell is left empty);
* ``NA`` / ``N/A`` mean "no value", except where ``NA`` is a real code (``additionalSupport``);
* multi-valued cells are split on ``;``;
* booleans: Yes/No, Y/N, true/false; the template's "was education disrupted?" is inverted into
  ``isEducationContinuous``;
* money: ``£1,234.50`` becomes 1234.5;
* dates: ISO or UK day-first (``12/2/2024`` is 12 February), never month-first; Excel serial
  numbers are accepted with a warning;
* outward codes are upper-cased; a full postcode is cut to its outward code with a warning.

Work is done once per distinct value, so a million-row file converts quickly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.findings import Finding, column_letter
from kit.standards import Field, Standard

NA_TEXT = {"na", "n/a", "n.a.", "n/a."}
TRUE_TEXT = {"yes", "y", "true", "t", "1"}
FALSE_TEXT = {"no", "n", "false", "f", "0"}
MONEY_RE = re.compile(r"^-?\d+(\.\d+)?$")
INT_RE = re.compile(r"^-?\d+(\.0+)?$")
OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
FULL_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})$")
EXCEL_EPOCH = dt.date(1899, 12, 30)
DAY_FIRST_FORMATS = (
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %m %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%B-%Y",
)
TWO_DIGIT_YEAR_FORMATS = ("%d/%m/%y", "%d-%m-%y", "%d.%m.%y", "%d-%b-%y")


@dataclass
class Outcome:
    """The result of converting one distinct source value."""

    value: object = None  # the converted value (None = empty)
    rule: str = ""  # set when there is a finding
    severity: str = ""
    message: str = ""


@dataclass
class ColumnResult:
    values: pd.Series
    findings: list[Finding] = field(default_factory=list)


def split_multi(text: str) -> list[str]:
    return [p.strip() for p in str(text).split(";") if p.strip()]


# ---------------------------------------------------------------------------------------------
# One distinct value -> Outcome, per type


def _is_na(text: str) -> bool:
    return text.casefold() in NA_TEXT


def convert_code(text: str, f: Field, std: Standard, user_values: dict[str, str | None]) -> Outcome:
    codes = std.codes_for(f.name)
    if f.multi:
        parts = split_multi(text)
        if len(parts) == 1 and "," in parts[0] and codes.canonical(parts[0]) is None:
            pieces = [p.strip() for p in parts[0].split(",") if p.strip()]
            if all(codes.canonical(p) or p in user_values for p in pieces):
                out = [_one_code(p, codes, user_values) for p in pieces]
                return Outcome(
                    ";".join(dict.fromkeys(o for o in out if o)),
                    "multi_separator",
                    "warning",
                    f"'{text}' separates several answers with commas; the standard separates them with ';'.",
                )
        out, bad = [], []
        for p in parts:
            code = _one_code(p, codes, user_values)
            if code is None and p not in user_values:
                bad.append(p)
            elif code:
                out.append(code)
        if bad:
            return Outcome(None, "unknown_code", "error", _unknown_message(bad[0], f, codes.values))
        return Outcome(";".join(dict.fromkeys(out)) or None)
    code = _one_code(text, codes, user_values)
    if code is None and text not in user_values:
        return Outcome(None, "unknown_code", "error", _unknown_message(text, f, codes.values))
    return Outcome(code)


def _one_code(text: str, codes, user_values: dict[str, str | None]) -> str | None:
    if text in user_values:
        return user_values[text]
    return codes.canonical(text)


def _unknown_message(value: str, f: Field, allowed: list[str]) -> str:
    shown = ", ".join(f"'{a}'" for a in allowed)
    return f"'{value}' is not one of the allowed answers for {f.title} ({shown}). Choose one of them."


def convert_boolean(text: str, f: Field, invert: bool) -> Outcome:
    key = text.strip().casefold()
    if key in TRUE_TEXT:
        value = True
    elif key in FALSE_TEXT:
        value = False
    else:
        return Outcome(
            None, "not_yes_no", "error", f"'{text}' is not Yes or No. Enter Yes or No for {f.title}."
        )
    return Outcome((not value) if invert else value)


def convert_integer(text: str, f: Field) -> Outcome:
    clean = text.replace(",", "").strip()
    if not INT_RE.match(clean):
        return Outcome(
            None,
            "not_whole_number",
            "error",
            f"'{text}' is not a whole number. Enter a count, e.g. 0, 1 or 2.",
        )
    return Outcome(int(float(clean)))


def convert_decimal(text: str, f: Field) -> Outcome:
    clean = text.replace("£", "").replace(",", "").replace(" ", "").replace("\u00a3", "")
    if clean.startswith("(") and clean.endswith(")"):  # accounting negative
        clean = "-" + clean[1:-1]
    if not MONEY_RE.match(clean):
        return Outcome(
            None,
            "not_amount",
            "error",
            f"'{text}' is not an amount in pounds. Enter the weekly cost, e.g. 1250.50.",
        )
    return Outcome(float(clean))


def parse_date(text: str, date_format: str = "day-first") -> tuple[dt.date | None, str]:
    """(date, note) for a date cell; note says what was assumed ('' when nothing was)."""
    clean = text.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$", clean):
        try:
            return dt.date.fromisoformat(clean[:10]), ""
        except ValueError:
            return None, ""
    if date_format == "day-first":
        for fmt in DAY_FIRST_FORMATS:
            try:
                return dt.datetime.strptime(clean, fmt).date(), ""
            except ValueError:
                continue
        for fmt in TWO_DIGIT_YEAR_FORMATS:
            try:
                return dt.datetime.strptime(clean, fmt).date(), "two_digit_year"
            except ValueError:
                continue
        # a day-first date followed by a midnight time, as Excel exports it
        m = re.match(r"^(\S+)\s+0?0:00(:00)?$", clean)
        if m:
            return parse_date(m.group(1), date_format)
    if re.match(r"^\d{5}(\.0+)?$", clean):
        serial = int(float(clean))
        if 20000 <= serial <= 80000:  # 1954-10-03 .. 2119-01-11
            return EXCEL_EPOCH + dt.timedelta(days=serial), "excel_serial"
    return None, ""


def convert_date(text: str, f: Field, date_format: str) -> Outcome:
    value, note = parse_date(text, date_format)
    if value is None:
        return Outcome(
            None,
            "not_a_date",
            "error",
            f"'{text}' is not a valid date written day first. Enter it as DD/MM/YYYY, e.g. 12/02/2024.",
        )
    if note == "excel_serial":
        return Outcome(
            value,
            "excel_serial_date",
            "warning",
            f"'{text}' was read as an Excel date number: {value:%d/%m/%Y}. Check it and format the column as a date.",
        )
    if note == "two_digit_year":
        return Outcome(
            value,
            "two_digit_year",
            "warning",
            f"'{text}' has a two-digit year; read as {value:%d/%m/%Y}. Use four-digit years.",
        )
    return Outcome(value)


def convert_outward_code(text: str, f: Field) -> Outcome:
    clean = re.sub(r"\s+", " ", text.strip().upper())
    if OUTWARD_RE.match(clean):
        return Outcome(clean)
    full = FULL_POSTCODE_RE.match(clean)
    if full:
        return Outcome(
            full.group(1),
            "full_postcode",
            "warning",
            f"A full postcode was given; only its first part ({full.group(1)}) is kept, as the standard asks. "
            "Record only the outward code.",
        )
    return Outcome(
        None,
        "not_outward_code",
        "error",
        f"'{text}' is not the first part of a postcode. Enter the outward code only, e.g. TA3 or BS10.",
    )


def convert_string(text: str, f: Field) -> Outcome:
    value = text.strip()
    if f.max_length and len(value) > f.max_length:
        return Outcome(None, "too_long", "error", f"'{value[:40]}' is longer than {f.max_length} characters.")
    if f.pattern and not re.match(f.pattern, value):
        return Outcome(None, "bad_format", "error", f"'{value[:40]}' is not in the format {f.title} needs.")
    return Outcome(value)


# ---------------------------------------------------------------------------------------------
# A whole column


def converter_for(
    f: Field, std: Standard, *, invert: bool = False, date_format: str = "day-first", user_values=None
) -> Callable[[str], Outcome]:
    user_values = user_values or {}
    if f.type == "code":
        return lambda t: convert_code(t, f, std, user_values)
    if f.type == "boolean":
        return lambda t: convert_boolean(t, f, invert)
    if f.type == "integer":
        return lambda t: convert_integer(t, f)
    if f.type == "decimal":
        return lambda t: convert_decimal(t, f)
    if f.type == "date":
        return lambda t: convert_date(t, f, date_format)
    if f.type == "outward_code":
        return lambda t: convert_outward_code(t, f)
    return lambda t: convert_string(t, f)


DTYPES = {"boolean": "boolean", "integer": "Int64", "decimal": "Float64"}


def convert_column(
    raw: pd.Series,
    f: Field,
    std: Standard,
    *,
    letter: str,
    source_file: str,
    la: str = "",
    invert: bool = False,
    date_format: str = "day-first",
    user_values: dict[str, str | None] | None = None,
) -> ColumnResult:
    """Convert one source column (text cells, index = source row) into the field's values."""
    convert = converter_for(f, std, invert=invert, date_format=date_format, user_values=user_values)
    stripped = raw.astype(str).str.strip()
    uniques = pd.unique(stripped.to_numpy())
    outcomes: dict[str, Outcome] = {}
    for text in uniques:
        if text == "" or (f.na_means_empty and _is_na(text)):
            outcomes[text] = Outcome(None)
        else:
            outcomes[text] = convert(text)
    values_map = {k: o.value for k, o in outcomes.items()}
    if f.type == "date":
        stamps = {k: (pd.Timestamp(v) if v is not None else pd.NaT) for k, v in values_map.items()}
        converted = pd.to_datetime(stripped.map(stamps)).astype("datetime64[s]")
        return ColumnResult(converted, _findings(raw, stripped, outcomes, f, letter, source_file, la))
    converted = stripped.map(values_map)
    if f.type in DTYPES:
        converted = converted.astype(object).where(converted.notna(), None).astype(DTYPES[f.type])
    else:
        converted = converted.astype(object).where(converted.notna(), None)
    return ColumnResult(converted, _findings(raw, stripped, outcomes, f, letter, source_file, la))


def _findings(raw, stripped, outcomes, f: Field, letter: str, source_file: str, la: str) -> list[Finding]:
    findings: list[Finding] = []
    flagged = {k: o for k, o in outcomes.items() if o.rule}
    if flagged:
        mask = stripped.isin(list(flagged))
        for row, text in stripped[mask].items():
            o = flagged[text]
            findings.append(
                Finding(
                    la=la,
                    source_file=source_file,
                    source_row=int(row),
                    source_column=letter,
                    field=f.name,
                    value=str(raw.loc[row]),
                    rule=o.rule,
                    severity=o.severity,
                    message=o.message,
                )
            )
    return findings


def empty_column(index: pd.Index, f: Field) -> pd.Series:
    if f.type in DTYPES:
        return pd.Series(pd.array([None] * len(index), dtype=DTYPES[f.type]), index=index)
    return pd.Series(np.full(len(index), None, dtype=object), index=index)


__all__ = ["convert_column", "empty_column", "parse_date", "split_multi", "column_letter"]
