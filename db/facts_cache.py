"""The dashboard's facts kept as columns on disk, valid for one token of the ledger (never stale).

Reading every live designation of a 1M-firm ledger takes about 2.9 s of CPU (db/dashboard_queries.py);
the same arrays saved as one uncompressed ``.npz`` load in a fraction of that. The file is only used
while the ledger still holds the token it was saved under:

- the ledger's ``meta`` row ``facts_cache`` holds a random token; every write transaction deletes it first
  (``db.ledger.Ledger.write``, the one door for writes, and each migration), whoever writes (this app, an
  import, undo, another process, a copy of the file written to); from schema v6 on, no older version of the
  app (which would not delete it) can write the file. Row triggers did this inside SQLite but made every
  inserted firm and designation 2.7x slower (db/schema.py, V6);
- a full read first writes a fresh token (a tiny write transaction), then reads, then saves the arrays
  under that token only if the ledger still holds it: a write in between removed it, and nothing is saved;
- a restored backup or a copy holds the token of the moment it was taken, whose arrays are exactly its
  data (any later write to it would have removed the token);
- a ledger that cannot be written (read-only file, another instance holds it) gets no new token: it is
  read in full, or from a cache saved under the token it already holds;
- a file that is missing, partial, corrupt or of another token is ignored (read in full again); it is
  written to a temporary file and renamed over the old one (``os.replace``), so a reader never sees half.

Next to the facts, ``facts-<ledger id>.derived`` keeps what the dashboard's first compute built from them
(``pipeline.dashboard.Dashboard.state``: per-stage indexes, cohort entries, last year's bases) under the
same token, saved once the first view is shown (``keep_derived``, only while the ledger still holds the
token) and memory-mapped on the next open (db/array_file.py: checked by size and checksum; a damaged,
partial or foreign file is ignored and everything is built again). 1M-firm bench ledger, machine under
load: 675 MB, written in 1.8 s after a cold open's first view, read in 0.11 s; that open's first compute
0.18 s against 5.7 s.
"""
from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from platformdirs import user_cache_dir

from db import array_file, dashboard_queries, schema
from db.paths import APP
from pipeline.facts import Facts

TOKEN_KEY = schema.FACTS_TOKEN
COLUMNS = ("firm", "stage", "start", "end", "street_of")


def cache_dir() -> Path:
    """The folder of the cache files: the app's cache folder (local, not roaming), or ``cache`` in the
    data folder when XINGTU_DATA_DIR overrides it (tests, portable installs)."""
    override = os.environ.get("XINGTU_DATA_DIR")
    if override:
        return Path(override) / "cache"
    return Path(user_cache_dir(APP, appauthor=False))


@dataclass
class Loaded:
    """Facts as ``load`` found them: the ledger's token they are valid for (None: not to be kept, uncommitted
    changes or a ledger that cannot hold a token), their cache file, and the derived structures saved with
    them (``Dashboard.state``: JSON values and named arrays), when there are."""
    facts: Facts
    token: str | None = None
    file: Path | None = None
    derived: tuple[dict, dict[str, np.ndarray]] | None = None


def load_facts(conn: sqlite3.Connection, path: str | Path | None = None, folder: Path | None = None,
               file_id: tuple[int, int] | None = None) -> Facts:
    """``db.dashboard_queries.load_facts``, from the cache when the ledger still holds its token."""
    return load(conn, path, folder, file_id).facts


def load(conn: sqlite3.Connection, path: str | Path | None = None, folder: Path | None = None,
         file_id: tuple[int, int] | None = None) -> Loaded:
    """The facts (as ``load_facts``: *file_id* the identity of the ledger's file) with the token they are kept
    under and what was kept with them."""
    if path is None or conn.in_transaction:            # uncommitted changes: only a full read sees them
        return Loaded(dashboard_queries.load_facts(conn, path, file_id))
    file = cache_file(conn, folder or cache_dir())
    token = current_token(conn)
    if file is not None and token is not None:
        hit = read(file, token)
        if hit is not None:
            return Loaded(hit, token, file, read_derived(derived_file(file), token))
    fresh = new_token(conn) if file is not None else None
    facts = dashboard_queries.load_facts(conn, path, file_id)
    if file is not None and fresh is not None and current_token(conn) == fresh:
        save(file, fresh, facts)
        return Loaded(facts, fresh, file)
    return Loaded(facts)


