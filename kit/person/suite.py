"""The Person Standard's checks for one profile, derived from its standard file (no Great Expectations here).

In: the person standard, the profile the user chose (``subject_of_care`` or ``connected``), the
fields the file carries, and the day of the check. Out: a list of :class:`kit.checks.Check`,
the same objects the placements suite uses, run through one Great Expectations checkpoint.

The checks are the shared ones (``kit.checks.suite.build_checks``: code lists, dates, booleans,
patterns, required-together, unique keys, dates not in the future...) plus the person-only ones:

* check digits (NHS number, UPN, ULN) and temporary UPNs (whether a cell is an identifier, a
  postcode or an accuracy indicator at all is conversion's to say: ``kit.person.conversion``);
* every field the chosen profile requires (``required_in:`` in the standard file);
* a date of birth plausible for the profile (``plausible_age``) and consistent with its accuracy
  indicator (``accuracy_consistent``); the deceased flag consistent with a date of death
  (``consistent_deceased``);
* codes the standard allows but the kit should query (ethnicity -8, a census artefact).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kit.checks.suite import Check, build_checks
from kit.person.identifiers import PERSON_TYPES
from kit.person.relationships import columns, relationship_kinds
from kit.standards import Rule, Standard

PROFILES = ("subject_of_care", "connected")  # the profiles of person 1.0.0 (profiles() reads any version's)
# Not a profile of the standard: the kit's way of checking a relationships table (one row per link),
# with the person records it refers to given alongside, on the links only.
RELATIONSHIPS = "relationships"
LINK_SENTENCES = {
    "self": "does not link a person to themselves",
    "target_missing": "links to a person whose record is in the extract",
    "not_reciprocated": "has a link back from the related person",
    "contradicts_reverse": "agrees with the related person's link back",
    "parent_age": "gives a parent at least 12 years older than the child",
}

# Rule kinds whose errors judge one value: the value is left empty in standard.csv and kept in
# findings.csv (a failed check digit; a date in the future).
BLANKING_KINDS = ("check_digit", "not_future")
# Field type -> the check of its check digit (kit.person.identifiers.PERSON_TYPES).
CHECK_DIGIT_EXPECTATIONS = {t: k.check_expectation for t, k in PERSON_TYPES.items() if k.check_expectation}


def blanking_rules(std: Standard) -> frozenset[str]:
    """The rule ids of ``std`` whose errors leave the value empty (see ``BLANKING_KINDS``)."""
    return frozenset(r.id for r in std.rules if r.kind in BLANKING_KINDS)


def profiles(std: Standard) -> tuple[str, ...]:
    """The profiles the standard file declares (``profiles:``), e.g. ``subject_of_care``, ``connected``."""
    return tuple(std.raw.get("profiles") or ())


def profile_title(std: Standard, profile: str) -> str:
    """``subject_of_care`` -> ``Subject of care`` (from the standard file)."""
    return str(((std.raw.get("profiles") or {}).get(profile) or {}).get("title") or profile)


def profile_required(std: Standard, profile: str) -> list[str]:
    """Fields the profile requires beyond the core's required fields (e.g. dateOfBirth for a subject of care)."""
    return [f.name for f in std.fields if profile in f.required_in and not f.required]


def _format_checks(std: Standard) -> list[Check]:
    """Checks on identifiers conversion could read (their format is conversion's: kit.person.conversion)."""
    checks = []
    for f in std.fields:
        if f.type in PERSON_TYPES and PERSON_TYPES[f.type].temporary:  # a UPN
            checks.append(
                Check(
                    f"{f.name}.temporary", "temporary_upn", "warning", f.name, "ExpectColumnValuesToNotBeTemporaryUpns",
                    {"column": f.name},
                    "UPN {value} is a temporary UPN (it ends in a letter): replace it with the permanent UPN "
                    "when the school has one, so the child can be matched across systems.",
                    "is a permanent UPN, not a temporary one", [f.name], "standard: identifiers.upn structure",
                )
            )  # fmt: skip
    return checks


