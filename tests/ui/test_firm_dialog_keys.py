"""The firm file's keys: Enter in a field does not throw the typing away, Ctrl+S saves, and closing (Esc, the
window's ×) with unsaved edits asks first instead of losing them."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.helpers import firm_file
from ui.firm import dialog as firm_dialog

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def shown(qtbot, ledger):
    dlg, undo, b = firm_file(qtbot, ledger, show=True)
    yield dlg, ledger, b
    undo.deleteLater()


def officer(ledger, firm_id):
    return ledger.conn.execute("SELECT officer FROM firms WHERE id = ?", (firm_id,)).fetchone()[0]


def type_officer(qtbot, dlg, text="陈静"):
    edit = dlg.profile.edits["officer"]
    edit.setFocus()
    edit.setText(text)                      # QTest cannot type Chinese; the signal a person's typing sends
    edit.textEdited.emit(text)
    return edit


def test_enter_in_a_field_saves_and_never_reverts_the_typing(qtbot, shown):
    dlg, ledger, b = shown
    edit = type_officer(qtbot, dlg)
    assert not dlg.revert_button.isDefault() and not dlg.revert_button.autoDefault()
    qtbot.keyClick(edit, Qt.Key_Return)
    assert officer(ledger, b) == "陈静"                 # saved, not thrown away by 放弃修改
    assert edit.text() == "陈静"


def test_ctrl_s_saves_the_profile(qtbot, shown):
    dlg, ledger, b = shown
    edit = type_officer(qtbot, dlg, "王芳")
    qtbot.keyClick(edit, Qt.Key_S, Qt.ControlModifier)
    assert officer(ledger, b) == "王芳"


@pytest.mark.parametrize("answer, saved, closed", [("save", "陈静", True), ("discard", "张敏", True),
                                                   ("cancel", "张敏", False)])
def test_esc_with_unsaved_edits_asks_first(qtbot, shown, monkeypatch, answer, saved, closed):
    dlg, ledger, b = shown
    asked = []
    monkeypatch.setattr(firm_dialog, "ask_unsaved", lambda parent, name: asked.append(name) or answer)
    edit = type_officer(qtbot, dlg)
    qtbot.keyClick(edit, Qt.Key_Escape)
    assert asked == ["湖北光谷智能装备有限公司"]
    assert officer(ledger, b) == saved
    assert dlg.isVisible() is not closed
    if not closed:
        dlg.reload()                                  # edits put back: closes without asking again
        dlg.close()
        assert asked == ["湖北光谷智能装备有限公司"]


def test_esc_without_edits_closes_without_asking(qtbot, shown, monkeypatch):
    dlg, ledger, b = shown
    monkeypatch.setattr(firm_dialog, "ask_unsaved", lambda parent, name: pytest.fail("asked"))
    qtbot.keyClick(dlg.tabs, Qt.Key_Escape)
    assert not dlg.isVisible()


def test_the_unsaved_question_is_in_chinese(qtbot, qapp):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        seen.extend(b.text() for b in box.buttons())
        box.reject()
    QTimer.singleShot(0, answer)
    assert firm_dialog.ask_unsaved(None, "某公司") == "cancel"
    assert sorted(seen) == sorted(["保存", "不保存", "取消"])


@pytest.mark.parametrize("key, expected", [("escape", False), ("enter", False), ("discard", True)])
def test_the_unsaved_service_record_question_keeps_the_typing_unless_told(qtbot, qapp, key, expected):
    """添加服务记录 closed over typing asks 放弃 / 继续填写: Esc and Enter keep the typing (继续填写)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.firm.services import ask_discard

    def answer():
        box = QApplication.activeModalWidget()
        if key == "escape":
            box.reject()
        elif key == "enter":
            box.defaultButton().click()
        else:
            next(b for b in box.buttons() if b.text() == "放弃").click()
    QTimer.singleShot(0, answer)
    assert ask_discard(None) is expected
