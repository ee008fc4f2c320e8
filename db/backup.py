"""Backups of a ledger with SQLite's online backup API, checked and pruned.

A backup is ``<ledger stem>_<YYYYMMDD-HHMMSS>_<reason>.db`` in the backup
folder: the one the user chose (stored in the ledger's ``meta`` table under
``backup_dir``, so the app and the command line agree), else
``db.paths.default_backup_dir()``. Each file is written under a temporary
name, checked with ``PRAGMA integrity_check`` and only then renamed into
place, so a half-written backup never looks like a good one.

Retention: the newest KEEP_LAST, plus the newest of each ISO week for
KEEP_WEEKLY_DAYS days. Everything else of that ledger is removed.
"""
from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from db.errors import BackupError

KEEP_LAST = 10
KEEP_WEEKLY_DAYS = 92          # about 3 months
REASONS = {"manual": "手动", "import": "导入前", "migration": "升级前", "daily": "每日", "restore": "恢复前"}
_NAME = re.compile(r"^(?P<stem>.+)_(?P<stamp>\d{8}-\d{6})(?:-(?P<seq>\d+))?_(?P<reason>[a-z]+)\.db$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: datetime
    reason: str
    firms: int | None           # firms not in the recycle bin; None when the file cannot be read
    size: int
    ok: bool | None = None      # integrity_check result when it was checked

    @property
    def reason_text(self) -> str:
        return REASONS.get(self.reason, self.reason)


def integrity_problems(path_or_conn) -> list[str]:
    """[] when PRAGMA integrity_check says ok, otherwise its complaints (or the error opening it)."""
    own = not isinstance(path_or_conn, sqlite3.Connection)
    try:
        conn = _open_ro(path_or_conn) if own else path_or_conn
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        finally:
            if own:
                conn.close()
    except sqlite3.Error as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def _open_ro(path) -> sqlite3.Connection:
    path = Path(path)
    if not path.exists():
        raise sqlite3.OperationalError(f"文件不存在：{path}")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)


def backup_dir_for(ledger_path: str | Path, conn: sqlite3.Connection | None = None) -> Path:
    """The folder the user chose for this ledger's backups, else the default one."""
    from db import paths  # noqa: PLC0415
    chosen = None
    try:
        own = conn is None
        c = conn or _open_ro(ledger_path)
        try:
            row = c.execute("SELECT value FROM meta WHERE key = 'backup_dir'").fetchone()
            chosen = row[0] if row and row[0] else None
        finally:
            if own:
                c.close()
    except sqlite3.Error:
        chosen = None
    return Path(chosen) if chosen else paths.default_backup_dir()


def set_backup_dir(ledger, folder: str | Path | None) -> None:
    """Remember the folder the user chose (None: back to the default). Audited."""
    value = str(Path(folder).resolve()) if folder else None
    if value:
        Path(value).mkdir(parents=True, exist_ok=True)
    with ledger.write("person") as w:
        row = w.conn.execute("SELECT value FROM meta WHERE key = 'backup_dir'").fetchone()
        w.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('backup_dir', ?)", (value,))
        w.audit("update", "setting", None, None, {"backup_dir": row[0] if row else None}, {"backup_dir": value})


def backup(ledger_path: str | Path, dest_dir: str | Path | None = None, reason: str = "manual", *,
           prune_after: bool = True, now: datetime | None = None) -> BackupInfo:
    """Copy the ledger's committed state into the backup folder and check the copy.

    Reads through a fresh read-only connection, so a caller in the middle of
    its own transaction gets the last committed state, never half of its batch.
    """
    ledger_path = Path(ledger_path)
    if not ledger_path.exists():
        raise BackupError(f"台账文件不存在：{ledger_path}，无法备份")
    dest = Path(dest_dir) if dest_dir else backup_dir_for(ledger_path)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"无法建立备份文件夹 {dest}（{exc.strerror or exc}）") from exc
    now = now or datetime.now()
    final = _free_name(dest, ledger_path.stem, now, reason)
    partial = final.with_name(final.name + ".partial")
    try:
        src = _open_ro(ledger_path)
    except sqlite3.Error as exc:
        raise BackupError(f"无法读取台账 {ledger_path.name}，未能备份（{exc}）") from exc
    try:
        problems = _copy_checked(src, partial)
        if problems:
            raise BackupError(f"备份 {final.name} 写入后完整性检查未通过：{'；'.join(problems[:3])}")
        os.replace(partial, final)
    except sqlite3.Error as exc:
        _remove(partial)
        raise BackupError(f"备份台账 {ledger_path.name} 到 {dest} 失败（{_explain(exc)}），台账本身未受影响") from exc
    except OSError as exc:
        _remove(partial)
        raise BackupError(f"备份台账 {ledger_path.name} 到 {dest} 失败（{exc.strerror or exc}），台账本身未受影响") from exc
    except BaseException:
        _remove(partial)
        raise
    finally:
        src.close()
    info = _info(final, check=False)
    info = BackupInfo(info.path, info.created, info.reason, info.firms, info.size, ok=True)
    if prune_after:
        prune(dest, ledger_path.stem, now=now)
    return info


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "full" in text:
        return "磁盘空间已满"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "备份文件夹无法写入"
    return text


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + "-journal"), Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        try:
            p.unlink()
        except OSError:
            pass


