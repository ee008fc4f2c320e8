"""Attacks on the firm file and its dialogs as a person drives them (pytest-qt, the dialogs without the window)."""
from __future__ import annotations

import pytest

from tests.ui.helpers import names, small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def read_only(qtbot, ledger):
    """The small ledger opened a second time (read-only: the fixture's ledger holds the write lock), and its
    firm file of the renamed firm: (dialog, the read-only ledger, firm id, the pushes it made)."""
    from db.ledger import Ledger
    from ui.firm.dialog import FirmFileDialog
    _a, b, _c, _d = small_ledger(ledger)
    with ledger.write() as w:
        w.add_service(b, "2024-03-01", officer="张敏", kind="走访", notes="了解研发情况")
    second = Ledger(ledger.path, readonly=None)
    assert second.readonly
    pushed: list = []
    dlg = FirmFileDialog(second, b, lambda command: pushed.append(command) or False)
    qtbot.add_widget(dlg)
    dlg.show()
    yield dlg, second, b, pushed
    dlg.close()
    second.close()


def test_a_read_only_firm_file_offers_nothing_to_type_that_cannot_be_saved(qtbot, read_only):
    """A ledger opened read-only (another copy of 星图 writes it, a CD, a viewer of a shared ledger): the firm file
    hid 保存修改 but its fields stayed editable and 添加服务记录 / 修改所选记录 stayed enabled. A person typed a whole
    visit into the service-record dialog, pressed 保存 and was told only then that nothing can be written (the
    typing gone with the dialog); typing in the profile was dropped on close without a word. Now every field is
    read-only and the two buttons are disabled, their tooltip saying why, before anything is typed."""
    dlg, second, _b, pushed = read_only
    assert all(edit.isReadOnly() for edit in dlg.profile.edits.values())
    assert not dlg.profile.street.isEnabled()
    assert dlg.save_button.isHidden() and dlg.revert_button.isHidden()
    dlg.service_view.selectRow(0)
    for button in (dlg.add_service_button, dlg.edit_service_button):
        assert not button.isEnabled()
        assert "只读" in button.toolTip()
    assert not dlg.add_service() and not dlg.edit_service() and pushed == []
    dlg.refresh()                                         # a re-read (another program wrote) keeps it so
    assert dlg.profile.edits["remark"].isReadOnly() and not dlg.add_service_button.isEnabled()


def test_editing_a_service_record_changed_since_it_was_read_is_refused_with_the_current_values(qtbot, ledger,
                                                                                             monkeypatch):
    """Two officers on a shared ledger have the same firm file open; one corrects a visit's 内容, the other edits
    the same record a minute later from the list read before. 修改服务记录 carried no values seen (the profile's save
    does): the second save overwrote the first officer's correction without a word. Now the edit carries the record
    as the list showed it and is refused (db/conflict.py), naming the current value; nothing is overwritten.
    (On the file a second writer cannot exist; the colleague is simulated by a write during the dialog.)"""
    from desktop.undo import UndoManager
    from ui.firm import services
    from ui.firm.dialog import FirmFileDialog
    _a, b, _c, _d = small_ledger(ledger)
    with ledger.write() as w:
        rid = w.add_service(b, "2024-03-01", officer="张敏", kind="走访", notes="了解研发情况")
    reported: list[str] = []
    undo = UndoManager(report=reported.append)
    dlg = FirmFileDialog(ledger, b, undo.push)
    qtbot.add_widget(dlg)
    dlg.service_view.selectRow(0)

    def colleague_then_save(self) -> int:
        if self.notes.toPlainText() != "了解研发情况":        # the dialog came back with the typing: 取消
            return services.QDialog.Rejected
        with ledger.write() as w:                             # the colleague's correction lands meanwhile
            w.update_service(rid, notes="了解研发情况，企业拟申报高企")
        self.notes.setPlainText("了解研发情况（已电话确认）")
        return services.QDialog.Accepted
    monkeypatch.setattr(services.ServiceDialog, "exec", colleague_then_save)
    assert not dlg.edit_service()
    notes = ledger.conn.execute("SELECT notes FROM service_records WHERE id = ?", (rid,)).fetchone()[0]
    assert notes == "了解研发情况，企业拟申报高企"
    assert reported and "企业拟申报高企" in reported[-1]
    undo.deleteLater()


