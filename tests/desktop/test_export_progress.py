"""导出当前列表 runs off the UI thread with a progress dialog (Chinese 取消) that cancels: the window stays
responsive on a million firms, and a cancelled export leaves no file."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QProgressDialog, QPushButton

from db.ledger_view import LedgerView
from desktop import dialogs
from desktop.export_view import CANCELLED
from desktop.main_window import MainWindow
from desktop.settings import Settings
from tests.ui.helpers import small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def win(qtbot, ledger, monkeypatch, tmp_path):
    from ui import files
    small_ledger(ledger)
    w = MainWindow(ledger, Settings())
    qtbot.add_widget(w)
    w.show()
    out = tmp_path / "导出.xlsx"
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", lambda *a: (str(out), ""))
    offered, warned = [], []
    monkeypatch.setattr(files, "offer_open", lambda *a: offered.append(a[3]))
    monkeypatch.setattr(dialogs, "warn", lambda _p, title, text: warned.append((title, text)))
    yield w, out, offered, warned
    w.workers.wait()


def held_pages(monkeypatch):
    """Pages handed out only once *gate* is set: the export is still running when the test looks."""
    gate, started = threading.Event(), threading.Event()
    real = LedgerView.iter_pages

    def iter_pages(self, q, size=2000):
        started.set()
        gate.wait(10)
        yield from real(self, q, size)
    monkeypatch.setattr(LedgerView, "iter_pages", iter_pages)
    return gate, started


def test_export_returns_at_once_and_shows_progress_with_cancel(qtbot, win, monkeypatch):
    w, out, offered, warned = win
    gate, started = held_pages(monkeypatch)
    w.menu_actions.do_export()                     # returns while the rows are still being read
    assert started.wait(5) and not out.exists()
    dialog = w.findChild(QProgressDialog)
    assert dialog is not None and "正在导出" in dialog.labelText()
    assert [b.text() for b in dialog.findChildren(QPushButton)] == ["取消"]
    gate.set()
    qtbot.waitUntil(lambda: bool(offered), timeout=10000)
    assert out.exists() and w.statusBar().currentMessage() == f"已导出 4 家企业到 {out}" and not warned


def test_cancel_leaves_no_file_and_says_so_without_an_error_box(qtbot, win, monkeypatch):
    w, out, offered, warned = win
    gate, started = held_pages(monkeypatch)
    w.menu_actions.do_export()
    assert started.wait(5)
    w.findChild(QProgressDialog).findChild(QPushButton).click()          # 取消, as the person presses it
    gate.set()
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == CANCELLED, timeout=10000)
    assert not out.exists() and not list(out.parent.glob("*.part")) and not offered and not warned
