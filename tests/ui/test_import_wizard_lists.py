"""The import wizard never dead-ends (issue 11, point 4) and shows what a person did (issue 14): driven
through a list whose name column is headed 公司全称, one with English headers, and one whose name column no
header names; values in the preview as written; counts as the person acted; widths kept; fits 1366×768."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from importers.plan import build_plan
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx
from tests.ui.helpers import commit, fields, names, to_mapping
from ui.importer.preview_model import describe_changes
from ui.importer.wizard import COLUMNS_KEY, settings

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
FILMS = [["2024年文旅企业名单"], ["代号", "主体", "所属行业"], ["A1", "阿房宫", "文旅"], ["A2", "黄鹤楼", "文旅"]]



def test_full_name_column_headed_gongsi_quancheng(qtbot, open_wizard, ledger, tmp_path, qtmodeltester):
    wiz = open_wizard(R.write_exchange_xlsx(tmp_path))
    to_mapping(qtbot, wiz)
    page = wiz.mapping
    qtmodeltester.check(page.mapping, force_py=True)
    assert [page.mapping.row(i)[1] for i in range(page.mapping.rowCount())] == [
        "证券代码", "A股简称", "公司全称", "英文名称", "统一社会信用代码", "注册地址"]
    assert fields(wiz) == [None, None, "name", None, "code", "address"]
    assert page.combos[0].itemText(0) == "忽略（不导入）"
    assert page.isComplete() and wiz.plan is not None
    wiz.next()
    qtmodeltester.check(wiz.preview.model, force_py=True)
    wiz.next()
    qtbot.waitUntil(lambda: wiz.over, timeout=20000)
    assert names(ledger) == ["武汉星图股份有限公司", "长江智能装备股份有限公司", "楚天光电科技股份有限公司"]


def test_english_headers(qtbot, open_wizard, ledger, tmp_path, qtmodeltester):
    wiz = open_wizard(R.write_english_csv(tmp_path))
    to_mapping(qtbot, wiz)
    qtmodeltester.check(wiz.mapping.mapping, force_py=True)
    assert fields(wiz) == [None, "name", "code", "address", "industry"]
    assert wiz.mapping.isComplete()
    commit(qtbot, wiz)
    assert names(ledger) == ["武汉英文表头一号科技有限公司", "武汉英文表头二号科技有限公司"]


def test_no_recognised_column_is_not_a_dead_end_and_remembering_is_asked_for(qtbot, open_wizard, ledger, tmp_path):
    wiz = open_wizard(write_simple_xlsx(tmp_path, "文旅.xlsx", FILMS))
    to_mapping(qtbot, wiz)
    page = wiz.mapping
    assert page.mapping.rowCount() == 3 and fields(wiz) == [None, None, "industry"]
    assert not page.isComplete() and "没有找到企业名称" in page.message.text()
    page.combos[1].setCurrentIndex(page.combos[1].findData("name"))      # the person maps 主体 by hand
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert wiz.plan.header_row == 2 and [r.name for r in wiz.plan.rows] == ["阿房宫", "黄鹤楼"]
    page.remember.setChecked(True)
    commit(qtbot, wiz)
    assert "已记住此列对应关系" in wiz.commit_page.status.text()
    again = build_plan(ledger, write_simple_xlsx(tmp_path, "文旅2.xlsx", FILMS[:2] + [["A3", "古琴台", "文旅"]]))
    assert again.mapping == {1: "name", 2: "industry"}


def test_a_one_off_mapping_is_not_remembered(qtbot, open_wizard, ledger, tmp_path):
    wiz = open_wizard(write_simple_xlsx(tmp_path, "文旅.xlsx", FILMS))
    to_mapping(qtbot, wiz)
    wiz.mapping.combos[1].setCurrentIndex(wiz.mapping.combos[1].findData("name"))
    qtbot.waitUntil(wiz.mapping.isComplete, timeout=20000)
    commit(qtbot, wiz)
    with pytest.raises(Exception, match="找不到企业名称列"):
        build_plan(ledger, write_simple_xlsx(tmp_path, "文旅2.xlsx", FILMS))


def test_the_header_row_can_be_changed(qtbot, open_wizard, tmp_path):
    rows = [["说明：本表由某系统导出"], ["企业名称", "统一社会信用代码"], ["武汉改行一号科技有限公司", R.CODES[0]]]
    wiz = open_wizard(write_simple_xlsx(tmp_path, "改行.xlsx", rows))
    to_mapping(qtbot, wiz)
    page = wiz.mapping
    assert page.header_row.value() == 2 and fields(wiz) == ["name", "code"]
    page.header_row.setValue(1)
    page.reread()
    assert page.mapping.rowCount() == 1 and not page.isComplete()
    page.header_row.setValue(2)
    page.reread()
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert wiz.plan.header_row == 2


def test_values_as_written_and_counts_as_the_person_acted(qtbot, open_wizard, ledger, tmp_path):
    with ledger.write() as w:
        w.insert_firm("武汉中间一号科技有限公司", R.CODES[50], reg_capital=100.0)
    wb_rows = [["企业名称", "统一社会信用代码", "注册资本", "成立日期"],
               ["武汉中间一号科技有限公司", R.CODES[50], 2024, 45288], [None, None, None, None],
               ["武汉中间二号科技有限公司", R.CODES[51], 10, 45288], ["注：以上排名不分先后", None, None, None]]
    wiz = open_wizard(write_simple_xlsx(tmp_path, "数值.xlsx", wb_rows))
    assert wiz.source.grid.row(1)[2] == "2024"                    # not 2024.0
    to_mapping(qtbot, wiz)
    assert wiz.mapping.mapping.row(3)[2] == "2023-12-28；2023-12-28"      # a date serial shown as the date
    wiz.next()
    model = wiz.preview.model
    assert describe_changes(model.plan_row(0)) == "成立日期：（空） → 2023-12-28；注册资本（万元）：100 → 2024"
    assert model.setData(model.index(1, 0), Qt.Unchecked, Qt.CheckStateRole)
    text = wiz.preview.summary.text()
    assert "已取消勾选 1 行" in text and "空行 1 行" in text and "表格下方的说明 1 行" in text
    assert "整份名单：“成立日期”列有 2 个单元格是数字" in text          # said on the page before writing
    tip = model.data(model.index(0, 5), Qt.ToolTipRole)
    assert tip.startswith("成立日期：（空） → 2023-12-28；注册资本（万元）：100 → 2024\n第 2 行：更新")
    wiz.next()
    qtbot.waitUntil(lambda: wiz.over, timeout=20000)
    status = wiz.commit_page.status.text()
    assert "更新 1 家" in status and "新增 0 家" in status and "已取消勾选 1 行" in status and "空行 1 行" in status


def test_preview_column_widths_persist_and_the_wizard_fits_a_small_screen(qtbot, open_wizard, tmp_path):
    path = R.write_english_csv(tmp_path)
    wiz = open_wizard(path)
    assert wiz.width() <= 1300 and wiz.height() <= 700
    assert wiz.minimumSizeHint().width() <= 1300 and wiz.minimumSizeHint().height() <= 700
    wiz.preview.view.setColumnWidth(3, 333)
    assert "333" in str(settings().value(COLUMNS_KEY))
    again = open_wizard(path)
    assert again.preview.view.columnWidth(3) == 333
