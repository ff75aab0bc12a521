"""Where things are: the repository, the sample region, the standard files and the official artefacts."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATA = REPO / "sample_data"
GUIDES = REPO / "guides"
OUTPUTS = REPO / "outputs"
STANDARDS = REPO / "kit" / "standards"
# The national programme's own artefacts, vendored unchanged (Open Government Licence v3.0; see the
# README beside them): the Excel templates, the v1 SHACL shape, its context and example records.
OFFICIAL = STANDARDS / "official"
OFFICIAL_TEMPLATES = OFFICIAL / "templates"
OFFICIAL_SHACL = OFFICIAL / "shacl"

# An LA's (or region's) code names a folder of outputs (``feedback/<code>/``): it must never be able
# to point anywhere else (``../x``, ``/abs``), so it is checked against this pattern wherever it enters.
LA_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}")
LA_CODE_RULE = (
    "use letters, digits, '-' and '_' only, starting with a letter or digit, at most 20 characters "
    "(e.g. Z01, 201 or E06000001)"
)


def is_safe_code(code: str) -> bool:
    """True when ``code`` (an LA's or region's code) matches :data:`LA_CODE`: safe as a folder name."""
    return isinstance(code, str) and LA_CODE.fullmatch(code) is not None


def inside(folder: str | Path, path: str | Path) -> Path:
    """``path`` resolved, after checking it is ``folder`` or lies under it (links followed).

    Every file an output folder receives is checked with this, so nothing is written outside it.
    Raises :class:`kit.core.errors.KitError` naming both otherwise."""
    from kit.core.errors import KitError

    root, target = Path(folder).resolve(), Path(path).resolve()
    if target != root and root not in target.parents:
        raise KitError(
            f"{path} would be written outside the output folder {folder}; the kit writes only inside it. "
            "Check the LA codes in your region file and that no folder in the output is a link elsewhere."
        )
    return target


def writable_folder(folder: str | Path, option: str = "--out") -> Path:
    """``folder``, made if needed, after checking it is a folder the kit can write in.

    Called before any long work, so that a file where a folder should be, a missing permission or a
    read-only disk is one :class:`kit.core.errors.KitError` sentence, not a crash at the end."""
    import tempfile

    from kit.core.errors import KitError

    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise KitError(
            f"The output folder {folder} is a file, not a folder: give {option} a folder (new or empty)."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise KitError(
            f"The kit cannot write in the output folder {folder} ({exc.strerror or exc}): give {option} a "
            "folder you can write to (not a read-only disk)."
        ) from None
    return folder
