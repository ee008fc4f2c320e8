"""Saving files the person asked for: dialogs that open in the Documents folder with a name that says what
the file holds (台账导出_积玉桥_高企_2026-11-29.xlsx), and, once written, an offer to open it or its folder."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox

UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def documents_dir() -> Path:
    """The user's Documents folder (文档) when it exists, else the home folder: a dialog started in a folder
    that is not there opens elsewhere with the bare name "Documents" typed in, and a folder chooser's 选择 is
    greyed out until the person clears it (a Linux desktop without xdg folders, a new profile)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
    return Path(folder) if folder and Path(folder).is_dir() else Path.home()


def file_name(*parts, day: date | None = None, suffix: str = ".xlsx") -> str:
    """台账导出_积玉桥_高企_2026-11-29.xlsx: the non-empty parts, then the date, joined by _ (safe on Windows)."""
    words = [UNSAFE.sub("", str(p)) for p in parts if p not in (None, "")]
    words.append((day or date.today()).isoformat())
    return "_".join(w for w in words if w) + suffix


def ask_save(parent, title: str, name: str, filters: str, folder: str | Path | None = None) -> str:
    """A save dialog opening in *folder* (remembered) or Documents, proposing *name*; "" when cancelled."""
    start = Path(folder) if folder and Path(folder).is_dir() else documents_dir()
    path, _chosen = QFileDialog.getSaveFileName(parent, title, str(start / name), filters)
    return path


def ask_folder(parent, title: str, folder: str | Path | None = None) -> str:
    start = Path(folder) if folder and Path(folder).is_dir() else documents_dir()
    return QFileDialog.getExistingDirectory(parent, title, str(start))


def open_path(path: str | Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def offer_open(parent, title: str, message: str, path: str | Path) -> str:
    """Tell the person what was written and offer 打开文件 / 打开所在文件夹; returns what they chose
    ("file", "folder" or "")."""
    path = Path(path)
    box = QMessageBox(QMessageBox.Information, title, message, parent=parent)
    open_file = box.addButton("打开文件", QMessageBox.AcceptRole) if path.is_file() else None
    open_folder = box.addButton("打开所在文件夹", QMessageBox.ActionRole)
    box.addButton("关闭", QMessageBox.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if open_file is not None and clicked is open_file:
        open_path(path)
        return "file"
    if clicked is open_folder:
        open_path(path if path.is_dir() else path.parent)
        return "folder"
    return ""
