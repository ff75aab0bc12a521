"""Who the children are: identities, and each LA's person extract in its case-management style.

In: the children frame and a random generator. :func:`assign_identities` adds LA child IDs, names,
NHS numbers (999 test range, valid by modulus 11), UPNs (valid check letter), home addresses and
mothers' babies' dates of birth. :func:`build_person_extracts` lays out one extract per LA with its
own headers (903-style sex codes 1/2, DfE ethnicity codes), with the children who moved between LAs
appearing in both LAs' extracts, with realistic differences (nickname, typo, day and month of birth
swapped, a new address), and a few planted bad identifiers. Out: the extracts, the ground truth of
cross-LA duplicates, the answer-key rows for the bad identifiers, and person mapping files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from kit.synth import names as N
from kit.synth import parameters as P
from kit.synth.children import YEAR
from kit.synth.identifiers import bad_nhs_number, bad_upn, child_ids, nhs_numbers, upns
from kit.synth.region import Geography, inward_codes

NO_DATE = 10**9  # "never" for day columns such as a mother's baby's date of birth


def assign_identities(children: pd.DataFrame, geo: Geography, rng: np.random.Generator) -> pd.DataFrame:
    """Add child_id, names, nhs, upn, address, home_postcode and mc_dob to every child."""
    c = children.copy()
    n = len(c)
    la = c["la"].to_numpy()
    ids = np.empty(n, dtype=object)
    for la_obj in geo.region_las:
        rows = np.flatnonzero(la == la_obj.index)
        ids[rows] = child_ids(la_obj.index, len(rows), rng)
    c["child_id"] = ids

    uasc = c["uasc"].to_numpy()
    male = c["sex"].to_numpy() == "M"
    fam = c["family"].to_numpy()
    n_fam = int(fam.max()) + 1 if n else 0
    fam_surname = np.array(N.SURNAMES, dtype=object)[rng.integers(0, len(N.SURNAMES), n_fam)]
    surname = fam_surname[fam]
    surname[uasc] = np.array(N.SURNAMES_UASC, dtype=object)[
        rng.integers(0, len(N.SURNAMES_UASC), int(uasc.sum()))
    ]
    given = np.where(
        male,
        np.array(N.GIVEN_MALE, dtype=object)[rng.integers(0, len(N.GIVEN_MALE), n)],
        np.array(N.GIVEN_FEMALE, dtype=object)[rng.integers(0, len(N.GIVEN_FEMALE), n)],
    )
    given_u = np.where(
        male,
        np.array(N.GIVEN_UASC_MALE, dtype=object)[rng.integers(0, len(N.GIVEN_UASC_MALE), n)],
        np.array(N.GIVEN_UASC_FEMALE, dtype=object)[rng.integers(0, len(N.GIVEN_UASC_FEMALE), n)],
    )
    c["given"] = np.where(uasc, given_u, given)
    c["surname"] = surname

    c["nhs"] = nhs_numbers(n, rng)
    numbers = np.array([la_obj.dfe_number for la_obj in geo.las], dtype=object)[la]
    birth_year = (
        c["dob"].to_numpy().astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    ).astype(int)
    entry_age = (c["entry"].to_numpy() - c["dob"].to_numpy()) / YEAR
    c["upn"] = upns(numbers, birth_year + 4, rng)
    uasc_upn = uasc & (entry_age < 16) & (rng.random(n) < 0.3)
    c.loc[uasc & ~uasc_upn, "upn"] = ""

    # Home address: one per family (UASC: where they were placed on arrival).
    words = np.array(N.STREET_WORDS, dtype=object)
    types = np.array(N.STREET_TYPES, dtype=object)
    number = rng.integers(1, 180, n_fam)
    street = words[rng.integers(0, len(words), n_fam)] + " " + types[rng.integers(0, len(types), n_fam)]
    c["address1"] = (number.astype(str).astype(object) + " " + street)[fam]
    outward = geo.districts["outward"].to_numpy()[c["home_district"].to_numpy()]
    inward = inward_codes(rng, n_fam)[fam]
    c["home_postcode"] = np.char.add(np.char.add(outward.astype(str), " "), inward).astype(object)
    c["town"] = np.array([la_obj.name for la_obj in geo.las], dtype=object)[la]

    # Children who moved keep who they are: names, date of birth, NHS number, UPN.
    src = c["transfer_from"].to_numpy()
    moved = np.flatnonzero(src >= 0)
    if len(moved):
        pos = pd.Series(np.arange(n), index=c["child"].to_numpy())
        from_rows = pos.reindex(src[moved]).to_numpy()
        for col in ("given", "surname", "nhs", "upn"):
            c.loc[c.index[moved], col] = c[col].to_numpy()[from_rows]

    # Girls 16+ who are mothers.
    age_exit = (c["exit"].to_numpy() - c["dob"].to_numpy()) / YEAR
    mother = (~male) & (age_exit >= 16.2) & (rng.random(n) < P.MOTHER_SHARE_16PLUS * 2)
    earliest = np.maximum(c["dob"].to_numpy() + int(15.5 * YEAR), c["entry"].to_numpy())
    latest = c["exit"].to_numpy()
    mc = earliest + (rng.random(n) * np.maximum(latest - earliest, 1)).astype(np.int64)
    c["mc_dob"] = np.where(mother & (latest > earliest), mc, NO_DATE)
    return c


# ---------------------------------------------------------------------------------------------
# Extracts in each LA's style


@dataclass
class PersonStyle:
    headers: tuple[str, ...]  # ID, given, family, DOB, sex, ethnicity, NHS, UPN, address, town, postcode
    date_format: str  # strftime-like: "dmy", "iso", "d-b-y"
    nhs_spaced: bool = False
    mapping: dict[str, str] | None = None  # header -> person field, when the kit would not know it
    notes: str = ""
    encoding: str = "utf-8"


FIELDS = (
    "personId", "givenName", "familyName", "dateOfBirth", "sexCode", "ethnicityCode", "nhsNumber", "upn",
    "addressLine1", "city", "postcode", "isDeceased", "deceasedDate",
)  # fmt: skip

STYLES = (
    PersonStyle(
        ("Person ID", "Forename", "Surname", "DOB", "Gender", "Ethnicity", "NHS No", "UPN", "Address 1", "Town",
         "Postcode", "Deceased", "Date of Death"),
        "dmy", nhs_spaced=True, mapping={"Gender": "genderCode", "Address 1": "addressLine1", "Date of Death": "deceasedDate"},
        notes="'Gender' holds the 903-style codes 1/2 (valid gender codes too); NHS numbers spaced 3-3-4.",
    ),
    PersonStyle(
        ("PERSON_ID", "FIRST_NAME", "LAST_NAME", "BIRTH_DATE", "SEX", "ETHNICITY_CODE", "NHS_NUMBER", "UPN",
         "ADDRESS_LINE1", "TOWN", "POSTCODE", "DECEASED_FLAG", "DATE_OF_DEATH"),
        "iso", mapping={"ETHNICITY_CODE": "ethnicityCode", "DECEASED_FLAG": "isDeceased", "DATE_OF_DEATH": "deceasedDate"},
        notes="Upper-case database column names; ISO dates.",
    ),
    PersonStyle(
        ("Child ID", "First name(s)", "Family name", "Date of birth", "Gender (1=M 2=F)", "Ethnic origin", "NHS number",
         "Unique Pupil Number", "Street", "Town/City", "Post code", "Deceased?", "Date of death"),
        "dmy", mapping={"First name(s)": "givenName", "Gender (1=M 2=F)": "genderCode", "Ethnic origin": "ethnicityCode",
                        "Street": "addressLine1", "Deceased?": "isDeceased", "Date of death": "deceasedDate"},
        notes="Form-style labels; Windows-1252 text.", encoding="cp1252",
    ),
    PersonStyle(
        ("LAchildID", "Forenames", "Surname", "PersonBirthDate", "SEX", "ETHNIC", "NHS Number", "UPN", "Address Line 1",
         "Town", "POSTCODE", "Deceased", "PersonDeathDate"),
        "dmy", notes="Statutory-return names: the kit maps every column without help.",
    ),
    PersonStyle(
        ("Client Ref", "Given Name", "Family Name", "D.O.B.", "Sex Code", "Ethnicity", "NHS No.", "UPN", "House/Street",
         "Town", "Postcode", "Died", "Date Died"),
        "d-b-y", mapping={"Client Ref": "personId", "House/Street": "addressLine1", "Died": "isDeceased", "Date Died": "deceasedDate"},
        notes="Dates like 03-Feb-2011; a case-management 'client' reference.",
    ),
    PersonStyle(
        ("CHILD", "Forename", "Surname", "DOB", "SEX", "ETHNIC", "NHS Number", "UPN", "Address Line 1", "Town/City",
         "Post Code", "Deceased", "Date of Death"),
        "iso", notes="903 names for the identifiers: the kit maps every column without help.",
    ),
)  # fmt: skip
DECEASED_TEXT = (("N", "Y"), ("No", "Yes"), ("No", "Yes"), ("false", "true"), ("N", "Y"), ("No", "Yes"))


def _fmt_dates(days: np.ndarray, style: str) -> np.ndarray:
    d = pd.to_datetime(np.asarray(days, dtype="int64"), unit="D")
    if style == "iso":
        return d.strftime("%Y-%m-%d").to_numpy()
    if style == "d-b-y":
        return d.strftime("%d-%b-%Y").to_numpy()
    return d.strftime("%d/%m/%Y").to_numpy()


@dataclass
class PersonOutputs:
    files: dict[str, str] = field(default_factory=dict)  # LA code -> relative path
    mappings: dict[str, str | None] = field(default_factory=dict)
    truth: pd.DataFrame | None = None
    answer_rows: list[dict] = field(default_factory=list)
    extracts: dict[str, pd.DataFrame] = field(default_factory=dict)
    relationships: dict[str, list[str]] = field(
        default_factory=dict
    )  # LA -> family and links files (kit.synth.relationships)
    relationship_mappings: dict[str, str] = field(default_factory=dict)


def _typo(name: str, rng: np.random.Generator) -> str:
    if len(name) < 4:
        return name + name[-1]
    i = int(rng.integers(1, len(name) - 2))
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # two letters swapped


def build_person_extracts(children: pd.DataFrame, geo: Geography, rng: np.random.Generator) -> PersonOutputs:
    """One extract per region LA (a frame of text cells), the duplicates truth and bad identifiers."""
    out = PersonOutputs()
    c = children.reset_index(drop=True)
    n = len(c)
    given = c["given"].to_numpy().copy()
    surname = c["surname"].to_numpy().copy()
    dob = c["dob"].to_numpy().copy()
    nhs = c["nhs"].to_numpy().copy()
    variation = np.full(n, "", dtype=object)
    # The second record of a child who moved differs a little from the first.
    moved = np.flatnonzero(c["transfer_from"].to_numpy() >= 0)
    for i in moved:
        notes = ["new address"]
        u = rng.random(4)
        if u[0] < 0.35 and given[i] in N.NICKNAMES:
            given[i] = N.NICKNAMES[given[i]]
            notes.append("nickname")
        if u[1] < 0.2:
            surname[i] = _typo(surname[i], rng)
            notes.append("surname typo")
        d = pd.Timestamp(int(dob[i]), unit="D")
        if u[2] < 0.12 and d.day <= 12 and d.day != d.month:
            dob[i] = (pd.Timestamp(year=d.year, month=d.day, day=d.month) - pd.Timestamp(0)).days
            notes.append("day and month of birth swapped")
        if u[3] < 0.15:
            nhs[i] = ""
            notes.append("NHS number not recorded")
        variation[i] = "; ".join(notes)
    missing = rng.random(n) < np.where(c["uasc"].to_numpy(), 0.25, P.PERSON_NHS_MISSING)
    nhs = np.where(missing & (variation == ""), "", nhs)

    upn = c["upn"].to_numpy().copy()
    too_young = ((pd.Timestamp(P.PERIOD_END) - pd.Timestamp(0)).days - c["dob"].to_numpy()) / YEAR < 4.5
    upn = np.where(too_young, "", upn)

    la = c["la"].to_numpy()
    died = c["rec"].to_numpy() == "E2"  # care ended because the child died
    truth_rows = []
    for la_obj in geo.region_las:
        style = STYLES[la_obj.index % len(STYLES)]
        rows = np.flatnonzero(la == la_obj.index)
        order = rows[np.argsort(c["child_id"].to_numpy()[rows].astype(str), kind="stable")]
        nhs_text = nhs[order].astype(str)
        if style.nhs_spaced:
            nhs_text = np.array([f"{x[:3]} {x[3:6]} {x[6:]}" if x else "" for x in nhs_text], dtype=object)
        frame = pd.DataFrame(
            {
                style.headers[0]: c["child_id"].to_numpy()[order],
                style.headers[1]: given[order],
                style.headers[2]: surname[order],
                style.headers[3]: _fmt_dates(dob[order], style.date_format),
                style.headers[4]: np.where(c["sex"].to_numpy()[order] == "M", "1", "2"),
                style.headers[5]: c["ethnic"].to_numpy()[order],
                style.headers[6]: nhs_text,
                style.headers[7]: upn[order],
                style.headers[8]: c["address1"].to_numpy()[order],
                style.headers[9]: c["town"].to_numpy()[order],
                style.headers[10]: c["home_postcode"].to_numpy()[order],
                style.headers[11]: np.where(
                    died[order], DECEASED_TEXT[la_obj.index % 6][1], DECEASED_TEXT[la_obj.index % 6][0]
                ),
                style.headers[12]: np.where(
                    died[order], _fmt_dates(c["exit"].to_numpy()[order], style.date_format), ""
                ),
            }
        )
        frame.attrs["child"] = c["child"].to_numpy()[order]
        out.extracts[la_obj.code] = frame
    # Ground truth: pairs of records that are the same child.
    codes = {x.index: x.code for x in geo.las}
    pos = pd.Series(np.arange(n), index=c["child"].to_numpy())
    for i in moved:
        j = int(pos[c.at[i, "transfer_from"]])
        truth_rows.append(
            {
                "la_a": codes[int(la[j])],
                "person_id_a": c.at[j, "child_id"],
                "la_b": codes[int(la[i])],
                "person_id_b": c.at[i, "child_id"],
                "differences": variation[i],
            }
        )
    out.truth = pd.DataFrame(
        truth_rows, columns=["la_a", "person_id_a", "la_b", "person_id_b", "differences"]
    )
    return out


def plant_bad_identifiers(out: PersonOutputs, geo: Geography, rng: np.random.Generator) -> None:
    """Spoil a few NHS numbers and UPNs, recording each in the answer key."""
    kinds = (
        ("nhsNumber", 6, "nhs_check_digit"),
        ("nhsNumber", 6, "nhs_placeholder"),
        ("upn", 7, "upn_check_letter"),
        ("upn", 7, "upn_malformed"),
    )
    for la_obj in geo.region_las:
        frame = out.extracts[la_obj.code]
        n = len(frame)
        k = max(4, int(round(n * P.PERSON_BAD_IDENTIFIERS)))
        rows = rng.choice(n, size=min(k, n), replace=False)
        for j, r in enumerate(sorted(rows)):
            fld, col, kind = kinds[j % len(kinds)]
            header = frame.columns[col]
            value = str(frame.iat[r, col])
            if not value:
                continue
            if kind == "nhs_check_digit":
                new = bad_nhs_number(value.replace(" ", ""), "check_digit", rng)
            elif kind == "nhs_placeholder":
                new = bad_nhs_number(value, "repeated", rng)
            elif kind == "upn_check_letter":
                new = bad_upn(value, "check_letter")
            else:
                new = bad_upn(value, "malformed")
            frame.iat[r, col] = new
            out.answer_rows.append(
                {
                    "la": la_obj.code,
                    "file": "",  # filled in when written
                    "source_row": int(r) + 2,
                    "source_column": chr(ord("A") + col),
                    "field": fld,
                    "kind": kind,
                    "expected_severity": "error",
                    "value": new,
                    "_header": header,
                }
            )


def write_persons(out_dir: Path, out: PersonOutputs, geo: Geography) -> None:
    """Write each extract, its mapping file (when needed) and the duplicates truth."""
    folder = out_dir / "person"
    folder.mkdir(parents=True, exist_ok=True)
    for la_obj in geo.region_las:
        style = STYLES[la_obj.index % len(STYLES)]
        frame = out.extracts[la_obj.code]
        name = f"{la_obj.code}_{la_obj.name.lower()}_children.csv"
        path = folder / name
        text = frame.to_csv(index=False, lineterminator="\r\n")
        path.write_bytes(text.encode(style.encoding))
        rel = path.relative_to(out_dir).as_posix()
        out.files[la_obj.code] = rel
        for row in out.answer_rows:
            if row["la"] == la_obj.code:
                row["file"] = rel
        if style.mapping:
            mapping_path = folder / f"{la_obj.code}_person_mapping.yml"
            columns = {h: (style.mapping.get(h) or FIELDS[k]) for k, h in enumerate(style.headers)}
            body = {
                "kit_mapping_format": 1,
                "saved": "2026-10-01",
                "standard": "person",
                "version": "1.0.0",
                "la": la_obj.code,
                "date_format": "iso" if style.date_format == "iso" else "day-first",
                "notes": style.notes,
                "columns": columns,
                "values": {},
            }
            header = (
                f"# Mapping of {la_obj.name}'s person extract to the Person Standard (sample region).\n"
                "#   columns: source column name -> standard field\n"
            )
            mapping_path.write_text(
                header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100),
                encoding="utf-8",
            )
            out.mappings[la_obj.code] = mapping_path.relative_to(out_dir).as_posix()
        else:
            out.mappings[la_obj.code] = None
    out.truth.to_csv(folder / "duplicates_truth.csv", index=False, lineterminator="\n")
