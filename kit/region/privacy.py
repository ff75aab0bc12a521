"""Privacy: the pseudonymisation key, keyed hashing of identifiers, LA-internal fields.

In and out, function by function:

* :func:`write_key_file` makes a new random 32-byte key in a file *outside* the kit's folder, readable
  by its owner only (``python -m kit keygen``). :func:`load_key` reads it back: first from the
  environment variable the region file names (default ``KIT_PSEUDONYM_KEY``), then from the key
  file. With neither, it raises :class:`KitError`: the kit never falls back to plain identifiers.
* :func:`pseudonymise` turns identifiers into HMAC-SHA256 pseudonyms (16 hex characters). With the
  same key, the same child ID of the same LA always gives the same pseudonym, in every file and
  every quarter; without the key nobody can go back from a pseudonym to the ID, or test a guess.
* :func:`drop_internal` removes the fields the standard marks ``internal`` (officer names);
  :func:`withhold_free_text` empties v1's free-text "...Other" fields.

Small-number suppression of anything published is not here: it belongs to what is published
(:mod:`kit.publish.suppression`, the one suppression module).

``guides/privacy.md`` explains each of these for a data protection officer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import stat
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kit.convert.values import identifier_text
from kit.core.errors import KitError
from kit.core.paths import REPO

KEY_BYTES = 32  # 256 bits: the HMAC-SHA256 block is 64 bytes, its output 32; 32 random bytes is the norm
MIN_KEY_BYTES = 16  # a key shorter than 128 bits is refused
PSEUDONYM_CHARS = 16  # 64 bits of the digest: collisions stay below 1 in 10 million at a million children
DEFAULT_KEY_FILE = Path("~/.config/csc-kit/region.key")
_FINGERPRINT_MESSAGE = b"csc-kit key fingerprint v1"


class KeyWarning(UserWarning):
    """A key file that works but is not kept as safely as it should be."""


# ---------------------------------------------------------------------------------------------
# The key


def generate_key() -> bytes:
    """A new random key (32 bytes from the operating system's secure random source)."""
    return secrets.token_bytes(KEY_BYTES)


def encode_key(key: bytes) -> str:
    """The key as text for a key file or an environment variable (hexadecimal, 64 characters)."""
    return key.hex()


def key_fingerprint(key: bytes) -> str:
    """Eight hex characters that identify a key without revealing it.

    Compare fingerprints to check that two runs (two quarters, two machines) used the same key,
    which is what makes the same child get the same pseudonym.
    """
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:8]


def parse_key(text: str, source: str) -> bytes:
    """Bytes of a key written as hexadecimal or base64 text; ``source`` names where it came from."""
    value = re.sub(r"\s+", "", text or "")
    if not value:
        raise KitError(
            f"The pseudonymisation key in {source} is empty; make one with 'python -m kit keygen'."
        )
    key: bytes | None = None
    if re.fullmatch(r"[0-9a-fA-F]+", value) and len(value) % 2 == 0:
        key = bytes.fromhex(value)
    else:
        try:
            key = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError):
            key = None
    if key is None:
        raise KitError(
            f"The pseudonymisation key in {source} is neither hexadecimal nor base64 text; "
            "make a new one with 'python -m kit keygen'."
        )
    if len(key) < MIN_KEY_BYTES:
        raise KitError(
            f"The pseudonymisation key in {source} is only {len(key)} bytes; a key needs at least "
            f"{MIN_KEY_BYTES} (make one with 'python -m kit keygen')."
        )
    return key


def inside_repository(path: str | Path) -> bool:
    """True when ``path`` is inside the kit's folder (where a key could end up in git or a zip)."""
    try:
        Path(path).expanduser().resolve().relative_to(REPO.resolve())
        return True
    except ValueError:
        return False


def _check_permissions(path: Path) -> None:
    """Refuse a key file anyone on the machine can read; warn when the owner's group can."""
    if sys.platform.startswith("win"):
        return  # Windows permissions are ACLs, not mode bits: keep the file in your own profile
    mode = path.stat().st_mode
    if mode & stat.S_IROTH:
        raise KitError(
            f"The key file {path} can be read by every user of this machine; run 'chmod 600 {path}' and try again."
        )
    if mode & (stat.S_IRGRP | stat.S_IWGRP):
        warnings.warn(
            f"The key file {path} can be read by your group; 'chmod 600 {path}' keeps it to you alone.",
            KeyWarning,
            stacklevel=3,
        )


