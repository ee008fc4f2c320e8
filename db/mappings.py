"""Remembered column mappings in the ledger's ``meta`` table (``mapping:<header signature>`` → JSON
{"headers": {header text: field key}, ...}): the writes, each audited (entity 'mapping').

importers.mapping_store is the API the importer and the command line use; this module is its storage.
"""
from __future__ import annotations

import json

PREFIX = "mapping:"


def read(conn, signature: str) -> dict | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (PREFIX + signature,)).fetchone()
    if not row:
        return None
    try:
        value = json.loads(row[0])
    except ValueError:
        return None
    return read_value(value)


def read_value(value) -> dict | None:
    """A remembered value in today's form ({"headers": …}; the form before the audit was {header: field})."""
    if isinstance(value, dict) and "headers" not in value:
        value = {"headers": value}
    return value if isinstance(value, dict) else None


def read_all(conn) -> list[tuple[str, dict]]:
    rows = conn.execute("SELECT key, value FROM meta WHERE key LIKE ? ORDER BY key", (PREFIX + "%",)).fetchall()
    out = []
    for key, _ in rows:
        value = read(conn, key[len(PREFIX):])
        if value is not None:
            out.append((key[len(PREFIX):], value))
    return out


def store(w, signature: str, value: dict) -> None:
    """Remember *value* under *signature* inside the writer's transaction (audited, with the batch if any)."""
    before = read(w.conn, signature)
    w.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                   (PREFIX + signature, json.dumps(value, ensure_ascii=False)))
    w.audit("remember", "mapping", None, None, before, {"signature": signature, **value})


def remove(w, signature: str) -> bool:
    before = read(w.conn, signature)
    if before is None:
        return False
    w.conn.execute("DELETE FROM meta WHERE key = ?", (PREFIX + signature,))
    w.audit("forget", "mapping", None, None, {"signature": signature, **before}, None)
    return True


def remembered_by(conn, batch_id: int) -> list[tuple[str, dict | None]]:
    """(signature, the value before) of each mapping the batch remembered, latest first."""
    rows = conn.execute("SELECT before, after FROM audit WHERE batch_id = ? AND entity = 'mapping' "
                        "AND action = 'remember' ORDER BY id DESC", (batch_id,)).fetchall()
    out = []
    for before, after in rows:
        sig = json.loads(after)["signature"]
        out.append((sig, json.loads(before) if before else None))
    return out
