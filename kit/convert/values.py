"""Turn mapped source columns into the standard table: typed values, canonical codes, findings.

The conversions the standard needs, decided per field from the standard file:

* codes: a known variant spelling becomes the canonical code silently; a value the user mapped
  becomes their code; anything else is an error finding (the original value is kept in the
  finding, the cell is left empty);
* ``NA`` / ``N/A`` mean "no value", except where ``NA`` is a real code (``additionalSupport``);
* multi-valued cells are split on ``;``;
* booleans: Yes/No, Y/N, true/false; the template's "was education disrupted?" is inverted into
  ``isEducationContinuous``;
* money: ``£1,234.50`` becomes 1234.5 (commas only as thousands separators: ``1.234,50`` and
  ``12,34`` are errors, never guesses);
* dates: ISO or UK day-first (``12/2/2024`` is 12 February), never month-first; Excel serial
  numbers are accepted with a warning;
* outward codes are upper-cased; a full postcode is cut to its outward code with a warning;
* a standard with types of its own (the person standard's NHS numbers, crosswalked codes) plugs
  its converters in through :mod:`kit.convert.registry`.

This module is the one owner of "can this cell be read as its type or code": it decides it once
and says so in a finding (``VALUE_RULES``); the expectation suite (``kit.checks``) does not judge
it again. :func:`value_rules_for` lists these rules per field for the "what we check" page.

Work is done once per distinct value (``pandas.factorize``), then spread back to every row with
numpy, so a million-row file converts in seconds.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kit.convert.registry import ColumnContext, converter_factory
from kit.core.findings import Finding, column_letter
from kit.standards import Field, Standard, normalise_code

NA_TEXT = {"na", "n/a", "n.a.", "n/a."}
TRUE_TEXT = {"yes", "y", "true", "t", "1"}
FALSE_TEXT = {"no", "n", "false", "f", "0"}
# Commas are allowed only as thousands separators (1,234,567.50): "12,34" or "1.234,50" are not
# amounts a UK officer means, and guessing would silently change a cost by a factor of 100.
MONEY_RE = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
INT_RE = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.0+)?$")
LARGEST_COUNT = 10**9  # a whole number beyond this is a typing slip, not a count
OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
FULL_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})$")
ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
YMD_SLASH_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
TIME_SUFFIX_RE = re.compile(r"^(\S+(?:\s\S+\s\d{4})?)\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
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
    """A converted column: typed ``values`` (empty where a value failed), the findings, and
    ``text``: what the quality checks read (the canonical text of each good value, the
    original text of each bad one, ``None`` where the cell was empty)."""

    values: pd.Series
    findings: list[Finding] = field(default_factory=list)
    text: pd.Series | None = None


# Findings about a value's type, format or code: decided here, once (the suite does not check them
# again). An error among them leaves the cell empty in the standard table and keeps it in the findings.
VALUE_RULES = {
    "unknown_code",
    "not_yes_no",
    "not_whole_number",
    "not_amount",
    "not_a_date",
    "not_outward_code",
    "too_long",
    "bad_format",
    "placeholder_id",
    "non_ascii_digits",
    "implausible_date",
}

EMPTY = Outcome(None)


def canonical_text(value: object) -> str | None:
    """The text the quality checks see for a converted value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def split_multi(text: str) -> list[str]:
    """The answers in a multi-valued cell: ``"ESOL; BSL"`` -> ``["ESOL", "BSL"]``."""
    return [p.strip() for p in str(text).split(";") if p.strip()]


# ---------------------------------------------------------------------------------------------
# Identifiers: what cannot be a child, and what a screen does not show


# What LAs' systems and spreadsheets write where an ID is not known (compared case-insensitively,
# spaces ignored). Such a value is not a child: every row holding it would merge into one "child".
PLACEHOLDER_IDS = frozenset(
    [
        "null",
        "none",
        "nil",
        "nan",
        "na",
        "n/a",
        "n.a.",
        "#n/a",
        "#na",
        "#value!",
        "#ref!",
        "#name?",
        "#null!",
        "#div/0!",
        "#num!",
        "?",
        "??",
        "-",
        "--",
        "---",
        ".",
        "...",
        "unknown",
        "notknown",
        "n/k",
        "nk",
        "tbc",
        "tba",
        "tbd",
        "missing",
        "blank",
        "empty",
        "noid",
        "xxx",
        "xxxx",
        "0",
        "00",
        "000",
    ]
)
# Characters no screen shows (zero-width spaces and joiners, direction overrides, BOMs, soft
# hyphens): two IDs that differ only by them look identical, so they are removed before hashing.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\x00-\x1f\x7f]")  # fmt: skip
# Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables, the unambiguous ones).
LOOKALIKES = str.maketrans(
    "АВЕКМНОРСТХУЅІЈаеорсхуѕіјԁһԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧοϲ",
    "ABEKMHOPCTXYSIJaeopcxysijdhqwABEZHIKMNOPTYXoc",
)


