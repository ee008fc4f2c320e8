"""Backups of a shared ledger: ``pg_dump`` in its custom format into the backup folder, checked with
``pg_restore --list`` before it is given its final name; ``restore`` of such a dump into an EMPTY database only.

A dump holds the database, not the server's roles: restored on the same server, the ledger's owner and group
roles and the people's logins are still there; on another server they must be created first
(``pg_dumpall --roles-only`` on the old server, run on the new one)."""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from db.pg.url import SharedLedgerError, connect, connect_ledger, dbname, first_line, safe

SUFFIX = ".pgdump"
PREFIX = "共享台账-{name}-"       # + the time (YYYYmmdd-HHMMSS) + SUFFIX: the name ``backup`` gives a dump
_STAMP = re.compile(r"(\d{8}-\d{6})" + re.escape(SUFFIX) + "$")


@dataclass
class SharedBackup:
    path: Path
    size: int
    entries: int          # items pg_restore --list reads back from it


@dataclass
class ListedBackup:
    path: Path
    created: datetime
    size: int
    entries: int | None = None    # with check: the items pg_restore --list reads back (None: not checked or broken)
    ok: bool | None = None        # with check: readable and a shared ledger's dump


def list_backups(url: str, folder: str | Path, *, check_each: bool = False) -> list[ListedBackup]:
    """The dumps ``backup`` made of the shared ledger at *url* in *folder*, newest first: told by their names
    (the database's name and the time), so the server is not asked; with *check_each* each is read back with
    ``pg_restore --list``."""
    prefix = PREFIX.format(name=dbname(url))
    folder = Path(folder)
    found = []
    for path in folder.glob(f"{glob.escape(prefix)}*{SUFFIX}") if folder.is_dir() else ():
        m = _STAMP.fullmatch(path.name[len(prefix):])
        if m is None or not path.is_file():
            continue
        item = ListedBackup(path, datetime.strptime(m.group(1), "%Y%m%d-%H%M%S"), path.stat().st_size)
        if check_each:
            try:
                item.entries, item.ok = check(path), True
            except SharedLedgerError:
                item.ok = False
        found.append(item)
    return sorted(found, key=lambda b: (b.created, b.path.name), reverse=True)


def tool(name: str) -> str:
    """pg_dump / pg_restore: on PATH, else the newest in Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return candidates[-1]
    raise SharedLedgerError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian/Ubuntu：apt-get install "
                            "postgresql-client）")


def _run(cmd: list[str], what: str) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=False)
    except OSError as exc:
        raise SharedLedgerError(f"{what}无法运行：{exc}") from exc
    if done.returncode != 0:
        raise SharedLedgerError(f"{what}失败：{first_line(Exception(done.stderr.strip() or done.stdout.strip()))}")
    return done.stdout


def backup(url: str, folder: str | Path) -> SharedBackup:
    """Dump the shared ledger at *url* into *folder* (created if missing); checked before it is kept."""
    name = dbname(url)
    connect_ledger(url).close()               # a wrong address, a refused login, no ledger: one clear sentence first
    target_dir = Path(folder)
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    final = target_dir / f"{PREFIX.format(name=name)}{stamp}{SUFFIX}"
    partial = final.with_name(final.name + ".partial")
    try:
        _run([tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={url}"], f"备份共享台账 {safe(url)} ")
        entries = check(partial)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return SharedBackup(final, final.stat().st_size, entries)


def check(path: str | Path) -> int:
    """The number of items in the dump's table of contents; SharedLedgerError when pg_restore cannot read it or
    it is not a shared ledger's dump."""
    listing = _run([tool("pg_restore"), "--list", str(path)], f"检查备份 {Path(path).name} ")
    items = [line for line in listing.splitlines() if line.strip() and not line.startswith(";")]
    if not any(" TABLE public firms " in line for line in items) or not any(" audit " in line for line in items):
        raise SharedLedgerError(f"{Path(path).name} 不是星图共享台账的备份")
    return len(items)


def restore(path: str | Path, url: str) -> int:
    """Restore the dump at *path* into the empty database at *url*, in one transaction. Returns the firms."""
    from db.pg.setup import MSG_NOT_EMPTY
    source = Path(path)
    if not source.is_file():
        raise SharedLedgerError(f"备份文件不存在：{source}")
    check(source)
    name = dbname(url)
    with connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY c.relname")]
    if tables:
        raise SharedLedgerError("只能恢复到空数据库：" + MSG_NOT_EMPTY.format(db=name, n=len(tables),
                                                                     first="、".join(tables[:3])))
    _run([tool("pg_restore"), "--exit-on-error", "--single-transaction", f"--dbname={url}", str(source)],
         f"恢复到 {safe(url)} ")
    with connect(url) as conn:
        return conn.execute("SELECT count(*) FROM firms").fetchone()[0]
