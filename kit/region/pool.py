"""Build the regional dataset: check every LA, pseudonymise, pool, and join the reference data.

In: a :class:`~kit.region.config.RegionConfig` and the pseudonymisation key. Out: a
:class:`RegionalDataset` (the contract in ``guides/regional-dataset.md``): the pooled placements,
the pooled 903 tables, the register and district lookups, every LA's findings, the match rates and
each LA's :class:`~kit.check.CheckResult` (for its feedback workbook).

For each LA, in order: ``check_files`` on its placements files (with its mapping); child and
placement IDs replaced by pseudonyms, officer names dropped, v1 free text withheld (unless the
region file says ``free_text: keep``); its 903 extracts read, de-duplicated and pseudonymised with
the same function; then the joins (:mod:`kit.region.join`). A progress bar counts LAs (on a
terminal) and one status line per LA says what happened. The pooled table is the LAs' tables one
under the other: ``pooled rows == sum of the LAs' standard rows`` is asserted, not hoped for.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from kit.check import CheckResult, check_files
from kit.core.findings import Finding, to_frame
from kit.region import derive as D
from kit.region import join as J
from kit.region.config import LAConfig, RegionConfig
from kit.region.ofsted import read_register
from kit.region.persons import IDENTITY_COLUMNS, explain_groups, person_identities, sibling_groups_across
from kit.region.postcodes import read_districts
from kit.region.privacy import (
    drop_internal,
    internal_fields,
    key_fingerprint,
    pseudonymise,
    withhold_free_text,
)
from kit.region.ssda903 import annotate_episodes, read_la_903

FRONT = ["la", "la_name", "child", "version", "placement_start", "quarter", "financial_quarter"]
PROVENANCE = ["_source_file", "_source_row"]
_EP = D.EPISODE
EPISODE_OUT = [
    "la", "child", _EP.start, _EP.end, _EP.reason_new_episode, _EP.legal_status, _EP.category_of_need,
    _EP.place, _EP.provider, _EP.reason_ceased, _EP.reason_place_change, _EP.home_postcode,
    _EP.placement_postcode, _EP.urn, "year", "dob", "sex", "ethnicity", "uasc", "open", "dec_repaired",
    "_source_file", "_source_row",
]  # fmt: skip
"""The pooled 903 episodes: the DfE Episodes columns (reference/ssda903.yaml) with CHILD replaced by
the pseudonym ``child``, then the kit's annotations."""


@dataclass
class RegionalDataset:
    """The pooled, pseudonymised regional dataset (columns: guides/regional-dataset.md)."""

    config: RegionConfig
    placements: pd.DataFrame
    episodes: pd.DataFrame
    header: pd.DataFrame
    uasc: pd.DataFrame
    providers: pd.DataFrame
    districts: pd.DataFrame
    findings: pd.DataFrame
    match_rates: pd.DataFrame
    check_results: dict[str, CheckResult]
    stats: dict[str, dict] = field(default_factory=dict)  # per LA: rows, 903 counts, timings
    timings: dict[str, float] = field(default_factory=dict)
    key_fingerprint: str = ""
    quality_checked: bool = True
    notes: list[str] = field(default_factory=list)
    # Links between people of the LAs that supply relationship extracts (issue 18), pseudonymised with
    # the same key and function as ``child`` (``child`` and ``related`` are pseudonyms; ``kinds`` is
    # parent/child/sibling/partner joined by ";"), and the sibling groups they make (one row per child:
    # ``la``, ``child``, ``group``, ``size``). Empty when no LA supplies relationships.
    relationships: pd.DataFrame = field(default_factory=pd.DataFrame)
    sibling_groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    relationship_las: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------


def financial_quarter(dates: pd.Series) -> pd.Series:
    """``2026-27 Q1`` for April-June 2026: the quarters LAs' returns are due in."""
    d = dates.astype("datetime64[ns]")
    start = d.dt.year - (d.dt.month < 4).astype("int64")
    q = ((d.dt.month - 4) % 12) // 3 + 1
    text = (
        start.astype("Int64").astype("string")
        + "-"
        + ((start + 1) % 100).astype("Int64").astype("string").str.zfill(2)
    )
    return (text + " Q" + q.astype("Int64").astype("string")).where(d.notna()).astype("string")