def identifier_text(text: str) -> tuple[str, list[str]]:
    """(the ID as a person reads it, what was removed or replaced) for one identifier cell.

    Unicode compatibility forms are folded (NFKC: full-width ``ＬＡ１`` is ``LA1``), invisible
    characters removed, Cyrillic and Greek look-alikes replaced by the Latin letters they look like,
    so that the same visible ID always gives the same pseudonym. The notes name what was done
    (invisible characters, look-alike letters); none when the ID was plain.
    """
    import unicodedata

    notes = []
    clean = text
    if not clean.isascii():
        folded = unicodedata.normalize("NFKC", clean)
        stripped = _INVISIBLE.sub("", folded)
        if stripped != folded or _INVISIBLE.search(clean):
            notes.append("characters a screen does not show (zero-width, direction marks)")
        mapped = stripped.translate(LOOKALIKES)
        if mapped != stripped:
            notes.append("letters of another alphabet that look like Latin ones")
        clean = mapped
    elif _INVISIBLE.search(clean):
        clean = _INVISIBLE.sub("", clean)
        notes.append("characters a screen does not show (zero-width, direction marks)")
    return clean.strip(), notes


def is_placeholder_id(text: object) -> bool:
    """True for a value that stands for "no ID" (``NULL``, ``#N/A``, ``?``, ``unknown``...), not a child."""
    if not isinstance(text, str):
        return False
    key = re.sub(r"\s+", "", identifier_text(text)[0]).casefold()
    return bool(key) and (key in PLACEHOLDER_IDS or not any(c.isalnum() for c in key))


def convert_identifier(text: str, f: Field) -> Outcome:
    """An identifier (child ID, placement ID): a placeholder is an error (the row is no child);
    invisible and look-alike characters are removed or replaced, with a warning."""
    if is_placeholder_id(text):
        return Outcome(
            None,
            "placeholder_id",
            "error",
            f"'{text.strip()}' stands for a missing {f.title}, not a real one, so this row cannot be used "
            f"(every such row would count as one child). Enter the ID from your case-management system.",
        )
    clean, notes = identifier_text(text)
    if notes:
        return Outcome(
            clean,
            "hidden_characters_in_id",
            "warning",
            f"The {f.title} holds {' and '.join(notes)}; it was read as "
            f"'{clean}'. Retype the ID in your system so that every file writes it the same way.",
        )
    if f.max_length and len(clean) > f.max_length:
        return Outcome(None, "too_long", "error", f"'{clean}' is longer than {f.max_length} characters.")
    return Outcome(clean)


def non_ascii_digits(text: str) -> bool:
    """True when a cell holds digits other than 0-9 (Arabic-Indic, Devanagari, full-width...):
    ``\\d`` and ``float()`` read them as numbers, but no UK system writes them, so they are not read."""
    return not text.isascii() and any(c.isdigit() and not c.isascii() for c in text)


def _non_ascii_digits_outcome(text: str, f: Field) -> Outcome:
    return Outcome(
        None,
        "non_ascii_digits",
        "error",
        f"'{text}' is written with digits other than 0-9, so it is not read as {f.title}. "
        "Retype it with the digits 0 to 9.",
    )


# ---------------------------------------------------------------------------------------------
# One distinct value -> Outcome, per type


def _is_na(text: str) -> bool:
    return len(text) <= 5 and text.casefold() in NA_TEXT


def user_codes(user_values: dict[str, str | None] | None, codes) -> dict[str, str | None]:
    """The user's value map keyed on the normalised source value, targets made canonical.

    A target of ``None`` means "leave it as an error" (the value stays a finding). A target that
    is not a code of the list also stays an error: a mapping never invents a value.
    """
    out: dict[str, str | None] = {}
    for source, target in (user_values or {}).items():
        out[normalise_code(source)] = codes.canonical(target) if target is not None else None
    return out


