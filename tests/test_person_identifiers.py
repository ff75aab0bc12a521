"""Person Standard identifiers, postcodes and crosswalks: the standard file's own test vectors.

No Great Expectations here: these are the pure functions the checks and duplicate finder use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kit import standards
from kit.person import identifiers as ids
from kit.person.crosswalk import crosswalk_table, crosswalks_for, load_crosswalks
from kit.person.duplicates import name_variants_match, normalise_name, soundex

PERSON = standards.load("person", "1.0.0")
CHECKS = {
    "nhs_number": (ids.nhs_number_valid, ids.nhs_numbers_valid),
    "upn": (ids.upn_valid, ids.upns_valid),
    "uln": (ids.uln_valid, ids.ulns_valid),
}


def _vectors(name):
    return [(v["value"], v["valid"]) for v in PERSON.raw["identifiers"][name]["test_vectors"]]


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_test_vector_in_the_standard_file_gives_its_verdict(name):
    one, many = CHECKS[name]
    vectors = _vectors(name)
    assert len(vectors) >= 5
    for value, valid in vectors:
        assert one(value) is valid, f"{name} {value!r} should be {'valid' if valid else 'invalid'}"
    values = pd.Series([v for v, _ in vectors], dtype=object)
    assert list(many(values)) == [valid for _, valid in vectors]


def test_nhs_number_rules_from_the_brief():
    assert ids.nhs_number_valid("943 476 5919") and ids.nhs_number_valid("943-476-5919")
    # Every repeated-digit string passes the arithmetic (54*d = -d mod 11): all must be rejected.
    for d in "0123456789":
        assert not ids.nhs_number_valid(d * 10)
    assert not ids.nhs_number_valid("1234567890")  # check digit would be 10: never issued
    assert not ids.nhs_number_valid("94347659190") and not ids.nhs_number_valid("94347659A9")


def test_vectorised_checks_agree_with_the_reference_versions_on_random_numbers():
    rng = np.random.default_rng(7)
    digits = rng.integers(0, 10, size=(3000, 10))
    nhs = ["".join(map(str, row)) for row in digits]
    # make a third of them valid NHS numbers, so both verdicts are exercised
    for k in range(0, 3000, 3):
        body = nhs[k][:9]
        c = 11 - sum(int(x) * w for x, w in zip(body, range(10, 1, -1), strict=True)) % 11
        nhs[k] = body + str(0 if c == 11 else c % 10)
    series = pd.Series([*nhs, None, ""], dtype=object)
    assert list(ids.nhs_numbers_valid(series)[:-2]) == [ids.nhs_number_valid(x) for x in nhs]
    assert list(ids.ulns_valid(series)[:-2]) == [ids.uln_valid(x) for x in nhs]
    assert ids.nhs_numbers_valid(series)[-2]  # empty cells are not this check's business
    letters = ids.UPN_LETTERS
    upns = [
        letters[rng.integers(0, 23)]
        + "".join(map(str, rng.integers(0, 10, 11)))
        + letters[rng.integers(0, 23)]
        for _ in range(500)
    ]
    upns += [ids.upn_check_letter(u[1:]) + u[1:] for u in upns[:250]]
    assert list(ids.upns_valid(pd.Series(upns, dtype=object))) == [ids.upn_valid(u) for u in upns]
    assert sum(ids.upn_valid(u) for u in upns) >= 250


def test_temporary_upns_and_unknown_reasons_are_recognised():
    temporary = "A80120000501A"  # computed vector: letter A (0) at position 13
    assert ids.upn_valid(temporary) and ids.is_temporary_upn(temporary)
    assert not ids.is_temporary_upn("B801200005001")
    assert ids.is_upn_unknown_code(" un4 ") and not ids.upn_valid("UN4")
    assert ids.normalise_upn(" b8012 00005001") == "B801200005001"


@pytest.mark.parametrize(
    ("typed", "normalised", "valid"),
    [
        ("qa11aa", "QA1 1AA", True),
        ("QK11  8ET", "QK11 8ET", True),
        ("AB1 2CD", "AB1 2CD", True),  # the standard's own example (fails the stricter BS 7666 rules)
        ("QA11", "QA11", False),  # an outward code alone is not a full postcode
        ("1AB 2CD", "1AB 2CD", False),
        ("GIR 0AA", "GIR 0AA", False),  # not accepted by the standard's pattern (brief §5.4)
    ],
)
def test_postcodes_are_normalised_then_checked_against_the_standard_pattern(typed, normalised, valid):
    assert ids.normalise_postcode(typed) == normalised
    assert ids.postcode_valid(typed) is valid
    assert bool(ids.postcodes_valid(pd.Series([typed]))[0]) is valid


def test_ethnicity_crosswalk_maps_dfe_codes_and_reports_its_gaps():
    walk = load_crosswalks(PERSON)["dfe_ethnicity_to_ons"]
    assert walk.target_field == "ethnicityCode"
    assert walk.lookup("WBRI").targets == {"ethnicityCode": "13"}
    assert walk.lookup(" chne ").targets == walk.lookup("CNHE").targets == {"ethnicityCode": "2"}
    for gap in ("REFU", "NOBT", "WROM"):
        entry = walk.lookup(gap)
        assert entry.is_gap and entry.warning, gap
    assert "15" in walk.lookup("WROM").warning and "16" in walk.lookup("WROM").warning
    ooth = walk.lookup("OOTH")
    assert ooth.targets == {"ethnicityCode": "19"} and "18" in ooth.warning
    # Every target is a real code of the standard's list.
    allowed = set(PERSON.codelists["EthnicityCode"].values)
    assert {t for e in walk.entries.values() for t in e.targets.values()} <= allowed


def test_sex_and_gender_crosswalks_never_copy_sex_into_gender():
    sex = {w.id: w for w in crosswalks_for(PERSON, "sexCode")}
    assert set(sex) == {"ssda903_sex", "cin_sex"}
    assert sex["ssda903_sex"].lookup("1").targets == {"sexCode": "1"}
    assert sex["cin_sex"].lookup("m").targets == {"sexCode": "1"}
    assert sex["cin_sex"].lookup("U").targets == {"sexCode": "X"} and sex["cin_sex"].lookup("U").warning
    for walk in sex.values():
        assert all("genderCode" not in e.targets for e in walk.entries.values())
        assert walk.gender_when_not_recorded == "X" and "not gender" in walk.gender_warning
    ssd = load_crosswalks(PERSON)["ssd_pers_gender"]
    assert ssd.lookup("02").targets == {"genderCode": "2"}
    assert ssd.lookup("09").is_gap and ssd.lookup("57").is_gap  # local subcodes 10-99 count as 09
    assert load_crosswalks(PERSON)["cin_gender_current"].lookup("0").targets == {"genderCode": "X"}
    table = crosswalk_table(PERSON)
    assert (table.loc[table["from"] == "REFU", "to"] == "(no code: gap)").all()


def test_name_helpers_for_matching():
    assert normalise_name("  O'Brien-Smith ") == "O BRIEN SMITH"
    assert normalise_name("Zoë") == "ZOE"
    assert soundex("SMITH") == soundex("SMYTH") == "S530"
    assert soundex("ROBERT") == soundex("RUPERT") == "R163"
    assert soundex("ASHCRAFT") == "A261"  # H and W do not separate letters with the same code
    assert name_variants_match("TOM", "THOMAS") and name_variants_match("KATIE", "KATE")
    assert not name_variants_match("TOM", "JAMES")
