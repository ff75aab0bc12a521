"""``python -m kit run REGION.yml``: the whole quarterly run for a region, written to its output folder.

In: the region file (and optionally an output folder and a key file). Out, in the output folder:

* ``pooled_placements.csv`` — every LA's standard rows, pseudonymised, without officer names,
  joined to the 903, the Ofsted register and postcode districts (columns: guides/regional-dataset.md);
* ``findings.csv`` — every LA's findings (quality and joins), in the contract's columns, with
  identifiers pseudonymised;
* ``match_rates.csv`` — per LA: rows, matched to 903, rate, URN statuses;
* ``feedback/<LA>/`` — each LA's own feedback workbook and check outputs (its own rows, its own
  IDs: they go back to that LA only, never to anyone else);
* ``quality_report.html`` — the regional data-quality report (offline, one file);
* ``run_summary.json`` — rows per LA, match rates, the key's fingerprint (no timings, no clock:
  the same inputs and key give the same bytes in every file the run writes);
* ``run_timings.json`` — how long each step took (the one file that differs between reruns);
* ``run_manifest.json`` — every file this run wrote, so that the next run into the same folder
  deletes exactly those (and never a file the kit did not write).

The key is read before anything else (no key, no run: :func:`kit.region.privacy.load_key`), and
the output folder is checked before the long work: a file where a folder should be, a folder that
cannot be written, or one holding files the kit did not write is one plain sentence. Every path
written is checked to lie inside the output folder (:func:`kit.core.paths.inside`); a run that
fails part-way says which partial outputs it left (and records them for the next run to clear).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd

from kit.core.errors import KitError
from kit.core.paths import inside, writable_folder
from kit.outputs.excel import write_csv
from kit.region.config import RegionConfig, load_region_config
from kit.region.pool import RegionalDataset, build_regional_dataset
from kit.region.privacy import load_key

FEEDBACK_README = """\
These folders hold each LA's OWN rows, with its own child IDs and officer names: the feedback the
LA fixes its file from. Send each folder only to the LA it is named after, by the route your data
sharing agreement allows, and delete it from here once sent. Never share it with another LA.
"""


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as text for CSV: dates ISO (YYYY-MM-DD), booleans true/false, missing empty."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), "")
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.astype(object).map({True: "true", False: "false"}).where(s.notna(), "")
        else:
            out[col] = s.astype(object).where(s.notna(), "")
    return out


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None (JSON null) for missing values, never NaN."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


MANIFEST = "run_manifest.json"
TIMINGS = "run_timings.json"


def _files_under(folder: Path) -> set[str]:
    """Every file under ``folder``, as paths relative to it (``feedback/Z01/standard.csv``)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def prepare_output_folder(out: str | Path) -> tuple[Path, list[str]]:
    """Make ``out`` ready for a run, before any long work; returns it and the files kept in it.

    A file where the folder should be, a folder that cannot be made or written (no permission, a
    read-only disk), or a folder holding files but no :data:`MANIFEST` (so the kit cannot tell its own
    files from anyone else's) is a :class:`KitError` sentence. A folder an earlier run wrote is cleared
    of the files that run recorded, and only those; anything else is kept and returned by name.
    """
    out = writable_folder(out)
    present = _files_under(out)
    if not present:
        return out, []
    manifest = out / MANIFEST
    if not manifest.is_file():
        example = sorted(present)[0]
        raise KitError(
            f"The output folder {out} already holds {len(present)} file(s) the kit has no record of writing "
            f"(e.g. {example}): the kit deletes only its own files, so give --out a new or empty folder, "
            "or empty this one yourself."
        )
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        raise KitError(
            f"{manifest} cannot be read as the kit's record of an earlier run: give --out a new or empty folder."
        ) from None
    folders = set()
    for name in [*listed, MANIFEST]:
        path = out / str(name)
        try:
            inside(out, path)  # a record edited to point elsewhere never deletes anything there
        except KitError:
            continue
        if path.is_file() or path.is_symlink():
            path.unlink()
            folders.update(p for p in path.parents if out in p.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return out, sorted(_files_under(out))


def write_manifest(out: Path, kept: list[str]) -> Path:
    """Record every file under ``out`` except ``kept`` (files that were there before the run)."""
    written = sorted(_files_under(out) - set(kept) - {MANIFEST})
    path = out / MANIFEST
    text = json.dumps({"written_by": "python -m kit run", "files": written}, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def feedback_writer(out: Path):
    """A function writing one LA's feedback outputs into ``out/feedback/<LA>/`` (for ``on_la``)."""
    from kit.outputs import write_outputs

    folder = Path(out) / "feedback"

    def write(code: str, result) -> None:
        target = inside(folder, folder / code)  # an LA code can never name a folder elsewhere
        if target == folder.resolve():
            raise KitError(f"{code!r} is not an LA code: its feedback would not have a folder of its own.")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "README.txt").write_text(FEEDBACK_README, encoding="utf-8")
        write_outputs(result, target)

    return write


def write_region_outputs(
    ds: RegionalDataset, out: Path, seconds: float | None = None, feedback: bool = True
) -> dict[str, Path]:
    """Write the run's files (module docstring) into ``out``; returns their paths by name.

    ``feedback=False`` when the LAs' feedback folders were written during the build (``on_la``).
    """
    from kit.outputs.quality_report import write_quality_report

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths = {
        "pooled_placements": out / "pooled_placements.csv",
        "findings": out / "findings.csv",
        "match_rates": out / "match_rates.csv",
        "quality_report": out / "quality_report.html",
        "run_summary": out / "run_summary.json",
        "run_timings": out / TIMINGS,
    }
    for path in paths.values():
        inside(out, path)
    # Through the one CSV writer: text that could run as a formula is neutralised (kit.outputs.excel).
    write_csv(csv_frame(ds.placements), paths["pooled_placements"])
    write_csv(ds.findings, paths["findings"])
    write_csv(ds.match_rates, paths["match_rates"])
    if feedback:
        write = feedback_writer(out)
        for code, result in ds.check_results.items():
            write(code, result)
    paths["feedback"] = out / "feedback"
    write_quality_report(
        list(ds.check_results.values()), paths["quality_report"], f"Data quality: {ds.config.name} region"
    )
    cfg = ds.config
    stats = {code: {k: v for k, v in s.items() if k != "seconds"} for code, s in ds.stats.items()}
    summary = {
        "region": cfg.name,
        "code": cfg.code,
        "period_start": cfg.period_start,
        "period_end": cfg.period_end,
        "config": str(cfg.path) if cfg.path else None,
        "key_fingerprint": ds.key_fingerprint,
        "quality_checked": ds.quality_checked,
        "match_window_days": cfg.window_days,
        "free_text": cfg.free_text,
        "pooled_rows": len(ds.placements),
        "sum_of_la_standard_rows": sum(s["rows_standard"] for s in ds.stats.values()),
        "episodes": len(ds.episodes),
        "las": {
            code: {**s, "match": next(r for r in _records(ds.match_rates) if r["la"] == code)}
            for code, s in stats.items()
        },  # fmt: skip
        "match_rate_region": round(float(ds.placements["episode_matched"].fillna(False).mean()), 4)
        if len(ds.placements)
        else None,
        "urn_status": ds.placements["urn_status"].value_counts().to_dict() if len(ds.placements) else {},
        "findings_by_rule": ds.findings["rule"].value_counts().to_dict() if len(ds.findings) else {},
        "notes": ds.notes,
        "outputs": {k: p.name for k, p in paths.items()},
    }
    paths["run_summary"].write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    timings = {
        "note": "How long each step took: the one output that differs between two runs of the same inputs.",
        "seconds": {
            **ds.timings,
            "write": round(time.perf_counter() - t0, 2),
            **({"run": round(seconds, 2)} if seconds is not None else {}),
        },
        "las": {code: s.get("seconds") for code, s in ds.stats.items()},
    }  # fmt: skip
    paths["run_timings"].write_text(json.dumps(timings, indent=2, default=str) + "\n", encoding="utf-8")
    return paths


def _forecast_and_publish(
    ds: RegionalDataset, out: Path, progress: bool, produced_on=None
) -> dict[str, Path]:
    """The demand forecast with its scenarios, then the published report and data pack."""
    from kit.forecast import default_scenarios_folder, forecast_region
    from kit.publish import publish_region

    paths: dict[str, Path] = {}
    forecast = None
    if progress:
        print("Forecasting demand and running the scenarios ...", flush=True)
    try:
        forecast = forecast_region(ds, scenarios=default_scenarios_folder(), n_sims=300, seed=2026)
    except KitError as exc:  # e.g. too short an SSDA903 history: the rest of the run still stands
        print(f"No forecast: {exc}", flush=True)
    if forecast is not None:
        forecast.write(out / "forecast", suppress_below=ds.config.suppress_below)
        paths["forecast"] = out / "forecast"
        if progress:
            print(forecast.summary_text(), flush=True)
    published = publish_region(ds, out / "report", forecast=forecast, produced_on=produced_on)
    paths.update({k: v for k, v in published.items() if k in ("report", "data_pack", "charts")})
    return paths


def _stopped(exc: BaseException, out: Path, kept: list[str]) -> BaseException:
    """The error to raise for a run that stopped part-way: it names the partial outputs left in
    ``out`` (recorded in the manifest, so that the next run into ``out`` clears them)."""
    try:
        left = json.loads(write_manifest(out, kept).read_text(encoding="utf-8"))["files"]
    except OSError:  # e.g. the disk is full or read-only now: say what is there, record nothing
        left = sorted(_files_under(out) - set(kept)) if out.is_dir() else []
    tops = sorted({name.split("/")[0] for name in left})
    where = (
        f"It left partial outputs in {out} ({', '.join(tops)}; {len(left)} files, listed in {MANIFEST}): "
        "do not use or share them; the next run into this folder deletes them."
        if left
        else "It left no outputs."
    )
    if isinstance(exc, KitError):
        return KitError(f"{exc} The run stopped. {where}")
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc)
        name = f" {exc.filename}" if exc.filename else ""
        return KitError(
            f"Writing{name} failed ({what}): free some space or give --out a folder you can write to. "
            f"The run stopped. {where}"
        )
    print(f"kit: the run stopped. {where}", file=sys.stderr, flush=True)
    return exc


