"""How long does writing the sample region take, next to writing the same number of rows plainly?

    .venv/bin/python benchmarks/bench_synth.py [--seed 2026]

Writes the sample region (``kit.synth.write_sample_region``, the files in ``sample_data/``) into a
temporary folder, then writes the same number of text rows, with as many columns, to CSV files with
pandas in the same folder (the baseline: the cost of putting that much data on disk at all). Both
are timed in this one run, on this machine, so the ratio survives a busy shared machine better than
a time would. Nothing is written into the repository. The last line is ``ratio=R`` (kit / baseline).
It replaces a test that asserted a wall-clock time ("the sample region builds in under a minute").
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    import pandas as pd

    from kit.synth import write_sample_region

    folder = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    try:
        started = time.perf_counter()
        write_sample_region(folder / "region", seed=args.seed)
        kit_seconds = time.perf_counter() - started
        shapes = []
        for path in (folder / "region").rglob("*.csv"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding_errors="replace")
            shapes.append(frame.shape)
        rows = sum(r for r, _ in shapes)
        columns = max((c for _, c in shapes), default=1)
        started = time.perf_counter()
        plain = pd.DataFrame({f"c{i}": ["x" * 8] * rows for i in range(columns)})
        plain.to_csv(folder / "baseline.csv", index=False)
        base_seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"sample region written in {kit_seconds:.1f} s")
    print(f"baseline: {rows:,} rows x {columns} columns of text to CSV in {base_seconds:.2f} s")
    print(f"ratio={kit_seconds / max(base_seconds, 1e-9):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
