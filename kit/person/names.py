"""Names for matching people: normalised spellings, Soundex, and known given-name variants.

In: a name as an LA typed it. Out: the form two records are compared on (upper case, accents and
punctuation removed, as PUB03 says), its Soundex code, and whether two given names are variants
of one name (``TOM`` and ``THOMAS``) according to ``kit/person/data/name_variants.csv``, a plain
list a regional lead can extend with local variants.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

NAME_VARIANTS = Path(__file__).parent / "data" / "name_variants.csv"
# American Soundex's letter groups, coded 0 (vowels, H, W: not coded) to 6 in this order.
SOUNDEX_GROUPS = "AEIOUYHW BFPV CGJKQSXZ DT L MN R"


def normalise_name(value: object) -> str:
    """Upper case, accents removed, hyphens and apostrophes as spaces, other punctuation dropped."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = re.sub(r"[-'’.]", " ", text)
    text = re.sub(r"[^A-Z ]", "", text)
    return " ".join(text.split())


def soundex(name: str) -> str:
    """American Soundex of a normalised name (``SMITH`` and ``SMYTH`` -> ``S530``); '' for no letters."""
    letters = name.replace(" ", "")
    if not letters:
        return ""
    codes = {c: d for d, group in enumerate(SOUNDEX_GROUPS.split()) for c in group}
    out, last = letters[0], codes.get(letters[0], 0)
    for ch in letters[1:]:
        code = codes.get(ch, 0)
        if code and code != last:
            out += str(code)
        if ch not in "HW":  # H and W do not separate letters with the same code
            last = code
    return (out + "000")[:4]


@functools.cache
def variant_groups(path: Path = NAME_VARIANTS) -> dict[str, frozenset[int]]:
    """Normalised given name -> the ids of the variant groups it belongs to."""
    groups: dict[str, set[int]] = {}
    with open(path, encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for gid, row in enumerate(rows):
            for name in [row["name"], *str(row.get("variants") or "").split(";")]:
                key = normalise_name(name)
                if key:
                    groups.setdefault(key, set()).add(gid)
    return {k: frozenset(v) for k, v in groups.items()}


def name_variants_match(a: str, b: str) -> bool:
    """True when two normalised given names are variants of one name (``TOM`` and ``THOMAS``)."""
    groups = variant_groups()
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


__all__ = ["NAME_VARIANTS", "name_variants_match", "normalise_name", "soundex", "variant_groups"]
