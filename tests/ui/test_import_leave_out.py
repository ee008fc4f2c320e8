"""The import wizard's preview: 只导入台账中已有的企业 and 只导入某地的企业 untick the rows they leave out, each with
its reason in the 问题 column, and a row ticked again is imported (importers.plan.ImportPlan.leave_out)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.importers import fixtures as fx
from tests.importers.helpers import C

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]

ROWS = [["序号", "企业名称", "统一社会信用代码", "所在区"],
        [1, "武汉甲科技有限公司", C[0], "武昌区"], [2, "武汉乙科技有限公司", C[1], "洪山区"],
        [3, "武汉丙科技有限公司", C[2], "武昌区"]]


def preview(qtbot, open_wizard, path):
    wiz = open_wizard(path)
    wiz.next()
    qtbot.waitUntil(lambda: wiz.plan is not None or bool(wiz.mapping.message.text()), timeout=20000)
    wiz.next()
    return wiz, wiz.preview


def ticks(model):
    return [model.data(model.index(i, 0), Qt.CheckStateRole) == Qt.Checked for i in range(model.rowCount())]


def test_keeping_one_district_unticks_the_others_and_says_why(qtbot, open_wizard, ledger, tmp_path, qtmodeltester):
    wiz, page = preview(qtbot, open_wizard, fx.write_simple_xlsx(tmp_path, "全市名单.xlsx", ROWS))
    bar = page.choices
    assert not bar.district.isHidden()
    assert [bar.district.itemText(i) for i in range(bar.district.count())] == [
        "只导入某地的企业…", "只导入武昌区的企业（2 行）", "只导入洪山区的企业（1 行）"]
    bar.district.activated.emit(1)
    model = page.model
    qtmodeltester.check(model, force_py=True)
    assert ticks(model) == [True, False, True]
    assert model.data(model.index(1, 6)).startswith("未导入：“所在区”为“洪山区”，不是武昌区")
    assert "未导入：" in model.data(model.index(1, 6), Qt.ToolTipRole)
    assert "已取消勾选 1 行" in page.summary.text()
    model.setData(model.index(1, 0), Qt.Checked, Qt.CheckStateRole)         # a person wants it after all
    assert not model.data(model.index(1, 6)).startswith("未导入")
    wiz.next()
    qtbot.waitUntil(lambda: wiz.over, timeout=20000)
    assert ledger.conn.execute("SELECT count(*) FROM firms").fetchone()[0] == 3


def test_only_known_firms_creates_none(qtbot, open_wizard, ledger, tmp_path):
    from importers.plan import build_plan, commit_plan
    roster = fx.write_simple_xlsx(tmp_path, "台账.xlsx", [["企业名称", "统一社会信用代码"],
                                                          ["武汉丙科技有限公司", C[2]]])
    commit_plan(ledger, build_plan(ledger, roster))
    wiz, page = preview(qtbot, open_wizard, fx.write_simple_xlsx(tmp_path, "全省名单.xlsx", [r[:3] for r in ROWS]))
    assert page.choices.district.isHidden()                 # no district column: no such choice
    assert page.choices.known.isEnabled()
    qtbot.mouseClick(page.choices.known, Qt.LeftButton)
    assert ticks(page.model) == [False, False, True]
    wiz.next()
    qtbot.waitUntil(lambda: wiz.over, timeout=20000)
    assert ledger.conn.execute("SELECT count(*) FROM firms").fetchone()[0] == 1


def test_the_several_places_warning_names_the_wizards_choice_not_the_option(qtbot, open_wizard, tmp_path):
    from ui.importer.wizard import result_text
    wiz, page = preview(qtbot, open_wizard, fx.write_simple_xlsx(tmp_path, "全市名单.xlsx", ROWS))
    said = result_text(wiz.plan, None)
    assert "只导入某地的企业”（第 3 步表格上方）" in said and "--district" not in said


def test_a_list_naming_one_place_offers_no_choice_of_place(qtbot, open_wizard, tmp_path):
    rows = [r if i == 0 else [*r[:3], "武昌区"] for i, r in enumerate(ROWS)]
    wiz, page = preview(qtbot, open_wizard, fx.write_simple_xlsx(tmp_path, "本区名单.xlsx", rows))
    assert page.choices.district.isHidden()