def _free_name(dest: Path, stem: str, now: datetime, reason: str) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    taken = {(parsed[0], parsed[1]) for p in dest.iterdir() if (parsed := _parse(p, stem))}
    created = datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    seq = 0
    while (created, seq) in taken:  # same second as another backup: a sequence number keeps the order
        seq += 1
    return dest / (f"{stem}_{stamp}_{reason}.db" if seq == 0 else f"{stem}_{stamp}-{seq}_{reason}.db")


def _parse(path: Path, stem: str | None = None):
    m = _NAME.match(path.name)
    if not m or (stem is not None and m["stem"] != stem):
        return None
    created = datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S")
    return created, int(m["seq"] or 0), m["reason"]


def _info(path: Path, *, check: bool) -> BackupInfo:
    created, _seq, reason = _parse(path)
    firms = None
    try:
        conn = _open_ro(path)
        try:
            firms = conn.execute("SELECT COUNT(*) FROM firms WHERE deleted_at IS NULL").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        pass
    ok = (not integrity_problems(path)) if check else None
    return BackupInfo(path, created, reason, firms, path.stat().st_size, ok)


def list_backups(ledger_path: str | Path, dest_dir: str | Path | None = None, *, check: bool = False
                 ) -> list[BackupInfo]:
    """This ledger's backups, newest first, with their dates and firm counts."""
    stem = Path(ledger_path).stem
    dest = Path(dest_dir) if dest_dir else backup_dir_for(ledger_path)
    if not dest.is_dir():
        return []
    found = [(p, _parse(p, stem)) for p in dest.iterdir() if p.is_file()]
    found = [(p, parsed) for p, parsed in found if parsed]
    found.sort(key=lambda item: (item[1][0], item[1][1]), reverse=True)
    return [_info(p, check=check) for p, _ in found]


def prune(dest_dir: str | Path, stem: str, *, now: datetime | None = None, keep_last: int = KEEP_LAST,
          weekly_days: int = KEEP_WEEKLY_DAYS) -> list[Path]:
    """Apply the retention rule to *stem*'s backups in *dest_dir*; returns the files removed."""
    dest = Path(dest_dir)
    now = now or datetime.now()
    items = sorted(((p, _parse(p, stem)) for p in dest.iterdir() if p.is_file() and _parse(p, stem)),
                   key=lambda item: (item[1][0], item[1][1]), reverse=True)
    keep = {p for p, _ in items[:keep_last]}
    weeks_seen: set[tuple[int, int]] = set()
    horizon = now - timedelta(days=weekly_days)
    for p, (created, _seq, _reason) in items:  # newest first: the newest of each week is kept
        if created < horizon:
            continue
        week = tuple(created.isocalendar())[:2]
        if week not in weeks_seen:
            weeks_seen.add(week)
            keep.add(p)
    removed = []
    for p, _ in items:
        if p not in keep:
            try:
                p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


