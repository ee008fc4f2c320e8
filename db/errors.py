"""The ledger's errors and who is writing: a leaf module (imports nothing of db/), so every other module of
db/ can use it without import cycles.

SQLite failures are classified by their error code (``sqlite3.Error.sqlite_errorcode``, Python 3.11), never
by the text of the message, which changes between SQLite versions and languages.
"""
from __future__ import annotations

import errno
import getpass
import os
import sys
from pathlib import Path


class LedgerError(Exception):
    """A ledger that cannot be opened or written: a Chinese message for a person."""


class BackupError(LedgerError):
    """A backup or restore that failed; the ledger itself is unchanged."""


class NestingError(RuntimeError):
    """A programming error in the use of transactions (not a person's mistake)."""


def command(sub: str) -> str:
    """How a person runs the sub-command *sub* on this install, for a message: the one-folder app's console program
    on Windows (xingtu-cli.exe: xingtu.exe has no console), the program itself elsewhere, else ``python main.py``."""
    if getattr(sys, "frozen", False):
        return f"xingtu-cli.exe {sub}" if sys.platform == "win32" else f"xingtu {sub}"
    return f"python main.py {sub}"


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name (a service account, a container)
        return os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"


# primary result codes (https://sqlite.org/rescode.html; fixed by SQLite's C API); the extended code's low byte is
# the primary one. Written as numbers: the sqlite3.SQLITE_BUSY … constants exist only from Python 3.11, and
# this project supports 3.10 (where errors carry no code and are simply not classified).
_KINDS = {
    5: "busy", 6: "busy",               # SQLITE_BUSY, SQLITE_LOCKED
    8: "readonly", 3: "readonly",       # SQLITE_READONLY, SQLITE_PERM
    10: "io", 14: "io",                 # SQLITE_IOERR, SQLITE_CANTOPEN
    11: "corrupt", 26: "corrupt",       # SQLITE_CORRUPT, SQLITE_NOTADB
    13: "full",                         # SQLITE_FULL
    19: "constraint",                   # SQLITE_CONSTRAINT
}


def sqlite_kind(exc: BaseException) -> str | None:
    """'busy', 'readonly', 'io', 'corrupt', 'full', 'constraint' or None, from the error code alone."""
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "full"
        if isinstance(exc, PermissionError) or exc.errno in (errno.EROFS, errno.EACCES):
            return "readonly"
        return "io"
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    return _KINDS.get(code & 0xFF)


def describe_failure(exc: BaseException, path: str | Path) -> str:
    """A Chinese sentence for an SQLite or OS error met while writing the ledger at *path*."""
    name = Path(path).name
    kind = sqlite_kind(exc)
    if kind == "full":
        return f"磁盘空间已满，台账 {name} 的本次修改未保存（台账未改动）；请清理磁盘后重试"
    if kind == "readonly":
        return f"台账 {name} 所在位置不可写（只读），本次修改未保存（台账未改动）"
    if kind == "io":
        return f"读写台账文件 {name} 出错（文件可能已被移动，或网络盘已断开），本次修改未保存（台账未改动）"
    if kind == "busy":
        return f"台账 {name} 正被另一程序写入，本次修改未保存，请稍后再试"
    if kind == "corrupt":
        return (f"台账文件 {name} 已损坏，本次修改未保存；请从备份恢复（窗口：文件 → 从备份恢复；"
                f"命令行：{command('backups')}、{command('restore')}）")
    return f"保存失败，台账 {name} 未改动：{exc}"
