"""The start page of an empty ledger: each choice's explanation is shown whole (it was cut to its first line)."""
from __future__ import annotations

import pytest

from ui.start_page import CHOICES, COLUMN_WIDTH, StartPage

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.mark.parametrize("size", [(1366, 680), (1093, 520), (800, 500)])
def test_every_explanation_is_shown_whole(qtbot, qapp, size):
    page = StartPage()
    qtbot.add_widget(page)
    page.resize(*size)
    page.show()
    qtbot.waitExposed(page)
    qapp.processEvents()
    notes = page.notes
    assert [n.text() for n in notes] == [note for _k, _t, note in CHOICES]
    for label in notes:
        needed = label.heightForWidth(label.contentsRect().width())
        assert label.height() >= needed, (label.text(), label.size(), needed)
        assert label.width() <= COLUMN_WIDTH
