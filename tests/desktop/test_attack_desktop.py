"""Attacks on the flows a person drives in the window: a firm file with unsaved edits while something else writes,
the window closes, the ledger is switched or restored; what a person drops on the window."""
from __future__ import annotations

import pytest

from desktop import dialogs
from tests.ui.helpers import window_on_small_ledger
from ui.firm import dialog as firm_dialog

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The window on the small ledger (tests/ui/helpers.small_ledger), warnings and notices as (title, text)."""
    yield from window_on_small_ledger(qtbot, tmp_path, monkeypatch, informs=True)


def firm_ids(win) -> list[int]:
    return [r[0] for r in win.ledger.conn.execute("SELECT id FROM firms ORDER BY id")]


def type_into(dlg, key: str, text: str) -> None:
    edit = dlg.profile.edits[key]
    edit.setText(text)                  # QTest cannot type Chinese; the signal a person's typing sends
    edit.textEdited.emit(text)


def value(win, firm_id: int, field: str):
    return win.ledger.conn.execute(f"SELECT {field} FROM firms WHERE id = ?", (firm_id,)).fetchone()[0]


def accept_service(monkeypatch, notes: str) -> None:
    """The service-record dialog answered 保存 with *notes* typed."""
    from ui.firm import services

    def exec_(self) -> int:
        self.notes.setPlainText(notes)
        return services.QDialog.Accepted
    monkeypatch.setattr(services.ServiceDialog, "exec", exec_)


# a firm file's unsaved edits while something else writes ------------------------------------------------------

def test_adding_a_service_record_keeps_the_unsaved_profile_edits(window, monkeypatch):
    """An officer types a 备注 in the firm file, then (before saving) adds the visit's service record on the next
    tab. The record's write re-read the firm file, profile included: the 备注 typed was gone, without a question
    (the dialog then had nothing unsaved, so closing it did not ask either). Now a re-read after a write keeps the
    profile's unsaved edits; the record appears in the list."""
    win, _told = window
    b = firm_ids(win)[1]
    dlg = win.open_firm(b)
    type_into(dlg, "remark", "下周回访，关注研发投入")
    accept_service(monkeypatch, "走访了解融资需求")
    assert dlg.add_service()
    assert dlg.profile.edits["remark"].text() == "下周回访，关注研发投入"
    assert dlg.unsaved() and dlg.save_button.isEnabled()
    assert [dlg.service_model.row(i)[3] for i in range(dlg.service_model.rowCount())] == ["走访了解融资需求"]
    assert not dlg.notice.isVisible()               # the firm itself did not change: nothing to warn about
    assert dlg.save_profile()
    assert value(win, b, "remark") == "下周回访，关注研发投入"
    assert not dlg.unsaved()


def test_a_bulk_change_of_an_open_firm_keeps_its_unsaved_edits_and_its_save_shows_the_change(window):
    """The firm file is open with an unsaved 备注 while the officer assigns 服务专员 to several firms in the table,
    this one among them. The bulk change re-read the firm file and threw the typed 备注 away. Judgement: the typing
    is kept and the file says the firm changed since it was opened; a save then meets the no-lost-update check
    (db/conflict.py) and is refused naming the new value, the typing still in the form (the rule of a colleague's
    change on a shared ledger, README "Live changes"); 放弃修改 reads the current values."""
    win, told = window
    ids = firm_ids(win)
    dlg = win.open_firm(ids[1])
    type_into(dlg, "remark", "下周回访")
    from ui.commands import UpdateFirms
    assert win.undo.push(UpdateFirms(win.ledger, ids, {"officer": "周玲"}))
    assert dlg.profile.edits["remark"].text() == "下周回访"
    assert dlg.notice.isVisibleTo(dlg) and "尚未保存的修改仍保留" in dlg.notice.text()
    assert "周玲" in dlg.subtitle.text()               # the current values are shown beside the kept typing
    assert not dlg.save_profile()
    assert told and "周玲" in told[-1][1] and "未保存" in told[-1][1]
    assert dlg.profile.edits["remark"].text() == "下周回访"
    assert value(win, ids[1], "remark") is None
    dlg.revert_button.click()
    assert dlg.profile.edits["officer"].text() == "周玲" and not dlg.unsaved()
    assert not dlg.notice.isVisibleTo(dlg)


