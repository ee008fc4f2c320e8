"""Service records (走访/服务记录) of a firm: the list, and the add/edit dialog."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
)

from ui.choice import choose
from ui.dates import DateEdit
from ui.geometry import fit_to_screen

KINDS = ["走访", "电话", "政策宣讲", "问题协调", "座谈会", "其他"]
DISCARD = "这条服务记录尚未保存。\n放弃已填写的内容吗？"


def ask_discard(parent) -> bool:
    """Before the typing is thrown away (Esc, 取消, the ×): True for 放弃, False for 继续填写 (the default)."""
    return choose(parent, "尚未保存", DISCARD, [("discard", "放弃", "destructive"), ("keep", "继续填写", "reject")],
                  default="keep", escape="keep") == "discard"


def _qdate(text: str | None) -> QDate:
    if not text:
        return QDate.currentDate()
    d = date.fromisoformat(text[:10])
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class ServiceDialog(QDialog):
    """Add (record=None) or edit one service record; ``values()`` gives the fields to write."""

    def __init__(self, record: dict | None = None, officer: str = "", parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("修改服务记录" if record else "添加服务记录")
        record = record or {}
        self.day = DateEdit(_qdate(record.get("date")))
        self.officer = QLineEdit(record.get("officer") or officer)
        self.kind = QComboBox(editable=True)
        self.kind.addItems(KINDS)
        self.kind.setCurrentText(record.get("kind") or KINDS[0])
        self.notes = QPlainTextEdit(record.get("notes") or "")
        self.notes.setPlaceholderText("走访内容、企业诉求、协调结果……")
        self.has_follow = QCheckBox("需要跟进")
        self.follow = DateEdit(_qdate(record.get("follow_up")))
        self.has_follow.setChecked(bool(record.get("follow_up")))
        self.follow.setEnabled(self.has_follow.isChecked())
        self.has_follow.toggled.connect(self.follow.setEnabled)
        form = QFormLayout(self)
        form.addRow("日期", self.day)
        form.addRow("服务专员", self.officer)
        form.addRow("方式", self.kind)
        form.addRow("内容", self.notes)
        form.addRow(self.has_follow, self.follow)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("保存")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        fit_to_screen(self, (480, 360))
        self._initial = self.values()

    def reject(self) -> None:
        """Esc, 取消 and the ×: ask before what was typed is thrown away; 继续填写 keeps the dialog."""
        if self.values() != self._initial and not ask_discard(self):
            return
        super().reject()

    def values(self) -> dict:
        return {"date": _pydate(self.day.date()).isoformat(), "officer": self.officer.text().strip() or None,
                "kind": self.kind.currentText().strip() or None, "notes": self.notes.toPlainText().strip() or None,
                "follow_up": _pydate(self.follow.date()).isoformat() if self.has_follow.isChecked() else None}
