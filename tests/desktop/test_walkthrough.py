"""A new officer's walk through the main window at 1366×768: what the window says speaks of what a person can do
in it (never a command-line flag), and Qt's conventions hold."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import desktop.actions as actions_mod
from desktop import dialogs
from tests.ui.helpers import window_on_small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]
FLAG = re.compile(r"--[a-z]")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    yield from window_on_small_ledger(qtbot, tmp_path, monkeypatch, informs=True)


def other_ledgers_backup(tmp_path) -> Path:
    """A backup of another ledger (its own identity) with one firm."""
    from db.backup import backup
    from db.ledger import Ledger
    with Ledger(tmp_path / "别的台账.db", officer="测试专员") as other:
        with other.write("person") as w:
            w.insert_firm("武汉别处科技有限公司")
        return backup(other.path, tmp_path / "别处备份", "manual").path


def pick(monkeypatch, path: Path, answer: bool) -> list[tuple[str, str, str]]:
    asked: list[tuple[str, str, str]] = []

    class Picker:
        @staticmethod
        def getOpenFileName(*args, **kw):  # noqa: N802 (Qt API)
            return str(path), ""
    monkeypatch.setattr(actions_mod, "QFileDialog", Picker)

    def ask(parent, title, text, yes="确定", no="取消"):
        asked.append((title, text, yes))
        return answer
    monkeypatch.setattr(dialogs, "ask", ask)
    return asked


def firms(win) -> list[str]:
    return [r[0] for r in win.ledger.conn.execute("SELECT name FROM firms ORDER BY id")]


def test_restoring_another_ledgers_backup_asks_in_words_and_can_be_done(qtbot, monkeypatch, tmp_path, window):
    win, told = window
    saved = other_ledgers_backup(tmp_path)
    asked = pick(monkeypatch, saved, answer=True)
    win.menu_actions.restore.trigger()
    qtbot.waitUntil(lambda: win.ledger is not None and not win.workers.busy(), timeout=30000)
    assert told == [], told                                      # no refusal that says "加 --other-ledger"
    (title, text, yes), = asked
    assert "属于另一个台账" in text and yes == "仍要恢复"
    assert not FLAG.search(text), text
    assert firms(win) == ["武汉别处科技有限公司"]


def test_declining_another_ledgers_backup_changes_nothing(qtbot, monkeypatch, tmp_path, window):
    win, told = window
    before = win.ledger
    asked = pick(monkeypatch, other_ledgers_backup(tmp_path), answer=False)
    win.menu_actions.restore.trigger()
    qtbot.waitUntil(lambda: win.ledger is not None and not win.workers.busy(), timeout=30000)
    assert len(asked) == 1 and told == []
    assert win.ledger is before and len(firms(win)) == 4


def test_enter_and_del_act_on_the_table_only(qtbot, monkeypatch, window):
    """Enter in the 街道 list (choosing a street by keyboard) opened the firm file of the row selected below it, and
    Del there offered to remove that firm; in the table both still work, and the menu names the key on the keyboard."""
    from PySide6.QtCore import Qt
    win, _told = window
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask", lambda parent, title, text, **kw: asked.append(title) or False)
    panel = win.ledger_panel
    panel.view.selectRow(0)
    combo = panel.filters.street
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    qtbot.keyClick(combo, Qt.Key_Return)
    qtbot.keyClick(combo, Qt.Key_Delete)
    assert win.firm_dialogs == {} and asked == []
    panel.view.setFocus()
    qtbot.waitUntil(panel.view.hasFocus)
    qtbot.keyClick(panel.view, Qt.Key_Delete)
    assert asked == ["移入回收站"]
    qtbot.keyClick(panel.view, Qt.Key_Enter)              # the keypad's Enter as well as the main one
    try:
        assert list(win.firm_dialogs) == [panel.current_firm_id()]
    finally:
        for dlg in list(win.firm_dialogs.values()):
            dlg.close()
    assert win.menu_actions.open_firm.shortcut().toString() == "Enter"


def test_the_recycle_bin_says_so_above_the_table_and_leads_back(qtbot, window):
    """编辑 → 查看回收站 showed its firms under the usual filters with nothing but the status bar's count (hidden by
    any message) to say so: a few firms read as a ledger that had lost the rest."""
    from PySide6.QtCore import Qt
    win, _told = window
    panel, a = win.ledger_panel, win.menu_actions
    assert panel.bin_bar.isHidden()
    a.recycle.trigger()
    assert panel.model.target.deleted and panel.bin_bar.isVisible()
    assert panel.bin_restore.defaultAction() is a.restore_firms and panel.bin_restore.isVisible()
    qtbot.mouseClick(panel.bin_leave, Qt.LeftButton)
    assert not panel.model.target.deleted and panel.bin_bar.isHidden() and not a.recycle.isChecked()


def test_the_keyboard_starts_in_the_search_box_or_on_an_empty_ledgers_first_button(qtbot, tmp_path, window):
    """The window opened with the keyboard on its tab bar: typing a firm's name did nothing."""
    from PySide6.QtWidgets import QApplication
    win, _told = window
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert QApplication.focusWidget() is win.ledger_panel.filters.search
    assert win.menu_actions.switch_to(str(tmp_path / "新台账.db"), create=True)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.ledger_panel.start_page.buttons["import_list"])


def test_only_the_action_that_works_in_the_view_shown_is_offered(qtbot, window):
    """移入回收站… in the recycle bin and 从回收站恢复所选 in the ledger did nothing, silently, from the menu and
    the right-click menu."""
    win, _told = window
    a = win.menu_actions
    assert a.remove.isEnabled() and not a.restore_firms.isEnabled()
    a.recycle.trigger()
    assert not a.remove.isEnabled() and a.restore_firms.isEnabled() and a.recycle.isChecked()
    a.recycle.trigger()
    assert a.remove.isEnabled() and not a.restore_firms.isEnabled() and not a.recycle.isChecked()


def test_moving_firms_to_the_recycle_bin_says_past_figures_change_and_no_keeps_them(qtbot, monkeypatch, window):
    """A firm in the 回收站 leaves every figure, last year's base and 净增 included (found by an outside audit):
    the question says so before anyone bins a firm that only left the district; 取消 keeps it."""
    win, _told = window
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask", lambda parent, title, text, **kw: asked.append(text) or False)
    win.ledger_panel.view.selectRow(0)
    before = len(firms(win))
    win.menu_actions.do_remove()
    assert len(asked) == 1 and "往年的基期值、净增也随之改变" in asked[0] and "迁出或注销" in asked[0], asked
    assert len(firms(win)) == before
    assert win.ledger.conn.execute("SELECT count(*) FROM firms WHERE deleted_at IS NOT NULL").fetchone()[0] == 0
