"""What ``make demo`` runs: the kit's journey on the sample region, headless."""

from __future__ import annotations

from pathlib import Path

from kit import standards
from kit.paths import OFFICIAL_TEMPLATES


def run_demo(out: Path) -> int:
    from kit.check import check_files, write_outputs

    print("Standards the kit knows:")
    for name, version in standards.available():
        std = standards.load(name, version)
        print(
            f"  {std.title:<45} {len(std.fields):>3} fields, {len(std.codelists):>3} code lists, {len(std.rules):>3} rules"
        )

    templates = sorted(OFFICIAL_TEMPLATES.glob("*.xlsx")) if OFFICIAL_TEMPLATES.exists() else []
    if templates:
        print("\nThe official national templates, read as an LA would send them:")
    for path in templates:
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
            f"    skipped template rows: {', '.join(f'{r} ({why})' for r, why in sorted(f.table.skipped_rows.items())) or 'none'}"
        )
        print(
            f"    data rows: {s['rows_in']} (an empty template); missing by design: {', '.join(s['missing_by_design']) or 'none'}"
        )
    print(f"\nOutputs are in {out.resolve()}")
    return 0
