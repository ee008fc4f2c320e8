"""Opening a ledger file: pragmas, schema migration, who is writing."""
from __future__ import annotations

import getpass
import os
import sqlite3
from pathlib import Path

from db import schema


class LedgerError(Exception):
    """A ledger that cannot be opened or written: a Chinese message for a person."""


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a service account, a container)
        return os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"


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


def connect(path: str | Path, *, readonly: bool = False, create: bool = True,
            migrate: bool = True) -> sqlite3.Connection:
    """Open the ledger at *path*, creating and migrating it when allowed.

    The connection is in autocommit mode (isolation_level=None): every write
    goes through an explicit ``BEGIN IMMEDIATE`` transaction (see db.ledger).
    """
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
        if migrate and not readonly:
            from db.migrate_safely import migrate_connection  # noqa: PLC0415  (backup, copy, check, replace)
            migrate_connection(conn, path)
        elif schema.version(conn) > schema.LATEST:
            raise LedgerError(f"台账 {path.name} 由更新版本的星图创建（结构版本 {schema.version(conn)}），请升级软件")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise LedgerError((readonly and wal_unreadable(path)) or f"{path.name} 不是有效的星图台账文件（{exc}）") from exc
    except LedgerError:
        conn.close()
        raise
    return conn


def _check_is_ledger(conn: sqlite3.Connection, path: Path) -> None:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "meta" not in tables:
        raise LedgerError(f"{path.name} 是 SQLite 数据库，但不是星图台账")
