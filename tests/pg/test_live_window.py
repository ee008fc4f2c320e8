"""Live refresh in the desktop (desktop/live.py): two people on one shared ledger, each with their own Ledger; what
one commits appears in the other's open window (ledger table, firm file, the other built tabs) within 2 s.
The dashboard, import history and targets tabs are refreshed through MainWindow.data_changed: at once when shown,
else when next shown."""
from __future__ import annotations

import time

import psycopg
import pytest

from db.ledger import Ledger
from desktop import live
from desktop.main_window import MainWindow
from desktop.settings import Settings
from tests.qt_checks import _no_leftovers, _temporary_settings  # noqa: F401  (autouse: no window or thread left)

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]
JYQ = "SELECT f.id FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = '积玉桥' ORDER BY f.id LIMIT 1"


@pytest.fixture
def two(qtbot, people):
    """An officer of 积玉桥 with the app open, and an admin's Ledger (another person, another PC)."""
    mine, theirs = Ledger(people["officer"]), Ledger(people["admin"])
    win = MainWindow(mine, Settings())
    qtbot.add_widget(win)
    win.show()
    assert win.live is not None and win.live.listener.connected.wait(5)
    fid = theirs.conn.execute(JYQ).fetchone()[0]
    yield win, theirs, fid
    win.close()
    mine.close()
    theirs.close()


def shown_name(win, fid) -> str | None:
    model = win.ledger_panel.model
    col = model.column_index("name")
    for row in range(model.rowCount()):
        if model.firm_id(row) == fid:
            return model.data(model.index(row, col))
    return None


def test_a_rename_by_another_person_appears_in_the_ledger_table_within_2s(qtbot, two):
    win, theirs, fid = two
    assert shown_name(win, fid) not in (None, "积玉桥实时同步科技有限公司")
    with theirs.write() as w:
        w.rename_firm(fid, "积玉桥实时同步科技有限公司")
    committed = time.monotonic()
    qtbot.waitUntil(lambda: shown_name(win, fid) == "积玉桥实时同步科技有限公司", timeout=2000)
    assert time.monotonic() - committed < 2.0
    assert win.statusBar().currentMessage() == live.MSG_SYNCED


def test_an_open_firm_file_and_the_other_tabs_follow(qtbot, two):
    win, theirs, fid = two
    history, targets = win.show_tab("导入历史"), win.show_tab("指标")
    reloads = []
    for panel in (history, targets):
        panel.reload = lambda p=panel, r=panel.reload: (reloads.append(type(p).__name__), r())
    dlg = win.open_firm(fid)
    assert dlg.profile.edits["remark"].text() != "远程修改的备注"
    with theirs.write() as w:
        w.update_firm(fid, remark="远程修改的备注")
    qtbot.waitUntil(lambda: dlg.profile.edits["remark"].text() == "远程修改的备注", timeout=2000)
    assert reloads == ["TargetsPanel"]              # the tab shown; the hidden one when it is shown again
    assert win.lazy_tab("导入历史").stale
    win.show_tab("导入历史")
    assert sorted(reloads) == ["HistoryPanel", "TargetsPanel"] and not win.lazy_tab("导入历史").stale
    dlg.close()


def test_unsaved_edits_in_a_firm_file_are_kept(qtbot, two, monkeypatch):
    from ui.firm import dialog as firm_dialog
    win, theirs, fid = two
    dlg = win.open_firm(fid)
    dlg.profile.edits["contact_person"].setText("我正在填写")
    dlg.profile.edits["contact_person"].textEdited.emit("我正在填写")
    with qtbot.waitSignal(win.live.refreshed, timeout=2000):
        with theirs.write() as w:
            w.update_firm(fid, remark="对方先保存")
    assert dlg.profile.edits["contact_person"].text() == "我正在填写"
    assert dlg.profile.changes() == {"contact_person": "我正在填写"}
    assert "尚未保存的修改仍保留" in win.statusBar().currentMessage()
    asked = []        # closing over the unsaved edit asks (ui/firm/dialog.ask_unsaved): 不保存
    monkeypatch.setattr(firm_dialog, "ask_unsaved", lambda parent, name: asked.append(name) or "discard")
    dlg.close()
    assert asked and dlg.isHidden()


def test_the_windows_own_changes_are_not_refreshed_twice(qtbot, two):
    win, theirs, fid = two
    with qtbot.assertNotEmitted(win.live.refreshed, wait=1000):
        with win.ledger.write() as w:
            w.update_firm(fid, remark="自己改的")
    with qtbot.waitSignal(win.live.refreshed, timeout=2000) as seen:   # the same firm, by the other: refreshed
        with theirs.write() as w:
            w.update_firm(fid, remark="别人改的")
    assert seen.args == [frozenset({fid})]


def test_a_file_ledger_has_no_listener(qtbot, ledger):
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    assert win.live is None


def test_a_burst_of_saves_is_gathered_into_few_refreshes(qtbot, two):
    win, theirs, fid = two
    dlg = win.open_firm(fid)
    refreshes = []
    win.live.refreshed.connect(refreshes.append)
    for i in range(8):                                   # eight saves, each its own transaction
        with theirs.write() as w:
            w.update_firm(fid, remark=f"连续修改 {i}")
    qtbot.waitUntil(lambda: dlg.profile.edits["remark"].text() == "连续修改 7", timeout=2000)
    qtbot.wait(live.DELAY_MS + 200)                      # a trailing refresh of the burst, if any, is over
    assert 1 <= len(refreshes) <= 3
    assert dlg.profile.edits["remark"].text() == "连续修改 7"
    dlg.close()


def test_a_window_on_a_ledger_without_the_triggers_polls_within_2s(qtbot, people):
    with psycopg.connect(people["super"], autocommit=True) as su:
        su.execute("DROP FUNCTION xingtu_notify(), xingtu_notify_id(), xingtu_notify_firm_id() CASCADE")
    mine, theirs = Ledger(people["officer"]), Ledger(people["admin"])
    try:
        assert mine.live_mode == "poll"
        win = MainWindow(mine, Settings())
        qtbot.add_widget(win)
        assert win.live.listener.connected.wait(5)
        fid = theirs.conn.execute(JYQ).fetchone()[0]
        with theirs.write() as w:
            w.rename_firm(fid, "轮询看到的新名称有限公司")
        qtbot.waitUntil(lambda: shown_name(win, fid) == "轮询看到的新名称有限公司", timeout=2000)
        win.close()
    finally:
        mine.close()
        theirs.close()


def test_a_catalog_change_is_read_again(qtbot, two):
    win, theirs, _ = two
    assert win.ledger.catalog().stage("gaoqi").name == "高新技术企业"
    with qtbot.waitSignal(win.live.refreshed, timeout=2000) as seen:
        with theirs.write() as w:
            w.conn.execute("UPDATE stages SET name = '高新技术企业（新名）' WHERE key = 'gaoqi'")
    assert seen.args == [None]                          # any firm may be concerned
    assert win.ledger.catalog().stage("gaoqi").name == "高新技术企业（新名）"
