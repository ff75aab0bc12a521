"""``python -m kit ...``: every step of the journey from the command line.

Exit status: 0 when the command ran (whatever it found); 2 when an input cannot be used at all,
with one plain-English line on stderr naming the file and what to do, and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kit import __version__
from kit.api import KitError

REPO = Path(__file__).resolve().parents[2]


def _cmd_standards(args: argparse.Namespace) -> int:
    from kit.api import available_standards, load_standard, standard_versions

    if args.action == "list":
        print(f"{'standard':<12}{'version':<10}{'status':<12}{'fields':>7}  title")
        for name, version in available_standards():
            std = load_standard(name, version)
            print(f"{name:<12}{version:<10}{std.status:<12}{len(std.fields):>7}  {std.title}")
        return 0
    if not args.name:
        raise KitError(
            "Say which standard to show, e.g. 'python -m kit standards show placements --version 1'."
        )
    known = standard_versions(args.name)
    if not known:
        names = ", ".join(sorted({s for s, _ in available_standards()}))
        raise KitError(f"The kit has no standard called {args.name!r}. Known standards: {names}.")
    std = load_standard(args.name, args.version or known[-1])
    print(f"{std.title} (version {std.full_version}, {std.status})")
    if std.summary:
        print(std.summary)
    if std.layouts:
        print("\nFile layouts:")
        for lay in std.layouts:
            print(f"  {lay.id:<22} {lay.title} ({lay.format}, {len(lay.columns)} columns)")
    print(f"\nFields ({len(std.fields)}):")
    for f in std.fields:
        kind = f"code: {f.codelist}" if f.type == "code" else f.type
        req = "required" if f.required else "optional"
        multi = ", several allowed" if f.multi else ""
        print(f"  {f.name:<38} {req:<9} {kind}{multi}")
    if std.rules:
        print(f"\nRules ({len(std.rules)}):")
        for r in std.rules:
            print(f"  {r.id:<40} {r.severity:<8} {r.message}")
    return 0


def _cmd_guides(args: argparse.Namespace) -> int:
    from kit.api import write_reference_guides

    written = write_reference_guides(Path(args.out))
    for p in written:
        print(f"wrote {p}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from kit.api import check_files, check_output_folder, write_outputs

    check_output_folder(args.out)  # before the work: a file, no permission, a read-only disk
    result = check_files(
        args.files,
        standard=args.standard,
        version=args.version,
        la=args.la or "",
        mapping=args.mapping,
        sheet=args.sheet,
        profile=args.profile,
    )
    paths = write_outputs(result, args.out)
    s = result.summary()
    for f in result.files:
        print(f"{f.table.name}: {f.detection.describe()}")
        for line in f.table.evidence + f.detection.evidence:
            print(f"  - {line}")
    print(
        f"{s['rows_in']} rows read: {s['rows_standard']} in the standard table, {s['rows_blank']} blank, "
        f"{s['rows_rejected']} rejected; {s['errors']} errors and {s['warnings']} warnings."
    )
    if s["unmapped_columns"]:
        print(f"Kept as the LA's own columns: {', '.join(s['unmapped_columns'])}")
    if s["missing_fields"]:
        print(f"Required fields with no column: {', '.join(s['missing_fields'])}")
    if s["missing_by_design"]:
        print(f"Fields the template has no column for, by design: {', '.join(s['missing_by_design'])}")
    print(f"Outputs in {Path(args.out).resolve()}: {', '.join(p.name for p in paths.values())}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    import warnings

    from kit.api import run_region

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_region(args.region, out=args.out, key_file=args.key_file, produced_on=args.date)
    for w in caught:  # e.g. a key file your group can read: one plain line, not a Python warning
        print(f"kit: warning: {w.message}", file=sys.stderr)
    return 0


def _cmd_keygen(args: argparse.Namespace) -> int:
    from kit.api import key_fingerprint, write_key_file

    path, key = write_key_file(args.out, force=args.force)
    print(
        f"Wrote a new pseudonymisation key to {path} (readable by you only; fingerprint {key_fingerprint(key)})."
    )
    print("Use it in one of two ways:")
    print(f"  export KIT_PSEUDONYM_KEY=$(cat {path})   # in the shell that runs the kit")
    print(f"  key_file: {path}   # under privacy: in your region.yml")
    print(
        "Back it up somewhere safe: the same key gives the same pseudonyms every quarter, and a lost key "
        "means new pseudonyms that do not match the old ones. Never commit it, email it, or keep it in the kit's folder."
    )
    return 0


def _cmd_jsonld(args: argparse.Namespace) -> int:
    from kit.api import check_output_folder, export_jsonld

    if Path(args.out).is_dir():
        raise KitError(
            f"--out {args.out} is a folder: give the JSON-LD file to write, e.g. {args.out}/records.jsonld."
        )
    check_output_folder(Path(args.out).parent or ".", "--out a file in")

    report = export_jsonld(args.standard_csv, args.standard, args.out, version=args.version)
    print(report.describe())
    if args.validate:
        if args.standard != "placements":
            print(
                "The national programme publishes no SHACL shape for the person standard: nothing to validate."
            )
        else:
            from kit.api import national_verdict, write_csv

            verdict = national_verdict(report.path, args.standard_csv)
            out = report.path.with_name(report.path.stem + "-national-check.csv")
            write_csv(verdict.problems, out)
            print(verdict.describe())
            for row in verdict.problems.head(10).itertuples():
                where = f"{row.source_file} row {row.source_row}" if row.source_file else row.record
                print(f"  {where} ({row.severity}): {row.message}")
            if len(verdict.problems) > 10:
                print(f"  ... and {len(verdict.problems) - 10} more")
            print(f"Every problem, with the LA's file and row: {out}")
    if args.standard == "person":
        print("This file holds personal data: keep it on the LA's or region's secure machine.")
    return 0


def _cmd_duplicates(args: argparse.Namespace) -> int:
    from kit.api import check_output_folder, find_duplicates, write_csv

    out = check_output_folder(args.out)
    pairs = find_duplicates(args.files, threshold=args.threshold, likely=args.likely, scope=args.scope)
    path = out / "duplicates.csv"
    write_csv(pairs, path)
    counts = pairs["band"].value_counts()
    bands = ", ".join(f"{counts.get(b, 0)} {b}" for b in ("same identifier", "likely", "possible"))
    print(f"{len(pairs)} candidate pairs ({bands}) written to {path.resolve()}.")
    print(
        "Each pair is a question for the two LAs to answer from their case records: never merge automatically."
    )
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from kit.api import write_sample_region

    write_sample_region(Path(args.out), seed=args.seed, las=args.las, years=args.years)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from kit.api import run_demo

    return run_demo(Path(args.out))


def _cmd_lab(args: argparse.Namespace) -> int:
    from kit.api import run_lab

    extra = ["--no-browser"] if args.no_browser else []
    if args.port:
        extra.append(f"--ServerApp.port={args.port}")
    return run_lab(extra)


def _date(text: str):
    """A ``YYYY-MM-DD`` option value as a date (argparse prints a plain line for anything else)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-10-15"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kit",
        description="Implementation support kit for the children's social care data standards.",
    )
    parser.add_argument("--version", action="version", version=f"kit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("standards", help="list the standards the kit knows, or show one")
    p.add_argument("action", choices=["list", "show"])
    p.add_argument("name", nargs="?", help="placements or person (for 'show')")
    p.add_argument("--version", help="the version to show, e.g. 1 (default: the newest)")
    p.set_defaults(func=_cmd_standards)

    p = sub.add_parser("guides", help="regenerate the field reference guides from the standard files")
    p.add_argument(
        "--out",
        default=str(REPO / "guides" / "reference"),
        help="folder to write (default: guides/reference)",
    )
    p.set_defaults(func=_cmd_guides)

    p = sub.add_parser("check", help="read, map and check one LA's file(s)")
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV or Excel files (one per quarter is fine)")
    p.add_argument("--standard", choices=["placements", "person"], default="placements")
    p.add_argument("--version", default="auto", help="auto (detect), 0.1, 1 or 2")
    p.add_argument("--la", help="the LA's code, written into every output row")
    p.add_argument("--mapping", help="the LA's mapping file (YAML) from a previous quarter")
    p.add_argument("--sheet", help="the Excel sheet to read (default: found automatically)")
    p.add_argument(
        "--profile",
        choices=["subject_of_care", "connected", "relationships"],
        help="person standard only: the records are children/adults receiving care, connected people, "
        "or a relationships table (give the person extracts it refers to alongside)",
    )
    p.add_argument(
        "--out", required=True, help="folder for standard.csv, findings.csv, summary.json, feedback.xlsx"
    )
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("run", help="the quarterly run for a region: pool, pseudonymise, join, report")
    p.add_argument("region", metavar="REGION.yml", help="the region file (see guides/regional-dataset.md)")
    p.add_argument("--out", help="output folder (default: the region file's output)")
    p.add_argument(
        "--key-file",
        help="the pseudonymisation key file (default: KIT_PSEUDONYM_KEY, then the region file's)",
    )
    p.add_argument(
        "--date",
        type=_date,
        help="the date the report says it was produced, YYYY-MM-DD (default: it names the period's end, "
        "so that a rerun gives the same files byte for byte)",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("keygen", help="make a new pseudonymisation key, in a file outside the kit's folder")
    p.add_argument("--out", help="where to write it (default: ~/.config/csc-kit/region.key)")
    p.add_argument(
        "--force", action="store_true", help="replace an existing key file (old pseudonyms stop matching)"
    )
    p.set_defaults(func=_cmd_keygen)

    p = sub.add_parser("jsonld", help="turn a standard.csv from 'check' into JSON-LD records")
    p.add_argument("standard_csv", metavar="STANDARD_CSV", help="the standard.csv that 'check' wrote")
    p.add_argument("--standard", choices=["placements", "person"], required=True)
    p.add_argument("--version", help="the standard version (default: found from the columns)")
    p.add_argument("--out", required=True, help="the JSON-LD file to write, e.g. records.jsonld")
    p.add_argument(
        "--validate",
        action="store_true",
        help="check the records against the official national SHACL shape (placements v1) and say, "
        "record by record, why any would be rejected (written beside --out as ...-national-check.csv)",
    )
    p.set_defaults(func=_cmd_jsonld)

    p = sub.add_parser("duplicates", help="find likely duplicate people within and across LAs")
    p.add_argument("files", nargs="+", metavar="STANDARD_CSV", help="person standard.csv files from 'check'")
    p.add_argument("--threshold", type=float, default=0.7, help="lowest score listed, 0 to 1 (default 0.7)")
    p.add_argument(
        "--likely", type=float, default=0.85, help="score from which a pair is 'likely' (default 0.85)"
    )
    p.add_argument(
        "--scope",
        choices=["all", "across", "within"],
        default="all",
        help="pairs across LAs, within one, or all",
    )
    p.add_argument("--out", required=True, help="folder for duplicates.csv")
    p.set_defaults(func=_cmd_duplicates)

    p = sub.add_parser("synth", help="write the synthetic sample region (or a national-size one)")
    p.add_argument("--out", required=True, help="folder to write the region into")
    p.add_argument(
        "--seed", type=int, default=2026, help="random seed (default 2026: the committed sample_data/)"
    )
    p.add_argument("--las", type=int, default=6, help="number of local authorities (default 6)")
    p.add_argument("--years", type=int, default=3, help="years of SSDA903 history (default 3)")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("demo", help="run the kit on the sample region (what 'make demo' runs)")
    p.add_argument(
        "--out", default=str(REPO / "outputs" / "demo"), help="output folder (default: outputs/demo)"
    )
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser(
        "lab",
        help="open JupyterLab at the kit's folder with the start-here notebook (what 'make lab' runs); "
        "notebooks in notebooks/ are saved without outputs",
    )
    p.add_argument(
        "--port", type=int, help="the port to serve on (default: Jupyter's, 8888 or the next free)"
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser (print the address)")
    p.set_defaults(func=_cmd_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except KitError as exc:
        print(f"kit: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the environment, not the input: a full or read-only disk, a lost drive
        where = f"{exc.filename}" if exc.filename else "a file"
        print(
            f"kit: {where} could not be read or written ({exc.strerror or exc}). Check the disk has space "
            "and the folder's permissions, then re-run.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("kit: stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