def _placements_frame(
    result: CheckResult, la: LAConfig, key: bytes, free_text: str
) -> tuple[pd.DataFrame, int]:
    """One LA's standard rows, ready to pool: pseudonyms, no officer names, front columns."""
    std = result.standard
    data = drop_internal(result.data, [std])
    frame = pd.DataFrame(index=data.index)
    frame["la"] = la.code
    frame["la_name"] = la.name
    frame["child"] = pseudonymise(data[std.roles.child], key, la=la.code)
    frame["version"] = std.version
    frame["placement_start"] = data[std.roles.start_date].astype("datetime64[ns]")
    frame["quarter"] = (
        frame["placement_start"].dt.to_period("Q").astype("string").where(frame["placement_start"].notna())
    )
    frame["financial_quarter"] = financial_quarter(frame["placement_start"])
    for f in std.fields:
        if f.internal:
            continue
        if f.identifier:
            # The same pseudonym as `child` for childId; placement IDs get their own (scoped to the LA).
            frame[f.name] = (
                frame["child"] if f.name == std.roles.child else pseudonymise(data[f.name], key, la=la.code)
            )
        else:
            frame[f.name] = data[f.name]
    withheld = 0
    if free_text != "keep":
        frame, withheld = withhold_free_text(frame, [std])
    frame["_source_file"] = data["_source_file"].astype("string")
    frame["_source_row"] = data["_source_row"].astype("int64")
    return frame, withheld


def _episode_tables(ssda, la: LAConfig, key: bytes) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The LA's 903 tables with CHILD replaced by the pseudonym (same function as placements)."""
    ep = annotate_episodes(ssda)
    ep.insert(0, "la", la.code)
    ep.insert(1, "child", pseudonymise(ep["child_key"], key, la=la.code))
    for col in EPISODE_OUT:
        if col not in ep.columns:
            ep[col] = pd.NA
    episodes = ep[EPISODE_OUT]
    head, h = ssda.header, D.SSDA903.header
    header = pd.DataFrame(
        {"la": la.code, "child": pseudonymise(head["child_key"], key, la=la.code),
         **{h[r]: head[h[r]] for r in ("sex", "dob", "ethnicity")}, "year": head["year"]}
    )  # fmt: skip
    u, uc = ssda.uasc, D.SSDA903.uasc
    uasc = pd.DataFrame(
        {
            "la": la.code,
            "child": pseudonymise(u["child_key"], key, la=la.code),
            uc.ceased: u[uc.ceased],
            "year": u["year"],
        }
    )
    return episodes.reset_index(drop=True), header.reset_index(drop=True), uasc.reset_index(drop=True)


def _letters(result: CheckResult) -> dict[tuple[str, str], str]:
    return {(f.table.path.name, m.field): m.letter for f in result.files for m in f.matches if m.applied}


def _mask_identifiers(findings: pd.DataFrame, result: CheckResult, key: bytes, la: str) -> pd.DataFrame:
    """The LA's findings as they may be pooled: identifier values pseudonymised, officer names gone.

    The LA's own feedback workbook keeps its raw values (they are its own); the regional findings
    table must not carry them, in the value column or quoted inside a message.
    """
    if not len(findings):
        return findings
    out = findings.copy()
    ident = {f.name for f in result.standard.fields if f.identifier} | {D.EPISODE.child}
    internal = set(internal_fields([result.standard]))
    raw_ids = {str(v).strip() for v in result.data[result.standard.roles.child].dropna()} - {""}
    cache: dict[str, str] = {}

    def alias(raw: str) -> str:
        if raw not in cache:
            cache[raw] = "child " + str(pseudonymise(pd.Series([raw]), key, la=la).iloc[0])
        return cache[raw]

    values = out["value"].tolist()
    messages = out["message"].tolist()
    for i, fld in enumerate(out["field"].tolist()):
        value = values[i]
        if value and fld in internal:
            messages[i] = messages[i].replace(value, "(officer name withheld)")
            values[i] = "(officer name withheld)"
        elif value and fld in ident:
            messages[i] = messages[i].replace(value, alias(value))
            values[i] = alias(value)
        # A child ID can also be quoted in a message about another field: look at each word.
        for token in set(re.findall(r"[A-Za-z0-9]+", messages[i])) & raw_ids:
            messages[i] = re.sub(
                rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", alias(token), messages[i]
            )
    out["value"] = values
    out["message"] = messages
    return out


