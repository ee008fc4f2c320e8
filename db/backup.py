"""Backups of a ledger with SQLite's online backup API, checked and pruned.

A backup is ``<ledger stem>_<YYYYMMDD-HHMMSS>_<reason>.db`` in the backup
folder: the one the user chose (stored in the ledger's ``meta`` table under
``backup_dir``, so the app and the command line agree), else
``db.paths.default_backup_dir()``. Each file is written under a temporary
name, checked with ``PRAGMA integrity_check`` and only then renamed into
place, so a half-written backup never looks like a good one.

A backup belongs to the ledger whose identity it carries: the random
``meta.ledger_id`` every ledger gets at creation (schema v4), copied into
each backup by the backup itself. Listing, pruning and restoring go by that
identity, never by the file name, so two ledgers both called ``ledger.db``
in different folders can share a backup folder without seeing, pruning or
restoring each other's backups, and a renamed ledger keeps its backups.
A backup made before v4 carries no identity (``BackupInfo.ledger_id`` None):
it is listed with the ledger of the same file name, marked 未知台账, never
pruned automatically, and restored only when the person says so
(``--other-ledger``). The backup made just before the upgrade to v4 is
stamped with the identity the upgraded ledger will get, so it stays its own.

Retention, per ledger: the newest KEEP_LAST, plus the newest of each ISO week
for KEEP_WEEKLY_DAYS days. Everything else of that ledger is removed.

Each backup is sealed: the SHA-256 of its bytes in a file beside it (db/backup_seal.py), written before the
backup takes its final name; ``backup_problems`` checks the structure and the seal.

A backup is written as ``<final name>.<host>-<pid>.partial`` and renamed when
checked; partial files left by a killed backup (their process gone, or older
than STALE_PARTIAL_AGE) are removed by the next backup and when the ledger
is next opened for writing (``clean_stale_partials``).
"""
from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from db import backup_seal
from db.connection import open_readonly
from db.errors import BackupError

KEEP_LAST = 10
KEEP_WEEKLY_DAYS = 92          # about 3 months
REASONS = {"manual": "手动", "import": "导入前", "migration": "升级前", "daily": "每日", "restore": "恢复前"}
STALE_PARTIAL_AGE = 6 * 3600.0   # seconds: a partial file this old is stale whoever wrote it
_PARTIAL = re.compile(r"\.(?P<host>[A-Za-z0-9_-]+)-(?P<pid>\d+)\.partial$")
_NAME = re.compile(r"^(?P<stem>.+)_(?P<stamp>\d{8}-\d{6})(?:-(?P<seq>\d+))?_(?P<reason>[a-z]+)\.db$")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: datetime
    reason: str
    firms: int | None           # firms not in the recycle bin; None when the file cannot be read
    size: int
    ok: bool | None = None      # integrity_check result when it was checked
    ledger_id: str | None = None  # the identity of the ledger it is a backup of; None: made before v4

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


def backup_problems(path: str | Path) -> list[str]:
    """[] when the backup file passes the integrity check and, if sealed, still holds what its seal says."""
    return integrity_problems(path) or backup_seal.problems(path)


def _open_ro(path) -> sqlite3.Connection:
    path = Path(path)
    if not path.exists():
        raise sqlite3.OperationalError(f"文件不存在：{path}")
    conn = open_readonly(path)
    conn.isolation_level = None
    return conn


_ids: dict[tuple[str, int, int], str | None] = {}   # (path, mtime_ns, size) -> ledger id: files are read once


def ledger_id_of(path_or_conn) -> str | None:
    """The ledger identity (meta ledger_id) of a ledger or backup file or connection; None when it has
    none (made before schema v4) or cannot be read."""
    if isinstance(path_or_conn, sqlite3.Connection):
        return _read_id(path_or_conn)
    path = Path(path_or_conn)
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _ids:
        try:
            conn = _open_ro(path)
            try:
                _ids[key] = _read_id(conn)
            finally:
                conn.close()
        except sqlite3.Error:
            return None                      # not cached: may be readable later
    return _ids[key]


