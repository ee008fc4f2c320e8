"""Opening a ledger file: the connection and its pragmas (``connect``), the schema upgrade (``migrate``), and
the one function that opens a ledger for the app and the command line (``open_ledger``: lock → connect →
migrate). ``LedgerError`` and ``os_user`` live in the leaf module db.errors and are re-exported here for
the many callers that import them from this module.
"""
from __future__ import annotations

import json
import os
import sqlite3
import weakref
from pathlib import Path

from db import lock as ledger_lock
from db import schema
from db.errors import LedgerError, os_user

__all__ = ["LedgerError", "os_user", "connect", "migrate", "open_ledger", "write_block_reason", "open_readonly"]


def write_block_reason(path: str | Path) -> str | None:
    """Why this user cannot write the ledger at *path* (its folder or the file itself is read-only),
    or None when nothing in the file system stands in the way."""
    p = Path(path)
    folder = p.resolve().parent if p.exists() else p.parent
    if folder.exists() and not os.access(folder, os.W_OK):
        return f"所在文件夹 {folder} 没有写入权限"
    if p.exists() and not os.access(p, os.W_OK):
        return "台账文件本身是只读的"
    return None


def readonly_uri(path: str | Path) -> str:
    """The SQLite URI to read the ledger at *path*.

    Where this user cannot write (a read-only folder or file) the file is opened immutable: SQLite
    then creates no -shm or -wal beside it (it could not) and takes no locks, which is exact as long
    as nobody writes it, and nobody can. One exception: changes still waiting in a -wal file beside
    it would be ignored, so then it is opened plainly read-only (``wal_unreadable`` explains a failure).
    """
    p = Path(path).resolve()
    uri = f"{p.as_uri()}?mode=ro"
    if write_block_reason(p) is not None and not _pending_wal(p):
        uri += "&immutable=1"
    return uri


