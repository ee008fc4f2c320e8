"""Where a firm's creation is audited.

A firm an import creates has no audit row of its own: its creation is its batch, the batch's ``import`` audit
row (file, SHA-256, who, when, counts), named by ``firms.batch_id``; so is a designation an import adds in
bulk (``designations.batch_id``; a tier of a ladder, placed one at a time, keeps its own row). Firms created one at a
time (a person, the command line) and firms imported before v6 keep their ``insert`` row. Every later change of
a firm's fields leaves an audit row with the values before it (an ``update`` row, or an ``undo`` row when an
undo set them back), so the values a firm was created with are its current values with those changes taken
back, newest first (``created_values``): what the ``insert`` row used to hold.
"""
from __future__ import annotations

import json
import sqlite3

from db.ledger import FIRM_FIELDS

# the audit rows of a hand-over (db/undo.py): a firm a later list matched became that list's batch's own; + AND the
# SQL of the audit rows to read (``kept_out``: not one a restore kept from a discarded state: restored from another
# ledger's backup, its firm 3 created by its batch 2 lost its creation to the replaced ledger's hand-over of ITS firm 3
# to ITS batch 2, found by an attack)
HANDED_TO = "action = 'undo' AND entity = 'firm' AND json_extract(after, '$.batch_id') = {batch}"

# a firm's designations added in bulk (no insert row of their own): those in the ledger, and those a purge of the
# firm removed (the purge keeps each in its row); (id, batch, what it was created with as JSON); parameter: the firm
_KEPT = ("batch_id", "stage_id", "start_date", "end_date", "evidence", "list_name", "source")
_PURGED_COLS = ("entity_id", *(f"json_extract(before, '$.{c}')" for c in _KEPT))
BULK_DESIGNATIONS = (      # + the SQL of the audit rows to read (not those a restore kept from a discarded state)
    "SELECT d.id, d.batch_id, json_object('stage', s.key, 'start_date', d.start_date, 'end_date', d.end_date, "
    "'evidence', d.evidence, 'list_name', d.list_name) FROM (SELECT id, batch_id, stage_id, start_date, end_date, "
    f"evidence, list_name, source FROM designations WHERE firm_id = ?1 UNION ALL SELECT {', '.join(_PURGED_COLS)} "
    "FROM audit WHERE firm_id = ?1 AND entity = 'designation' AND action = 'purge' AND entity_id NOT IN "
    "(SELECT id FROM designations) AND {kept}) d JOIN stages s ON s.id = d.stage_id WHERE d.source = 'import' "
    "AND d.batch_id IS NOT NULL AND d.id NOT IN (SELECT entity_id FROM audit WHERE entity = 'designation' "
    "AND action = 'insert' AND firm_id = ?1) ORDER BY d.id")


def batch_row(conn: sqlite3.Connection, batch_id: int) -> int | None:
    """The audit row that closed the import *batch_id* (its creation audit for the firms it created)."""
    from db.undo import kept_out  # noqa: PLC0415
    row = conn.execute(f"SELECT MAX(id) FROM audit WHERE batch_id = ? AND entity = 'batch' AND action = 'import' "
                       f"AND {kept_out(conn)}", (batch_id,)).fetchone()
    return row[0] if row else None


def created_sql(conn: sqlite3.Connection, batch: str = "?") -> str:
    """SQL: the ids of the firms the import *batch* (a parameter marker or a column) created and still owns as
    their creator (not firms later handed over to it: those were created by a batch since undone)."""
    from db.undo import kept_out  # noqa: PLC0415
    return (f"SELECT id FROM firms WHERE batch_id = {batch} AND id NOT IN "
            f"(SELECT firm_id FROM audit WHERE {HANDED_TO.format(batch=batch)} AND {kept_out(conn)})")


