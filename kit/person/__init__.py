"""The Person Standard: identifiers, crosswalks, checks by profile, and likely duplicates.

* :func:`check_person_quality` — what ``kit.check.check_files(..., standard="person")`` calls after
  the shared conversion: person conversion (identifiers, postcodes, crosswalks), the chosen
  profile's checks in Great Expectations, and the findings;
* :mod:`kit.person.identifiers` — NHS number, UPN, ULN and postcode checks (pure functions);
* :mod:`kit.person.crosswalk` — DfE ethnicity and 903/CIN sex and gender codes to the standard's;
* :func:`find_duplicates` — likely duplicate people within and across LAs, with a score and reasons;
* :func:`check_region_persons` — every LA's person extract named in a ``region.yml``, checked.

Importing this package is cheap: Great Expectations is only imported when a check runs.
"""

from __future__ import annotations

from kit.person.crosswalk import crosswalk_table
from kit.person.duplicates import find_duplicates, scoring_table
from kit.person.quality import check_person_quality
from kit.person.region import check_region_persons, findings_by_rule, identifier_problems

__all__ = [
    "check_person_quality",
    "check_region_persons",
    "crosswalk_table",
    "find_duplicates",
    "findings_by_rule",
    "identifier_problems",
    "scoring_table",
]
