"""The import wizard's mapping step, attacked headless (engineer G): what a person picks is what is imported,
column for column, even where two columns are headed alike."""
from __future__ import annotations

import pytest

from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx
from tests.ui.test_import_wizard_lists import commit, fields, open_wizard, to_mapping  # noqa: F401  (fixture)

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_mapping_one_of_two_columns_headed_alike(qtbot, open_wizard, ledger, tmp_path):  # noqa: F811
    rows = [["企业名称", "统一社会信用代码", "电话", "电话"], ["武汉同名列科技有限公司", R.CODES[0], "旧号码", "13800000000"]]
    wiz = open_wizard(write_simple_xlsx(tmp_path, "同名列.xlsx", rows))
    to_mapping(qtbot, wiz)
    page = wiz.mapping
    assert fields(wiz) == ["name", "code", "contact_phone", None]
    page.combos[3].setCurrentIndex(page.combos[3].findData("contact_phone"))     # the second 电话, by hand
    qtbot.waitUntil(page.isComplete, timeout=20000)
    page.combos[2].setCurrentIndex(0)                                             # the first: 忽略
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert wiz.plan.mapping == {0: "name", 1: "code", 3: "contact_phone"}
    commit(qtbot, wiz)
    assert ledger.conn.execute("SELECT contact_phone FROM firms").fetchall() == [("13800000000",)]