def run_region(
    config_path: str | Path | RegionConfig,
    out: str | Path | None = None,
    key_file: str | Path | None = None,
    progress: bool = True,
    today=None,
    key: bytes | None = None,
    quality_checks: bool = True,
    produced_on=None,
) -> tuple[RegionalDataset, dict[str, Path]]:
    """Load the region file, read the key, build the dataset and write the outputs.

    ``out`` overrides the file's ``output``; ``key_file`` (``--key-file``) overrides its key file;
    ``key`` (tests and the demo) skips the lookup; ``produced_on`` (``--date``) is the date the
    report says it was produced (default: it names the period's end, never the clock, so that a
    rerun gives the same bytes). Prints where the outputs are when ``progress``.
    Returns the dataset and the paths written.
    """
    t0 = time.perf_counter()
    config = config_path if isinstance(config_path, RegionConfig) else load_region_config(config_path)
    key = key or load_key(config, key_file=key_file)  # before any work: no key, no run
    out, kept = prepare_output_folder(Path(out) if out else config.output)  # before the long work
    if progress:
        print(f"Region {config.name}: {len(config.las)} LAs, outputs to {out.resolve()}", flush=True)
        if kept:
            print(f"Kept {len(kept)} file(s) in {out} that the kit did not write (e.g. {kept[0]}).")
    try:
        # Each LA's feedback is written as soon as it is done, so that its raw cells can be let go.
        ds = build_regional_dataset(
            config,
            key,
            progress=progress,
            today=today,
            quality_checks=quality_checks,
            on_la=feedback_writer(out),
        )
        paths = write_region_outputs(ds, out, seconds=time.perf_counter() - t0, feedback=False)
        paths.update(_forecast_and_publish(ds, out, progress, produced_on))
    except (KitError, OSError) as exc:
        raise _stopped(exc, out, kept) from None
    except BaseException as exc:  # a fault in the kit itself (or Ctrl-C): say what was left, then stop
        _stopped(exc, out, kept)
        raise
    paths["run_manifest"] = write_manifest(out, kept)
    if progress:
        total = len(ds.placements)
        matched = int(ds.placements["episode_matched"].fillna(False).sum()) if total else 0
        print(
            f"Pooled {total} placement rows from {len(config.las)} LAs (= the sum of their standard rows); "
            f"{matched} matched to a 903 episode ({matched / total:.1%})."
            if total
            else "No placement rows."
        )
        print(f"Pseudonymised with key {ds.key_fingerprint} (fingerprint); officer names dropped.")
        print(f"Outputs in {out.resolve()}:")
        for p in paths.values():
            print(f"  {p.name}{'/' if p.is_dir() else ''}")
        print("  (feedback/ holds each LA's own identifiable rows: send each folder only to its own LA.)")
        if "report" in paths:
            print(f"The published report (offline, small numbers suppressed): {paths['report'].resolve()}")
    return ds, paths
