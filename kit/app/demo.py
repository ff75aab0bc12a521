"""What ``make demo`` runs: the kit's journey on the sample region, headless."""

from __future__ import annotations

from pathlib import Path

from kit import standards
from kit.core.paths import OFFICIAL_TEMPLATES, REPO, SAMPLE_DATA


def run_demo(out: Path) -> int:
    from kit.check import check_files
    from kit.outputs import write_outputs

    print("Standards the kit knows:")
    for name, version in standards.available():
        std = standards.load(name, version)
        print(
            f"  {std.title:<45} {len(std.fields):>3} fields, {len(std.codelists):>3} code lists, {len(std.rules):>3} rules"
        )

    print("\nThe official national templates (vendored in the kit), read as an LA would send them:")
    for path in sorted(OFFICIAL_TEMPLATES.glob("*.xlsx")):
        result = check_files([path], standard="placements", run_checks=False)
        folder = out / "official-templates" / path.stem
        write_outputs(result, folder)
        f = result.files[0]
        s = result.summary()
        mapped = sum(1 for m in f.matches if m.applied)
        print(f"  {path.name}")
        print(
            f"    {f.detection.describe()}; header in row {f.table.header_row}, {mapped} of {len(f.matches)} columns recognised"
        )
        print(
            f"    skipped template rows: {', '.join(f'{r} ({why})' for r, why in sorted(f.table.template_rows.items())) or 'none'}"
        )
        print(
            f"    data rows: {s['rows_in']} (an empty template); missing by design: {', '.join(s['missing_by_design']) or 'none'}"
        )
    _regional_journey(out / "region")
    print(f"\nOutputs are in {out.resolve()}")
    return 0


def _demo_key(config) -> bytes | None:
    """A throwaway key for the SYNTHETIC sample region only, when the user has not configured one.

    Real regions never get this: ``python -m kit run`` stops without a key. The demo key lives in
    the project's git-ignored ``.state/`` folder so that repeated demos give the same pseudonyms.
    """
    import os

    from kit.region.privacy import encode_key, generate_key, parse_key

    if os.environ.get(config.key_env, "").strip() or (config.key_file and Path(config.key_file).is_file()):
        return None  # the user's own key: load_key reads it as for any region
    path = REPO / ".state" / "demo-pseudonym.key"
    if path.is_file():
        key = parse_key(path.read_text(encoding="ascii"), str(path))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = generate_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(encode_key(key) + "\n")
    bar = "!" * 100
    print(
        f"\n{bar}\n!! DEMO ONLY: no pseudonymisation key is configured, so the demo uses a throwaway key in"
    )
    print(f"!! {path}.")
    print("!! That is acceptable ONLY because the sample region is synthetic. For real data, make a key")
    print("!! outside the kit's folder with 'python -m kit keygen'; 'python -m kit run' never invents one.")
    print(bar)
    return key


def _regional_journey(out: Path) -> None:
    """The regional dataset on the sample region: pool, pseudonymise, join, report."""
    from kit.app.quarterly_run import run_region
    from kit.region import load_region_config

    region = SAMPLE_DATA / "region.yml"
    print("\nThe regional dataset for the sample region (python -m kit run sample_data/region.yml):")
    if not region.is_file():
        print(f"  {region} is missing: build the sample region with 'python -m kit synth --out sample_data'.")
        return
    config = load_region_config(region)
    run_region(config, out=out, key=_demo_key(config))
