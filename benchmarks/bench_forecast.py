"""How long does the forecast's rolling backtest take, next to the projection it checks?

    .venv/bin/python benchmarks/bench_forecast.py

Builds the sample region's dataset (as ``kit run`` does, with a throwaway key: synthetic data only),
then times, in this one run on this machine, (a) the baseline: one 12-quarter projection of 300
simulations, as the published forecast makes, and (b) ``forecast_region`` without scenarios, which
adds the rolling-origin backtest (the model and three statsmodels baselines from every origin, for
the total, the types and each LA). The ratio survives a busy shared machine better than a time
would. Nothing is written into the repository. The last line is ``ratio=R`` (forecast / projection).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

KEY = b"throwaway key for the synthetic sample only"


def main() -> int:
    import pandas as pd

    from kit.forecast import forecast_region, prepare_episodes, project, start_stock
    from kit.forecast.stock_flow import estimate_rates
    from kit.region import build_regional_dataset, load_region_config

    ds = build_regional_dataset(
        load_region_config(REPO / "sample_data" / "region.yml"), key=KEY, progress=False
    )
    history = prepare_episodes(ds.episodes, data_end=ds.config.period_end)
    origin = history.last_quarter_end
    started = time.perf_counter()
    rates = estimate_rates(history, history.first_snapshot + pd.Timedelta(days=1), origin)
    project(rates, start_stock(history, origin), 12, n_sims=300, seed=2026, start=origin)
    base_seconds = time.perf_counter() - started
    started = time.perf_counter()
    forecast_region(ds, n_sims=300, seed=2026)
    kit_seconds = time.perf_counter() - started
    print(f"one projection (12 quarters, 300 simulations) in {base_seconds:.1f} s")
    print(f"forecast_region with the rolling backtest in {kit_seconds:.1f} s")
    print(f"ratio={kit_seconds / max(base_seconds, 1e-9):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
