"""The seal of a backup file: the SHA-256 of its bytes, in a file beside it (``<name>.sha256``, in the format of
``sha256sum``, so anyone can check it with ``sha256sum -c``).

``PRAGMA integrity_check`` sees only a file's structure, not the values in it: a byte of a cell changed after the
backup was written (bit rot on a USB stick or a network drive) passed it, and the restore put the changed value, or
text no longer UTF-8, into the ledger (found by an attack). A restore and ``backups --check`` compare a sealed backup
with its seal (``problems``) and refuse a difference.

The seal is a file of its own rather than a row inside the backup: the digest of the file's bytes costs 0.18 s for the
100k-firm bench ledger (172 MB), where a digest of every row read through SQLite cost 2.7 s, and a seal inside the
file changes the bytes it describes. A backup without a seal (made before seals, or copied without it) is checked as
before, for its structure only. A backup file opened as a ledger for writing loses its seal (``remove``): it is no
longer the backup the seal describes.
"""
from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

SUFFIX = ".sha256"
MSG = "内容与备份时的校验值不符（文件在备份后被改动或已损坏）"
MSG_UNREADABLE = "备份旁的校验文件无法读取（{}）"
ORPHAN_AGE = 3600.0             # seconds: a seal whose backup is gone this long is removed (a backup renames within)
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
_CHUNK = 1 << 20


def seal_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + SUFFIX)


def digest(path: str | Path) -> str:
    """SHA-256 of the file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def write(written: Path, final: Path) -> None:
    """Seal *written* (the checked copy, not yet renamed) as the backup *final*: the seal is whole before the backup
    takes its name, so a backup under its final name has its whole seal or none (a killed backup leaves a seal
    without a backup: ``clean_orphans``)."""
    seal_path(final).write_text(f"{digest(written)}  {final.name}\n", encoding="utf-8")


def problems(path: str | Path) -> list[str]:
    """[] when *path* has no seal or holds what its seal says; else why not, in Chinese."""
    seal = seal_path(path)
    try:
        text = seal.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        return [MSG_UNREADABLE.format(exc)]
    m = _LINE.match(text.strip())
    if m is None:
        return [MSG_UNREADABLE.format("格式不符")]
    try:
        return [] if m[1] == digest(path) else [MSG]
    except OSError as exc:
        return [str(exc)]


def remove(path: str | Path) -> None:
    """Drop *path*'s seal (the file is no longer the backup it describes, or is gone)."""
    try:
        seal_path(path).unlink()
    except FileNotFoundError:
        pass


def clean_orphans(names: list[Path]) -> None:
    """Remove, among the files *names* of a backup folder (listed once by ``db.backup.clean_stale_partials``), the
    seals whose backup is gone, left for an hour: a killed backup's, or one whose backup was deleted by hand."""
    for p in names:
        if not p.name.endswith(SUFFIX):
            continue
        backup = p.with_name(p.name[:-len(SUFFIX)])
        try:
            if not backup.exists() and time.time() - p.stat().st_mtime > ORPHAN_AGE:
                p.unlink()
        except OSError:
            continue
