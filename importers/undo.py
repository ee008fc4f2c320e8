"""Undo an import batch: the ledger as if the batch had never been imported, in any order (db/undo.py).

A later change by someone else to a firm the batch touched is a conflict: undo names the firms and stops
unless ``force``; forced, it keeps the later changes and restores only what the batch alone decided. What
cannot be restored exactly (a firm the batch created that a later list or change touched; designations a
later change or list depends on) is refused, forced or not, naming the firms. Undo is audited (source
'undo', the batch's id, one row per audit row of the batch) and marks the batch undone.
"""
from __future__ import annotations

import json

from db import undo as undo_store
from db.creation import created_designations_sql, created_sql
from db.restore import WITHDRAWN
from importers.errors import InputError

MSG_NO_BATCH = "没有编号为 {id} 的导入批次"
MSG_TWICE = "导入批次 {id}（{file}）已于 {at} 撤销，不能重复撤销"
MSG_WITHDRAWN = ("导入批次 {id}（{file}）不在现在的台账里：{at} 恢复备份时，台账回到了导入这批之前的状态，"
                 "这批已随之撤回，无需撤销")
MSG_NOT_IMPORT = "批次 {id} 不是文件导入（{kind}），不能按批次撤销"
MSG_CONFLICT = ("批次 {id} 导入之后，以下 {n} 家企业又被修改过：{names}。"
                "撤销会保留这些修改，只撤回本批次单独决定的内容；确需撤销请加 --force")

UNDOABLE_KINDS = ("roster", "designation")
W_SAME_FILE = ("这个文件{sheet}已于 {at} 导入过（批次 {id}）。再次导入会把此后有人改过的值改回文件里的值，"
               "请在预览中核对“更新”的行")

__all__ = ["UndoConflict", "UndoRefused", "batch_list", "conflicts", "undo_batch"]


class UndoConflict(InputError):
    """Later changes touch records of the batch; ``firms`` lists (firm_id, name)."""

    def __init__(self, message: str, firms: list) -> None:
        super().__init__(message)
        self.firms = firms


class UndoRefused(InputError):
    """The batch cannot be undone exactly, forced or not; ``firms`` lists (firm_id, name)."""

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


def imported_before(conn, sha256: str, sheet: str) -> str | None:
    """The warning for a file (the same bytes, the same sheet) imported before and not undone: re-importing a list
    by mistake changed nothing it had not, but it also said nothing, while it puts back every value someone
    corrected since. None for a file not imported yet."""
    row = conn.execute("SELECT id, created_at FROM batches WHERE file_sha256 = ? AND coalesce(sheet, '') = ? "
                       "AND undone_at IS NULL ORDER BY id DESC LIMIT 1", (sha256, sheet or "")).fetchone()
    if row is None:
        return None
    where = f"（工作表“{sheet}”）" if sheet else ""
    return W_SAME_FILE.format(sheet=where, at=str(row[1])[:16].replace("T", " "), id=row[0])


def _batch(conn, batch_id: int) -> dict:
    cur = conn.execute("SELECT * FROM batches WHERE id = ?", (batch_id,))
    row = cur.fetchone()
    if row is None:
        raise InputError(MSG_NO_BATCH.format(id=batch_id))
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def conflicts(conn, batch_id: int) -> list[tuple[int, str]]:
    """Firms the batch touched that a later change (not itself undone) touched again."""
    kept_out = undo_store.kept_out(conn)
    last = conn.execute(f"SELECT MAX(id) FROM audit WHERE batch_id = ? AND source = 'import' AND {kept_out}",
                        (batch_id,)).fetchone()[0]
    if last is None:
        return []
    # designations a batch added in bulk have no audit row (db/creation.py): the batch's, and a later list's, count
    mine = "SELECT firm_id FROM designations WHERE id IN (" + created_designations_sql() + ")"
    touched = (f"SELECT firm_id FROM audit WHERE batch_id = ? AND source = 'import' AND firm_id IS NOT NULL "
               f"AND {kept_out} UNION {created_sql(conn)} UNION {mine}")          # five parameters: the batch
    return conn.execute(
        "SELECT DISTINCT a.firm_id, COALESCE(f.name, '') FROM audit a LEFT JOIN firms f ON f.id = a.firm_id "
        f"WHERE a.id > ? AND a.firm_id IN ({touched}) AND {undo_store.live(conn, 'a')} "
        "UNION SELECT d.firm_id, COALESCE(f.name, '') FROM designations d LEFT JOIN firms f ON f.id = d.firm_id "
        "JOIN batches b ON b.id = d.batch_id AND b.undone_at IS NULL "
        f"WHERE d.batch_id > ? AND d.source = 'import' AND d.firm_id IN ({touched}) ORDER BY 1",
        (last, *[batch_id] * 5, batch_id, *[batch_id] * 5)).fetchall()


def _names(found) -> str:
    return "、".join(n or f"编号 {fid}" for fid, n in found[:10]) + ("等" if len(found) > 10 else "")


def _undoable(batch: dict) -> None:
    """InputError when the batch cannot be undone: undone already (by a restore, or by an undo), or no import."""
    batch_id = batch["id"]
    if batch["undone_at"] and batch["undone_by"] == WITHDRAWN:
        raise InputError(MSG_WITHDRAWN.format(id=batch_id, file=batch["file_name"], at=batch["undone_at"]))
    if batch["undone_at"]:
        raise InputError(MSG_TWICE.format(id=batch_id, file=batch["file_name"], at=batch["undone_at"]))
    if batch["kind"] not in UNDOABLE_KINDS:
        raise InputError(MSG_NOT_IMPORT.format(id=batch_id, kind=batch["kind"]))


def undo_batch(ledger, batch_id: int, *, force: bool = False) -> dict:
    """Undo *batch_id*. Returns counts of what was removed and restored, and the conflicts forced past."""
    conn = ledger.conn
    _undoable(_batch(conn, batch_id))
    with ledger.write("undo", batch_id) as w:
        undo_store.hold(w, batch_id)         # a shared ledger: an import still writing one of its firms is waited for,
        _undoable(_batch(conn, batch_id))    # and another undo of the batch: then it is undone already
        found = conflicts(conn, batch_id)
        if found and not force:
            raise UndoConflict(MSG_CONFLICT.format(id=batch_id, n=len(found), names=_names(found)), found)
        stuck = undo_store.refused(conn, batch_id)
        if stuck:
            raise UndoRefused(undo_store.MSG_REFUSED.format(id=batch_id, n=len(stuck), names=_names(stuck)), stuck)
        try:
            out = undo_store.undo(w, batch_id)
        except undo_store.UndoRefused as exc:
            raise UndoRefused(str(exc), exc.firms) from exc
        w.audit("undo", "batch", batch_id, None, {"undone_at": None},
                {"undone_at": w.stamp, "undone_by": ledger.officer or ledger.user,
                 **{k: v for k, v in out.items() if k != "batch"}})
    out["forced"] = bool(found)
    out["conflicts"] = [{"firm_id": fid, "name": n} for fid, n in found]
    return out
