"""Identifier and postcode checks of the Person Standard: pure functions, plus vectorised versions.

In: one identifier as typed (``"943 476 5919"``, ``"b801200005001"``), or a pandas Series of them.
Out: the normalised text, or whether it passes the check. No pandas work is done per row where
numpy can do it: a region's million rows are checked in well under a second.

The algorithms are the ones the standard file documents (``identifiers:`` in
``kit/standards/person-v1.0.0.yaml``, from the research brief §5):

* **NHS number**: 10 digits; digits 1-9 weighted 10..2, ``c = 11 - (sum mod 11)``, 11 -> 0, 10 never
  issued; valid when ``c`` is the 10th digit. Repeated-digit strings pass the arithmetic
  (``0000000000``) and are rejected as placeholders.
* **UPN**: 13 characters; positions 2-13 weighted 2..13 (a letter at position 13 counts as its index
  in ``ABCDEFGHJKLMNPQRTUVWXYZ``); the check letter at position 1 is that table's letter
  ``sum mod 23``. A letter at position 13 marks a temporary UPN. ``UN1``-``UN7`` are reasons for
  having no UPN, not UPNs.
* **ULN**: 10 digits, the first non-zero; all ten weighted 10..1; valid when the sum mod 11 is 10.
* **Postcode**: upper-cased, spaces removed, one space put back before the last three characters,
  then the standard's pattern ``^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$`` (shape only: whether
  the postcode exists needs the ONS Postcode Directory).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S
UPN_UNKNOWN_CODES = ("UN1", "UN2", "UN3", "UN4", "UN5", "UN6", "UN7")
NHS_PATTERN = re.compile(r"^[0-9]{10}$")
UPN_PATTERN = re.compile(r"^[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]$")
ULN_PATTERN = re.compile(r"^[1-9][0-9]{9}$")
POSTCODE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$")
ACCURACY_PATTERN = re.compile(r"^[AEU]{3}$")
_SPACES = re.compile(r"\s+")


# ---------------------------------------------------------------------------------------------
# Normalisation (what the standard file's types: section says, done before any pattern test)


def normalise_nhs_number(value: str) -> str:
    """Spaces and hyphens removed: ``"943 476 5919"`` -> ``"9434765919"``."""
    return _SPACES.sub("", str(value)).replace("-", "")


def normalise_upn(value: str) -> str:
    """Trimmed, inner spaces removed, upper case: ``" b8012 00005001"`` -> ``"B801200005001"``."""
    return _SPACES.sub("", str(value)).upper()


def normalise_uln(value: str) -> str:
    """Spaces removed."""
    return _SPACES.sub("", str(value))


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code: ``"qa11aa"`` -> ``"QA1 1AA"``.

    Text too short to hold an inward code is returned upper-cased without spaces, so that the
    pattern check reports it as typed (near enough).
    """
    squashed = _SPACES.sub("", str(value)).upper()
    if len(squashed) < 5:
        return squashed
    return f"{squashed[:-3]} {squashed[-3:]}"


def normalise_accuracy(value: str) -> str:
    """Trimmed and upper-cased: ``" uaa"`` -> ``"UAA"``."""
    return str(value).strip().upper()


# ---------------------------------------------------------------------------------------------
# One value at a time (readable reference versions; the vectorised ones below must agree)


