"""Backup and restore from the File menu: the backup runs in a worker and says where it went; restoring
asks first, backs up the current state, swaps the ledger under the open window, and a damaged backup
leaves the ledger as it was."""
from __future__ import annotations

from pathlib import Path

import pytest

import desktop.actions as actions_mod
from desktop import dialogs
from tests.ui.helpers import window_on_small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The window on a small ledger with backups of this test only; warnings and notices as (title, text)."""
    yield from window_on_small_ledger(qtbot, tmp_path, monkeypatch, informs=True)


def firm_count(win) -> int:
    return win.ledger.conn.execute("SELECT count(*) FROM firms").fetchone()[0]


def choose(monkeypatch, path: Path | None, agree: bool = True) -> None:
    class Picker:
        @staticmethod
        def getOpenFileName(*args, **kw):  # noqa: N802 (Qt API)
            return (str(path) if path else "", "")
    monkeypatch.setattr(actions_mod, "QFileDialog", Picker)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **kw: agree)


def backup_now(qtbot, win, told) -> Path:
    win.menu_actions.backup.trigger()
    qtbot.waitUntil(lambda: bool(told), timeout=20000)
    title, text = told.pop()
    assert title == "备份完成", text
    saved = Path(text.split("\n")[-1])
    from db.backup import backup_dir_for
    assert saved.is_file() and saved.parent == backup_dir_for(win.ledger.path, win.ledger.conn)
    assert saved.is_relative_to(Path(win.ledger.path).parent / "data")      # this test's own data folder
    return saved


def test_backup_then_restore_brings_the_ledger_back(qtbot, monkeypatch, window):
    win, told = window
    saved = backup_now(qtbot, win, told)
    with win.ledger.write("person") as w:
        w.insert_firm("武汉备份之后新增科技有限公司")
    assert firm_count(win) == 5
    before = win.ledger
    choose(monkeypatch, saved)
    win.menu_actions.restore.trigger()
    qtbot.waitUntil(lambda: win.ledger is not None and not win.workers.busy(), timeout=30000)
    assert told == []
    assert win.ledger is not before and Path(win.ledger.path) == Path(before.path)
    assert firm_count(win) == 4
    assert win.count_label.text() == "符合条件的企业：4 家"
    # the state that was replaced was itself backed up first: two backups now, the newer one has 5 firms
    import sqlite3
    copies = sorted(saved.parent.glob("*.db"), key=lambda p: p.stat().st_mtime)
    assert len(copies) == 2
    with sqlite3.connect(copies[-1]) as conn:
        assert conn.execute("SELECT count(*) FROM firms").fetchone()[0] == 5


def test_restore_declined_changes_nothing(qtbot, monkeypatch, window):
    win, told = window
    saved = backup_now(qtbot, win, told)
    with win.ledger.write("person") as w:
        w.insert_firm("武汉不恢复科技有限公司")
    before = win.ledger
    choose(monkeypatch, saved, agree=False)
    win.menu_actions.restore.trigger()
    qtbot.waitUntil(lambda: win.ledger is not None and not win.workers.busy(), timeout=30000)
    assert win.ledger is before and firm_count(win) == 5 and told == []


def test_damaged_backup_is_refused_and_the_ledger_reopens_unchanged(qtbot, monkeypatch, tmp_path, window):
    win, told = window
    bad = tmp_path / "坏的备份.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"not a database at all" * 200)
    choose(monkeypatch, bad)
    win.menu_actions.restore.trigger()
    qtbot.waitUntil(lambda: win.ledger is not None and not win.workers.busy(), timeout=30000)
    assert [t for t, _ in told] == ["恢复失败"]
    assert told[0][1].endswith("台账未改动。") and "坏的备份.db" in told[0][1], told[0][1]
    assert firm_count(win) == 4
    assert win.count_label.text() == "符合条件的企业：4 家"


def test_the_restore_runs_behind_a_busy_dialog_that_esc_does_not_close(qtbot, monkeypatch, window):
    """A city's ledger takes a while to back up, check and copy: the restore ran on the UI thread and the window
    froze (未响应) with nothing said. It runs in the background behind 正在从备份…恢复, which Esc does not close (the
    restore cannot stop halfway); the window takes the restored ledger when it is done."""
    import threading

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QProgressDialog

    import db.backup
    win, told = window
    saved = backup_now(qtbot, win, told)
    told.clear()
    with win.ledger.write("person") as w:
        w.insert_firm("武汉备份之后新增科技有限公司")
    gate, real = threading.Event(), db.backup.restore
    monkeypatch.setattr(db.backup, "restore", lambda *a, **kw: gate.wait(20) and real(*a, **kw))
    choose(monkeypatch, saved)
    try:
        win.menu_actions.restore.trigger()                     # returns while the restore waits
        assert win.ledger is None and win.workers.busy()

        def busy_dialog():
            shown = [d for d in win.findChildren(QProgressDialog) if d.isVisible()]
            return shown[0] if shown else None
        dialog = busy_dialog()              # at once: it keeps the window, with no ledger now, from input
        assert dialog is not None and dialog.windowModality() == Qt.WindowModal
        assert "正在从备份" in dialog.labelText() and saved.name in dialog.labelText()
        qtbot.keyClick(dialog, Qt.Key_Escape)
        assert dialog.isVisible()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: win.ledger is not None, timeout=30000)
    assert firm_count(win) == 4 and told == []
    assert busy_dialog() is None


def test_the_daily_backup_due_during_a_restore_waits_for_another_day(qtbot, monkeypatch, window):
    """The daily backup fires 2 s after start; a restore begun at once has closed the window's ledger by then: the
    timer's backup met no ledger (an exception in the event loop). It now does nothing."""
    from desktop.app import _daily_backup
    win, told = window
    path = str(win.ledger.path)
    win.close_ledger()
    _daily_backup(win)
    assert not win.workers.busy() and told == []
    assert win.menu_actions.switch_to(path)