def _required_checks(std: Standard, profile: str) -> list[Check]:
    title = profile_title(std, profile).lower()
    return [
        Check(
            f"{name}.required_for_profile", "required_for_profile", "error", name, "ExpectColumnValuesToNotBeNull",
            {"column": name},
            f"{std.field(name).title} is empty, but the {title} profile of the Person Standard requires it. Fill it in.",
            f"is filled in on every row ({title} profile)", [name], f"standard: profiles.{profile}",
        )
        for name in profile_required(std, profile)
    ]  # fmt: skip


def _person_rule_checks(rule: Rule, std: Standard, profile: str, today: dt.date) -> list[Check]:
    """The checks of the person rule kinds (the shared kinds are built by kit.checks.suite)."""
    p = rule.params
    if p.get("profiles") and profile not in p["profiles"]:
        return []
    base = dict(rule=rule.id, severity=rule.severity, message=rule.message, source=rule.source)
    if rule.kind == "check_digit":
        ftype = std.field(p["field"]).type
        return [
            Check(id=rule.id, field=p["field"], expectation=CHECK_DIGIT_EXPECTATIONS[ftype],
                  kwargs={"column": p["field"]}, sentence=f"passes the {p['algorithm'].replace('_', ' ')} check",
                  fields=[p["field"]], **base)
        ]  # fmt: skip
    if rule.kind == "plausible_age":
        lo, hi = int(p["min_years"]), int(p["max_years"])
        return [
            Check(id=rule.id, field=p["field"], expectation="ExpectColumnValuesToGiveAgeBetween",
                  kwargs={"column": p["field"], "min_years": lo, "max_years": hi, "today": today.isoformat()},
                  sentence=f"gives an age between {lo} and {hi} on the day of the check", fields=[p["field"]], **base)
        ]  # fmt: skip
    if rule.kind == "accuracy_consistent":
        cols = [p["field"], p["accuracy_field"]]
        return [
            Check(id=rule.id, field=p["field"], expectation="ExpectDateToMatchAccuracyIndicator",
                  kwargs={"column_list": cols, "position": p["position"], "letter": p["letter"],
                          "expected_day": int(p["expected_day"])},
                  sentence=f"falls on the {p['expected_day']}th when the {p['position']} is marked {p['letter']}",
                  fields=cols, **base)
        ]  # fmt: skip
    if rule.kind == "consistent_deceased":
        cols = [p["field"], p["date_field"]]
        return [
            Check(id=rule.id, field=p["date_field"], expectation="ExpectDeathDateOnlyWhenDeceased",
                  kwargs={"column_list": cols}, sentence="is given only when Deceased is true", fields=cols, **base),
            Check(id=f"{rule.id}.missing_date", rule=f"{rule.id}_missing_date",
                  severity=p.get("missing_date_severity", "warning"), field=p["field"],
                  expectation="ExpectDeathDateWhenDeceased", kwargs={"column_list": cols},
                  message=" ".join(str(p.get("missing_date_message") or rule.message).split()),
                  sentence="has a date of death when Deceased is true", fields=cols, source=rule.source),
        ]  # fmt: skip
    if rule.kind == "relationship_link":
        kinds, reverse = relationship_kinds(std)
        cols = list(columns(std))
        return [
            Check(id=rule.id, field=p["field"], expectation="ExpectRelationshipLinksToHold",
                  kwargs={"column_list": cols, "check": p["check"], "kinds": kinds, "reverse": reverse,
                          "min_years": int(p.get("min_years") or 0)},
                  sentence=LINK_SENTENCES[p["check"]], fields=[c for c in cols if c != cols[-1]], **base)
        ]  # fmt: skip
    return []


def relationship_fields(std: Standard) -> set[str]:
    """The fields of a link: the related person, the relationship and its dates (the relationships section)."""
    section = std.field(columns(std)[1]).section
    return set(std.section_fields(section))


def _relationship_table_checks(checks: list[Check], std: Standard) -> list[Check]:
    """For a relationships table: only the checks that read a link's own fields."""
    own = relationship_fields(std)
    # Every row of a links table repeats a person, so only a link's own key says "the same link twice".
    whole_rows = {r.id for r in std.rules if r.kind == "unique_rows"}
    return [c for c in checks if set(c.fields) & own and c.rule not in whole_rows]


