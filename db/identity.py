"""A ledger file copied beside its original gets an identity of its own.

Backups, their retention and ``restore``'s check are keyed on the ledger's identity (``meta.ledger_id``, made at
creation and copied into every backup: db/backup.py). A copy of the file (Explorer's "台账 - 副本.db", a copy
to a USB stick opened on the same PC) carried the original's identity: its backups counted against the
original's retention and were listed, and restorable without warning, as the original's.

So each ledger remembers where it lives (``meta.home``: the resolved path). Opened for writing somewhere else:
- the file at the remembered path is a *different* file holding the *same* ledger (same id): this one is a copy;
  it gets a new id (the former one kept as ``meta.copied_from``) and an audit row that says so;
- otherwise (nothing there any more, another ledger there, or the very same file reached by another path): the
  ledger was moved or renamed, and only ``home`` changes.
A restore in place keeps the path, so it is never taken for a copy.
"""
from __future__ import annotations

import uuid
from pathlib import Path

from db import lock as ledger_lock
from db.backup import ledger_id_of

HOME, COPIED_FROM = "home", "copied_from"


def _meta(conn, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def is_copy(path: Path, home: str | None, own_id: str | None) -> bool:
    """Whether the ledger at *path* is a copy of the one still at *home* (the path it remembers)."""
    if not home or not own_id or home == str(path):
        return False
    original = Path(home)
    theirs, ours = ledger_lock.file_id(original), ledger_lock.file_id(path)
    if theirs is None or theirs == ours:
        return False
    return ledger_id_of(original) == own_id


def settle(ledger) -> str | None:
    """At a writable open of a file ledger: record where it lives, and give a copy its own identity (audited).
    Returns the Chinese note for a copy, else None."""
    if ledger.readonly or getattr(ledger, "shared", False):
        return None
    here = str(Path(ledger.path).resolve())
    conn = ledger.conn
    home, own_id = _meta(conn, HOME), _meta(conn, "ledger_id")
    if home == here:
        return None
    copy = is_copy(Path(here), home, own_id)
    note = None
    with ledger.write("cli") as w:
        w.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (HOME, here))
        if copy:
            new_id = uuid.uuid4().hex
            w.conn.execute("UPDATE meta SET value = ? WHERE key = 'ledger_id'", (new_id,))
            w.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (COPIED_FROM, own_id))
            note = (f"此台账是 {home} 的副本，已获得自己的台账标识：此后两者的备份分开保存、互不清理；"
                    "副本之前的备份属于原台账，如需恢复请用 restore --other-ledger")
            w.audit("copy", "ledger", None, None, {"ledger_id": own_id, "home": home},
                    {"ledger_id": new_id, "home": here})
    return note