def backup_before(ledger, reason: str, *, today: date | None = None) -> BackupInfo | None:
    """The automatic backup before an import or a migration, or the first one of the day.

    *ledger* is an open ``db.ledger.Ledger``. Returns None when nothing needed
    backing up (an empty ledger; a 'daily' backup already made today). Raises
    BackupError when the backup fails: the caller must not go on changing data.
    """
    if reason not in REASONS:
        raise ValueError(reason)
    conn = ledger.conn
    if conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 0:
        return None
    dest = backup_dir_for(ledger.path, conn)
    if reason == "daily":
        today = today or date.today()
        if any(b.created.date() == today for b in _quick_list(ledger.path, dest)):
            return None
    return backup(ledger.path, dest, reason)


def _quick_list(ledger_path: Path, dest: Path) -> list[BackupInfo]:
    stem = Path(ledger_path).stem
    if not dest.is_dir():
        return []
    out = []
    for p in dest.iterdir():
        parsed = _parse(p, stem)
        if parsed:
            out.append(BackupInfo(p, parsed[0], parsed[2], None, 0))
    return out


def restore(backup_path: str | Path, ledger_path: str | Path, dest_dir: str | Path | None = None
            ) -> BackupInfo | None:
    """Put *backup_path* back as the ledger, after backing up the ledger's current state.

    Takes the ledger's write lock for the duration (refused if the ledger is
    open for writing elsewhere). Copies with the backup API into the live
    file, one transaction: a crash half-way leaves the ledger as it was.
    Returns the backup of the state replaced (None when there was no ledger).
    """
    from db import lock as ledger_lock, schema  # noqa: PLC0415
    backup_path, ledger_path = Path(backup_path), Path(ledger_path)
    problems = integrity_problems(backup_path)
    if problems:
        raise BackupError(f"备份文件 {backup_path.name} 已损坏或无法读取，未恢复（{'；'.join(problems[:3])}）")
    src = _open_ro(backup_path)
    try:
        tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables or "firms" not in tables:
            raise BackupError(f"{backup_path.name} 不是星图台账的备份，未恢复")
        if schema.version(src) > schema.LATEST:
            raise BackupError(f"备份 {backup_path.name} 来自更新版本的星图，请先升级软件")
        lock, reason = ledger_lock.try_acquire(ledger_path)
        if lock is None:
            raise BackupError(f"现在不能恢复：{reason}")
        try:
            saved = None
            if ledger_path.exists():
                dest = Path(dest_dir) if dest_dir else backup_dir_for(ledger_path)
                saved = backup(ledger_path, dest, "restore")
            dst = sqlite3.connect(str(ledger_path), isolation_level=None)
            try:
                dst.execute("PRAGMA busy_timeout = 5000")
                src.backup(dst)
                after = integrity_problems(dst)
            finally:
                dst.close()
            if after:
                raise BackupError(f"恢复后的台账完整性检查未通过：{'；'.join(after[:3])}；恢复前的状态已备份为 "
                                  f"{saved.path if saved else '（无）'}")
        finally:
            ledger_lock.release(lock)
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败，台账未改动（{_explain(exc)}）") from exc
    finally:
        src.close()
    return saved


def _copy_checked(src: sqlite3.Connection, target: Path) -> list[str]:
    """Copy *src* into the new file *target* with the online backup API; the integrity problems of the copy."""
    dst = sqlite3.connect(str(target), isolation_level=None)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # a standalone file, no -wal beside it
        return integrity_problems(dst)
    finally:
        dst.close()


def rescue(ledger, dest: str | Path) -> BackupInfo:
    """Save what an open ledger holds to *dest* (a new file), from its own connection.

    For the ledger file deleted or moved while the app had it open: the open
    connection still sees every committed record, and this writes them out.
    """
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} 已存在，不会覆盖；请换一个文件名")
    partial = dest.with_name(dest.name + ".partial")
    try:
        problems = _copy_checked(ledger.conn, partial)
        if problems:
            raise BackupError(f"抢救出的台账完整性检查未通过：{'；'.join(problems[:3])}")
        os.replace(partial, dest)
    except BackupError:
        _remove(partial)
        raise
    except (sqlite3.Error, OSError) as exc:
        _remove(partial)
        raise BackupError(f"抢救台账到 {dest} 失败（{exc}）") from exc
    created = datetime.now()
    conn = _open_ro(dest)
    try:
        firms = conn.execute("SELECT COUNT(*) FROM firms WHERE deleted_at IS NULL").fetchone()[0]
    finally:
        conn.close()
    return BackupInfo(dest, created, "rescue", firms, dest.stat().st_size, True)
