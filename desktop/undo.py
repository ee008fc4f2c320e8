"""The undo stack of the window: commands are applied once before they are pushed, so a
refused write shows a Chinese message and never lands on the stack."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QKeySequence, QUndoStack

from db.connection import LedgerError


class UndoManager(QObject):
    changed = Signal(list)  # firm ids touched by a do/undo/redo
    message = Signal(str)  # what just happened, for the status bar ("已为 5 家企业指派服务专员 周玲，Ctrl+Z 撤销")

    def __init__(self, report, parent=None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self._index = 0
        self._quiet = False
        self.stack.indexChanged.connect(self._moved)
        self._report = report       # callable(message): shows a failure
        self.undo_action = self.stack.createUndoAction(self, "撤销")
        self.undo_action.setShortcut(QKeySequence.Undo)
        self.redo_action = self.stack.createRedoAction(self, "重做")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence.Redo])

    def push(self, command) -> bool:
        command._notify = self._notify
        command._report = self._report
        try:
            command.apply()
        except LedgerError as exc:
            self._report(f"“{command.text()}”未保存：{exc}")
            return False
        self._quiet = True
        try:
            self.stack.push(command)
        finally:
            self._quiet = False
        self._index = self.stack.index()
        self.message.emit(f"已{summary(command)}，Ctrl+Z 撤销")
        return True

    def _moved(self, index: int) -> None:
        """Undo or redo through the stack (its actions, Ctrl+Z / Ctrl+Y): say which change."""
        before, self._index = self._index, index
        if self._quiet:
            return
        if index < before and self.stack.command(index) is not None:
            self.message.emit(f"已撤销：{self.stack.command(index).text()}（Ctrl+Y 重做）")
        elif index > before and self.stack.command(index - 1) is not None:
            self.message.emit(f"已重做：{summary(self.stack.command(index - 1))}（Ctrl+Z 撤销）")

    def _notify(self, firm_ids) -> None:
        self.changed.emit(list(firm_ids))

    def clear(self) -> None:
        self._quiet = True
        try:
            self.stack.clear()
        finally:
            self._quiet = False
        self._index = 0


def summary(command) -> str:
    """The command's text, with what it left out when it says (star moves at the top of the ladder)."""
    return command.summary() if hasattr(command, "summary") else command.text()