def _one_code(text: str, codes, user: dict[str, str | None]) -> str | None:
    """The canonical code for one answer: the user's mapping first, then the code list."""
    key = normalise_code(text)
    if key in user:
        return user[key]
    return codes.canonical(text)


def convert_code(text: str, f: Field, std: Standard, user_values: dict[str, str | None]) -> Outcome:
    """A code (or ``;``-separated codes for a multi-valued field) in its canonical spelling."""
    codes = std.codes_for(f.name)
    user = user_codes(user_values, codes)
    return _convert_code(text, f, codes, user)


def _convert_code(text: str, f: Field, codes, user: dict[str, str | None]) -> Outcome:
    if f.multi:
        parts = split_multi(text)
        if len(parts) == 1 and "," in parts[0] and _one_code(parts[0], codes, user) is None:
            # "Taxis to school, NA": commas where the standard wants ";" (only when every piece is a code)
            pieces = [p.strip() for p in parts[0].split(",") if p.strip()]
            out = [_one_code(p, codes, user) for p in pieces]
            if all(out):
                return Outcome(
                    ";".join(dict.fromkeys(out)),
                    "multi_separator",
                    "warning",
                    f"'{text}' separates several answers with commas; the standard separates them with ';'.",
                )
        out, bad = [], []
        for p in parts:
            code = _one_code(p, codes, user)
            if code is None:
                bad.append(p)
            else:
                out.append(code)
        if bad:
            return Outcome(None, "unknown_code", "error", unknown_code_message(text, f, codes.values))
        return Outcome(";".join(dict.fromkeys(out)) or None)
    code = _one_code(text, codes, user)
    if code is None:
        return Outcome(None, "unknown_code", "error", unknown_code_message(text, f, codes.values))
    return Outcome(code)


def unknown_code_message(value: str, f: Field, allowed: list[str]) -> str:
    """The finding for a value that is none of the field's codes (the whole cell is quoted)."""
    shown = ", ".join(f"'{a}'" for a in allowed)
    return f"'{value}' is not one of the allowed answers for {f.title} ({shown}). Choose one of them."


def convert_boolean(text: str, f: Field, invert: bool) -> Outcome:
    """Yes/No (Y/N, true/false, 1/0) as True/False; ``invert`` for "was education disrupted?"."""
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
    """A whole number (``2``, ``2.0`` from Excel, ``1,000``) as an int."""
    if non_ascii_digits(text):
        return _non_ascii_digits_outcome(text, f)
    clean = text.strip()
    if not INT_RE.match(clean) or abs(int(clean.replace(",", "").split(".")[0])) > LARGEST_COUNT:
        return Outcome(
            None,
            "not_whole_number",
            "error",
            f"'{text}' is not a whole number. Enter a count, e.g. 0, 1 or 2.",
        )
    return Outcome(int(clean.replace(",", "").split(".")[0]))


def convert_decimal(text: str, f: Field) -> Outcome:
    """An amount in pounds (``£1,234.50``, ``1234.5``, ``(100.00)`` for a negative) as a float."""
    if non_ascii_digits(text):
        return _non_ascii_digits_outcome(text, f)
    clean = text.replace("\u00a3", "").replace(" ", "").replace("\u00a0", "")
    if clean.startswith("(") and clean.endswith(")"):  # accounting negative
        clean = "-" + clean[1:-1]
    value = float(clean.replace(",", "")) if MONEY_RE.match(clean) else math.nan
    if not math.isfinite(value):
        return Outcome(
            None,
            "not_amount",
            "error",
            f"'{text}' is not an amount in pounds. Enter the weekly cost, e.g. 1250.50.",
        )
    return Outcome(value)


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, date_format: str = "day-first") -> tuple[dt.date | None, str]:
    """(date, note) for a date cell; note says what was assumed ('' when nothing was).

    ISO dates (``2024-02-12``, with or without a time) and ``2024/02/12`` are always read. With
    ``date_format="day-first"`` (the default), ``12/2/2024`` is 12 February and ``12/31/2024``
    is not a date. Excel serial numbers (``45334``) are read with the note ``excel_serial``,
    two-digit years with ``two_digit_year``.
    """
    clean = text.strip()
    iso = ISO_DATE_RE.match(clean) or YMD_SLASH_RE.match(clean)
    if iso:
        return _valid_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3))), ""
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
        # A day-first date followed by a time, as Excel and case-management systems export it.
        timed = TIME_SUFFIX_RE.match(clean)
        if timed:
            return parse_date(timed.group(1), date_format)
    if re.match(r"^\d{5}(\.0+)?$", clean):
        serial = int(float(clean))
        if 20000 <= serial <= 80000:  # 1954-10-03 .. 2119-01-11
            return EXCEL_EPOCH + dt.timedelta(days=serial), "excel_serial"
    return None, ""


