"""The firm file: validated profile edits (a bad code says why), timeline, former names, services, audit."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QDialog

from desktop.undo import UndoManager
from tests.ui.helpers import firm_file, small_ledger
from ui.firm.dialog import FirmFileDialog
from ui.firm.services import ServiceDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot, ledger):
    dlg, undo, b = firm_file(qtbot, ledger)
    yield dlg, undo, ledger, b
    undo.deleteLater()


def type_into(edit, text):
    edit.setText(text)
    edit.textEdited.emit(text)


def test_profile_shows_the_firm_and_rejects_a_bad_code_with_the_reason(dialog):
    dlg, undo, ledger, b = dialog
    p = dlg.profile
    assert p.edits["name"].text() == "湖北光谷智能装备有限公司"
    assert p.street.currentText() == "杨园"
    type_into(p.edits["code"], "9142010612345")
    assert p.notes["code"].text() == "统一社会信用代码应为 18 位，实为 13 位"
    assert not dlg.save_button.isEnabled()
    type_into(p.edits["code"], "91420106223456780U")      # right length, wrong check characters: a warning
    assert p.notes["code"].text().startswith("组织机构代码（第 9-17 位）校验位不符") or \
        p.notes["code"].text().startswith("统一社会信用代码校验位不符")
    assert dlg.save_button.isEnabled()
    type_into(p.edits["employees"], "三十")
    assert p.notes["employees"].text() == "“三十”不是整数"
    assert not dlg.save_button.isEnabled()


def test_profile_edit_is_saved_audited_and_undoable(dialog):
    dlg, undo, ledger, b = dialog
    p = dlg.profile
    type_into(p.edits["officer"], "陈静")
    type_into(p.edits["revenue"], "6,400")
    type_into(p.edits["name"], "湖北光谷智能装备股份有限公司")
    assert dlg.save_profile()
    row = ledger.conn.execute("SELECT name, officer, revenue FROM firms WHERE id = ?", (b,)).fetchone()
    assert row == ("湖北光谷智能装备股份有限公司", "陈静", 6400.0)
    aliases = [r[0] for r in dlg.alias_model._rows]
    assert aliases == ["湖北光谷智能装备有限公司", "武昌旧名称科技有限公司"]
    assert dlg.audit_model.row(0)[2] == "修改企业"
    undo.stack.undo()
    row = ledger.conn.execute("SELECT name, officer, revenue FROM firms WHERE id = ?", (b,)).fetchone()
    assert row == ("湖北光谷智能装备有限公司", "张敏", None)
    assert p.edits["officer"].text() == "张敏"             # the open file re-read itself


def test_a_save_over_someone_elses_newer_change_is_refused_with_who_and_what(qtbot, ledger):
    a, b, c, d = small_ledger(ledger)
    told = []
    undo = UndoManager(report=told.append)
    dlg = FirmFileDialog(ledger, b, undo.push)
    qtbot.add_widget(dlg)
    ledger.officer = "另一位专员"
    with ledger.write() as w:                      # saved elsewhere while the file was open
        w.update_firm(b, officer="李华")
    type_into(dlg.profile.edits["revenue"], "6,400")
    assert not dlg.save_profile()
    assert len(told) == 1 and "已被 另一位专员" in told[0] and "服务专员：李华（您看到的是：张敏）" in told[0]
    assert ledger.conn.execute("SELECT officer, revenue FROM firms WHERE id = ?", (b,)).fetchone() == ("李华", None)
    assert undo.stack.count() == 0
    dlg.reload()                                  # seen the new values: the same edit now saves
    type_into(dlg.profile.edits["revenue"], "6,400")
    assert dlg.save_profile()
    assert ledger.conn.execute("SELECT officer, revenue FROM firms WHERE id = ?", (b,)).fetchone() == ("李华", 6400.0)
    undo.deleteLater()


def test_timeline_and_services(dialog, monkeypatch):
    dlg, undo, ledger, b = dialog
    events = [(r[0], r[1], r[2]) for r in dlg.timeline_model._rows]
    assert events == [("2023-01-01", "获得", "繁星"), ("2024-05-01", "晋级", "繁星 → 新星")]
    values = {"date": "2025-04-02", "officer": "张敏", "kind": "走访", "notes": "了解研发投入",
              "follow_up": "2025-05-01"}
    monkeypatch.setattr(ServiceDialog, "exec", lambda self: QDialog.Accepted)
    monkeypatch.setattr(ServiceDialog, "values", lambda self: values)
    assert dlg.add_service()
    assert dlg.service_model.row(0) == ["2025-04-02", "张敏", "走访", "了解研发投入", "2025-05-01"]
    dlg.service_view.selectRow(0)
    values = {**values, "notes": "了解研发投入，已对接高企申报"}
    assert dlg.edit_service()
    assert dlg.service_model.row(0)[3] == "了解研发投入，已对接高企申报"
    undo.stack.undo()
    assert dlg.service_model.row(0)[3] == "了解研发投入"
    undo.stack.undo()
    assert dlg.service_model.rowCount() == 0


def test_timeline_lapse_and_renewal(qapp, ledger):
    from db import firm_file
    with ledger.write() as w:
        f = w.insert_firm("续期测试有限公司", None)
        w.add_designation(f, "gaoqi", date(2018, 5, 1))            # ends 2021-05-01, renewed 2021-04-20
        w.add_designation(f, "gaoqi", date(2021, 4, 20))           # ends 2024-04-20, not renewed: lapsed
    got = [(e.day, e.kind) for e in firm_file.timeline(ledger.conn, ledger.catalog(), f, date(2025, 1, 1))]
    assert got == [("2018-05-01", "获得"), ("2021-04-20", "续期"), ("2021-04-30", "到期"), ("2024-04-20", "失效")]


def test_edit_service_is_offered_only_with_a_record_selected(dialog, qtbot, monkeypatch):
    """修改所选记录 did nothing, silently, when no record was selected."""
    dlg, undo, ledger, b = dialog
    button = dlg.edit_service_button
    assert not button.isEnabled() and "选择一条服务记录" in button.toolTip()
    with ledger.write() as w:
        w.add_service(b, "2024-03-01", officer="张敏", kind="走访", notes="了解研发投入")
    dlg.reload()
    assert dlg.service_model.rowCount() == 1 and not button.isEnabled()
    dlg.service_view.selectRow(0)
    assert button.isEnabled() and button.toolTip() == ""
    dlg.reload()                                  # a re-read clears the selection: the button follows
    assert not button.isEnabled()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_firm_file_fits_a_1366_by_768_screen_at_125_percent(dialog, qtbot):
    """The profile form made the dialog at least 624 pt tall; a 1366×768 screen at 125% leaves about 580 pt (less
    the taskbar): 保存修改 was off the screen. The fields now scroll and the buttons stay in view."""
    dlg, undo, ledger, b = dialog
    assert dlg.minimumSizeHint().height() <= 560, dlg.minimumSizeHint()
    dlg.resize(1053, 560)
    dlg.show()
    qtbot.waitExposed(dlg)
    for button in (dlg.save_button, dlg.revert_button):
        corner = button.mapTo(dlg, button.rect().bottomRight())
        assert dlg.rect().contains(corner), (corner, dlg.size())
