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
