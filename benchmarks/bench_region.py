"""How long do pooling and the joins take at national scale, next to simply reading the same files?

    .venv/bin/python benchmarks/bench_region.py [--data DIR] [--las 150] [--years 10] [--quality]

Without ``--data`` it first writes the national-size synthetic dataset (150 LAs, about a million
placement rows, 10 years of SSDA903) into a temporary folder with ``kit.synth.write_sample_region``
(deleted afterwards; nothing is written into the repository). Then, each in its own process so that
each peak memory is its own, it times

* **reading**: every placements file and every 903 file, plus the two reference files, as text
  (``pandas.read_csv(dtype=str)``; Excel files with openpyxl), and nothing else; and
* **the kit**: ``build_regional_dataset`` (check and map every LA's files, pseudonymise, read and
  de-duplicate the 903, pool, join the 903, the Ofsted register and postcode districts), writing
  each LA's own outputs as soon as it is done, as ``python -m kit run`` does.
  The Great Expectations quality suite is skipped unless ``--quality`` is given (the output says so).

It prints elapsed times, peak memory (``ru_maxrss``) of each, whether the kit stayed under 4 GB,
and a last line ``ratio=R`` (kit time / reading time).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LIMIT_MB = 4096


def _peak_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024  # macOS reports bytes


def _read_everything(region_yml: str, queue) -> None:
    """The floor: read every file the kit reads, as text, and do nothing with it."""
    import openpyxl
    import pandas as pd

    from kit.region.config import load_region_config

    t0 = time.perf_counter()
    config = load_region_config(region_yml)
    rows = 0
    files = [config.ofsted_register, config.postcode_districts]
    for la in config.las:
        files += list(la.placements)
        for table in ("header", "episodes", "uasc"):
            files += list(la.ssda903.get(table, []))
    for path in files:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            for ws in wb.worksheets:
                rows += sum(1 for _ in ws.iter_rows(values_only=True))
            wb.close()
        else:
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", header=None)
            except UnicodeDecodeError:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252", header=None)
            rows += len(frame)
    queue.put({"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "files": len(files), "rows": rows})


def _run_kit(region_yml: str, quality: bool, queue) -> None:
    import os

    from kit.app.quarterly_run import feedback_writer
    from kit.region import build_regional_dataset, load_region_config

    t0 = time.perf_counter()
    config = load_region_config(region_yml)
    # As `python -m kit run` does: each LA's own outputs are written as soon as it is done (here into
    # the temporary folder), after which its raw source cells are released.
    with tempfile.TemporaryDirectory(prefix="bench-region-out-") as out:
        ds = build_regional_dataset(
            config,
            key=os.urandom(32),
            progress=False,
            quality_checks=quality,
            on_la=feedback_writer(Path(out)),
        )
    seconds = time.perf_counter() - t0
    placements = ds.placements
    queue.put(
        {
            "seconds": seconds,
            "peak_mb": _peak_mb(),
            "las": len(config.las),
            "rows": len(placements),
            "sum_la_rows": sum(s["rows_standard"] for s in ds.stats.values()),
            "episodes": len(ds.episodes),
            "matched": float(placements["episode_matched"].fillna(False).mean()) if len(placements) else 0.0,
            "timings": ds.timings,
            "stage_seconds": {
                k: round(sum(s["seconds"][k] for s in ds.stats.values()), 1)
                for k in ("check", "ssda903", "join")
            },
        }
    )


def _in_child(target, *args) -> dict:
    ctx = mp.get_context("fork") if sys.platform != "win32" else mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode:
        raise SystemExit(f"{target.__name__} failed (exit {proc.exitcode})")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="an existing region folder (with region.yml); default: generate one")
    parser.add_argument("--las", type=int, default=150, help="LAs to generate (default 150)")
    parser.add_argument("--years", type=int, default=10, help="years of SSDA903 to generate (default 10)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--quality", action="store_true", help="also run the Great Expectations quality suite"
    )
    args = parser.parse_args(argv)

    tmp = None
    if args.data:
        folder = Path(args.data)
    else:
        from kit.synth import write_sample_region

        tmp = Path(tempfile.mkdtemp(prefix="bench-region-"))
        folder = tmp / "region"
        print(f"Generating {args.las} LAs with {args.years} years of 903 into {folder} ...", flush=True)
        t0 = time.perf_counter()
        write_sample_region(folder, seed=args.seed, las=args.las, years=args.years)
        print(f"  generated in {time.perf_counter() - t0:.1f} s", flush=True)
    region_yml = str(folder / "region.yml")
    try:
        read = _in_child(_read_everything, region_yml)
        print(f"reading the files (pandas/openpyxl, text): {read['files']} files, {read['rows']:,} rows, "
              f"{read['seconds']:.1f} s, peak memory {read['peak_mb']:.0f} MB", flush=True)  # fmt: skip
        kit = _in_child(_run_kit, region_yml, args.quality)
        checks = "with" if args.quality else "WITHOUT"
        print(f"the kit (build_regional_dataset, {checks} the Great Expectations quality suite): {kit['las']} LAs, "
              f"{kit['rows']:,} pooled rows (sum of LAs' rows {kit['sum_la_rows']:,}), {kit['episodes']:,} 903 "
              f"episodes, {kit['matched']:.1%} matched; {kit['seconds']:.1f} s, peak memory {kit['peak_mb']:.0f} MB",
              flush=True)  # fmt: skip
        print(f"  time by stage (s): {kit['stage_seconds']}, reference {kit['timings'].get('reference')}, "
              f"pool {kit['timings'].get('pool')}")  # fmt: skip
        ok = kit["peak_mb"] < LIMIT_MB
        print(f"memory: {'fits' if ok else 'DOES NOT FIT'} in {LIMIT_MB} MB")
        print(f"ratio={kit['seconds'] / read['seconds']:.1f}")
        return 0 if ok else 1
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
