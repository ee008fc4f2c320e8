"""Attacks on the firm file and its dialogs as a person drives them (pytest-qt, the dialogs without the window)."""
from __future__ import annotations

import pytest

from tests.ui.helpers import small_ledger

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
