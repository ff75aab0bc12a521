"""The synthetic sample region: six fictional LAs that behave like a real region.

``write_sample_region(out, seed=2026)`` writes everything the kit's journey needs (see
``guides/sample-region.md``)::

    region.yml                        the region, for the regional commands
    placements/<LA>/...               6 quarters of placements-standard returns per LA, each LA in its own shape
    ssda903/<LA>/<year>/{header,episodes,uasc}.csv   SSDA903 extracts, one folder per LA per year
    person/<LA>_..._children.csv      each LA's person extract (+ mapping files, duplicates_truth.csv)
    reference/ofsted_providers.csv    an Ofsted-style provider register
    reference/postcode_districts.csv  an ONS-Postcode-Directory-style district lookup
    answer_key.csv, variants_key.csv  every planted defect, and every planted known variant spelling
    calibration.csv                   the generated figures beside their public targets
    README.md                         what the folder is, for someone who finds it

Every figure and causal effect is in :mod:`kit.synth.parameters`. The same seed always gives
byte-identical files. ``las`` and ``years`` scale it up to a national-size benchmark (CSV only).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kit.synth import parameters
from kit.synth.parameters import COST_LOG_EFFECTS, COST_MEDIAN_WEEKLY, MIX_TARGET

__all__ = ["COST_LOG_EFFECTS", "COST_MEDIAN_WEEKLY", "MIX_TARGET", "parameters", "write_sample_region"]

GENERATED = ("placements", "ssda903", "person", "reference")
GENERATED_FILES = ("region.yml", "answer_key.csv", "variants_key.csv", "calibration.csv", "README.md")
REGION_HEADER = "# The fictional sample region"  # the first words of every generated region.yml


def write_sample_region(out: Path, seed: int = 2026, las: int = 6, years: int = 3) -> Path:
    """Write the sample region into ``out`` and return the path of its ``region.yml``."""
    from kit.synth.build import build_region

    out = Path(out)
    if years < 1 or years > 15:
        raise ValueError("years of SSDA903 history must be between 1 and 15")
    out.mkdir(parents=True, exist_ok=True)
    region = out / "region.yml"
    ours = region.is_file() and region.read_text(encoding="utf-8").startswith(REGION_HEADER)
    clashes = [n for n in (*GENERATED, *GENERATED_FILES) if (out / n).exists()]
    if clashes and not ours:
        raise ValueError(
            f"{out} already holds {', '.join(clashes)} but is not a sample region; choose an empty folder."
        )
    # A previous sample region is replaced: only the generator's own folders and files are removed.
    for name in GENERATED:
        if (out / name).is_dir():
            shutil.rmtree(out / name)
    for name in GENERATED_FILES:
        if (out / name).is_file():
            (out / name).unlink()
    return build_region(out, seed=seed, n_las=las, years=years)
