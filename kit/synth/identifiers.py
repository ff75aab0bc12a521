"""Identifiers: LA child IDs in each LA's own style, NHS numbers and UPNs with valid check characters.

In: counts and a random generator. Out: arrays of identifier strings. NHS numbers come only from the
999 test range (999 000 0000 - 999 999 9999, never issued to a real person) and pass the modulus 11
check; UPNs carry a correct check letter (person-standard doc §5.1, §5.2). The planted bad ones are
made by :func:`bad_nhs_number` and :func:`bad_upn`.
"""

from __future__ import annotations

import numpy as np

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters, no I, O or S
NHS_WEIGHTS = np.arange(10, 1, -1)  # 10, 9, ..., 2 on digits 1-9

# LA child ID styles (person-standard doc §5.6: unique in the LA, up to 20 alphanumeric characters).
# Two LAs both use plain 6-digit numbers from overlapping ranges, so some IDs repeat across LAs.
CHILD_ID_STYLES = (
    ("digits", 6, 100000),  # 104233
    ("prefix", "HM", 6),  # HM004512
    ("digits", 7, 0),  # 0045123: leading zeros that a careless export would lose
    ("digits", 6, 100000),  # 6 digits again, overlapping the first style's range
    ("prefix", "C", 7),  # C2007123
    ("prefix", "BRC", 5),  # BRC01234
)


def child_ids(style_index: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct child IDs in one LA's style."""
    style = CHILD_ID_STYLES[style_index % len(CHILD_ID_STYLES)]
    if style[0] == "digits":
        width, low = style[1], style[2]
        numbers = low + rng.choice(10**width - low, size=n, replace=False)
        return np.char.zfill(numbers.astype(str), width)
    prefix, width = style[1], style[2]
    numbers = rng.choice(10**width, size=n, replace=False)
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width))


# ---------------------------------------------------------------------------------------------
# NHS numbers


def nhs_check_digit(first9: np.ndarray) -> np.ndarray:
    """Check digit for rows of 9 digits (int array n x 9); 10 means no valid number exists."""
    total = (first9 * NHS_WEIGHTS).sum(axis=1)
    check = 11 - total % 11
    return np.where(check == 11, 0, check)


def nhs_numbers(n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct valid NHS numbers from the 999 test range."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        k = (n - len(out)) * 2 + 10
        rest = rng.integers(0, 10, size=(k, 6))
        digits = np.hstack([np.full((k, 3), 9), rest])
        check = nhs_check_digit(digits)
        ok = check != 10
        numbers = ["".join(map(str, row)) + str(c) for row, c in zip(digits[ok], check[ok], strict=True)]
        for num in numbers:
            if num not in seen and len(set(num)) > 1:
                seen.add(num)
                out.append(num)
                if len(out) == n:
                    break
    return np.array(out)


def nhs_valid(number: str) -> bool:
    s = "".join(str(number).split())
    if len(s) != 10 or not s.isdigit() or len(set(s)) == 1:
        return False
    check = int(nhs_check_digit(np.array([[int(c) for c in s[:9]]]))[0])
    return check != 10 and check == int(s[9])


def bad_nhs_number(valid: str, kind: str, rng: np.random.Generator) -> str:
    """A planted bad NHS number: ``check_digit`` (last digit wrong) or ``repeated`` (a placeholder)."""
    if kind == "repeated":
        return "9999999999"  # passes modulus 11 (54*d = -d mod 11) but is a placeholder
    wrong = (int(valid[9]) + int(rng.integers(1, 10))) % 10
    candidate = valid[:9] + str(wrong)
    return candidate if not nhs_valid(candidate) else valid[:9] + str((wrong + 1) % 10)


# ---------------------------------------------------------------------------------------------
# UPNs


def upn_check_letter(upn12: str) -> str:
    """Check letter for characters 2-13 of a UPN."""
    total = sum(
        (int(c) if c.isdigit() else UPN_LETTERS.index(c)) * w
        for c, w in zip(upn12, range(2, 14), strict=True)
    )
    return UPN_LETTERS[total % 23]


def upn_valid(upn: str) -> bool:
    u = str(upn).strip().upper()
    return (
        len(u) == 13
        and u[0] in UPN_LETTERS
        and u[1:12].isdigit()
        and (u[12].isdigit() or u[12] in UPN_LETTERS)
        and upn_check_letter(u[1:]) == u[0]
    )


def upns(la_numbers: np.ndarray, allocation_years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Valid UPNs: LA number, a school's establishment number, year of allocation, serial."""
    n = len(la_numbers)
    estab = rng.integers(2000, 7000, n)
    serial = rng.integers(1, 1000, n)
    out = []
    seen = set()
    for i in range(n):
        body = f"{la_numbers[i]}{estab[i]:04d}{allocation_years[i] % 100:02d}{serial[i]:03d}"
        while body in seen:
            serial[i] = (serial[i] % 999) + 1
            body = f"{la_numbers[i]}{estab[i]:04d}{allocation_years[i] % 100:02d}{serial[i]:03d}"
        seen.add(body)
        out.append(upn_check_letter(body) + body)
    return np.array(out)


def bad_upn(valid: str, kind: str) -> str:
    """A planted bad UPN: ``check_letter`` (wrong letter) or ``malformed`` (12 characters, or I/O/S)."""
    if kind == "check_letter":
        letter = valid[0]
        other = UPN_LETTERS[(UPN_LETTERS.index(letter) + 5) % 23]
        return other + valid[1:]
    return valid[:12]  # a digit lost when the UPN was typed in