def test_an_import_keeps_the_unsaved_edits_of_an_open_firm_file(window, tmp_path):
    """An import re-reads every open firm file (it may touch any firm): one with unsaved edits lost them even when
    the list did not name its firm."""
    win, _told = window
    ids = firm_ids(win)
    dlg = win.open_firm(ids[2])
    type_into(dlg, "contact_person", "刘洋")
    win.data_changed([])                              # what the import wizard's committed signal does
    assert dlg.profile.edits["contact_person"].text() == "刘洋" and dlg.unsaved()
    assert not dlg.notice.isVisibleTo(dlg)
    assert dlg.save_profile()
    assert value(win, ids[2], "contact_person") == "刘洋"


# closing the window, switching or restoring the ledger over unsaved edits ----------------------------------------

def answer_unsaved(monkeypatch, answer: str) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(firm_dialog, "ask_unsaved", lambda parent, name: asked.append(name) or answer)
    return asked


def test_closing_the_window_over_unsaved_edits_cancelled_keeps_the_window_open(window, monkeypatch):
    """The window's × with a firm file holding unsaved edits asks 保存 / 不保存 / 取消 (the firm file's question),
    but 取消 did not stop the window closing: the app ended with the edits on screen in an orphan dialog, then lost.
    Now 取消 keeps the window (and the firm file, its edits) open; 保存 saves and closes."""
    win, _told = window
    b = firm_ids(win)[1]
    dlg = win.open_firm(b)
    type_into(dlg, "remark", "下周回访")
    asked = answer_unsaved(monkeypatch, "cancel")
    assert not win.close()
    assert asked and win.isVisible() and dlg.isVisible()
    assert dlg.profile.edits["remark"].text() == "下周回访"
    asked = answer_unsaved(monkeypatch, "save")
    assert win.close()
    assert asked and not dlg.isVisible()
    assert value_after_close(win.ledger.path, b) == "下周回访"


def value_after_close(path, firm_id: int):
    import sqlite3
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT remark FROM firms WHERE id = ?", (firm_id,)).fetchone()[0]
    finally:
        conn.close()


def test_opening_another_ledger_over_unsaved_edits_cancelled_stays_on_this_one(window, monkeypatch, tmp_path):
    """文件 → 打开 while a firm file holds unsaved edits: 取消 in the question was ignored, the other ledger was
    opened and this one closed under the firm file, which stayed open on a closed ledger (its 保存 then failed with
    an unexpected error, the typing lost). Now 取消 keeps this ledger and the firm file; 不保存 switches."""
    win, _told = window
    before = win.ledger
    dlg = win.open_firm(firm_ids(win)[1])
    type_into(dlg, "remark", "下周回访")
    answer_unsaved(monkeypatch, "cancel")
    assert not win.menu_actions.switch_to(str(tmp_path / "另一个台账.db"), create=True)
    assert win.ledger is before and dlg.isVisible() and dlg.ledger is win.ledger
    assert not (tmp_path / "另一个台账.db").exists()
    assert dlg.save_profile()
    answer_unsaved(monkeypatch, "discard")
    dlg.profile.edits["remark"].setText("又改了")
    dlg.profile.edits["remark"].textEdited.emit("又改了")
    assert win.menu_actions.switch_to(str(tmp_path / "另一个台账.db"), create=True)
    assert win.ledger is not before and not dlg.isVisible() and win.firm_dialogs == {}


def test_restoring_a_backup_over_unsaved_edits_cancelled_restores_nothing(window, monkeypatch, tmp_path):
    """文件 → 从备份恢复 with a firm file holding unsaved edits: the restore went ahead whatever the answer to the
    unsaved question. Now 取消 there means no restore: the ledger, the firm file and its edits stay."""
    import desktop.actions as actions_mod
    from db.backup import backup
    win, told = window
    saved = backup(win.ledger.path, tmp_path / "备份", "manual").path
    before = win.ledger
    dlg = win.open_firm(firm_ids(win)[1])
    type_into(dlg, "remark", "下周回访")
    answer_unsaved(monkeypatch, "cancel")

    class Picker:
        @staticmethod
        def getOpenFileName(*_a, **_kw):  # noqa: N802 (Qt API)
            return (str(saved), "")
    monkeypatch.setattr(actions_mod, "QFileDialog", Picker)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **kw: True)
    win.menu_actions.restore.trigger()
    assert win.ledger is before and dlg.isVisible() and dlg.ledger is win.ledger
    assert dlg.profile.edits["remark"].text() == "下周回访"
    assert [t for t, _m in told] == []
    answer_unsaved(monkeypatch, "discard")


