"""合并为一家企业: which of two records of one firm is kept, and, before anything is written, everything the merge
does (db/merge.py plans it; the command applies that plan)."""
from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QRadioButton

from db.errors import LedgerError
from db.firm_file import FIELD_NAMES
from ui.bulk import fill_preview, ok_cancel, preview_table
from ui.geometry import fit_to_screen

NOTE = ("同一家企业在台账中有两条记录时（如一条手工录入、一条由名单导入，或两份名单的写法不同），"
        "每个数字都把它算了两次。合并后保留一条：它得到另一条的认定、名称（记为曾用名）和服务记录，自己空着的字段取另一条的值；"
        "另一条移入回收站，不再计入。可撤销（Ctrl+Z）。")


def _firm_text(firm: dict) -> str:
    return f"{firm['name']}（{firm['code'] or '无统一社会信用代码'}）"


def _last_day(end: str) -> str:
    """The last day held, as the firm file shows it (the stored end is the day after); a date written around the
    program as it stands."""
    try:
        return (date.fromisoformat(end) - timedelta(days=1)).isoformat()
    except ValueError:
        return end


def describe(plan, catalog, street_names: dict[int, str]) -> list[tuple[str, str]]:
    """The plan as (what, detail) rows for the preview table."""
    def value(key, v) -> str:
        return street_names.get(v, str(v)) if key == "street_id" else f"{v:g}" if isinstance(v, float) else str(v)

    def spell(d) -> str:
        until = f"有效期至 {_last_day(d['end_date'])}" if d["end_date"] else "长期有效"
        return f"{catalog.by_id(d['stage_id']).name}（{d['start_date']} 起，{until}）"
    rows = [("并入认定", spell(d)) for d in plan.designations]
    if plan.same:
        rows.append(("两条都有的认定", f"{plan.same} 项，不重复并入"))
    rows += [("未并入（两条记录不一致）", f"{spell(d)}：保留的一条在这期间有同一序列的另一级，请核对后手工调整")
             for d in plan.clashes]
    rows += [("提前结束（同一序列的新一级开始）", f"{spell(d)} 改为有效期至 {_last_day(end)}")
             for d, end in plan.shortened]
    rows += [("记为曾用名", name) for name, _seen in plan.names]
    rows += [("补充字段", f"{FIELD_NAMES.get(k, k)}：{value(k, v)}") for k, v in plan.fields.items()]
    rows += [("字段不同（保留这一条的）", f"{FIELD_NAMES.get(k, k)}：{value(k, plan.keep[k])}"
              f"（另一条：{value(k, plan.gone[k])}）") for k in plan.differ]
    if plan.services:
        rows.append(("复制服务记录", f"{len(plan.services)} 条"))
    if plan.same_services:
        rows.append(("两条都有的服务记录", f"{plan.same_services} 条，不重复复制"))
    rows.append(("移入回收站", _firm_text(plan.gone)))
    return rows


class MergeDialog(QDialog):
    """*firms*: the two firms' rows; *keep*: the id kept by default (db.merge.keeper); *preview*: callable(keep id,
    gone id) -> [(what, detail)], LedgerError when that merge is refused (said in red, 合并 disabled)."""

    def __init__(self, firms: list[dict], keep: int, preview, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("合并为一家企业")
        self._preview, self._ids = preview, [f["id"] for f in firms]
        note = QLabel(NOTE)
        note.setWordWrap(True)
        self.choice = QButtonGroup(self)
        row = QHBoxLayout()
        for k, firm in enumerate(firms):
            button = QRadioButton(_firm_text(firm))
            button.setChecked(firm["id"] == keep)
            self.choice.addButton(button, k)
            row.addWidget(button)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b")
        self.table = preview_table(["合并时", "内容"], stretch=1)
        form = QFormLayout(self)
        form.addRow(note)
        form.addRow("保留哪一条", row)
        form.addRow(self.problem)
        form.addRow(self.table)
        self.buttons = ok_cancel(self, "合并")
        form.addRow(self.buttons)
        self.choice.idToggled.connect(lambda _id, on: on and self.refresh())
        self.refresh()
        fit_to_screen(self, (760, 520))

    def values(self) -> dict:
        k = self.choice.checkedId()
        return {"keep": self._ids[k], "gone": self._ids[1 - k]}

    def refresh(self) -> None:
        v = self.values()
        try:
            rows, problem = self._preview(v["keep"], v["gone"]), ""
        except LedgerError as exc:
            rows, problem = [], str(exc)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        fill_preview(self.table, rows)
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(not problem)
        self.table.setFocus(Qt.OtherFocusReason)
