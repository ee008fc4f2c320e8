"""The import wizard's mapping step, attacked headless (engineer G): what a person picks is what is imported,
column for column, even where two columns are headed alike."""
from __future__ import annotations

import pytest

from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx
from tests.ui.helpers import commit, fields, to_mapping

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_mapping_one_of_two_columns_headed_alike(qtbot, open_wizard, ledger, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "电话", "电话"],
            ["武汉同名列科技有限公司", R.CODES[0], "旧号码", "13800000000"]]
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


def test_a_vertical_form_says_why_in_the_wizard(qtbot, open_wizard, tmp_path):
    rows = [["企业名称", "武汉竖排科技有限公司"], ["统一社会信用代码", R.CODES[0]],
            ["注册地址", "武汉市武昌区中南路街道1号"],
            ["联系人", "张三"]]
    wiz = open_wizard(write_simple_xlsx(tmp_path, "申报表.xlsx", rows))
    to_mapping(qtbot, wiz)
    page = wiz.mapping
    qtbot.waitUntil(lambda: "竖排" in page.message.text(), timeout=20000)
    assert not page.isComplete() and wiz.plan is None


def test_a_second_table_is_reported_in_the_preview(qtbot, open_wizard, ledger, tmp_path):
    rows = [["序号", "企业名称", "统一社会信用代码"], [1, "武汉表一科技有限公司", R.CODES[0]],
            ["序号", "统一社会信用代码", "单位名称"], [1, R.CODES[1], "武汉表二科技有限公司"]]
    wiz = open_wizard(write_simple_xlsx(tmp_path, "两表.xlsx", rows))
    to_mapping(qtbot, wiz)
    qtbot.waitUntil(wiz.mapping.isComplete, timeout=20000)
    assert [(r.excel_row, r.status) for r in wiz.plan.rows] == [(2, "new"), (4, "error")]
    commit(qtbot, wiz)
    assert ledger.conn.execute("SELECT name FROM firms").fetchall() == [("武汉表一科技有限公司",)]
