"""How long does the kit's v1 quality suite take, against the same checks in plain pandas?

    .venv/bin/python benchmarks/bench_quality.py [--rows 1000000]

Builds a quality table (the text the suite reads) of N rows with a few per cent of planted
problems, runs the full v1 suite through the kit (Great Expectations on pandas), then runs the
same checks written directly in vectorised pandas, in the same process, and checks that both
find the same number of problems per check. Ends with ``ratio=R`` (kit time / pandas time).
The Great Expectations import (about five seconds, once per process) is reported separately
and not counted in the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kit import standards  # noqa: E402
from kit.checks.suite import Check, build_checks  # noqa: E402

TODAY = "2026-11-24"


def make_table(rows: int, seed: int = 1) -> pd.DataFrame:
    """A v1 quality table: canonical text, with about 3% of cells wrong in some way."""
    rng = np.random.default_rng(seed)
    std = standards.load("placements", "1")
    data: dict[str, np.ndarray] = {}
    for f in std.fields:
        if f.type == "code":
            values = np.array(std.codelists[f.codelist].values, dtype=object)
            col = values[rng.integers(0, len(values), rows)]
        elif f.type == "boolean":
            col = np.where(rng.random(rows) < 0.5, "true", "false").astype(object)
        elif f.type == "integer":
            col = rng.integers(0, 4, rows).astype(str).astype(object)
        elif f.type == "decimal":
            col = np.round(rng.lognormal(7, 1, rows), 2).astype(str).astype(object)
        elif f.type == "date":
            days = rng.integers(0, 900, rows)
            col = (np.datetime64("2024-01-01") + days.astype("timedelta64[D]")).astype(str).astype(object)
        elif f.type == "outward_code":
            col = np.array([f"QA{i}" for i in range(1, 30)], dtype=object)[rng.integers(0, 29, rows)]
        else:
            col = np.array([f"C{i}" for i in rng.integers(0, rows, rows)], dtype=object)
        if not f.required:
            col[rng.random(rows) < 0.2] = None
        data[f.name] = col
    table = pd.DataFrame(data)
    _make_consistent(table, rng)
    bad = rng.random(rows) < 0.01
    table.loc[bad, "placementType"] = "Kinship foster"
    table.loc[rng.random(rows) < 0.01, "totalWeeklyCost"] = "TBC"
    table.loc[rng.random(rows) < 0.01, "placementLocation"] = "12345"
    table.loc[rng.random(rows) < 0.01, "referralDate"] = None
    return table


def _make_consistent(table: pd.DataFrame, rng: np.random.Generator) -> None:
    """Make rows agree with the cross-field rules, as most rows of a real return do, so that the
    planted problems (about 1% per kind) are what the checks find, not random contradictions."""
    n = len(table)
    suit = ["fosterCareSuitability", "residentialCareSuitability", "supportedAccommodationSuitability"]
    preferred = rng.integers(0, 3, n)
    for i, col in enumerate(suit):
        table[col] = np.where(preferred == i, "Preferred", "Suitable but not preferred")
    parts = ["coreWeeklyCost", "additionalSupportWeeklyCost", "educationWeeklyCost", "otherWeeklyCost"]
    nums = table[parts].apply(pd.to_numeric, errors="coerce")
    complete = nums.notna().all(axis=1)
    table.loc[complete, "totalWeeklyCost"] = nums[complete].sum(axis=1).round(2).astype(str)
    placed = pd.to_datetime(table["placementDate"])
    referral = placed - pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    table["referralDate"] = referral.dt.strftime("%Y-%m-%d").where(placed.notna(), table["referralDate"])
    count, together = pd.to_numeric(table["siblingCount"]), pd.to_numeric(table["siblingsPlacedTogether"])
    table["siblingsPlacedTogether"] = np.minimum(together, count.fillna(together)).astype(int).astype(str)
    table.loc[table["isPreferredLocationLocal"] == "true", "outOfLAReason"] = None
    table.loc[table["specificCommunicationRequirement"] == "None", "communicationNeeds"] = "No"
    for code_field, text_field in [
        ("outOfLAReason", "outOfLAReasonOther"),
        ("specificCommunicationRequirement", "specificCommunicationRequirementOther"),
        ("culturalNeeds", "culturalNeedsOther"),
        ("additionalSupport", "additionalSupportOther"),
    ]:
        table.loc[table[code_field] == "Other", text_field] = "described"


# --- the same checks in plain pandas -----------------------------------------------------------


def _filled(s: pd.Series) -> pd.Series:
    return s.notna()  # the quality table holds no blank strings (conversion makes them null)


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")


def pandas_check(table: pd.DataFrame, c: Check) -> int:
    """Number of unexpected rows for one check, computed directly."""
    k = c.kwargs
    e = c.expectation
    if e == "ExpectColumnValuesToNotBeNull":
        return int(table[k["column"]].isna().sum())
    if "column" in k:
        s = table[k["column"]]
        s = s[s.notna()]
        if e == "ExpectColumnValuesToBeInSet":
            return int((~s.isin(k["value_set"])).sum())
        if e == "ExpectColumnValuesToMatchRegex":
            return int((~s.astype(str).str.contains(k["regex"], regex=True)).sum())
        if e == "ExpectColumnValuesToBeCodesFromList":
            allowed = set(k["value_set"])
            ok = {v: all(p.strip() in allowed for p in v.split(";") if p.strip()) for v in s.unique()}
            return int((~s.map(ok)).sum())
        if e == "ExpectColumnValuesToBeRealDates":
            return int(_dates(s).isna().sum())
        if e == "ExpectColumnValuesToBeNumbersBetween":
            n = _num(s)
            bad = pd.Series(False, index=s.index)
            if k.get("min_value") is not None:
                bad |= n < k["min_value"]
            if k.get("max_value") is not None:
                bad |= n > k["max_value"]
            return int(bad.sum())
        if e == "ExpectColumnValuesToNotBeInTheFuture":
            return int((_dates(s) > pd.Timestamp(k["today"])).sum())
        if e == "ExpectColumnValuesToHoldCodeAlone":
            parts = s.str.split(";")
            return int(parts.map(lambda ps: k["code"] in ps and len(ps) > 1).sum())
        if e == "ExpectColumnValueLengthsToBeBetween":
            return int((s.str.len() > k["max_value"]).sum())
    cols = [table[x] for x in k["column_list"]]
    if e == "ExpectColumnToBeFilledWhenPartIs":
        rest = pd.concat([_filled(x) for x in cols[1:]], axis=1).any(axis=1)
        return int((~_filled(cols[0]) & rest).sum())
    if e == "ExpectColumnToBeFilledWhen":
        other = cols[1].astype("string")
        if k.get("when_equals") is not None:
            cond = (other == k["when_equals"]).fillna(False)
        else:
            cond = other.fillna("").str.split(";").map(lambda ps: k["when_contains"] in ps)
        return int((cond & ~_filled(cols[0])).sum())
    if e == "ExpectColumnToBeEmptyUnless":
        cond = (cols[1].astype("string") == k["when_equals"]).fillna(False)
        return int((_filled(cols[0]) & _filled(cols[1]) & ~cond).sum())
    if e == "ExpectColumnsFilledTogether":
        rest = pd.concat([_filled(x) for x in cols[1:]], axis=1).all(axis=1)
        return int((_filled(cols[0]) & ~rest).sum())
    if e == "ExpectColumnValuesToNotExceedOther":
        return int((_num(cols[0]) > _num(cols[1])).sum())
    if e == "ExpectColumnsToAddUpToTotal":
        nums = pd.concat([_num(x) for x in cols], axis=1)
        complete = nums.notna().all(axis=1)
        return int(
            (complete & ((nums.iloc[:, :-1].sum(axis=1) - nums.iloc[:, -1]).abs() > k["tolerance"])).sum()
        )
    if e == "ExpectColumnsToHoldValueExactly":
        frame = pd.concat(cols, axis=1)
        count = (frame == k["value"]).sum(axis=1)
        return int((frame.notna().any(axis=1) & (count != k["times"])).sum())
    if e == "ExpectDatesInOrder":
        return int((_dates(cols[0]) > _dates(cols[1])).sum())
    if e == "ExpectRowsNotToRepeatEarlierRows":
        frame = pd.concat(cols, axis=1)
        dup = frame.duplicated(keep="first")
        if k.get("skip_if_any_missing"):
            dup &= frame.notna().all(axis=1)
        return int(dup.sum())
    raise ValueError(f"no pandas version of {e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    std = standards.load("placements", "1")
    checks = build_checks(std, set(std.field_names))
    for c in checks:
        if "today" in c.kwargs:
            c.kwargs["today"] = TODAY
    t = time.perf_counter()
    table = make_table(args.rows)
    print(f"rows={args.rows:,} checks={len(checks)} table built in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    import great_expectations  # noqa: F401

    from kit.checks import run_checks

    print(f"great_expectations import: {time.perf_counter() - t:.1f} s (not counted)")
    t = time.perf_counter()
    outcomes = run_checks(table, checks)
    kit_time = time.perf_counter() - t

    t = time.perf_counter()
    plain = [pandas_check(table, c) for c in checks]
    pandas_time = time.perf_counter() - t

    by_id = {o.check.id: len(o.rows) for o in outcomes}
    disagree = [
        (c.id, by_id.get(c.id), n) for c, n in zip(checks, plain, strict=True) if by_id.get(c.id) != n
    ]
    if disagree:
        print("the kit and plain pandas disagree on:", disagree)
    found = sum(len(o.rows) for o in outcomes)
    print(f"kit (Great Expectations): {kit_time:.2f} s, {found:,} unexpected values")
    print(f"plain pandas:             {pandas_time:.2f} s, {sum(plain):,} unexpected values")
    print(f"ratio={kit_time / pandas_time:.2f}")
    return 1 if disagree else 0


if __name__ == "__main__":
    raise SystemExit(main())
