"""Schema upgrades that can never damage the ledger.

For an existing ledger with migrations pending:
1. back it up (db.backup, reason 'migration');
2. copy it with the online backup API into a temporary file;
3. run every pending migration on the copy, then ``PRAGMA integrity_check``;
4. only then copy the upgraded copy back over the ledger with the backup
   API, which writes the whole file in one transaction on the ledger's
   connection: a crash or power cut half-way leaves the old ledger.
A failure at any step leaves the original untouched and says so in Chinese.
A brand-new ledger (version 0) is simply migrated in place.
"""
from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from db import schema
from db.backup import BackupError, backup, backup_dir_for, integrity_problems
from db.errors import LedgerError


def latest() -> int:
    return max(number for number, _name, _sql in schema.MIGRATIONS)


def pending(conn: sqlite3.Connection) -> list[int]:
    current = schema.version(conn)
    return [number for number, _name, _sql in schema.MIGRATIONS if number > current]


def migrate_connection(conn: sqlite3.Connection, path: str | Path) -> list[int]:
    """Bring the ledger open on *conn* (autocommit, no transaction) up to date. Returns the versions applied."""
    current = schema.version(conn)
    if current > latest():
        raise LedgerError(f"台账 {Path(path).name} 由更新版本的星图创建（结构版本 {current}），请升级软件")
    if not pending(conn):
        return []
    if current == 0:
        return schema.migrate(conn)
    return _via_copy(conn, Path(path), current)


def _backup_first(conn: sqlite3.Connection, path: Path):
    from db import paths  # noqa: PLC0415
    chosen = backup_dir_for(path, conn)
    try:
        return backup(path, chosen, "migration")
    except BackupError as first:
        fallback = paths.default_backup_dir()
        if fallback == chosen:
            raise
        try:
            return backup(path, fallback, "migration")
        except BackupError:
            raise first from None


def _via_copy(conn: sqlite3.Connection, path: Path, current: int) -> list[int]:
    target = latest()
    head = f"台账 {path.name} 的结构升级（版本 {current} → {target}）"
    try:
        saved = _backup_first(conn, path)
    except BackupError as exc:
        raise LedgerError(f"{head}前的备份失败，未升级，原台账未改动：{exc}") from exc
    where = f"升级前的备份：{saved.path}"
    work = Path(tempfile.mkdtemp(prefix="xingtu-migrate-"))
    try:
        copy = sqlite3.connect(str(work / path.name), isolation_level=None)
        try:
            conn.backup(copy)
            copy.execute("PRAGMA foreign_keys = ON")
            try:
                applied = schema.migrate(copy)
            except sqlite3.Error as exc:
                raise LedgerError(f"{head}失败（{exc}），原台账未改动。{where}") from exc
            problems = integrity_problems(copy)
            if problems or schema.version(copy) != target:
                detail = "；".join(problems[:3]) or f"结构版本为 {schema.version(copy)}"
                raise LedgerError(f"{head}后完整性检查未通过（{detail}），原台账未改动。{where}")
            try:
                copy.backup(conn)   # one transaction on the ledger: all of the upgraded file or none
            except sqlite3.Error as exc:
                raise LedgerError(f"{head}在写回台账时失败（{exc}），原台账未改动。{where}") from exc
        finally:
            copy.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    after = integrity_problems(conn)
    if after:  # should not happen: the copy was checked; say where the old state is
        raise LedgerError(f"{head}写回后完整性检查未通过（{'；'.join(after[:3])}）。请从备份恢复：{saved.path}")
    return applied
