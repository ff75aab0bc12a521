"""The Person Standard: identifiers, crosswalks, checks by profile, and likely duplicates.

* :mod:`kit.person.plugin` — what the person standard file plugs into the shared conversion and
  checks (``kit.check.check_files(..., standard="person")`` loads it): person conversion
  (identifiers, postcodes, crosswalks), the chosen profile's checks, the profile's missing columns;
* :mod:`kit.person.identifiers` — NHS number, UPN, ULN and postcode checks (pure functions);
* :mod:`kit.person.crosswalk` — DfE ethnicity and 903/CIN sex and gender codes to the standard's;
* :func:`find_duplicates` — likely duplicate people within and across LAs, with a score and reasons;
* every LA's person extract named in a ``region.yml`` is checked by :mod:`kit.region.persons`.

Importing this package is cheap and imports none of its modules: each name below is imported
when it is first used (so loading the plug-in does not load the regional or duplicate code).
"""

from __future__ import annotations

import importlib

_WHERE = {
    "crosswalk_table": "kit.person.crosswalk",
    "find_duplicates": "kit.person.duplicates",
    "scoring_table": "kit.person.duplicates",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_WHERE)
