"""Keys for the main window: Ctrl+1 … Ctrl+5 switch 台账 / 看板 / 导入历史 / 指标 / 设置 (shown in the 查看 menu and
the tabs' tooltips); F5 reads every view again from the ledger, so another's saves show."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.helpers import settle, window_on_small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    yield from window_on_small_ledger(qtbot, tmp_path, monkeypatch)


def test_ctrl_digits_switch_the_pages_and_say_so(window, qtbot):
    win, _ = window
    win.activateWindow()
    qtbot.waitActive(win)
    names = ["台账", "看板", "导入历史", "指标", "设置"]
    for i in (4, 3, 5, 1, 2):
        qtbot.keyClick(win, str(i), Qt.ControlModifier)
        assert win.tabs.tabText(win.tabs.currentIndex()) == names[i - 1]
        assert win.tabs.tabToolTip(i - 1) == f"{names[i - 1]}（Ctrl+{i}）"
    assert [a.text() for a in win.menu_actions.tab_actions] == names
    assert [a.shortcut().toString() for a in win.menu_actions.tab_actions] == [f"Ctrl+{i}" for i in range(1, 6)]


def test_f5_reads_what_was_saved_elsewhere(window, qtbot):
    """Saves the window did not make (another officer's, on a shared ledger) show after F5."""
    import sqlite3
    win, _ = window
    win.activateWindow()
    qtbot.waitActive(win)
    panel = win.ledger_panel
    settle(qtbot, panel.model)
    m = panel.model
    col = m.column_index("name")
    names = {m.data(m.index(r, col)) for r in range(m.rowCount())}
    assert "武汉长江数据有限公司" in names
    with sqlite3.connect(win.ledger.path) as other:                    # written by another program
        other.execute("UPDATE firms SET name = '武汉长江大数据有限公司' WHERE name = '武汉长江数据有限公司'")
    other.close()
    qtbot.keyClick(win, Qt.Key_F5)
    settle(qtbot, panel.model)
    names = {m.data(m.index(r, col)) for r in range(m.rowCount())}
    assert "武汉长江大数据有限公司" in names and "武汉长江数据有限公司" not in names
    assert "重新读取" in win.statusBar().currentMessage()
    assert win.menu_actions.refresh.shortcut().toString() == "F5"


def test_ctrl_e_exports_from_the_search_box(window, qtbot, monkeypatch):
    """The window opens with the keyboard in the search box; there Qt's line edit on Linux took Ctrl+E (to the end
    of the line) and 导出当前列表 never opened."""
    from ui import files
    win, _ = window
    win.activateWindow()
    qtbot.waitActive(win)
    asked = []
    monkeypatch.setattr(files, "ask_save", lambda _w, title, *a: asked.append(title) or "")   # then cancelled
    search = win.ledger_panel.filters.search
    search.setFocus()
    qtbot.waitUntil(search.hasFocus)
    qtbot.keyClicks(search, "ab")
    qtbot.keyClick(search, Qt.Key_Home)
    qtbot.keyClick(search, Qt.Key_E, Qt.ControlModifier)
    assert len(asked) == 1 and asked[0].startswith("导出当前列表")
    assert search.text() == "ab" and search.cursorPosition() == 0
    # the offscreen platform binds no Ctrl+E in a line edit; on X11 the box accepted the override (so no shortcut)
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    override = QKeyEvent(QEvent.ShortcutOverride, Qt.Key_E, Qt.ControlModifier)
    override.accept()
    assert search.event(override) and not override.isAccepted()
    qtbot.waitUntil(lambda: not win.ledger_panel.filters._timer.isActive())   # the search it started, done
    settle(qtbot, win.ledger_panel.model)