def nhs_number_valid(value: str) -> bool:
    """True for a real NHS number (format, modulus 11, not a repeated-digit placeholder)."""
    s = normalise_nhs_number(value)
    if not NHS_PATTERN.match(s) or len(set(s)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(s[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(s[9])


def upn_check_letter(upn12: str) -> str:
    """The check letter for characters 2-13 of a UPN (``"801200005001"`` -> ``"B"``)."""
    total = 0
    for char, weight in zip(upn12, range(2, 14), strict=True):
        total += (int(char) if char.isdigit() else UPN_LETTERS.index(char)) * weight
    return UPN_LETTERS[total % 23]


def is_upn_unknown_code(value: str) -> bool:
    """True for the SSDA903/CIN reasons for having no UPN (``UN1`` to ``UN7``)."""
    return normalise_upn(value) in UPN_UNKNOWN_CODES


def upn_format_ok(value: str) -> bool:
    """True when the UPN has the right shape (13 characters, letters from the 23-letter table)."""
    return bool(UPN_PATTERN.match(normalise_upn(value)))


def upn_valid(value: str) -> bool:
    """True for a UPN of the right shape whose first letter is its check letter."""
    u = normalise_upn(value)
    return bool(UPN_PATTERN.match(u)) and upn_check_letter(u[1:]) == u[0]


def is_temporary_upn(value: str) -> bool:
    """True for a temporary UPN: the right shape with a letter, not a digit, at position 13."""
    u = normalise_upn(value)
    return bool(UPN_PATTERN.match(u)) and not u[12].isdigit()


def uln_valid(value: str) -> bool:
    """True for a ULN: 10 digits, the first non-zero, weighted sum mod 11 equal to 10."""
    s = normalise_uln(value)
    if not ULN_PATTERN.match(s):
        return False
    return sum(int(d) * w for d, w in zip(s, range(10, 0, -1), strict=True)) % 11 == 10


def postcode_valid(value: str) -> bool:
    """True when the normalised postcode has the shape the Person Standard accepts."""
    return bool(POSTCODE_PATTERN.match(normalise_postcode(value)))


# ---------------------------------------------------------------------------------------------
# Vectorised versions: a boolean array per Series, True = passes. Nulls count as passing (the
# caller decides what an empty cell means), like Great Expectations' column-map checks.


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """An (n, width) array of the digits of n strings that are each exactly ``width`` digits."""
    if not len(values):
        return np.zeros((0, width), dtype=np.int64)
    raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
    return raw.reshape(-1, width).astype(np.int64) - 48


def _text(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(filled mask, the text of every cell as a numpy object array)."""
    filled = series.notna().to_numpy()
    text = series.astype(object).where(series.notna(), "").astype(str).to_numpy(dtype=object)
    return filled, text


def nhs_numbers_valid(series: pd.Series, normalise: bool = True) -> np.ndarray:
    """Vectorised :func:`nhs_number_valid` (True where valid or empty)."""
    filled, text = _text(series)
    if normalise:
        text = np.array([normalise_nhs_number(t) for t in text], dtype=object)
    shaped = filled & pd.Series(text, dtype=object).str.fullmatch(r"[0-9]{10}").fillna(False).to_numpy(bool)
    ok = ~filled
    digits = _digits(list(text[shaped]), 10)
    if len(digits):
        total = (digits[:, :9] * np.arange(10, 1, -1)).sum(axis=1)
        check = 11 - total % 11
        check = np.where(check == 11, 0, check)
        repeated = (digits == digits[:, :1]).all(axis=1)
        ok[shaped] = (check != 10) & (check == digits[:, 9]) & ~repeated
    return ok


def ulns_valid(series: pd.Series, normalise: bool = True) -> np.ndarray:
    """Vectorised :func:`uln_valid` (True where valid or empty)."""
    filled, text = _text(series)
    if normalise:
        text = np.array([normalise_uln(t) for t in text], dtype=object)
    shaped = filled & pd.Series(text, dtype=object).str.fullmatch(r"[1-9][0-9]{9}").fillna(False).to_numpy(
        bool
    )
    ok = ~filled
    digits = _digits(list(text[shaped]), 10)
    if len(digits):
        ok[shaped] = (digits * np.arange(10, 0, -1)).sum(axis=1) % 11 == 10
    return ok


def upns_valid(series: pd.Series, normalise: bool = True) -> np.ndarray:
    """Vectorised :func:`upn_valid` (True where valid or empty)."""
    filled, text = _text(series)
    if normalise:
        text = np.array([normalise_upn(t) for t in text], dtype=object)
    shaped = filled & pd.Series(text, dtype=object).str.fullmatch(UPN_PATTERN.pattern[1:-1]).fillna(
        False
    ).to_numpy(bool)
    ok = ~filled
    chosen = list(text[shaped])
    if chosen:
        codes = np.frombuffer("".join(chosen).encode("ascii"), dtype=np.uint8).reshape(-1, 13)
        # A digit's value is itself; a letter's is its index in the 23-letter table.
        table = np.full(256, -1, dtype=np.int64)
        table[48:58] = np.arange(10)
        for i, letter in enumerate(UPN_LETTERS):
            table[ord(letter)] = i
        values = table[codes]
        total = (values[:, 1:] * np.arange(2, 14)).sum(axis=1)
        ok[shaped] = values[:, 0] == total % 23
    return ok


def postcodes_valid(series: pd.Series, normalise: bool = True) -> np.ndarray:
    """Vectorised :func:`postcode_valid` (True where valid or empty)."""
    filled, text = _text(series)
    if normalise:
        text = np.array([normalise_postcode(t) for t in text], dtype=object)
    matched = pd.Series(text, dtype=object).str.match(POSTCODE_PATTERN.pattern).fillna(False).to_numpy(bool)
    return ~filled | matched


# ---------------------------------------------------------------------------------------------
# The person standard's own field types, by their type name (FORMAT.md and the ``types:`` block of
# the standard file; not field names: a field of type ``upn`` may be called anything)


class PersonType(NamedTuple):
    """What the kit does with a value of one of the person standard's own types."""

    normalise: Callable[[str], str]
    pattern: re.Pattern  # what a normalised value must match to be kept (kit.person.conversion)
    message: str  # what an LA officer reads when a value is not in the type's format ({value}: as typed)
    no_value: tuple[str, ...] = ()  # reasons for having no value (UN1-UN7 for a UPN): the cell becomes empty
    check_expectation: str = ""  # the Great Expectations check of a check_digit rule (kit.person.suite)
    temporary: bool = False  # a letter at the end marks a temporary value, warned (kit.person.suite)


PERSON_TYPES: dict[str, PersonType] = {
    "nhs_number": PersonType(
        normalise_nhs_number,
        NHS_PATTERN,
        "'{value}' is not a 10-digit NHS number. Enter the 10 digits, e.g. 943 476 5919.",
        check_expectation="ExpectColumnValuesToPassNhsNumberCheck",
    ),
    "upn": PersonType(
        normalise_upn,
        UPN_PATTERN,
        "'{value}' is not a 13-character UPN (a check letter, 11 digits, then a digit or letter). "
        "Correct it, or use UN1 to UN5 if the child has no UPN.",
        no_value=UPN_UNKNOWN_CODES,
        check_expectation="ExpectColumnValuesToPassUpnCheck",
        temporary=True,
    ),
    "uln": PersonType(
        normalise_uln,
        ULN_PATTERN,
        "'{value}' is not a 10-digit ULN (the first digit is never 0). Correct it or leave it empty.",
        check_expectation="ExpectColumnValuesToPassUlnCheck",
    ),
    "postcode": PersonType(
        normalise_postcode, POSTCODE_PATTERN, "'{value}' is not a full UK postcode. Enter it like QA1 2BD."
    ),
    "accuracy_indicator": PersonType(
        normalise_accuracy,
        ACCURACY_PATTERN,
        "'{value}' is not a date accuracy indicator: use three letters for day, month and "
        "year, each A (accurate), E (estimated) or U (unknown), e.g. UAA.",
    ),
}


__all__ = [
    "PERSON_TYPES",
    "UPN_LETTERS",
    "UPN_UNKNOWN_CODES",
    "is_temporary_upn",
    "is_upn_unknown_code",
    "nhs_number_valid",
    "nhs_numbers_valid",
    "normalise_accuracy",
    "normalise_nhs_number",
    "normalise_postcode",
    "normalise_uln",
    "normalise_upn",
    "PersonType",
    "postcode_valid",
    "postcodes_valid",
    "uln_valid",
    "ulns_valid",
    "upn_check_letter",
    "upn_format_ok",
    "upn_valid",
    "upns_valid",
]