@pytest.mark.parametrize("action", ["add", "edit"])
def test_a_refused_service_record_comes_back_with_what_was_typed(qtbot, ledger, monkeypatch, action):
    """A whole visit typed into 添加服务记录 (or 修改服务记录), 保存, and the write is refused (the record changed
    since, the ledger file moved, the lock taken over): the warning said 未保存 and the dialog was gone with the typing.
    Now the dialog comes back with what was typed, to correct, copy or cancel."""
    from ui.firm import services
    from ui.firm.dialog import FirmFileDialog
    _a, b, _c, _d = small_ledger(ledger)
    with ledger.write() as w:
        w.add_service(b, "2024-03-01", officer="张敏", kind="走访", notes="了解研发情况")
    pushes: list = []
    dlg = FirmFileDialog(ledger, b, lambda command: pushes.append(command) and False)
    qtbot.add_widget(dlg)
    dlg.service_view.selectRow(0)
    shown: list[str] = []

    def exec_(self) -> int:
        shown.append(self.notes.toPlainText())
        if len(shown) == 1:
            self.notes.setPlainText("走访：企业拟明年申报专精特新，需辅导")
            return services.QDialog.Accepted
        return services.QDialog.Rejected
    monkeypatch.setattr(services.ServiceDialog, "exec", exec_)
    assert not (dlg.add_service() if action == "add" else dlg.edit_service())
    assert len(pushes) == 1
    assert shown[1] == "走访：企业拟明年申报专精特新，需辅导"


@pytest.mark.parametrize("answer", [False, True])
def test_esc_in_a_service_record_with_typing_asks_first(qtbot, monkeypatch, answer):
    """Esc (or 取消, or the ×) in the service-record dialog after typing a visit's 内容 closed it at once, the typing
    gone: the firm file asks before unsaved edits are lost, this dialog did not. Now it asks (放弃 / 继续填写);
    继续填写 keeps the dialog and the typing. Without typing it closes without asking."""
    from PySide6.QtCore import Qt

    from ui.firm import services
    asked: list[str] = []
    monkeypatch.setattr(services, "ask_discard", lambda parent: asked.append("asked") or answer, raising=False)
    dlg = services.ServiceDialog(officer="张敏")
    qtbot.add_widget(dlg)
    dlg.show()
    qtbot.keyClick(dlg, Qt.Key_Escape)
    assert asked == [] and not dlg.isVisible()
    dlg.show()
    dlg.notes.setPlainText("走访：企业拟申报专精特新")
    qtbot.keyClick(dlg, Qt.Key_Escape)
    assert asked == ["asked"]
    assert dlg.isVisible() is not answer
    assert dlg.notes.toPlainText() == "走访：企业拟申报专精特新"
    dlg.hide()


