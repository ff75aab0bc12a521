"""The person standard's checks, as the shared checks stage runs them (registered by ``kit.person.plugin``).

The shared stage (:func:`kit.checks.check_quality`) calls, for a person extract whose values the
shared conversion and the person converters have already read:

1. :func:`build_suite`: the chosen profile's checks (``kit.person.suite``), run through ONE Great
   Expectations checkpoint;
2. :func:`missing_columns`: fields the chosen profile requires but the file has no column for
   (one finding per file).

Values that fail a check digit or are in the future are left empty in the standard table
(``kit.person.suite.blanking_rules``). Great Expectations is imported by the checks stage, never here.
"""

from __future__ import annotations

import datetime as dt

from kit.core.errors import KitError
from kit.core.findings import Finding
from kit.person.relationships import columns
from kit.person.suite import RELATIONSHIPS, build_person_checks, profile_required, profile_title, profiles


def build_suite(std, present: set[str], by_design, profile: str | None, today: dt.date | None) -> list:
    """The checks of ``profile`` that the file's fields (``present``) can be judged by."""
    if profile not in profiles(std) and profile != RELATIONSHIPS:
        raise KitError(
            "Say which Person Standard profile the records follow: subject_of_care (children and adults "
            "receiving care), connected (relatives, carers and contacts) or relationships (a table of "
            "links between people, checked with the person records it refers to)."
        )
    return build_person_checks(std, profile, present, today or dt.date.today())


def missing_columns(result, present: set[str]) -> list[Finding]:
    """One finding per file for each field the profile requires that no column holds."""
    std, profile = result.standard, result.profile
    if profile == RELATIONSHIPS:  # a links table needs only its links' columns (kit.person.relationships)
        return []
    title = profile_title(std, profile).lower()
    out = []
    for fr in result.files:
        for name in profile_required(std, profile):
            if name in present:
                continue
            f = std.field(name)
            out.append(
                Finding(
                    la=result.la, source_file=fr.table.path.name, field=name, rule="missing_column", severity="error",
                    message=f"No column holds {f.title} ({name}), which the {title} profile requires. "
                    "Add the column or map it in the mapping file.",
                )
            )  # fmt: skip
    return out


def required_columns(std, profile: str | None, mapped: set[str]) -> tuple[str, ...]:
    """The fields a file must have a column for: under the relationships profile, a links table's
    (person, related person, relationship) when the file maps a related person, else the core's names."""
    core = tuple(f.name for f in std.fields if f.required)
    if profile != RELATIONSHIPS:
        return core
    person, related, relationship, _ = columns(std)
    return (person, related, relationship) if related in mapped else core


def judged_files(result) -> set[str] | None:
    """Under the relationships profile only the links files are judged (the person records are read to
    judge the links, and are checked in their own profile): None, every file, otherwise."""
    if result.profile != RELATIONSHIPS:
        return None
    related = columns(result.standard)[1]
    return {
        f.table.path.name for f in result.files if any(m.applied and m.field == related for m in f.matches)
    }


__all__ = ["build_suite", "judged_files", "missing_columns", "required_columns"]
