"""Schema upgrades that can never damage the ledger.

For an existing ledger with migrations pending:
1. back it up (db.backup, reason 'migration');
2. copy it with the online backup API into a staging file next to the
   ledger (``<ledger name>.migrate-<random>.partial``: on the same disk, so
   no full copy is ever left in the system's temporary folder);
3. run every pending migration on the copy, then ``PRAGMA integrity_check``;
4. only then copy the upgraded copy back over the ledger with the backup
   API, which writes the whole file in one transaction on the ledger's
   connection: a crash or power cut half-way leaves the old ledger.
A failure at any step leaves the original untouched and says so in Chinese.
A brand-new ledger (version 0) is simply migrated in place.

Staging files (of a migration or a restore, ``db.restore``) left by a killed
process are removed by ``clean_stale_staging`` when the ledger is next opened
for writing: only the holder of the ledger's write lock migrates or restores,
so any staging file found then is stale. Copies left in the temporary folder
by older versions (``xingtu-migrate-*``) are removed once STALE_TMP_AGE old.
"""
from __future__ import annotations

import secrets
import shutil
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from db import paths, schema
from db.backup import BackupError, _remove, backup, backup_dir_for, integrity_problems, ledger_id_of
from db.errors import LedgerError

STALE_TMP_AGE = 24 * 3600.0
STAGING_KINDS = ("migrate", "restore")


def staging_path(ledger_path: str | Path, kind: str) -> Path:
    """A new staging file beside the ledger for a migration or a restore."""
    p = Path(ledger_path)
    return p.with_name(f"{p.name}.{kind}-{uuid.uuid4().hex[:8]}.partial")


def clean_stale_staging(ledger_path: str | Path) -> list[Path]:
    """Remove the staging files a killed migration or restore of this ledger left (call while holding
    its write lock), and old ``xingtu-migrate-*`` folders in the temporary folder. Returns what went."""
    p = Path(ledger_path)
    removed = []
    for kind in STAGING_KINDS:
        for f in p.parent.glob(f"{_glob_escape(p.name)}.{kind}-*.partial"):
            _remove(f)
            removed.append(f)
    try:
        old = [d for d in Path(tempfile.gettempdir()).glob("xingtu-migrate-*")
               if d.is_dir() and time.time() - d.stat().st_mtime > STALE_TMP_AGE]
    except OSError:
        old = []
    for d in old:
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


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


def _backup_first(conn: sqlite3.Connection, path: Path, stamp_id: str | None):
    chosen = backup_dir_for(path, conn)
    try:
        return backup(path, chosen, "migration", stamp_id=stamp_id)
    except BackupError as first:
        fallback = paths.default_backup_dir()
        if fallback == chosen:
            raise
        try:
            return backup(path, fallback, "migration", stamp_id=stamp_id)
        except BackupError:
            raise first from None


def _via_copy(conn: sqlite3.Connection, path: Path, current: int) -> list[int]:
    target = latest()
    head = f"台账 {path.name} 的结构升级（版本 {current} → {target}）"
    # a ledger that gets its identity now: the backup before the upgrade carries the same one
    identity = ledger_id_of(conn) or secrets.token_hex(16)
    try:
        saved = _backup_first(conn, path, identity)
    except BackupError as exc:
        raise LedgerError(f"{head}前的备份失败，未升级，原台账未改动：{exc}") from exc
    where = f"升级前的备份：{saved.path}"
    work = staging_path(path, "migrate")
    try:
        copy = sqlite3.connect(str(work), isolation_level=None)
        try:
            conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            copy.execute("PRAGMA foreign_keys = ON")
            try:
                applied = schema.migrate(copy)
                copy.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('ledger_id', ?)", (identity,))
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
        _remove(work)
    after = integrity_problems(conn)
    if after:  # should not happen: the copy was checked; say where the old state is
        raise LedgerError(f"{head}写回后完整性检查未通过（{'；'.join(after[:3])}）。请从备份恢复：{saved.path}")
    return applied