def _queried_codes(std: Standard) -> list[Check]:
    """Codes the standard allows but whose code-list entry carries a ``warning:`` (ethnicity -8)."""
    checks = []
    for f in std.fields:
        if f.type != "code" or not f.codelist:
            continue
        for item in (std.raw.get("codelists") or {}).get(f.codelist, {}).get("codes") or []:
            if item.get("warning"):
                code = str(item["code"])
                checks.append(
                    Check(
                        f"{f.name}.query.{code}", "code_to_query", "warning", f.name, "ExpectColumnValuesToNotBeInSet",
                        {"column": f.name, "value_set": [code]}, " ".join(str(item["warning"]).split()),
                        f"is not {code} ({item.get('label', '')})", [f.name], f"standard: code list {f.codelist}",
                    )
                )  # fmt: skip
    return checks


def build_person_checks(
    std: Standard, profile: str, present: set[str] | None = None, today: dt.date | None = None
) -> list[Check]:
    """Every check of the person standard for ``profile``; with ``present``, only those the file can judge.

    A field with no column is reported once as a missing column (by the caller), so its checks
    and the rules that read it are left out here.
    """
    today = today or dt.date.today()
    links_only = profile == RELATIONSHIPS
    profile = "connected" if links_only else profile  # a link's rules are the same in either profile
    shared = [
        replace(c, kwargs={**c.kwargs, "today": today.isoformat()}) if "today" in c.kwargs else c
        for c in build_checks(std, present)
    ]
    own = _format_checks(std) + _required_checks(std, profile) + _queried_codes(std)
    own += [c for r in std.rules for c in _person_rule_checks(r, std, profile, today)]
    if present is not None:
        own = [c for c in own if set(c.fields) <= present]
    if links_only:
        return _relationship_table_checks(shared + own, std)
    return _one_row_per_link(shared + own, std, profile, present)


def _one_row_per_link(
    checks: list[Check], std: Standard, profile: str, present: set[str] | None
) -> list[Check]:
    """A person extract with a related-person column holds one row per link, so a person's ID repeats.

    There the person-ID uniqueness check is on the person and the related person together (the same
    person twice with the same related person, or twice with none, is still a duplicate record). A
    profile whose ``relatedPerson`` cardinality is at most one (the connected profile: "at most one
    relationship") gets a warning on a person with several links instead of an error: the records
    are right, but the national shape of that profile takes one relationship per person record.
    """
    person, related = columns(std)[:2]
    if present is None or related not in present:
        return checks
    at_most = str(
        ((std.raw.get("profiles") or {}).get(profile) or {}).get("cardinality", {}).get("relatedPerson", "")
    )
    title = profile_title(std, profile).lower()
    out = []
    for c in checks:
        if c.expectation != "ExpectColumnValuesNotToRepeatEarlierValues" or c.fields != [person]:
            out.append(c)
            continue
        out.append(
            replace(
                c, expectation="ExpectRowsNotToRepeatEarlierRows",
                kwargs={"column_list": [person, related], "skip_if_any_missing": False}, fields=[person, related],
                sentence=f"no two rows share the same {person} and {related} (one row per link)",
            )
        )  # fmt: skip
        if at_most.endswith("..1"):
            out.append(
                Check(
                    f"{person}.one_relationship_in_profile", "one_relationship_in_profile", "warning", person,
                    "ExpectColumnValuesNotToRepeatEarlierValues", {"column": person},
                    f"LA person ID {{value}} has more than one relationship, but the {title} profile of the Person "
                    f"Standard takes at most one per record (relatedPerson {at_most}): send the other links from "
                    "the child's record, or as a relationships table (--profile relationships).",
                    f"a person has at most one relationship ({title} profile)", [person],
                    f"standard: profiles.{profile}.cardinality.relatedPerson",
                )
            )  # fmt: skip
    return out


__all__ = [
    "BLANKING_KINDS",
    "PROFILES",
    "RELATIONSHIPS",
    "relationship_fields",
    "blanking_rules",
    "build_person_checks",
    "profiles",
    "profile_required",
    "profile_title",
]