def _read_id(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'ledger_id'").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row and row[0] else None


def backup_dir_for(ledger_path: str | Path, conn: sqlite3.Connection | None = None) -> Path:
    """The folder the user chose for this ledger's backups, else the default one."""
    from db import paths
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
           prune_after: bool = True, now: datetime | None = None, stamp_id: str | None = None) -> BackupInfo:
    """Copy the ledger's committed state into the backup folder and check the copy.

    Reads through a fresh read-only connection, so a caller in the middle of
    its own transaction gets the last committed state, never half of its batch.
    *stamp_id*: the identity to write into a copy of a ledger that has none yet (the backup
    before the upgrade that gives the ledger this identity).
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
    clean_stale_partials(dest)
    final = _free_name(dest, ledger_path.stem, now, reason)
    partial = final.with_name(f"{final.name}.{_host_tag()}-{os.getpid()}.partial")
    try:
        src = _open_ro(ledger_path)
    except sqlite3.Error as exc:
        raise BackupError(f"无法读取台账 {ledger_path.name}，未能备份（{exc}）") from exc
    try:
        problems = _copy_checked(src, partial, stamp_id)
        if problems:
            raise BackupError(f"备份 {final.name} 写入后完整性检查未通过：{'；'.join(problems[:3])}")
        backup_seal.write(partial, final)
        os.replace(partial, final)
    except sqlite3.Error as exc:
        _remove(partial, final)
        raise BackupError(f"备份台账 {ledger_path.name} 到 {dest} 失败（{_explain(exc)}），台账本身未受影响") from exc
    except OSError as exc:
        _remove(partial, final)
        raise BackupError(
            f"备份台账 {ledger_path.name} 到 {dest} 失败（{exc.strerror or exc}），台账本身未受影响"
        ) from exc
    except BaseException:
        _remove(partial, final)
        raise
    finally:
        src.close()
    info = _info(final, check=False)
    info = BackupInfo(info.path, info.created, info.reason, info.firms, info.size, True, info.ledger_id)
    if prune_after and info.ledger_id:
        prune(dest, ledger_id=info.ledger_id, now=now, spare=final)   # named older (a clock set back): kept
    return info


def _host_tag() -> str:
    import socket
    host = socket.gethostname() or "host"
    tag = re.sub(r"[^A-Za-z0-9_]", "_", host)[:40]
    return tag or "host"


def clean_stale_partials(dest: str | Path) -> list[Path]:
    """Remove the partial files a killed backup left in *dest*: written on this computer by a process
    that is gone, or (any computer, or the old naming) untouched for STALE_PARTIAL_AGE. Returns them."""
    from db.lock import pid_alive
    dest = Path(dest)
    removed: list[Path] = []
    try:
        listed = list(dest.iterdir())
    except OSError:
        return removed
    backup_seal.clean_orphans(listed)
    names = [p for p in listed if p.name.endswith(".partial")]
    me = _host_tag()
    for p in names:
        m = _PARTIAL.search(p.name)
        try:
            age = time.time() - p.stat().st_mtime
        except OSError:
            continue
        ours = m is not None and m["host"] == me
        if (ours and m is not None and int(m["pid"]) != os.getpid() and not pid_alive(int(m["pid"]))) \
                or age > STALE_PARTIAL_AGE:
            _remove(p)
            removed.append(p)
    return removed


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "full" in text:
        return "磁盘空间已满"
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return "备份文件夹无法写入"
    return text


def _remove(path: Path, sealed_as: Path | None = None) -> None:
    """A partial copy and its journal files; with *sealed_as*, the seal written for it under that name."""
    if sealed_as is not None and not sealed_as.exists():
        backup_seal.remove(sealed_as)
    for p in (path, Path(str(path) + "-journal"), Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        try:
            p.unlink()
        except OSError:
            pass


def _free_name(dest: Path, stem: str, now: datetime, reason: str) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    # every name of the folder, not only this file name's: a copy of the ledger under another name has its
    # identity, and its backups are ordered and pruned with the original's
    taken = {(parsed[0], parsed[1]) for p in dest.iterdir() if (parsed := _parse(p))}
    created = datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    # same second as another backup: a sequence number after the highest of that second keeps the order (the
    # lowest free one would sort a new backup before older ones, and pruning then removed the newest)
    seq = max((s + 1 for c, s in taken if c == created), default=0)
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
    ok = (not backup_problems(path)) if check else None
    return BackupInfo(path, created, reason, firms, path.stat().st_size, ok, ledger_id_of(path))


def _belongs(path: Path, parsed, own_id: str | None, stem: str) -> bool:
    """Whether the backup file *path* is one of the ledger's: same identity, or no identity (before v4)
    and the same file name."""
    their = ledger_id_of(path)
    if their is not None:
        return their == own_id
    return parsed is not None and (m := _NAME.match(path.name)) is not None and m["stem"] == stem


def _candidates(dest: Path) -> list[tuple[Path, tuple]]:
    if not dest.is_dir():
        return []
    found = [(p, _parse(p)) for p in dest.iterdir() if p.is_file()]
    return [(p, parsed) for p, parsed in found if parsed]


def list_backups(ledger_path: str | Path, dest_dir: str | Path | None = None, *, check: bool = False,
                 ledger_id: str | None = None) -> list[BackupInfo]:
    """This ledger's backups (by identity; see the module's note on backups without one), newest first."""
    stem = Path(ledger_path).stem
    dest = Path(dest_dir) if dest_dir else backup_dir_for(ledger_path)
    own = ledger_id or ledger_id_of(ledger_path)
    found = [(p, parsed) for p, parsed in _candidates(dest) if _belongs(p, parsed, own, stem)]
    found.sort(key=lambda item: (item[1][0], item[1][1]), reverse=True)
    return [_info(p, check=check) for p, _ in found]


def prune(dest_dir: str | Path, stem: str | None = None, *, ledger_id: str | None = None,
          now: datetime | None = None, keep_last: int = KEEP_LAST, weekly_days: int = KEEP_WEEKLY_DAYS,
          spare: Path | None = None) -> list[Path]:
    """Apply the retention rule per ledger in *dest_dir*: to the backups of *ledger_id*, or (without it)
    to each ledger's backups among the files named after *stem*. A backup without a ledger identity
    (made before v4) is never removed here, nor *spare* (the backup just made). Returns the files removed."""
    groups: dict[str, list] = {}
    for p, parsed in _candidates(Path(dest_dir)):
        if stem is not None and ledger_id is None and ((m := _NAME.match(p.name)) is None or m["stem"] != stem):
            continue
        their = ledger_id_of(p)
        if their is not None and (ledger_id is None or their == ledger_id):
            groups.setdefault(their, []).append((p, parsed))
    removed = []
    for items in groups.values():
        removed += _prune_one(items, now or datetime.now(), keep_last, weekly_days, spare)
    return removed


def _prune_one(items: list, now: datetime, keep_last: int, weekly_days: int, spare: Path | None = None) -> list[Path]:
    items = sorted(items, key=lambda item: (item[1][0], item[1][1]), reverse=True)
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
        if p not in keep and p != spare:
            try:
                p.unlink()
                removed.append(p)
            except OSError:
                continue
            backup_seal.remove(p)
    return removed


def backup_before(ledger, reason: str, *, today: date | None = None) -> BackupInfo | None:
    """The automatic backup before an import or a migration, or the first one of the day.

    *ledger* is an open ``db.ledger.Ledger``. Returns None when nothing needed
    backing up (an empty ledger; a 'daily' backup already made today). Raises
    BackupError when the backup fails: the caller must not go on changing data.
    """
    if reason not in REASONS:
        raise ValueError(reason)
    if getattr(ledger, "shared", False):     # a shared ledger: the server's, backed up by pg_dump (backup --db URL)
        return None
    conn = ledger.conn
    if conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 0:
        return None
    dest = backup_dir_for(ledger.path, conn)
    if reason == "daily":
        today = today or date.today()
        own = ledger_id_of(conn)
        # only today's files are opened to read their identity
        if any(parsed[0].date() == today and _belongs(p, parsed, own, Path(ledger.path).stem)
               for p, parsed in _candidates(dest)):
            return None
    return backup(ledger.path, dest, reason)


def restore(backup_path: str | Path, ledger_path: str | Path, dest_dir: str | Path | None = None, *,
            other_ledger: bool = False) -> BackupInfo | None:
    """Put *backup_path* back as the ledger (checked, repaired, audited: ``db.restore``).
    Returns the backup of the state replaced (None when there was no ledger)."""
    from db.restore import restore_checked
    return restore_checked(backup_path, ledger_path, dest_dir, other_ledger=other_ledger).saved


def _copy_checked(src: sqlite3.Connection, target: Path, stamp_id: str | None = None) -> list[str]:
    """Copy *src* into the new file *target* with the online backup API; the integrity problems of the copy."""
    dst = sqlite3.connect(str(target), isolation_level=None)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # a standalone file, no -wal beside it
        if stamp_id and _read_id(dst) is None:
            dst.execute("INSERT INTO meta (key, value) VALUES ('ledger_id', ?)", (stamp_id,))
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
        backup_seal.write(partial, dest)
        os.replace(partial, dest)
    except BackupError:
        _remove(partial, dest)
        raise
    except (sqlite3.Error, OSError) as exc:
        _remove(partial, dest)
        raise BackupError(f"抢救台账到 {dest} 失败（{exc}）") from exc
    created = datetime.now()
    conn = _open_ro(dest)
    try:
        firms = conn.execute("SELECT COUNT(*) FROM firms WHERE deleted_at IS NULL").fetchone()[0]
    finally:
        conn.close()
    return BackupInfo(dest, created, "rescue", firms, dest.stat().st_size, True)
