"""The undo stack of the window: commands are applied once before they are pushed, so a
refused write shows a Chinese message and never lands on the stack."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QKeySequence, QUndoStack

from db.connection import LedgerError


class UndoManager(QObject):
    changed = Signal(list)          # firm ids touched by a do/undo/redo

    def __init__(self, report, parent=None) -> None:
        super().__init__(parent)
        self.stack = QUndoStack(self)
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
        self.stack.push(command)
        return True

    def _notify(self, firm_ids) -> None:
        self.changed.emit(list(firm_ids))

    def clear(self) -> None:
        self.stack.clear()