def write_key_file(path: str | Path | None = None, force: bool = False) -> tuple[Path, bytes]:
    """Write a new random key to ``path`` (default ``~/.config/csc-kit/region.key``), mode 0600.

    Refuses a path inside the kit's folder, and an existing file unless ``force``.
    Returns the path and the key.
    """
    path = Path(path or DEFAULT_KEY_FILE).expanduser().absolute()
    if inside_repository(path):
        raise KitError(
            f"{path} is inside the kit's folder, where a key could be committed or shared with the code; "
            "choose a path outside it, e.g. ~/.config/csc-kit/region.key."
        )
    if path.exists() and not force:
        raise KitError(
            f"{path} already exists and may hold the key your earlier pseudonyms depend on; "
            "keep it, or add --force to replace it."
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = generate_key()
    # Create the file with owner-only permissions from the start (no moment where others can read it).
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(encode_key(key) + "\n")
    os.replace(tmp, path)
    return path, key


def load_key(config=None, key_file: str | Path | None = None, environ=None) -> bytes:
    """The region's pseudonymisation key.

    Looks, in order, at the environment variable ``config.key_env`` (default ``KIT_PSEUDONYM_KEY``),
    then at ``key_file`` (e.g. ``--key-file``) or ``config.key_file``. A key file inside the kit's
    folder or readable by every user is refused. No key: :class:`KitError`, never plain IDs.
    """
    environ = os.environ if environ is None else environ
    env_name = getattr(config, "key_env", None) or "KIT_PSEUDONYM_KEY"
    # An explicit --key-file wins over the environment: the user has just named it.
    path = Path(key_file).expanduser() if key_file else None
    if path is None:
        value = environ.get(env_name, "")
        if value.strip():
            return parse_key(value, f"the environment variable {env_name}")
        path = getattr(config, "key_file", None)
    if path is not None:
        path = Path(path).expanduser()
        if inside_repository(path):
            raise KitError(
                f"The key file {path} is inside the kit's folder; move it outside (e.g. to "
                "~/.config/csc-kit/region.key) and point key_file: or --key-file at it."
            )
        if not path.exists():
            raise KitError(
                f"The key file {path} does not exist; make it with 'python -m kit keygen --out {path}', "
                "or use the key file your region already has."
            )
        from kit.read import check_input

        check_input(path, "The key file")  # a folder, pipe or device: refused at once, never opened
        _check_permissions(path)
        return parse_key(path.read_text(encoding="utf-8", errors="replace"), f"the key file {path}")
    where = f" in {config.path}" if getattr(config, "path", None) else " in region.yml"
    raise KitError(
        f"No pseudonymisation key: set {env_name} or add key_file:{where} (make a key with "
        "'python -m kit keygen'); the kit never pools plain child IDs."
    )


# ---------------------------------------------------------------------------------------------
# Pseudonyms


def normalise_identifier(value) -> str:
    """The form an LA identifier is hashed in: the same child, however the file wrote the ID.

    Assumptions (repeated in guides/privacy.md): spaces never matter; letters are compared in
    upper case; invisible characters and Cyrillic or Greek look-alike letters are not part of an
    ID (:func:`kit.convert.values.identifier_text`); a number that Excel turned into ``12345.0`` is
    ``12345``; leading zeros of an all-digit ID do not matter (Excel drops them from IDs such as
    ``0012345``). Empty means none.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    # What a screen shows: invisible characters removed, look-alike letters made Latin (the same
    # function conversion uses, so a 903 extract's IDs are read the same way as the LA's return).
    text = re.sub(r"\s+", "", identifier_text(str(value))[0]).upper()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if text.isdigit():
        text = text.lstrip("0") or "0"
    return text


def pseudonymise(values: pd.Series | Iterable, key: bytes, la: str | None = None) -> pd.Series:
    """HMAC-SHA256 pseudonyms (first 16 hex characters) of identifiers.

    ``la``: the LA whose identifiers these are. LA child IDs are unique only within their LA, so
    the LA code is hashed with the ID (child ``1234`` of Z01 and child ``1234`` of Z02 get different
    pseudonyms); the same ID of the same LA gets the same pseudonym in every file and quarter.
    Pass ``la=None`` for national identifiers (e.g. NHS numbers) that mean the same person
    everywhere. Empty values stay missing. Raises :class:`KitError` on an unusable key.
    """
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_KEY_BYTES:
        raise KitError(
            "A pseudonymisation key of at least 16 bytes is needed; the kit never pools plain IDs."
        )
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    base = hmac.new(bytes(key), digestmod=hashlib.sha256)
    prefix = f"{la}\x1f".encode() if la else b""
    uniques = pd.unique(series.to_numpy(dtype=object))
    lookup: dict = {}
    for raw in uniques:
        text = normalise_identifier(raw)
        if not text:
            lookup[raw] = None
            continue
        h = base.copy()
        h.update(prefix + text.encode("utf-8"))
        lookup[raw] = h.hexdigest()[:PSEUDONYM_CHARS]
    out = series.map(lookup)
    out = out.astype("string")
    out.name = series.name
    # Two different IDs with one pseudonym would merge two children: refuse rather than mislead.
    made = {v for v in lookup.values() if v is not None}
    normalised = {normalise_identifier(r) for r in uniques} - {""}
    if len(made) != len(normalised):
        raise KitError(
            "Two different IDs gave the same pseudonym; make a new key with 'python -m kit keygen'."
        )
    return out


# ---------------------------------------------------------------------------------------------
# Fields that never leave the LA


def internal_fields(standards_: Iterable) -> list[str]:
    """Names of the fields the standards mark ``internal: true`` (officer names)."""
    names: list[str] = []
    for std in standards_:
        names += [f.name for f in std.fields if f.internal and f.name not in names]
    return names


def free_text_fields(standards_: Iterable) -> list[str]:
    """v1's free-text "...Other" descriptions (``riskOther``, ``culturalNeedsOther``...): text typed
    by a social worker, which can name people. v2 removed free text for this reason."""
    names: list[str] = []
    for std in standards_:
        for f in std.fields:
            if f.type == "string" and f.name.endswith("Other") and not f.identifier and f.name not in names:
                names.append(f.name)
    return names


def drop_internal(frame: pd.DataFrame, standards_: Iterable) -> pd.DataFrame:
    """``frame`` without the LA-internal fields of ``standards_`` (officer names never leave the LA)."""
    return frame.drop(columns=[c for c in internal_fields(standards_) if c in frame.columns])


def withhold_free_text(frame: pd.DataFrame, standards_: Iterable) -> tuple[pd.DataFrame, int]:
    """``frame`` with free-text "...Other" fields emptied (columns kept), and how many values went."""
    frame = frame.copy()
    withheld = 0
    for name in free_text_fields(standards_):
        if name in frame.columns:
            withheld += int(frame[name].notna().sum())
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame, withheld