def still_current(conn: sqlite3.Connection, loaded: Loaded) -> bool:
    """Whether the ledger still holds the token *loaded*'s facts were read under (no write since)."""
    try:
        return loaded.token is not None and loaded.file is not None and current_token(conn) == loaded.token
    except sqlite3.Error:           # the ledger was closed meanwhile (the panel saves once its view is painted)
        return False


def keep_derived(conn: sqlite3.Connection, loaded: Loaded, meta: dict, arrays: dict[str, np.ndarray]) -> bool:
    """Save what the dashboard built from *loaded*'s facts next to them, while the ledger still holds their
    token (a write since then removed it: nothing is saved). False when nothing was saved."""
    if not still_current(conn, loaded):
        return False
    assert loaded.file is not None and loaded.token is not None
    return save_derived(derived_file(loaded.file), loaded.token, meta, arrays)


def save_derived(file: Path, token: str, meta: dict, arrays: dict[str, np.ndarray]) -> bool:
    """Write the derived structures under *token* (whole or not at all); False when they cannot be written."""
    try:
        array_file.write(file, {"token": token, "state": meta}, arrays)
    except (OSError, ValueError):
        return False
    return True


def derived_file(file: Path) -> Path:
    return file.with_suffix(".derived")


def read_derived(file: Path, token: str) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The derived structures saved under *token*, or None (none, another token, a short or damaged file)."""
    got = array_file.read(file, lambda meta: isinstance(meta, dict) and meta.get("token") == token)
    if got is None or not isinstance(got[0].get("state"), dict):
        return None
    return got[0]["state"], got[1]


def cache_file(conn: sqlite3.Connection, folder: Path) -> Path | None:
    """One file per ledger identity (meta ``ledger_id``); None for a ledger without one, or without the
    schema v6, from which every writer removes the token (an older ledger, read only: no cache at all)."""
    if schema.version(conn) < 6:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'ledger_id'").fetchone()
    if row is None or not row[0] or not str(row[0]).isalnum():
        return None
    return folder / f"facts-{row[0]}.npz"


def current_token(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (TOKEN_KEY,)).fetchone()
    return row[0] if row else None


def new_token(conn: sqlite3.Connection) -> str | None:
    """Write a fresh token; None when the ledger cannot be written (read-only, locked by a writer)."""
    token = secrets.token_hex(16)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (TOKEN_KEY, token))
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return None
    return token


def read(file: Path, token: str) -> Facts | None:
    """The facts saved under *token*, or None (no file, another token, a partial or corrupt file)."""
    try:
        with np.load(file, allow_pickle=False) as data:
            if str(data["token"]) != token:
                return None
            cols = [data[k] for k in COLUMNS]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    n = len(cols[0])
    if any(c.dtype != np.int32 or c.ndim != 1 for c in cols) or any(len(c) != n for c in cols[1:4]):
        return None
    facts = Facts(*cols)
    facts.presorted = True
    return facts


STALE_TMP_S = 3600                 # a temporary file this old was left by a process killed while writing it
UNUSED_DAYS = 60                   # the cache of a ledger not opened for this long (a copy, an old backup) goes


def prune(folder: Path, keep: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove from the cache *folder* what no open can use: temporary files left by a killed write, and the
    files of ledgers not opened for UNUSED_DAYS (about 0.75 GB a ledger at 1M firms). *keep*: the facts file
    about to be written (its derived file too). Returns what was removed; a file that cannot be removed stays."""
    now = time.time() if now is None else now
    spared = {keep, derived_file(keep)} if keep is not None else set()
    gone = []
    for path in folder.glob("facts-*"):
        try:
            age = now - path.stat().st_mtime
            old = age > STALE_TMP_S if path.suffix == ".tmp" else age > UNUSED_DAYS * 86400
            if old and path not in spared:
                path.unlink()
                gone.append(path)
        except OSError:
            continue
    return gone


def save(file: Path, token: str, facts: Facts) -> None:
    """Write the arrays under *token* next to nothing half-written: a temporary file, then a rename. A
    cache that cannot be written (disk full, no folder) is simply not there next time. Stale files of the
    folder go first (``prune``)."""
    if not facts.presorted:
        return
    tmp = None
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        prune(file.parent, keep=file)
        with tempfile.NamedTemporaryFile(dir=file.parent, prefix=file.stem, suffix=".tmp", delete=False) as out:
            tmp = out.name
            np.savez(out, token=np.array(token), **{k: getattr(facts, k) for k in COLUMNS})
        os.replace(tmp, file)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
