"""No lost update: a person's edit carries the values they saw, and is refused when the row changed since.

The Writer (db/ledger.py) reads the row it is about to change inside its write transaction, locked until the
transaction ends (``SELECT … FOR UPDATE`` on a shared ledger, where another person may be saving the same firm at
the same moment; ``BEGIN IMMEDIATE`` already makes the file's writer the only one), and compares it with what the
person saw. Any difference refuses the whole save with ``EditConflict``: who changed the row and when (the firm's
latest audit row) and its current values, so the person can look again. Nothing is merged silently.
The same check on both engines.
"""
from __future__ import annotations

from typing import Callable

from db.errors import LedgerError
from pipeline.fields import LABELS

TITLES = {**LABELS, "name": "名称", "code": "统一社会信用代码", "street_id": "街道", "code_status": "代码核验",
          "needs_review": "待核实", "updated_at": "更新时间", "deleted_at": "删除时间", "start_date": "开始日期",
          "end_date": "结束日期", "evidence": "依据", "list_name": "名单", "stage_id": "认定类别"}
SHOWN_AT_MOST = 6           # current values named in the message


class EditConflict(LedgerError):
    """A save refused because the row changed after the person read it. ``current``: the row now;
    ``changed``: the fields that differ from what was seen; ``who``, ``when``: the latest change."""

    def __init__(self, what: str, who: str, when: str, current: dict, changed: list[str], seen: dict) -> None:
        self.what, self.who, self.when, self.current, self.changed = what, who, when, current, changed
        shown = [f"{TITLES.get(k, k)}：{_text(current.get(k))}（您看到的是：{_text(seen.get(k))}）"
                 for k in changed[:SHOWN_AT_MOST]]
        more = f"等 {len(changed)} 项" if len(changed) > SHOWN_AT_MOST else ""
        super().__init__(f"未保存：{what}在您打开之后已被 {who} 于 {when} 修改。现在的值：{'；'.join(shown)}{more}。"
                         "您的修改没有保存，请核对现在的值后重新修改")


def _text(value) -> str:
    return "（空）" if value is None or value == "" else str(value)


def locked_row(writer, table: str, row_id: int, missing: str) -> dict:
    """The row as it is now, locked against other writers until the write ends; LedgerError *missing* when gone
    (or, on a shared ledger, not the login's to see)."""
    cur = writer.conn.execute(f"SELECT * FROM {table} WHERE id = ?{writer.ledger.engine.for_update()}", (row_id,))
    row = cur.fetchone()
    if row is None:
        raise LedgerError(missing)
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def check_seen(writer, what: Callable[[], str], firm_id: int, current: dict, seen: dict | None) -> None:
    """Refuse with EditConflict when *current* differs from *seen* (the person's values, as the ledger stores
    them) in any field *seen* names; None: the caller did not say what was seen (an import, an undo). *what*
    names the row, asked only for the message."""
    if seen is None:
        return
    changed = [k for k, v in seen.items() if k in current and current[k] != v]
    if not changed:
        return
    who, when = last_change(writer.conn, firm_id)
    raise EditConflict(what(), who, when, current, changed, seen)


def last_change(conn, firm_id: int) -> tuple[str, str]:
    """(who, when) of the firm's latest audit row: the login (or officer) and the PC's user, the time."""
    row = conn.execute("SELECT officer, os_user, at FROM audit WHERE firm_id = ? ORDER BY id DESC LIMIT 1",
                       (firm_id,)).fetchone()
    if row is None:
        return "他人", "不久前"
    officer, user, at = row
    who = officer if officer and officer == user else f"{officer}（{user}）" if officer else user
    return who, str(at)[:19].replace("T", " ")