def test_a_percentage_typed_as_a_target_is_refused_not_read_as_firms(qtbot, ledger, monkeypatch):
    """指标 page: an officer types 80% in a street's share of 净增高新技术企业 (meaning 80% of the district's 80), or
    a 任务分解表 column holds 完成率-style percentages: 80% was stored as a target of 80 firms, the street's figure then
    wrong in every report. A target counts firms; a percentage is refused with the reason, nothing written."""
    from db import dashboard_queries as dq
    from ui import targets as mod
    warnings: list[str] = []
    monkeypatch.setattr(mod.QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    panel = mod.TargetsPanel(ledger)
    qtbot.add_widget(panel)
    share = 4 + panel.streets.index("杨园")
    for typed in ("80%", "８０％"):
        assert not panel.set_cell(1, share, typed)
        assert typed in warnings[-1]
    assert [t for t in dq.target_rows(ledger.conn, 2023) if t["street"]] == []


@pytest.mark.parametrize("late", [True, False])
def test_esc_while_an_import_commits_keeps_the_wizard_until_it_says_what_happened(qtbot, ledger, tmp_path,
                                                                                  monkeypatch, open_wizard, late):
    """Esc (or the wizard's 取消, or its ×) pressed while the import is being written, a moment after the batch
    was committed but before the wizard heard so: the wizard closed at once, its summary (已写入台账，批次 N) shown on
    no screen; the person believed the import cancelled while the batch was in the ledger. Judgement: during the
    commit those keys mean 取消写入 and the wizard stays until the job reports: 已取消，台账未改动 (rolled back
    whole) or, when the commit was already done, the batch's summary (undone from 导入历史)."""
    import threading
    import time

    import importers.plan as plan_mod
    from desktop.sample_list import write_sample_list
    from tests.ui.helpers import C1, C2, to_mapping
    small_ledger(ledger)
    path = write_sample_list(tmp_path / "拟认定名单.xlsx",
                             [("武汉星辰科技有限公司", C1, "积玉桥"), ("湖北光谷智能装备有限公司", C2, "杨园")])
    real = plan_mod.commit_plan
    running = threading.Event()

    def wait_for_cancel(cancel) -> None:
        running.set()
        for _ in range(2000):                   # the thread has not reported yet when the person presses Esc
            if cancel():
                return
            time.sleep(0.005)

    def commit_slowly(ledger_, plan, *, progress=None, cancel=None, **kw):
        if late:                                # the whole batch written and committed, then Esc
            batch = real(ledger_, plan, progress=progress, **kw)
            wait_for_cancel(cancel)
            return batch
        wait_for_cancel(cancel)                 # Esc, then the writing meets the cancel: rolled back
        return real(ledger_, plan, progress=progress, cancel=cancel, **kw)
    monkeypatch.setattr(plan_mod, "commit_plan", commit_slowly)
    wiz = open_wizard(path)
    committed: list[int] = []
    wiz.committed.connect(committed.append)
    to_mapping(qtbot, wiz)
    firms = names(ledger)
    wiz.next()                                      # → preview
    wiz.next()                                      # → commit, in a worker
    qtbot.waitUntil(running.is_set, timeout=20000)
    wiz.reject()
    assert wiz.isVisible()
    qtbot.waitUntil(lambda: wiz.over, timeout=20000)
    assert wiz.isVisible()
    batch = ledger.conn.execute("SELECT max(id) FROM batches").fetchone()[0]
    if late:
        assert committed == [batch]
        assert f"批次 {batch}" in wiz.commit_page.status.text()
    else:
        assert committed == [] and batch is None and names(ledger) == firms
        assert "台账未改动" in wiz.commit_page.status.text()


def test_ctrl_z_of_an_added_designation_keeps_a_later_change_of_it(qapp, ledger):
    """An officer adds 高新技术企业 to a firm (企业 → 添加认定); a colleague (or the recognition list imported next)
    fills in its certificate number; the officer then presses Ctrl+Z for something else. The undo deleted the
    designation with the certificate number the colleague typed: every other undo (a field, a service record, the
    tier a star move ended) is refused when its row changed since, this one was not. Now it is refused, naming
    the change, and the designation stays as the colleague left it."""
    from datetime import date

    from desktop.undo import UndoManager
    from ui.commands import AddDesignation
    _a, _b, c, _d = small_ledger(ledger)
    messages: list[str] = []
    undo = UndoManager(report=messages.append)
    assert undo.push(AddDesignation(ledger, [c], "gaoqi", date(2024, 12, 1)))
    (did,) = [r[0] for r in ledger.conn.execute(
        "SELECT id FROM designations WHERE firm_id = ? AND deleted_at IS NULL", (c,))]
    with ledger.write() as w:
        w.update_designation(did, evidence="GR202442000321")
    undo.stack.undo()
    row = ledger.conn.execute("SELECT evidence, deleted_at FROM designations WHERE id = ?", (did,)).fetchone()
    assert row == ("GR202442000321", None)
    assert len(messages) == 1 and "GR202442000321" in messages[0]
    undo.deleteLater()