def created_designations_sql(batch: str = "?") -> str:
    """SQL (two *batch* parameters): the ids of the designations the import *batch* added in bulk, whose creation
    audit is the batch's row (those a ladder placed one at a time have an insert row of their own)."""
    return (f"SELECT id FROM designations WHERE batch_id = {batch} AND source = 'import' AND id NOT IN "
            f"(SELECT entity_id FROM audit WHERE entity = 'designation' AND action = 'insert' AND batch_id = {batch})")


def creation(conn: sqlite3.Connection, firm_id: int) -> tuple[int, int] | None:
    """(audit id of the batch row, batch id) when the firm's creation is its batch's row; None when the firm
    has an insert row of its own, was created by no batch, or was handed over to its batch."""
    from db.undo import kept_out  # noqa: PLC0415
    row = conn.execute("SELECT batch_id FROM firms WHERE id = ?", (firm_id,)).fetchone()
    if row is None or row[0] is None:
        return None
    batch = row[0]
    own = conn.execute(f"SELECT 1 FROM audit WHERE entity = 'firm' AND action = 'insert' AND entity_id = ? "
                       f"AND source != 'undo' AND {kept_out(conn)} LIMIT 1", (firm_id,)).fetchone()
    if own:
        return None
    handed = conn.execute(f"SELECT 1 FROM audit WHERE firm_id = ? AND {HANDED_TO.format(batch='?')} "
                          f"AND {kept_out(conn)} LIMIT 1", (firm_id, batch)).fetchone()
    if handed:
        return None
    pos = batch_row(conn, batch)
    return (pos, batch) if pos is not None else None


def created_values(conn: sqlite3.Connection, firm_id: int, since: int) -> dict:
    """The firm's fields as created: its current values, each later change (audit rows after *since*) taken
    back newest first."""
    from db.undo import kept_out  # noqa: PLC0415
    cur = conn.execute(f"SELECT {', '.join(FIRM_FIELDS)} FROM firms WHERE id = ?", (firm_id,))
    row = cur.fetchone()
    if row is None:
        return {}
    values = dict(zip(FIRM_FIELDS, row, strict=True))
    for (before,) in conn.execute(f"SELECT before FROM audit WHERE firm_id = ? AND entity = 'firm' AND id > ? "
                                  f"AND action IN ('update', 'undo') AND before IS NOT NULL AND {kept_out(conn)} "
                                  "ORDER BY id DESC", (firm_id, since)):
        taken = json.loads(before)
        if isinstance(taken, dict):
            values.update({k: v for k, v in taken.items() if k in values})
    return values


def _batch_creation(conn: sqlite3.Connection, firm_id: int, batch_id: int | None) -> tuple[int, int] | None:
    """(audit id of the batch row, batch id) when *batch_id* created the firm: it had no insert row of its own."""
    from db.undo import kept_out  # noqa: PLC0415
    if batch_id is None or conn.execute(
            f"SELECT 1 FROM audit WHERE entity = 'firm' AND action = 'insert' AND entity_id = ? AND source != 'undo' "
            f"AND {kept_out(conn)} LIMIT 1", (firm_id,)).fetchone():
        return None
    pos = batch_row(conn, batch_id)
    return (pos, batch_id) if pos is not None else None


def handed_creation(conn: sqlite3.Connection, firm_id: int) -> tuple[int, int] | None:
    """(audit id of the batch row, batch id) of the import that created a firm since handed over to a later list
    (its undo moved the firm to that list's batch, db/undo.py): its history still begins with that creation."""
    from db.undo import kept_out  # noqa: PLC0415
    row = conn.execute(f"SELECT json_extract(before, '$.batch_id') FROM audit WHERE firm_id = ? AND action = 'undo' "
                       f"AND entity = 'firm' AND json_extract(after, '$.batch_id') IS NOT NULL AND {kept_out(conn)} "
                       "ORDER BY id LIMIT 1", (firm_id,)).fetchone()
    return _batch_creation(conn, firm_id, row[0] if row else None)


