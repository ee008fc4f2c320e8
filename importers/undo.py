"""Undo an import batch: the ledger as it was before the batch, from the batch's own audit rows.

Created firms, aliases and designations are removed; updated firm attributes,
names and designation ends are set back to their audited "before" values.
A later change by someone else to a record the batch touched is a conflict:
undo names the firms and stops unless ``force``. Undo is audited too (source
'undo', the batch's id) and marks the batch undone.
"""
from __future__ import annotations

import json

from db.ledger import now
from importers.errors import InputError

MSG_NO_BATCH = "没有编号为 {id} 的导入批次"
MSG_TWICE = "导入批次 {id}（{file}）已于 {at} 撤销，不能重复撤销"
MSG_NOT_IMPORT = "批次 {id} 不是文件导入（{kind}），不能按批次撤销"
MSG_CONFLICT = "批次 {id} 导入之后，以下 {n} 家企业又被修改过：{names}。撤销会覆盖这些修改；确需撤销请加 --force"

UNDOABLE_KINDS = ("roster", "designation")


class UndoConflict(InputError):
    """Later changes touch records of the batch; ``firms`` lists (firm_id, name)."""

    def __init__(self, message: str, firms: list) -> None:
        super().__init__(message)
        self.firms = firms


def batch_list(ledger) -> list[dict]:
    rows = ledger.conn.execute(
        "SELECT id, file_name, created_at, os_user, officer, kind, stage_key, counts, undone_at, undone_by, sheet, "
        "file_sha256 FROM batches ORDER BY id DESC").fetchall()
    return [{"id": r[0], "file_name": r[1], "created_at": r[2], "os_user": r[3], "officer": r[4], "kind": r[5],
             "stage": r[6], "counts": json.loads(r[7] or "{}"), "undone_at": r[8], "undone_by": r[9], "sheet": r[10],
             "sha256": r[11]} for r in rows]


def _batch(conn, batch_id: int) -> dict:
    cur = conn.execute("SELECT * FROM batches WHERE id = ?", (batch_id,))
    row = cur.fetchone()
    if row is None:
        raise InputError(MSG_NO_BATCH.format(id=batch_id))
    return dict(zip([d[0] for d in cur.description], row))


def conflicts(conn, batch_id: int) -> list[tuple[int, str]]:
    """Firms the batch touched that a later change (not itself undone) touched again."""
    last = conn.execute("SELECT MAX(id) FROM audit WHERE batch_id = ? AND source = 'import'", (batch_id,)).fetchone()[0]
    if last is None:
        return []
    return conn.execute(
        "SELECT DISTINCT a.firm_id, COALESCE(f.name, '') FROM audit a LEFT JOIN firms f ON f.id = a.firm_id "
        "WHERE a.id > ? AND a.firm_id IN (SELECT firm_id FROM audit WHERE batch_id = ? AND source = 'import' "
        "AND firm_id IS NOT NULL) "
        "AND (a.batch_id IS NULL OR a.batch_id NOT IN (SELECT id FROM batches WHERE undone_at IS NOT NULL)) "
        "AND NOT (a.source = 'undo') ORDER BY a.firm_id", (last, batch_id)).fetchall()


def undo_batch(ledger, batch_id: int, *, force: bool = False) -> dict:
    """Restore the ledger as it was before *batch_id*. Returns counts of what was removed and restored."""
    conn = ledger.conn
    batch = _batch(conn, batch_id)
    if batch["undone_at"]:
        raise InputError(MSG_TWICE.format(id=batch_id, file=batch["file_name"], at=batch["undone_at"]))
    if batch["kind"] not in UNDOABLE_KINDS:
        raise InputError(MSG_NOT_IMPORT.format(id=batch_id, kind=batch["kind"]))
    with ledger.write("undo", batch_id) as w:
        found = conflicts(conn, batch_id)
        if found and not force:
            names = "、".join(n or f"编号 {fid}" for fid, n in found[:10]) + ("等" if len(found) > 10 else "")
            raise UndoConflict(MSG_CONFLICT.format(id=batch_id, n=len(found), names=names), found)
        stamp = w.stamp
        head = (stamp, ledger.user, ledger.officer)
        # the undo's own audit: every audited change of the batch, reversed (before <-> after)
        conn.execute(
            "INSERT INTO audit (at, os_user, officer, action, entity, entity_id, firm_id, before, after, source, batch_id) "
            "SELECT ?, ?, ?, 'undo', entity, entity_id, firm_id, after, before, 'undo', batch_id FROM audit "
            "WHERE batch_id = ? AND source = 'import' AND entity != 'batch' ORDER BY id DESC", (*head, batch_id))
        mine = "SELECT entity_id FROM audit WHERE batch_id = ? AND source = 'import' AND action = 'insert' AND entity = ?"
        out = {"batch": batch_id}
        out["designations_removed"] = conn.execute(
            f"DELETE FROM designations WHERE id IN ({mine})", (batch_id, "designation")).rowcount
        out["designations_restored"] = _restore_updates(conn, batch_id, "designation", "designations")
        out["aliases_removed"] = conn.execute(
            f"DELETE FROM firm_aliases WHERE id IN ({mine})", (batch_id, "alias")).rowcount
        out["firms_restored"] = _restore_updates(conn, batch_id, "firm", "firms")
        out["firms_removed"] = conn.execute(f"DELETE FROM firms WHERE id IN ({mine})", (batch_id, "firm")).rowcount
        undone_by = ledger.officer or ledger.user
        conn.execute("UPDATE batches SET undone_at = ?, undone_by = ? WHERE id = ?", (now(), undone_by, batch_id))
        w.audit("undo", "batch", batch_id, None, {"undone_at": None}, {"undone_at": stamp, "undone_by": undone_by,
                                                                        **{k: v for k, v in out.items() if k != "batch"}})
    out["forced"] = bool(found)
    out["conflicts"] = [{"firm_id": fid, "name": n} for fid, n in found]
    return out


def _restore_updates(conn, batch_id: int, entity: str, table: str) -> int:
    """Put back the before-values of every update the batch made to *entity* rows of *table*, latest first."""
    rows = conn.execute(
        "SELECT entity_id, before FROM audit WHERE batch_id = ? AND source = 'import' AND action = 'update' "
        "AND entity = ? ORDER BY id DESC", (batch_id, entity)).fetchall()
    for entity_id, before in rows:
        values = json.loads(before)
        conn.execute(f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                     (*values.values(), entity_id))
    return len(rows)