def _date_bound(bound: object) -> dt.date | None:
    """A date field's ``min`` or ``max`` from the standard file (a YAML date or ISO text) as a date."""
    if bound is None or bound == "":
        return None
    if isinstance(bound, dt.datetime):
        return bound.date()
    return bound if isinstance(bound, dt.date) else dt.date.fromisoformat(str(bound))


def convert_date(text: str, f: Field, date_format: str) -> Outcome:
    """A date (see :func:`parse_date`); never a month-first guess."""
    if non_ascii_digits(text):
        return _non_ascii_digits_outcome(text, f)
    value, note = parse_date(text, date_format)
    if value is None:
        how = "day first. Enter it as DD/MM/YYYY" if date_format == "day-first" else "as YYYY-MM-DD. Enter it"
        example = "12/02/2024" if date_format == "day-first" else "2024-02-12"
        return Outcome(
            None, "not_a_date", "error", f"'{text}' is not a valid date written {how}, e.g. {example}."
        )
    lo, hi = _date_bound(f.min), _date_bound(f.max)
    if (lo and value < lo) or (hi and value > hi):
        return Outcome(
            None,
            "implausible_date",
            "error",
            f"'{text}' cannot be right for {f.title}: the kit reads dates from "
            f"{lo:%d/%m/%Y} to {hi:%d/%m/%Y}. Check the day, month and year (DD/MM/YYYY)."
            if lo and hi
            else f"'{text}' cannot be right for {f.title}. Check the day, month and year (DD/MM/YYYY).",
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
    """The first part of a postcode, upper-cased; a full postcode is cut with a warning."""
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
    """Free text, trimmed; the wrong pattern (or, for a field with no pattern, too long) is an error."""
    value = text.strip()
    if f.pattern:
        if non_ascii_digits(value):  # a pattern's \d matches Arabic-Indic digits too
            return _non_ascii_digits_outcome(value, f)
        if not re.match(f.pattern, value):
            return Outcome(None, "bad_format", "error", f"'{value}' is not in the format {f.title} needs.")
    elif f.max_length and len(value) > f.max_length:
        return Outcome(None, "too_long", "error", f"'{value}' is longer than {f.max_length} characters.")
    return Outcome(value)


# ---------------------------------------------------------------------------------------------
# A whole column


def converter_for(
    f: Field,
    std: Standard,
    *,
    invert: bool = False,
    date_format: str = "day-first",
    user_values=None,
    header: str = "",
) -> Callable[[str], Outcome]:
    """The function that converts one (stripped, non-empty) cell of field ``f``.

    A standard's plug-in (:mod:`kit.convert.registry`) is asked first; the shared converters by
    type follow.
    """
    plugged = _plugged(f, std, invert=invert, date_format=date_format, user_values=user_values, header=header)
    if plugged is not None:
        return plugged
    if f.identifier and f.type == "string" and not f.pattern:
        return lambda t: convert_identifier(t, f)
    if f.type == "code":
        codes = std.codes_for(f.name)
        user = user_codes(user_values, codes)
        return lambda t: _convert_code(t, f, codes, user)
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


def _plugged(f: Field, std: Standard, **context) -> Callable[[str], Outcome] | None:
    factory = converter_factory(std.standard)
    return factory(f, std, ColumnContext(**context)) if factory is not None else None


DTYPES = {"boolean": "boolean", "integer": "Int64", "decimal": "Float64"}
TEXT_TYPES = {"code", "outward_code", "string"}  # values that are text already
MASKED = {
    "boolean": (bool, pd.arrays.BooleanArray),
    "integer": (np.int64, pd.arrays.IntegerArray),
    "decimal": (np.float64, pd.arrays.FloatingArray),
}


def _plain_text(f: Field) -> bool:
    """Free text with no limits: the value is the trimmed cell, and nothing can fail."""
    return f.type not in {"code", "boolean", "integer", "decimal", "date", "outward_code"} and not (
        f.max_length or f.pattern or f.identifier
    )


def _outcomes(uniques: list[str], f: Field, convert: Callable[[str], Outcome]) -> list[Outcome]:
    """One outcome per distinct cell (cells equal once trimmed are converted once)."""
    seen: dict[str, Outcome] = {}
    out = []
    for raw in uniques:
        text = raw.strip()
        outcome = seen.get(text)
        if outcome is None:
            # An identifier's "N/A" is a placeholder (a finding), not an empty cell.
            empty = text == "" or (f.na_means_empty and not f.identifier and _is_na(text))
            outcome = EMPTY if empty else convert(text)
            seen[text] = outcome
        out.append(outcome)
    return out


def _plain_column(raw: pd.Series, f: Field) -> pd.Series:
    """Free text: each cell trimmed, empty (and ``NA`` where that means empty) as ``None``.

    Done cell by cell, without looking for distinct values: such columns (child IDs, URNs)
    are mostly distinct, so factorising them would cost more than it saves.
    """
    na = f.na_means_empty
    trimmed = (x.strip() if isinstance(x, str) else "" for x in raw.to_numpy())
    values = np.empty(len(raw), dtype=object)
    values[:] = [t if t and not (na and len(t) <= 5 and t.casefold() in NA_TEXT) else None for t in trimmed]
    return pd.Series(values, index=raw.index, dtype=object)


def _distinct(raw: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(a code per row, the distinct cells as text): each distinct cell is converted only once.

    Factorised as a plain numpy array with missing values as -1 (measured: about twice as fast
    as factorising the pandas "str" Series); a missing cell becomes one more distinct value "".
    """
    codes, uniques = pd.factorize(raw.to_numpy(), use_na_sentinel=True)
    texts = [u if isinstance(u, str) else str(u) for u in uniques]
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(texts), codes)
        texts.append("")
    return codes, texts


def _typed(values: list, f: Field, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Spread per-distinct ``values`` back over the rows (``codes``) in the field's dtype."""
    n = len(values)
    if f.type == "date":
        stamps = np.array(
            [np.datetime64(v, "s") if v is not None else np.datetime64("NaT", "s") for v in values]
        )
        return pd.Series(stamps.astype("datetime64[s]")[codes] if n else stamps, index=index)
    if f.type in DTYPES:
        mask = np.array([v is None for v in values], dtype=bool)
        kind, array_type = MASKED[f.type]
        filled = np.array([v if v is not None else 0 for v in values], dtype=kind)
        if not n:
            return pd.Series(pd.array([], dtype=DTYPES[f.type]), index=index)
        return pd.Series(array_type(filled[codes], mask[codes]), index=index)
    objects = np.empty(n, dtype=object)
    objects[:] = values
    return pd.Series(objects[codes] if n else objects, index=index, dtype=object)


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
    header: str = "",
) -> ColumnResult:
    """Convert one source column (text cells, index = source row) into the field's values."""
    index = raw.index
    convert = _plugged(f, std, invert=invert, date_format=date_format, user_values=user_values, header=header)
    if convert is None and _plain_text(f):
        series = _plain_column(raw, f)
        return ColumnResult(series, [], series)
    codes, uniques = _distinct(raw)
    if convert is None:
        convert = converter_for(f, std, invert=invert, date_format=date_format, user_values=user_values)
    outcomes = _outcomes(uniques, f, convert)
    findings = _findings(raw, codes, outcomes, f, letter, source_file, la)
    values = _typed([o.value for o in outcomes], f, codes, index)
    if f.type in TEXT_TYPES and not any(o.rule in VALUE_RULES for o in outcomes):
        # Every value is already its own canonical text: one Series serves both (pandas'
        # copy-on-write keeps them apart if either is ever changed).
        return ColumnResult(values, findings, values)
    texts = [
        u.strip() if o.rule in VALUE_RULES else canonical_text(o.value)
        for u, o in zip(uniques, outcomes, strict=True)
    ]
    return ColumnResult(values, findings, _typed(texts, _TEXT_FIELD, codes, index))


_TEXT_FIELD = Field(name="_text", section="", title="", description="", type="string", required=False)


def _findings(
    raw: pd.Series,
    codes: np.ndarray,
    outcomes: list[Outcome],
    f: Field,
    letter: str,
    source_file: str,
    la: str,
) -> list[Finding]:
    """One finding per cell whose value had one (the cell's own text is quoted as it was typed)."""
    flagged = np.array([bool(o.rule) for o in outcomes], dtype=bool)
    if not flagged.any():
        return []
    positions = np.flatnonzero(flagged[codes])
    rows = raw.index.to_numpy()[positions]
    cells = raw.iloc[positions].to_numpy(dtype=object)
    findings = []
    for row, cell, code in zip(rows, cells, codes[positions], strict=True):
        o = outcomes[code]
        findings.append(
            Finding(
                la=la,
                source_file=source_file,
                source_row=int(row),
                source_column=letter,
                field=f.name,
                value=str(cell).strip(),
                rule=o.rule,
                severity=o.severity,
                message=o.message,
            )
        )
    return findings


def empty_column(index: pd.Index, f: Field) -> pd.Series:
    """A column of ``f`` with no values (for a field no source column maps to)."""
    if f.type == "date":
        return pd.Series(np.full(len(index), np.datetime64("NaT", "s")), index=index)
    if f.type in DTYPES:
        return pd.Series(pd.array([None] * len(index), dtype=DTYPES[f.type]), index=index)
    return pd.Series(np.full(len(index), None, dtype=object), index=index)


# ---------------------------------------------------------------------------------------------
# What conversion checks, field by field (for the "what we check" page)


@dataclass(frozen=True)
class ValueRule:
    """One value-level rule conversion applies to a field, as the "what we check" page lists it."""

    rule: str
    severity: str
    field: str
    sentence: str
    source: str


def value_rules_for(f: Field, std: Standard) -> list[ValueRule]:
    """The rules by which conversion decides whether a cell of ``f`` can be read (shared types)."""

    def rule(name: str, sentence: str, source: str) -> ValueRule:
        return ValueRule(name, "error", f.name, sentence, source)

    out = []
    if f.type == "code":
        shown = ", ".join(f"'{c}'" for c in std.codelists[f.codelist].values)
        sentence = f"holds one or more of {shown}, separated by ';'" if f.multi else f"is one of {shown}"
        out.append(rule("unknown_code", sentence, f"standard: code list {f.codelist}"))
    elif f.type == "boolean":
        out.append(rule("not_yes_no", "is Yes or No", "standard: boolean"))
    elif f.type == "integer":
        out.append(rule("not_whole_number", "is a whole number", "standard: integer"))
    elif f.type == "decimal":
        out.append(rule("not_amount", "is an amount in pounds", "standard: decimal"))
    elif f.type == "date":
        out.append(
            rule("not_a_date", "is a real calendar date (written day first, DD/MM/YYYY)", "standard: date")
        )
        lo, hi = _date_bound(f.min), _date_bound(f.max)
        if lo and hi:
            out.append(
                rule("implausible_date", f"lies between {lo:%d/%m/%Y} and {hi:%d/%m/%Y}", "standard: min/max")
            )
    if f.type in ("integer", "decimal", "date"):
        out.append(rule("non_ascii_digits", "is written with the digits 0 to 9", "kit: reading"))
    if f.identifier and f.type == "string" and not f.pattern:
        out.append(
            rule("placeholder_id", "is a real ID, not a placeholder such as NULL, #N/A or ?", "kit: reading")
        )
    elif f.type == "outward_code" or (f.type == "string" and f.pattern):
        pattern = f.pattern or OUTWARD_RE.pattern
        name = "not_outward_code" if f.type == "outward_code" else "bad_format"
        out.append(rule(name, f"matches the pattern `{pattern}`", "standard: pattern"))
    if f.max_length and f.type in ("string", "outward_code") and not f.pattern:
        out.append(rule("too_long", f"is at most {f.max_length} characters long", "standard: max length"))
    return out


__all__ = [
    "VALUE_RULES",
    "ValueRule",
    "column_letter",
    "convert_column",
    "empty_column",
    "identifier_text",
    "is_placeholder_id",
    "parse_date",
    "split_multi",
    "value_rules_for",
]