def purged_creation(conn: sqlite3.Connection, firm_id: int) -> tuple[int, int] | None:
    """(audit id of the batch row, batch id) of the import that created a firm since purged (its purge row keeps
    the firm's batch); None when it had an insert row of its own or was created by no batch."""
    from db.undo import kept_out  # noqa: PLC0415
    if conn.execute("SELECT 1 FROM firms WHERE id = ?", (firm_id,)).fetchone():
        return None
    row = conn.execute(f"SELECT json_extract(before, '$.batch_id') FROM audit WHERE entity = 'firm' "
                       f"AND action = 'purge' AND entity_id = ? AND {kept_out(conn)} ORDER BY id DESC LIMIT 1",
                       (firm_id,)).fetchone()
    return _batch_creation(conn, firm_id, row[0] if row else None)


def created_by(batch: int, file_name: str, sha256: str | None) -> dict:
    """What a firm's creation entry says: the batch and the file it came from."""
    return {"batch": batch, "file": file_name, "sha256": sha256, "note": f"由导入批次 {batch} 从 {file_name} 新建"}


def batch_entries(conn: sqlite3.Connection, firm_id: int) -> list[dict]:
    """The firm's history that its batches' rows audit, as audit rows (id = the batch row's, after as JSON text):
    its creation ('created by batch N from FILE') and each designation an import gave it in bulk."""
    out = []
    made = creation(conn, firm_id) or handed_creation(conn, firm_id) or purged_creation(conn, firm_id)
    batches = {made[1]} if made else set()
    from db.undo import kept_out  # noqa: PLC0415
    bulk = conn.execute(BULK_DESIGNATIONS.replace("{kept}", kept_out(conn)), (firm_id,)).fetchall()
    batches |= {b for _d, b, _a in bulk}
    rows = {b: batch_row(conn, b) for b in batches}
    head = ("SELECT a.at, a.os_user, a.officer, t.file_name, t.file_sha256 FROM audit a JOIN batches t "
            "ON t.id = a.batch_id WHERE a.id = ?")
    heads = {b: conn.execute(head, (pos,)).fetchone() for b, pos in rows.items() if pos}
    if made and made[1] in heads:
        at, user, officer, file_name, sha = heads[made[1]]
        out.append(_entry(made[0], at, user, officer, "firm", firm_id, firm_id,
                          json.dumps(created_by(made[1], file_name, sha), ensure_ascii=False), made[1]))
    for did, batch, after in bulk:
        if batch in heads:
            at, user, officer, _file, _sha = heads[batch]
            values = created_designation(conn, did, rows[batch] or 0, json.loads(after))
            made_with = json.dumps(values, ensure_ascii=False)
            out.append(_entry(rows[batch], at, user, officer, "designation", did, firm_id, made_with, batch))
    return out


def created_designation(conn: sqlite3.Connection, designation_id: int, since: int, values: dict) -> dict:
    """A designation's *values* (its current ones) as created: each later change (audit rows after *since*: a
    person's edit, another list's, an undo setting one back) taken back, newest first, as ``created_values``."""
    from db.undo import kept_out  # noqa: PLC0415
    out = dict(values)
    for (before,) in conn.execute(f"SELECT before FROM audit WHERE entity = 'designation' AND entity_id = ? "
                                  f"AND id > ? AND action IN ('update', 'undo') AND before IS NOT NULL "
                                  f"AND {kept_out(conn)} ORDER BY id DESC", (designation_id, since)):
        taken = json.loads(before)
        if isinstance(taken, dict):
            out.update({k: v for k, v in taken.items() if k in out})
    return out


def _entry(pos, at, user, officer, entity, entity_id, firm_id, after, batch) -> dict:
    return {"id": pos, "at": at, "os_user": user, "officer": officer, "action": "insert", "entity": entity,
            "entity_id": entity_id, "firm_id": firm_id, "before": None, "after": after, "source": "import",
            "batch_id": batch}
