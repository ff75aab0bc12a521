"""How long does the kit take to read and map a big LA file, next to a plain pandas read?

    .venv/bin/python benchmarks/bench_ingest.py [--rows N] [--repeat K] [--seed S] [--profile]

Builds an N-row CSV (default 1,000,000) in the national June 2026 CSV layout in a temporary
folder, with realistic values: known variant spellings (``< 5days``, ``Risk Present``), costs
written ``£1,234.50``, day-first dates (``12/2/2024``), full postcodes among outward codes, a few
blank rows and a few bad values. Then, in the same run, it times

* ``pandas.read_csv(path, dtype=str, keep_default_na=False)`` (the floor: reading text), and
* the kit's read + detect + map + convert (``kit.check.check_files([path], run_checks=False)``),

and prints both times and a last line ``ratio=R`` (kit time / pandas time). With ``--repeat K``
both are timed K times, alternately, and the fastest of each is used (as ``timeit`` does: on a
shared machine the fastest run is the one least slowed by other work). The synthetic file is
deleted afterwards; nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kit import standards  # noqa: E402
from kit.check import check_files  # noqa: E402

LAYOUT = "csv-2026-06"
# Row 1 of the national CSV: section headings over the first column of each section.
SECTIONS = {
    "child_ID": "Determinants of placement availability",
    "foster_care_suitability": "Placement Recommendation",
    "risk_to_child_self_harm": "Risks",
    "placement_location": "Actual Placement",
    "name_of_officer_referral": "Quality Assurance",
}

# Per column: the values to draw from (canonical codes mixed with known variant spellings, as
# LAs really send them) and how often each appears. Columns not listed are built in `_columns`.
CHOICES: dict[str, tuple[list[str], list[float]]] = {
    "when_placement_is_needed_by": (["Today", "< 5 days", "< 5days", "> 5 days", "<5 days"], [3, 3, 2, 4, 1]),
    "number_of_siblings_to_place_with": (["0", "1", "2", "3", "NA"], [10, 4, 2, 1, 2]),
    "is_preferred_location_local": (["Yes", "No", "yes", "Y"], [8, 3, 1, 1]),
    "out_of_LA_reason": (
        ["", "Safeguarding concerns", "Court Order", "Bail conditions", "Other"],
        [8, 2, 1, 1, 1],
    ),
    "communication_language_learning_needs": (["Yes", "No", "Not Specified"], [3, 6, 1]),
    "specific_communication_and_language_requirements": (
        ["None", "ESOL", "BSL", "ESOL;BSL", "Makaton", "Other"],
        [10, 2, 1, 1, 1, 1],
    ),
    "adaptation_to_the_home": (["No", "Yes", ""], [8, 1, 1]),
    "cultural_needs": (["Not Required", "Required", "Not Known", "Other", "Not required"], [6, 2, 1, 1, 1]),
    "who_can_the_child_be_cared_for_alongside": (
        [
            "Solo placement recommended",
            "With Other children recommended",
            "Only With Other younger children",
            "Only with other older children",
            "No preference",
        ],
        [2, 3, 1, 1, 4],
    ),
    "can_child_live_with_pets": (["Yes-can", "Yes - can", "No", "Not known", "Yes-must"], [5, 2, 2, 2, 1]),
    "additional_support": (
        ["NA", "Taxis to school", "Therapeutic support;Taxis to school", "Additional supervision", "N/A"],
        [6, 2, 1, 1, 1],
    ),
    "dol": (["No", "Yes"], [12, 1]),
    "foster_care_suitability": (
        ["Preferred", "Unsuitable", "Suitable but not preferred", "Not specified"],
        [5, 2, 2, 1],
    ),
    "residential_care_suitability": (["Unsuitable", "Preferred", "Suitable but not preferred "], [4, 2, 2]),
    "supported_accommodation": (["Unsuitable", "Not specified", "Preferred"], [5, 3, 1]),
    # about 1 in 100 a full postcode (a warning) and 1 in 200 an unknown value (an error)
    "placement_location": (
        ["TA1", "BS10", "EX4", "bs10", "N18", "TA1 1AA", "PL4 6DF"],
        [30, 25, 20, 5, 19, 0.5, 0.5],
    ),
    "preferrability_of_placement_location": (["Yes", "No"], [3, 1]),
    "education_continuity": (["No", "Yes"], [4, 1]),
    "how_many_siblings_were_placed_together": (["0", "1", "2"], [8, 2, 1]),
    "placement_type": (
        ["Foster", "Residential", "Residential ", "Supported Accommodation", "Kinship foster"],
        [55, 20, 5, 19.5, 0.5],
    ),
    "name_of_officer_referral": (["J Smith", "A Khan", "R Jones", "M Patel", "S Brown"], [1, 1, 1, 1, 1]),
}
RISK_CHOICES = (["No known risk", "Risk Present", "Risk present"], [8, 2, 1])


def _draw(rng: np.random.Generator, n: int, values: list[str], weights: list[float]) -> np.ndarray:
    """``n`` values drawn with the given relative weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(np.asarray(values, dtype=object), size=n, p=p / p.sum())


