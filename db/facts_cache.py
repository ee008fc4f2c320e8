"""The dashboard's facts kept as columns on disk, made current from the ledger's log of changes (never stale).

Reading every live designation of a 1M-firm ledger takes about 3 s (db/dashboard_queries.py); the same arrays
saved as one uncompressed ``.npz`` load in 0.08 s. A file is saved under the ledger's *position* then
(db/facts_log.py: its latest mark and latest log row) and used like this on the next open:

- nothing logged after that position (reading, searching, editing a phone number or a service record): used as
  it is, with what the dashboard built from it (below);
- firms logged after it (an edited date, a new designation, a firm moved or put in the recycle bin, an import
  of fewer than a PATCH_SHARE-th of the firms, its undo, another process's write): those firms' rows are read
  again by id and put in place (pipeline/facts_patch.py), in one read transaction with the log that named them,
  and the result is saved under the new position: 1M firms, a 2,000-row import's firms in about 0.1 s;
- the position's mark not in this ledger's log (a backup restored from before it, a copy written to apart, a log
  pruned past it), a change of "everything" (the catalog, a migration, a bulk load), or more firms changed:
  read in full, then saved only if the position did not move during the read (a write in between: not saved);
- a ledger that cannot be written and has no mark yet (read-only, before its first write), or one whose facts
  triggers another SQLite tool dropped or altered (the program's next write puts them back, db/facts_log.py), is
  read in full and nothing is saved; a ledger before schema v10 (opened read-only without migrating) gets no cache
  at all;
- a file that is missing, partial, corrupt or of another ledger is ignored (read in full again); it is written
  to a temporary file and renamed over the old one (``os.replace``), so a reader never sees half.

A restored backup or a copy holds the log of the moment it was taken: a position it holds names the same rows as
in the ledger the cache was saved from, and the rows after it are its own.

Next to the facts, ``facts-<ledger id>.derived`` keeps what the dashboard's first compute built from them
(``pipeline.dashboard.Dashboard.state``: per-stage indexes, cohort entries, last year's bases) under the
same position, saved once the first view is shown (``keep_derived``, only while nothing was logged since) and
memory-mapped on the next open (db/array_file.py: checked by size and checksum; a damaged, partial or foreign
file is ignored and everything is built again). A patched open builds them again (they are not patched).
1M-firm bench ledger, machine under load: 675 MB, written in 1.8 s after a cold open's first view, read in
0.11 s; that open's first compute 0.18 s against 5.7 s.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from platformdirs import user_cache_dir

from db import array_file, dashboard_queries, facts_log, packed_read, schema
from db.connection import open_readonly
from db.facts_log import Position
from db.paths import APP
from pipeline.facts import Facts
from pipeline.facts_patch import patched

COLUMNS = ("firm", "stage", "start", "end", "street_of")
# patch while at most this share of the firms changed (1/32: 31k firms of 1M); beyond, a full read. The splice
# copies each column once per changed firm's block: 1k firms 0.3-0.6 s, 20k 0.5-1.3 s, 125k 1.6-3.3 s of 4.8M
# designations (review, load 3), where a full read takes 3 s
PATCH_SHARE = 32


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
    """The facts (as ``load_facts``: *file_id* the identity of the ledger's file) with the position they are kept
    under and what was kept with them."""
    if path is None or conn.in_transaction:            # uncommitted changes: only a full read sees them
        return Loaded(dashboard_queries.load_facts(conn, path, file_id))
    file = cache_file(conn, folder or cache_dir())
    if file is None or not facts_log.whole(conn):   # a trigger dropped around the program: what it missed is unknown
        return Loaded(dashboard_queries.load_facts(conn, path, file_id))
    hit = read(file)
    if hit is not None:
        got = _made_current(conn, file, *hit, path=path, file_id=file_id)
        if got is not None:
            return got
    return _read_in_full(conn, path, file, file_id)


def _made_current(conn: sqlite3.Connection, file: Path, facts: Facts, at: Position, *, path: str | Path,
                  file_id: tuple[int, int] | None) -> Loaded | None:
    """The cached *facts* of position *at*, patched with the firms logged since; None when they cannot be."""
    limit = max(len(facts.street_of) // PATCH_SHARE, 1000)
    with _snapshot(conn, path, file_id) as reader:
        changed = facts_log.changes(reader, at, limit)
        if changed is None:
            return None
        if not len(changed):
            return Loaded(facts, at.key(), file, read_derived(derived_file(file), at.key()))
        parts = dashboard_queries.changed_columns(reader, changed)
        now = facts_log.position(reader)
    facts = dashboard_queries.checked(patched(facts, changed, *parts))
    if now is None:
        return Loaded(facts)
    save(file, now.key(), facts)
    return Loaded(facts, now.key(), file)


def _read_in_full(conn: sqlite3.Connection, path: str | Path, file: Path,
                  file_id: tuple[int, int] | None) -> Loaded:
    """A full read, saved under the position it was read at when no write came in between."""
    before = facts_log.position(conn)
    if before is None and facts_log.mark_alone(conn):
        before = facts_log.position(conn)
    facts = dashboard_queries.load_facts(conn, path, file_id)
    if before is not None and facts_log.position(conn) == before:
        save(file, before.key(), facts)
        return Loaded(facts, before.key(), file)
    return Loaded(facts)


@contextmanager
def _snapshot(conn: sqlite3.Connection, path: str | Path, file_id: tuple[int, int] | None
              ) -> Iterator[sqlite3.Connection]:
    """One read transaction: the log and the rows it names from one state of the ledger. On a read-only connection
    of its own to the ledger's file while it is still that file (*file_id*): the ledger's connection may be in
    another thread's write (the import wizard commits on a worker thread), which a BEGIN/COMMIT here would end
    half-written (found in review). Without the identity (tests, a file moved) on the ledger's connection."""
    reader = None
    if file_id is not None and packed_read.same_file(path, file_id):
        with contextlib.suppress(sqlite3.Error):
            reader = open_readonly(Path(path))
        if reader is not None and not packed_read.same_file(path, file_id):     # replaced meanwhile
            reader.close()
            reader = None
    use = reader if reader is not None else conn
    try:
        use.execute("BEGIN")
        try:
            yield use
        finally:
            if use.in_transaction:
                use.execute("COMMIT")
    finally:
        if reader is not None:
            reader.close()


def still_current(conn: sqlite3.Connection, loaded: Loaded) -> bool:
    """Whether nothing was logged since *loaded*'s facts were read (their position still holds)."""
    at = Position.of_key(loaded.token) if loaded.token else None
    if at is None or loaded.file is None:
        return False
    try:
        changed = facts_log.changes(conn, at, 0)
    except sqlite3.Error:           # the ledger was closed meanwhile (the panel saves once its view is painted)
        return False
    return changed is not None and not len(changed)


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
    salted log of schema v10 (an older ledger, read only: no cache at all)."""
    if schema.version(conn) < 10:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'ledger_id'").fetchone()
    if row is None or not row[0] or not str(row[0]).isalnum():
        return None
    return folder / f"facts-{row[0]}.npz"


def current_token(conn: sqlite3.Connection) -> str | None:
    """The ledger's position as a cache is saved under (None: no mark yet, or no log: before v9)."""
    at = facts_log.position(conn) if facts_log.has_log(conn) else None
    return None if at is None else at.key()


def read(file: Path) -> tuple[Facts, Position] | None:
    """The facts saved in *file* and their position, or None (no file, a partial or corrupt one)."""
    try:
        with np.load(file, allow_pickle=False) as data:
            at = Position.of_key(str(data["token"]))
            cols = [data[k] for k in COLUMNS]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    n = len(cols[0])
    if at is None or any(c.dtype != np.int32 or c.ndim != 1 for c in cols) or any(len(c) != n for c in cols[1:4]):
        return None
    facts = Facts(*cols)
    facts.presorted = True
    return facts, at


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
