"""Message boxes in one place (Chinese buttons); tests replace these functions."""
from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox


def ask(parent, title: str, text: str, yes: str = "确定", no: str = "取消") -> bool:
    box = QMessageBox(QMessageBox.Question, title, text, parent=parent)
    ok = box.addButton(yes, QMessageBox.AcceptRole)
    box.addButton(no, QMessageBox.RejectRole)
    box.setDefaultButton(ok)
    box.exec()
    result = box.clickedButton() is ok
    box.deleteLater()
    return result


def warn(parent, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Warning, title, text, parent=parent)
    box.addButton("知道了", QMessageBox.AcceptRole)
    box.exec()
    box.deleteLater()


def inform(parent, title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Information, title, text, parent=parent)
    box.addButton("好", QMessageBox.AcceptRole)
    box.exec()
    box.deleteLater()


def ask_text(parent, title: str, label: str, text: str = "") -> str:
    """One line of text; "" when cancelled or left empty."""
    dlg = QInputDialog(parent)
    dlg.setWindowTitle(title)
    dlg.setLabelText(label)
    dlg.setTextValue(text)
    dlg.setTextEchoMode(QLineEdit.Normal)
    dlg.setOkButtonText("确定")
    dlg.setCancelButtonText("以后再说")
    ok = dlg.exec()
    value = dlg.textValue().strip() if ok else ""
    dlg.deleteLater()
    return value