def _no_rows_finding(la: LAConfig, result: CheckResult) -> Finding:
    """The finding for an LA none of whose rows could be used this period (the region still publishes)."""
    s = result.summary()
    files = ", ".join(f.table.path.name for f in result.files) or "no file"
    why = (
        "its files hold no rows of data"
        if not s["rows_in"]
        else f"all {s['rows_in']} rows were blank ({s['rows_blank']}) or could not be used ({s['rows_rejected']})"
    )
    return Finding(
        la=la.code,
        source_file=result.files[0].table.path.name if len(result.files) == 1 else "",
        field="(file)",
        rule="no_usable_rows",
        severity="warning",
        message=(
            f"{la.name} ({la.code}) has no usable placement rows this period ({files}: {why}), so the regional "
            "figures leave it out. If the LA had no placements that is right; otherwise send the file again "
            "with its rows and their child IDs."
        ),
    )


RELATIONSHIP_COLUMNS = ["la", "child", "related", "kinds"]


def _relationship_links(la: LAConfig, key: bytes, today=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The LA's links between people (its relationship extracts, read with its person extract), pseudonymised,
    and who its people are region-wide (:func:`kit.region.persons.person_identities`).

    The person and the related person get the pseudonym ``child`` would (same key, same LA scope),
    so a link's child is the pooled placements' child. The links' own checks are ``kit check
    --profile relationships``; here they are read, not judged (a self link is dropped by ``links_of``).
    """
    from kit.person.relationships import links_of

    paths = [str(p) for p in (la.persons, *la.relationships) if p]
    mapping = str(la.relationship_mapping) if la.relationship_mapping else None
    result = check_files(
        paths,
        standard="person",
        la=la.code,
        mapping=mapping,
        profile="relationships",
        run_checks=False,
        today=today,
    )
    identities = person_identities(result.data, la.code, key)
    links = links_of(result.data, result.standard)
    if not len(links):
        return pd.DataFrame(columns=RELATIONSHIP_COLUMNS), identities
    frame = pd.DataFrame(
        {
            "la": la.code,
            "child": pseudonymise(links["person"], key, la=la.code),
            "related": pseudonymise(links["related"], key, la=la.code),
            "kinds": links["kinds"].map(";".join).astype("string"),
        }
    ).drop_duplicates(ignore_index=True)
    return frame, identities


def _person_identities(la: LAConfig, key: bytes, today=None) -> pd.DataFrame:
    """Who an LA's people are region-wide, from its person extract alone (an LA with no relationship
    extract can still hold the record that joins another LA's sibling group)."""
    result = check_files(
        [str(la.persons)],
        standard="person",
        la=la.code,
        mapping=str(la.person_mapping) if la.person_mapping else None,
        profile="subject_of_care",
        run_checks=False,
        today=today,
    )
    return person_identities(result.data, la.code, key)


def _la_rates(la: LAConfig, frame: pd.DataFrame, version: str) -> dict:
    matched = frame["episode_matched"].fillna(False).astype(bool)
    status = frame["urn_status"].fillna("")
    rows = len(frame)
    return {
        "la": la.code,
        "la_name": la.name,
        "version": version,
        "rows": rows,
        "matched": int(matched.sum()),
        "matched_exact": int((frame["match_rule"] == "exact").fillna(False).sum()),
        "matched_window": int((frame["match_rule"] == "window").fillna(False).sum()),
        "unmatched": int(rows - matched.sum()),
        "rate": round(float(matched.mean()), 4) if rows else None,
        "urn_registered": int((status == "registered").sum()),
        "urn_not_on_register": int((status == "not_on_register").sum()),
        "urn_missing": int((status == "missing").sum()),
        "urn_unregistered": int(frame["unregistered"].fillna(False).astype(bool).sum()),
    }


def _field_order(standards_) -> list[str]:
    """The fields of several standard versions in one order: each version's order kept, a field new
    in a later version placed after the field it follows there (v2's placementStartDate after
    placementType), so that the standard's fields stay together whatever mix of versions is pooled."""
    order: list[str] = []
    for std in standards_:
        previous = None
        for f in std.fields:
            if f.name not in order:
                order.insert(order.index(previous) + 1 if previous in order else len(order), f.name)
            previous = f.name
    return order


def _column_order(frames: list[dict[str, pd.Series]], fields: list[str]) -> list[str]:
    """Front columns, the standard's fields, then the joins' columns, then provenance."""
    seen: list[str] = []
    for f in frames:
        seen += [c for c in f if c not in seen]
    front = [c for c in FRONT if c in seen]
    standard = [c for c in fields if c in seen and c not in front]
    rest = [c for c in seen if c not in front and c not in standard and c not in PROVENANCE]
    return front + standard + rest + PROVENANCE


def _pool(frames: list[dict[str, pd.Series]], fields: list[str]) -> pd.DataFrame:
    """Stack the LAs' tables (each a dict of columns); a column one LA lacks (v1 vs v2) is missing
    there, in the column's dtype.

    Column by column, each LA's copy of a column let go as soon as it is stacked: a national run
    never holds the LAs' tables and the pooled table whole at the same time. ``frames`` is emptied.
    """
    if not frames:
        return pd.DataFrame(columns=FRONT + PROVENANCE)
    order = _column_order(frames, fields)
    dtypes: dict[str, object] = {}
    for f in frames:
        for c, col in f.items():
            if c not in dtypes or (str(dtypes[c]) == "object" and str(col.dtype) != "object"):
                dtypes[c] = col.dtype
    # v0.1 counts costs in whole pounds (Int64), v1/v2 in pence (Float64): pool as Float64.
    for c in order:
        kinds = {str(f[c].dtype) for f in frames if c in f}
        if kinds == {"Int64", "Float64"}:
            dtypes[c] = "Float64"
    sizes = [len(next(iter(f.values()))) for f in frames]
    columns: dict[str, pd.Series] = {}
    for c in order:
        parts = []
        for k, f in enumerate(frames):
            part = f.pop(c, None)
            if part is None:
                empty = pd.NA if str(dtypes[c]) != "object" else None
                part = pd.Series(empty, index=pd.RangeIndex(sizes[k]), dtype=object).astype(dtypes[c])
            elif str(part.dtype) != str(dtypes[c]) and str(dtypes[c]) == "Float64":
                part = part.astype("Float64")
            parts.append(part.reset_index(drop=True))
        columns[c] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        del parts
    frames.clear()
    return pd.DataFrame(columns)


def _fresh(value):
    """A new copy of a text value (other values as they are)."""
    return (value + ".")[:-1] if isinstance(value, str) and value else value


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table, its text columns rebuilt from fresh copies of their distinct values.

    Why: a national run reads millions of cells, each a small Python string. A table kept for the
    whole run that still points at a few of them (a child ID, a URN, a per-row quarter label) keeps
    the memory of all their neighbours too, and the run outgrows 4 GB. Rebuilt from its distinct
    values, a column holds a handful of fresh strings and pointers to them; nothing else changes.
    """
    out = frame.copy(deep=False)
    for col in frame.columns:
        s = frame[col]
        if not (s.dtype == object or isinstance(s.dtype, pd.StringDtype)) or not len(s):
            continue
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        fresh = np.array([_fresh(u) for u in uniques] + [None], dtype=object)
        values = fresh.take(codes)  # code -1 (missing) takes the trailing None
        out[col] = pd.Series(values, index=frame.index, dtype=s.dtype)  # the same dtype as before
    return out


def _release(result: CheckResult, source_too: bool) -> CheckResult:
    """A copy of ``result`` without what no later step reads, so that a national run fits in memory.

    The text the quality checks read is never needed again; the LA's raw cells and own columns are
    only needed for its feedback outputs, so they go once ``on_la`` has written them.
    """
    # .copy(): an empty slice would still hold the full arrays it was cut from.
    changes: dict = {"text": result.text.iloc[:0].copy(), "data": compact(result.data)}
    if source_too:
        changes["extra"] = result.extra.iloc[:0].copy()
        changes["files"] = [
            replace(f, table=replace(f.table, data=f.table.data.iloc[:0].copy())) for f in result.files
        ]
        changes["notes"] = (
            *result.notes,
            "The LA's source cells were released after its feedback was written.",
        )
    return replace(result, **changes)


def build_regional_dataset(
    config: RegionConfig,
    key: bytes,
    progress: bool = True,
    today=None,
    quality_checks: bool = True,
    on_la: Callable[[str, CheckResult], None] | None = None,
) -> RegionalDataset:
    """Check, pseudonymise, pool and join every LA of the region (see the module docstring).

    ``key``: the pseudonymisation key (:func:`kit.region.privacy.load_key`); there is no default.
    ``progress``: a progress bar on a terminal and one status line per LA (False: silent).
    ``today``: the date the quality checks treat as today (default: the real today).
    ``quality_checks=False`` skips the Great Expectations suite (benchmarks only: findings then hold
    conversion and join findings, not the standard's rules).
    ``on_la(code, result)``: called as soon as an LA is done (its findings include the joins'), e.g.
    to write its feedback workbook (``run_region`` does). The LA's raw source cells are released
    afterwards, so ``check_results`` then keep each LA's summary, standard table and findings but
    can no longer make a feedback workbook. Without ``on_la`` they are kept whole.
    """
    from tqdm import tqdm  # plain text bar on a terminal; off in notebooks and logs (no widgets)

    t_all = time.perf_counter()
    if not key:
        from kit.core.errors import KitError

        raise KitError("No pseudonymisation key was given; the kit never pools plain child IDs.")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    register = read_register(config.ofsted_register)
    districts = read_districts(config.postcode_districts)
    timings["reference"] = time.perf_counter() - t0

    bar = tqdm(
        config.las, desc="LAs", unit="LA", disable=not progress or not sys.stderr.isatty(), file=sys.stderr
    )

    def say(line: str) -> None:
        if progress:
            bar.write(line) if not bar.disable else print(line, flush=True)

    results: dict[str, CheckResult] = {}
    frames: list[dict[str, pd.Series]] = []
    all_episodes, headers, uascs, finding_frames, rates = [], [], [], [], []
    stats: dict[str, dict] = {}
    relationship_frames: list[pd.DataFrame] = []
    identity_frames: list[pd.DataFrame] = []
    for la in bar:
        bar.set_postfix_str(la.code)
        t_la = time.perf_counter()
        mapping = str(la.mapping) if la.mapping else None
        result = check_files(
            [str(p) for p in la.placements],
            standard="placements",
            version=la.placements_version,
            la=la.code,
            mapping=mapping,
            run_checks=quality_checks,
            today=today,
        )
        t_check = time.perf_counter() - t_la
        frame, withheld = _placements_frame(result, la, key, config.free_text)
        assert len(frame) == len(result.data), f"{la.code}: rows lost while pseudonymising"

        t1 = time.perf_counter()
        ssda = read_la_903(la.ssda903, la.code)
        episodes, header, uasc = _episode_tables(ssda, la, key)
        t_903 = time.perf_counter() - t1

        t2 = time.perf_counter()
        j903 = J.join_episodes(frame, episodes, config.window_days)
        joined = pd.concat([frame, j903], axis=1)
        jreg = J.join_register(joined, j903, register)
        joined = pd.concat([joined, jreg], axis=1)
        jdist = J.join_districts(joined, j903, districts, la.ons_code, config.ons_code)
        joined = pd.concat([joined, jdist], axis=1)
        joined = pd.concat([joined, D.derive(joined)], axis=1)  # every derived concept, once
        assert len(joined) == len(result.data), f"{la.code}: the joins changed the number of rows"
        found = J.join_findings(joined, _letters(result), config.window_days, episodes)
        t_join = time.perf_counter() - t2

        if not len(result.data):
            found = [*found, _no_rows_finding(la, result)]
        # The LA's own findings (its feedback workbook) now include the join findings.
        result = replace(
            result, findings=to_frame(pd.concat([result.findings, to_frame(found)], ignore_index=True))
        )
        if la.relationships:
            links, identities = _relationship_links(la, key, today)
            relationship_frames.append(links)
            identity_frames.append(identities)
        if on_la is not None:
            on_la(la.code, result)
        result = _release(result, source_too=on_la is not None)
        results[la.code] = result
        finding_frames.append(_mask_identifiers(result.findings, result, key, la.code))
        if len(ssda.findings):
            finding_frames.append(ssda.findings)
        frames.append(dict(compact(joined).items()))  # columns, so that pooling can let each go
        all_episodes.append(compact(episodes))
        headers.append(compact(header))
        uascs.append(compact(uasc))
        rate = _la_rates(la, joined, result.standard.version)
        rates.append(rate)
        s = result.summary()
        stats[la.code] = {
            "rows_in": s["rows_in"],
            "rows_standard": s["rows_standard"],
            "rows_blank": s["rows_blank"],
            "rows_rejected": s["rows_rejected"],
            "errors": s["errors"],
            "warnings": s["warnings"],
            "version": result.standard.version,
            "free_text_withheld": withheld,
            "ssda903": ssda.stats,
            "seconds": {
                "check": round(t_check, 2),
                "ssda903": round(t_903, 2),
                "join": round(t_join, 2),
                "total": round(time.perf_counter() - t_la, 2),
            },  # fmt: skip
        }
        years = ssda.stats.get("years") or []
        span = f"{years[0]} to {years[-1]}" if years else "no years"
        say(
            f"{la.code} {la.name}: {s['rows_standard']} rows (v{result.standard.version}; {s['rows_blank']} blank, "
            f"{s['rows_rejected']} rejected), {s['errors']} errors, {s['warnings']} warnings; "
            f"903 {ssda.stats['episodes']} episodes ({span}); "
            + (
                f"matched {rate['matched']}/{rate['rows']} ({rate['rate']:.1%}); URNs {rate['urn_registered']} "
                f"on register, {rate['urn_not_on_register']} not, {rate['urn_missing']} missing"
                if rate["rows"]
                else "no usable placement rows this period: nothing of this LA is pooled (see its findings)"
            )
        )
    bar.close()

    t3 = time.perf_counter()
    placements = _pool(frames, _field_order(r.standard for r in results.values()))
    expected = sum(len(r.data) for r in results.values())
    if not expected and results:  # one LA without rows is a finding; a region without any has no figures
        from kit.core.errors import KitError

        raise KitError(
            f"None of the {len(results)} LAs in {config.path.name if config.path else 'region.yml'} has usable placement rows this period, so "
            "there is nothing to publish. Check each LA's findings (feedback/) and the files region.yml lists."
        )
    # Row accounting: the pooled table is exactly every LA's standard rows, nothing more or less.
    assert len(placements) == expected, (
        f"pooled rows {len(placements)} != sum of LAs' standard rows {expected}"
    )
    leaked = [c for c in internal_fields([r.standard for r in results.values()]) if c in placements.columns]
    assert not leaked, f"LA-internal fields reached the pooled table: {leaked}"
    episodes = (
        pd.concat(all_episodes, ignore_index=True) if all_episodes else pd.DataFrame(columns=EPISODE_OUT)
    )
    header = pd.concat(headers, ignore_index=True) if headers else pd.DataFrame()
    uasc = pd.concat(uascs, ignore_index=True) if uascs else pd.DataFrame()
    findings = to_frame(pd.concat(finding_frames, ignore_index=True)) if finding_frames else to_frame([])
    relationships = (
        pd.concat(relationship_frames, ignore_index=True)
        if relationship_frames
        else pd.DataFrame(columns=RELATIONSHIP_COLUMNS)
    )
    if relationship_frames:
        # The same child recorded by an LA that supplies no relationships can still join a group.
        identity_frames += [
            _person_identities(la, key, today) for la in config.las if la.persons and not la.relationships
        ]
    identities = (
        pd.concat(identity_frames, ignore_index=True)
        if identity_frames
        else pd.DataFrame(columns=IDENTITY_COLUMNS)
    )
    timings["pool"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t_all
    notes = list(config.notes)
    if not quality_checks:
        notes.append("The standard's quality checks were skipped (quality_checks=False).")
    sibling_groups = sibling_groups_across(relationships, identities)
    notes += explain_groups(sibling_groups)
    return RegionalDataset(
        config=config,
        placements=placements,
        episodes=episodes,
        header=header,
        uasc=uasc,
        providers=register,
        districts=districts,
        findings=findings,
        match_rates=pd.DataFrame(rates),
        check_results=results,
        stats=stats,
        timings={k: round(v, 2) for k, v in timings.items()},
        key_fingerprint=key_fingerprint(key),
        quality_checked=quality_checks,
        notes=notes,
        relationships=relationships,
        sibling_groups=sibling_groups,
        relationship_las=tuple(la.code for la in config.las if la.relationships),
    )


__all__ = ["RegionalDataset", "build_regional_dataset", "financial_quarter"]