def _dates(rng: np.random.Generator, n: int) -> np.ndarray:
    """Day-first text dates as LAs type them (``12/2/2024`` and ``12/02/2024``) over two years."""
    days = pd.date_range("2024-04-01", "2026-06-30", freq="D")
    short = [f"{d.day}/{d.month}/{d.year}" for d in days]
    padded = [d.strftime("%d/%m/%Y") for d in days]
    pool = np.asarray(short + padded, dtype=object)
    return pool[rng.integers(0, len(pool), size=n)]


def _costs(rng: np.random.Generator, n: int, low: int, high: int, blank_share: float) -> np.ndarray:
    """Weekly costs written as money (``£1,234.50``), some plain (``1234.5``), some blank."""
    pence = rng.integers(low * 100, high * 100, size=4000) // 50 * 50
    pool = [f"£{p / 100:,.2f}" for p in pence[:3000]] + [f"{p / 100:.2f}" for p in pence[3000:]]
    out = np.asarray(pool, dtype=object)[rng.integers(0, len(pool), size=n)]
    out[rng.random(n) < blank_share] = ""
    return out


def _columns(n: int, seed: int) -> dict[str, np.ndarray]:
    """Every column of the June 2026 CSV layout, ``n`` rows."""
    rng = np.random.default_rng(seed)
    layout = standards.load("placements", "1").layout(LAYOUT)
    data: dict[str, np.ndarray] = {}
    for col in layout.columns:
        if col == "child_ID":
            data[col] = np.char.add("LA", np.char.zfill(np.arange(1, n + 1).astype(str), 8)).astype(object)
        elif col in CHOICES:
            data[col] = _draw(rng, n, *CHOICES[col])
        elif col.startswith("risk_to_"):
            data[col] = _draw(rng, n, *RISK_CHOICES)
        elif col == "cost_total_weekly":
            data[col] = _costs(rng, n, 600, 12000, 0.01)
        elif col.startswith("cost_"):
            data[col] = _costs(rng, n, 0, 4000, 0.5)
        elif col == "provider_URN":
            data[col] = np.char.add("SC", rng.integers(100000, 999999, size=n).astype(str)).astype(object)
        elif col.startswith("name_of_officer"):
            data[col] = _draw(rng, n, *CHOICES["name_of_officer_referral"])
        elif col.lower().startswith("date_entry"):
            data[col] = _dates(rng, n)
        else:  # free text (additional_support_other)
            data[col] = _draw(rng, n, ["", "Weekend respite", "Mentor"], [20, 1, 1])
    # A few blank rows, as exports have: every cell empty.
    blank = rng.random(n) < 0.001
    for col in data:
        data[col][blank] = ""
    return data


def build_file(path: Path, rows: int, seed: int = 2026) -> Path:
    """Write the benchmark CSV (section-heading row, column names, ``rows`` placements)."""
    frame = pd.DataFrame(_columns(rows, seed))
    section_row = ",".join(SECTIONS.get(col, "") for col in frame.columns)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(section_row + "\r\n")
        frame.to_csv(fh, index=False, lineterminator="\r\n")
    return path


def time_pandas(path: Path) -> float:
    start = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elapsed = time.perf_counter() - start
    del frame
    return elapsed


def time_kit(path: Path, profile: bool = False) -> tuple[float, dict]:
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    result = check_files([path], run_checks=False)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    summary = result.summary()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return elapsed, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows to generate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed for the synthetic values")
    parser.add_argument("--repeat", type=int, default=1, help="time each K times and keep the fastest")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the kit's run")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kit-bench-") as tmp:
        path = Path(tmp) / "bench-June-2026.csv"
        start = time.perf_counter()
        build_file(path, args.rows, args.seed)
        size = path.stat().st_size / 1e6
        print(f"built {args.rows:,} rows ({size:,.0f} MB) in {time.perf_counter() - start:.1f} s")
        pandas_times, kit_times = [], []
        for _ in range(max(1, args.repeat)):
            pandas_times.append(time_pandas(path))
            kit_s, summary = time_kit(path, args.profile)
            kit_times.append(kit_s)
        pandas_s, kit_s = min(pandas_times), min(kit_times)
        runs = f" (fastest of {len(kit_times)})" if len(kit_times) > 1 else ""
        print(f"pandas.read_csv (text only):        {pandas_s:7.2f} s{runs}")
        print(f"kit read + detect + map + convert:  {kit_s:7.2f} s{runs}")
        print(
            f"rows_in={summary['rows_in']:,} rows_standard={summary['rows_standard']:,} "
            f"rows_blank={summary['rows_blank']:,} rows_rejected={summary['rows_rejected']:,} "
            f"errors={summary['errors']:,} warnings={summary['warnings']:,}"
        )
    print(f"ratio={kit_s / pandas_s:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
