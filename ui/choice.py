"""A question with buttons of its own (Chinese labels), answered by the key of the button clicked."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

ROLES = {"accept": QMessageBox.AcceptRole, "destructive": QMessageBox.DestructiveRole,
         "reject": QMessageBox.RejectRole}


def choose(parent, title: str, text: str, buttons: list[tuple[str, str, str]], default: str, escape: str) -> str:
    """Ask *text*; *buttons* are (key, label, role: accept / destructive / reject); *default* is the key Enter
    chooses, *escape* the one Esc and the box's × choose. Returns the key of the button clicked."""
    box = QMessageBox(QMessageBox.Question, title, text, parent=parent)
    made = {key: box.addButton(label, ROLES[role]) for key, label, role in buttons}
    box.setDefaultButton(made[default])
    box.setEscapeButton(made[escape])
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    return next((key for key, button in made.items() if button is clicked), escape)
