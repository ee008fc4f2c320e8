"""设置: the page's one action is a normal-size button at the right, not a bar across the window."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.mark.parametrize("width", [1366, 1093, 800])
def test_the_save_button_is_normal_size_and_right_aligned(qtbot, width):
    from desktop.settings import Settings
    from ui.settings_page import SettingsPage
    page = SettingsPage(Settings(), SimpleNamespace(path="C:/Users/张敏/Documents/星图/企业梯度培育台账.db"),
                        "C:/Users/张敏/AppData/Local/xingtu/backups")
    qtbot.add_widget(page)
    page.resize(width, 600)
    page.show()
    qtbot.waitExposed(page)
    save = page.save_button
    assert save.width() <= save.sizeHint().width() + 8, (save.width(), save.sizeHint())
    field_right = page.officer.mapTo(page, page.officer.rect().topRight()).x()
    save_right = save.mapTo(page, save.rect().topRight()).x()
    assert abs(save_right - field_right) <= 2, (save_right, field_right)        # right edge of the form
    for child in (page.officer, page.days, save):
        assert child.mapTo(page, child.rect().topRight()).x() < width