def test_a_restore_while_a_background_job_runs_is_refused_before_anything_is_closed(window, monkeypatch, tmp_path):
    """Right after start (the daily backup runs in the background) or during 立即备份 or an export, 文件 → 从备份恢复:
    the restore closed the ledger and replaced its file under the running job, then reopening it was refused as
    busy (切换台账 waits for background jobs), leaving the window with no ledger at all: every action then failed.
    Now the restore is refused first, with the reason, nothing closed or replaced."""
    import threading

    import desktop.actions as actions_mod
    from db.backup import backup
    win, told = window
    saved = backup(win.ledger.path, tmp_path / "备份", "manual").path
    with win.ledger.write() as w:
        w.insert_firm("武汉备份之后新增科技有限公司")
    before = win.ledger
    picked: list[str] = []

    class Picker:
        @staticmethod
        def getOpenFileName(*_a, **_kw):  # noqa: N802 (Qt API)
            picked.append("asked")
            return (str(saved), "")
    monkeypatch.setattr(actions_mod, "QFileDialog", Picker)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **kw: True)
    gate = threading.Event()
    win.workers.start(lambda progress, cancelled: gate.wait(20))
    try:
        win.menu_actions.restore.trigger()
    finally:
        gate.set()
        win.workers.pool.waitForDone(20000)
    assert win.ledger is before
    assert len(firm_ids(win)) == 5                      # the file was not replaced
    assert told == [("请稍候", actions_mod.MSG_BUSY_RESTORE)] and picked == []


# what a person drops on the window ------------------------------------------------------------------------------

def drop(win, paths) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    win.dropEvent(QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))


def test_dropping_several_lists_says_which_are_not_imported(window, monkeypatch, tmp_path):
    """Three lists dropped on the window at once (two spreadsheets and a photo): the first spreadsheet's import
    opened and the others were dropped without a word, so the person believed all three imported. Judgement: one
    import at a time (each is previewed and is its own batch); the first is opened and a notice names each file not
    imported, to drop again after this one."""
    win, told = window
    opened: list[str] = []
    monkeypatch.setattr(win.menu_actions, "import_file", opened.append)
    files = [tmp_path / "高企名单.xlsx", tmp_path / "科小名单.csv", tmp_path / "照片.jpg"]
    drop(win, files)
    assert opened == [str(files[0])]
    assert len(told) == 1
    title, text = told[0]
    assert "科小名单.csv" in text and "照片.jpg" in text and "高企名单.xlsx" in text
    told.clear()
    drop(win, files[:1])                                 # one list: no notice
    assert opened == [str(files[0])] * 2 and told == []


# the settings page -----------------------------------------------------------------------------------------------

def test_a_name_typed_in_settings_and_left_unsaved_is_not_lost_nor_are_changes_misattributed(qtbot, window):
    """A new officer opens 设置, types their name over the previous officer's and goes back to 台账 without pressing
    保存设置: the name was dropped, and every change they made next was written to the audit log under the previous
    officer's name. Judgement: a setting typed and left is meant; leaving the page saves it (and says so), as a
    settings page commonly does."""
    win, _told = window
    page = win.show_tab("设置")
    qtbot.waitUntil(page.isVisible)
    page.officer.setText("陈静")
    page.officer.textEdited.emit("陈静")
    win.show_tab("台账")
    assert win.settings.get("user/officer") == "陈静" and win.ledger.officer == "陈静"
    assert page.status.text() == "已保存"
    from ui.commands import UpdateFirms
    fid = firm_ids(win)[0]
    assert win.undo.push(UpdateFirms(win.ledger, [fid], {"remark": "陈静填写"}))
    who = win.ledger.conn.execute("SELECT officer FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert who == "陈静"


def test_opening_the_ledger_already_open_keeps_it_writable(window, monkeypatch):
    """文件 → 打开 (or 最近打开) of the ledger the window already shows: it was opened a second time, read-only (this
    window held its lock), then the first was closed, so the window went on read-only on its own ledger, the banner
    saying another copy of 星图 was writing it, every change refused until the app was restarted. Now it is
    recognised (same file, whatever the path's spelling) and left as it is, the status bar saying so."""
    import os
    win, _told = window
    before = win.ledger
    monkeypatch.chdir(before.path.parent)
    for spelling in (str(before.path), os.path.join(".", before.path.name)):
        assert win.menu_actions.switch_to(spelling)
        assert win.ledger is before and not win.ledger.readonly and not win.banner.isVisible()
        assert "已打开" in win.statusBar().currentMessage()
