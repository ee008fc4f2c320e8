"""An officer's list on a shared ledger: the rows about firms outside the officer's streets are errors of the plan
("不属于您负责的街道"), shown with the others, never dropped and never imported as new firms.

The server shows an officer only the firms of their streets, so a list row naming a firm of another street finds
no firm and would become a second copy of it (the server would then refuse the whole import). Checked per chunk
after the rows are decided (importers/plan_rows.py):
- a row that would create a firm whose code, name or former name belongs to a firm of another street (the server
  tells only that street: db/pg/session.other_street_firms);
- a row whose street (a column, or read from the address) is not one of the officer's: a new firm there, or a
  firm of theirs moved there;
- a new firm with no street at all (the officer may create firms only in their streets).
A file ledger, an admin or a viewer's preview: nothing to check.
"""
from __future__ import annotations

from importers.plan import ERROR, NEW, UPDATE, Issue, not_written

MSG_OTHER_FIRM = "不属于您负责的街道：台账中这家企业属于{street}（您负责{mine}），本行不导入"
MSG_OTHER_STREET = "不属于您负责的街道：本行的街道是{street}（您负责{mine}），本行不导入"
MSG_NO_STREET = "本行是新企业但没有街道：您只能在负责的街道（{mine}）新建企业，请补上街道后再导入"
CODE = "other_street"


class StreetScope:
    """The officer's streets, and the check of a chunk of plan rows against them."""

    def __init__(self, ledger) -> None:
        self.active = bool(getattr(ledger, "shared", False) and getattr(ledger, "role", None) == "officer")
        self.conn = ledger.conn
        allowed = set(getattr(ledger, "street_ids", []) or [])
        self.streets = {name for sid, name in ledger.streets() if sid in allowed} if self.active else set()
        self.mine = "、".join(sorted(self.streets))

    def check(self, plan, start: int, raws) -> None:
        """Turn the rows ``start:`` of ``plan.store`` (read from *raws*, in order) that fall outside the officer's
        streets into errors."""
        if not self.active:
            return
        from db.pg.session import other_street_firms  # noqa: PLC0415  (a shared ledger only: a file's import never loads db.pg)
        store = plan.store
        rows = range(start, len(store))
        new = [i for i in rows if store.status[i] == NEW]
        by_code, by_key = other_street_firms(self.conn, sorted({store.code[i] for i in new if store.code[i]}),
                                             sorted({store.key[i] for i in new if store.key[i]}))
        streets = store.cols.get("street")
        for i in rows:
            if store.status[i] not in (NEW, UPDATE):
                continue
            street = streets[i] if streets is not None else None
            message = None
            if store.status[i] == NEW:
                theirs = by_code.get(store.code[i]) or by_key.get(store.key[i])
                if theirs is not None:
                    message = MSG_OTHER_FIRM.format(street=theirs, mine=self.mine)
                elif street is None:
                    message = MSG_NO_STREET.format(mine=self.mine)
            if message is None and street is not None and street not in self.streets and (
                    store.status[i] == NEW or "street" in store.changes.get(i, {})):
                message = MSG_OTHER_STREET.format(street=street, mine=self.mine)
            if message is not None:
                _refuse(store, i, message, raws[i - start].values)

    def headed(self, plan) -> None:
        """A note at the top of the plan: whose streets the rows were checked against."""
        if self.active:
            plan.file_issues.append(Issue(None, None, f"专员导入：只导入您负责的街道（{self.mine}）的企业，"
                                          "其他街道的企业所在行列为错误", "warning", "street_scope"))


def _refuse(store, i: int, message: str, raw) -> None:
    """Row *i* becomes an error (not imported), with its message and its cells for the error report."""
    store.status[i] = ERROR
    store.include[i] = 0
    store.changes.pop(i, None)
    store.issues[i] = [*not_written(store.issues.get(i, [])), Issue(store.excel_row[i], None, message, "error", CODE)]
    store.raw[i] = raw