def _pending_wal(p: Path) -> bool:
    try:
        return Path(f"{p}-wal").stat().st_size > 0
    except OSError:
        return False


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open read-only; where the permission check could not tell (Windows reports folders as writable)
    but SQLite cannot create its -shm file, open immutable, unless changes wait in a -wal file."""
    uri = readonly_uri(path)
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    if "immutable=1" in uri or _pending_wal(path.resolve()):
        return conn
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError:
        conn.close()
        return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None, check_same_thread=False)
    return conn


def wal_unreadable(path: str | Path) -> str | None:
    """The Chinese explanation when a read-only ledger cannot be read because of its pending -wal file."""
    p = Path(path)
    if write_block_reason(p) is not None and _pending_wal(p.resolve()):
        return (f"台账 {p.name} 所在位置只读，且旁边有尚未合并的 {p.name}-wal 文件（上次写入未收尾），"
                "无法在这里读出最新数据；请把台账连同该文件复制到可写的文件夹后再打开")
    return None


def connect(path: str | Path, *, readonly: bool = False, create: bool = True) -> sqlite3.Connection:
    """Only connect: open the file at *path* with the ledger's pragmas and check that it is a ledger this
    version can read. Never migrates and never takes the lock (see ``open_ledger``).

    The connection is in autocommit mode (isolation_level=None): every write goes through an explicit
    ``BEGIN IMMEDIATE`` transaction (see db.ledger)."""
    path = Path(path)
    if not readonly and not create and not path.exists():
        raise LedgerError(f"台账文件不存在：{path}")
    if readonly:
        if not path.exists():
            raise LedgerError(f"台账文件不存在：{path}")
        conn = open_readonly(path)
    else:
        if path.parent and not path.parent.exists():
            raise LedgerError(f"台账所在文件夹不存在：{path.parent}")
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise LedgerError(f"无法打开台账文件 {path}：{exc}") from exc
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA temp_store = MEMORY")
        _check_is_ledger(conn, path)
        if schema.version(conn) > schema.LATEST:
            raise LedgerError(f"台账 {path.name} 由更新版本的星图创建（结构版本 {schema.version(conn)}），请升级软件")
        if readonly:
            _columns_added_since(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise LedgerError(
            (readonly and wal_unreadable(path)) or f"{path.name} 不是有效的星图台账文件（{exc}）"
        ) from exc
    except LedgerError:
        conn.close()
        raise
    return conn


def _columns_added_since(conn: sqlite3.Connection) -> None:
    """A ledger opened read-only is not migrated: before v4 its firms have no legal_form and address, which every
    firm query selects (``export`` and ``import --dry-run`` of a v1-v3 ledger ended in an internal error, no such
    column). A view in the connection's own temp schema, which unqualified names find first, adds them empty; the
    file is not touched."""
    columns = {r[1] for r in conn.execute("PRAGMA main.table_info(firms)")}
    missing = [c for c in ("legal_form", "address") if c not in columns]
    if columns and missing:
        extra = ", ".join(f"NULL AS {c}" for c in missing)
        conn.execute(f"CREATE TEMP VIEW firms AS SELECT *, {extra} FROM main.firms")


def migrate(conn: sqlite3.Connection, path: str | Path) -> list[int]:
    """Bring the ledger open on *conn* up to date (backup, migrate a copy, check, replace: db.migrate_safely)."""
    from db.migrate_safely import migrate_connection  # imports db.backup: only when needed
    try:
        return migrate_connection(conn, path)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"{Path(path).name} 不是有效的星图台账文件（{exc}）") from exc


def open_ledger(ledger, readonly: bool | None, create: bool) -> sqlite3.Connection:
    """Open *ledger* (a db.ledger.Ledger): take the write lock, connect, migrate. The one way in.

    readonly=True: read-only, no lock. readonly=False (the default; the command line): the caller demands
    writing, so a held lock raises LedgerError. readonly=None (the desktop app): write when possible,
    otherwise fall back to read-only with ``ledger.readonly_reason`` set. Sets ``ledger.lock``,
    ``ledger.readonly``, ``ledger.readonly_reason``, ``ledger.lock_note`` and ``ledger.file_id``."""
    path = Path(ledger.path)
    ledger.lock, ledger.readonly_reason, ledger.lock_note = None, "", ""
    if path.is_dir():       # else read as a file with other hard links (a folder's own . and ..), or SQLite's error
        raise LedgerError(f"{path} 是文件夹，不是台账文件；请选择文件夹里的台账文件（.db）")
    if readonly:
        ledger.readonly = True
        return _identified(ledger, connect(path, readonly=True, create=create))
    if not create and not path.exists():
        raise LedgerError(f"台账文件不存在：{path}")
    if not path.parent.exists():
        raise LedgerError(f"台账所在文件夹不存在：{path.parent}")
    blocked = write_block_reason(path)
    if blocked is not None:   # a read-only folder or file: read it (immutable), say why it cannot be changed
        message = f"台账 {path.name} 是只读的（{blocked}），只能查看，不能修改"
        if readonly is False or not path.exists():
            raise LedgerError(message)
        ledger.readonly, ledger.readonly_reason = True, message
        return _identified(ledger, connect(path, readonly=True, create=create))
    lock, message = ledger_lock.try_acquire(path)
    if lock is None:
        if readonly is False or not path.exists():
            raise LedgerError(message)
        ledger.readonly, ledger.readonly_reason = True, message
        return _identified(ledger, connect(path, readonly=True, create=create))
    ledger.readonly, ledger.lock, ledger.lock_note = False, lock, lock.note
    weakref.finalize(ledger, ledger_lock.release, lock)  # a Ledger dropped without close() still frees its lock
    try:
        _clean_leftovers(path, None)   # the lock is ours: no one else migrates or restores it now
        conn = connect(path, readonly=False, create=create)
        try:
            migrate(conn, path)
            _clean_leftovers(path, conn)
        except BaseException:
            conn.close()
            raise
    except BaseException:
        ledger_lock.release(lock)
        ledger.lock = None
        raise
    ledger.file_id = ledger_lock.file_id(path)
    return conn


PARTIAL_STREETS = "partial_streets"      # meta key: a file pulled from a shared ledger holding some streets only


def partial_streets(conn: sqlite3.Connection) -> list[int] | None:
    """The streets a ledger file holds when it is part of a shared ledger (``pull --street``, or a login reading some
    streets only: db/pg/pull.py), else None (the whole district). The dashboard, ``report`` and ``export`` then treat
    it as such a login: no district figures, which would count these streets' firms only (found by a walkthrough:
    an officer's pulled file showed 全区 at 12% of the district's targets)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (PARTIAL_STREETS,)).fetchone()
    if row is None or not row[0]:
        return None
    try:
        ids = [int(x) for x in json.loads(row[0])]
    except (TypeError, ValueError):
        return None
    return ids or None


def _identified(ledger, conn: sqlite3.Connection) -> sqlite3.Connection:
    """*conn*, with ``ledger.file_id`` the identity of the file it opened (a read-only window too: the dashboard's
    parallel read, db/packed_read.py, reads only the file the ledger holds)."""
    ledger.file_id = ledger_lock.file_id(ledger.path)
    return conn


def _clean_leftovers(path: Path, conn: sqlite3.Connection | None) -> None:
    """Files a killed migration, restore (beside the ledger) or backup (in its backup folder) left, and the seal of
    a backup opened as a ledger (db/backup_seal.py)."""
    from db import backup, backup_seal, migrate_safely
    if conn is None:
        migrate_safely.clean_stale_staging(path)
    else:
        backup_seal.remove(path)    # a backup opened as a ledger: no longer the backup its seal describes
        backup.clean_stale_partials(backup.backup_dir_for(path, conn))


def _check_is_ledger(conn: sqlite3.Connection, path: Path) -> None:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "meta" not in tables:
        raise LedgerError(f"{path.name} 是 SQLite 数据库，但不是星图台账")
