"""The ledger table: model checks, search (pinyin initials, former name, code prefix), filters, sorting,
the dashboard chip, and the column layout kept in QSettings."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QTableView

from tests.ui.helpers import settle
from ui.ledger.panel import LEGACY_COLUMNS

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def panel(small_panel):
    return small_panel


def names(p) -> list[str]:
    m = p.model
    return [m.data(m.index(r, 0)) for r in range(m.rowCount())]


def test_model_passes_qtmodeltester(qtmodeltester, panel):
    p, _ = panel
    qtmodeltester.check(p.model, force_py=True)


@pytest.fixture
def demo_model(demo_db):
    from db.ledger import Ledger
    from db.ledger_view import LedgerView
    from ui.ledger.model import LedgerTableModel
    with Ledger(demo_db, readonly=True) as led:
        model = LedgerTableModel(LedgerView(led.conn, led.catalog()))
        yield model


def test_model_over_the_demo_district_passes_qtmodeltester(demo_model, qtmodeltester):
    m = demo_model
    assert m.rowCount() == 600
    qtmodeltester.check(m, force_py=True)
    m.sort(m.column_index("revenue"), Qt.DescendingOrder)
    revenue = [m.row_values(r)[m.column_index("revenue")] for r in range(600)]
    known = [v for v in revenue if v is not None]
    assert len(known) > 500 and known == sorted(known, reverse=True)
    first = m.firm_id(0)
    m.sort(m.column_index("revenue"), Qt.AscendingOrder)
    assert m.firm_id(599 - revenue.count(None)) == first


def test_search_by_pinyin_initials_former_name_and_code_prefix(qtbot, panel):
    p, (a, b, c, d) = panel
    p.set_search_now("whxc")
    settle(qtbot, p.model)
    assert names(p) == ["武汉星辰科技有限公司"]
    p.set_search_now("旧名称")                         # a former name
    settle(qtbot, p.model)
    assert names(p) == ["湖北光谷智能装备有限公司"]
    p.set_search_now("91420106")                       # code prefix
    settle(qtbot, p.model)
    assert sorted(names(p)) == ["武汉星辰科技有限公司", "湖北光谷智能装备有限公司"]
    p.set_search_now("星辰")                           # two characters: runs in the background
    settle(qtbot, p.model)
    assert names(p) == ["武汉星辰科技有限公司", "星辰新材料有限公司"]     # pinyin order: wuhan… < xingchen…
    with qtbot.waitSignal(p.countChanged, timeout=3000) as sig:
        p.filters.search.setText("长江")               # typed: debounced
    settle(qtbot, p.model)
    assert sig.args == [1]
    assert names(p) == ["武汉长江数据有限公司"]


def test_filters_and_clear(qtbot, panel):
    p, ids = panel
    f = p.filters
    f.street.setCurrentIndex(f.street.findText("杨园"))
    assert sorted(names(p)) == ["星辰新材料有限公司", "湖北光谷智能装备有限公司"]
    f.flagged.setChecked(True)
    assert names(p) == ["星辰新材料有限公司"]
    f.clear()
    assert p.model.rowCount() == 4
    f.star.setCurrentIndex(f.star.findText("新星"))
    assert names(p) == ["湖北光谷智能装备有限公司"]
    f.clear()
    f.officer.setCurrentIndex(f.officer.findText("张敏"))
    assert p.model.rowCount() == 2


def test_show_firm_ids_from_the_dashboard_has_a_removable_chip(qtbot, panel):
    p, (a, b, c, d) = panel
    p.show_firm_ids([a, c], "高企 2024 年新增")
    assert sorted(names(p)) == ["武汉星辰科技有限公司", "武汉长江数据有限公司"]
    assert p.filters.chip.isVisible()
    assert p.filters.chip_label.text() == "来自看板：高企 2024 年新增（2 家）"
    qtbot.mouseClick(p.filters.chip_close, Qt.LeftButton)
    assert not p.filters.chip.isVisible()
    assert p.model.rowCount() == 4


def test_sorting_in_sql_and_not_on_computed_columns(qtbot, panel):
    p, _ = panel
    hh = p.view.horizontalHeader()
    name_col = p.model.column_index("name")
    hh.setSortIndicator(name_col, Qt.DescendingOrder)
    # descending pinyin order (issue 14): xingchen > wuhan xingchen > wuhan changjiang > hubei
    assert names(p) == ["星辰新材料有限公司", "武汉星辰科技有限公司", "武汉长江数据有限公司",
                        "湖北光谷智能装备有限公司"]
    star_col = p.model.column_index("star")
    hh.setSortIndicator(star_col, Qt.AscendingOrder)
    assert hh.sortIndicatorSection() == name_col       # put back: 星级 is computed per page
    assert p.model.query.sort == "name" and p.model.query.descending


def test_rows_have_a_fixed_height(panel):
    from PySide6.QtWidgets import QHeaderView
    p, _ = panel
    vh = p.view.verticalHeader()
    assert vh.sectionResizeMode(0) == QHeaderView.Fixed
    assert vh.defaultSectionSize() == 26


def test_visible_columns_follow_the_header(panel):
    p, _ = panel
    assert p.visible_columns()[:3] == ["name", "code", "street"]
    hh = p.view.horizontalHeader()
    hh.setSectionHidden(p.model.column_index("code"), True)
    hh.moveSection(hh.visualIndex(p.model.column_index("officer")), 1)
    assert p.visible_columns()[:3] == ["name", "officer", "street"]
    state = p.header_state()
    hh.setSectionHidden(p.model.column_index("code"), False)
    p.restore_header_state(state)
    assert "code" not in p.visible_columns()


def test_legal_form_and_address_are_columns_hidden_by_default(panel):
    p, _ = panel
    hh = p.view.horizontalHeader()
    for key, title in (("legal_form", "企业类型"), ("address", "地址")):
        i = p.model.column_index(key)
        assert p.model.headerData(i, Qt.Horizontal) == title and hh.isSectionHidden(i)
    assert "legal_form" not in p.visible_columns()


def test_a_layout_saved_before_a_column_existed_keeps_that_column_at_its_default(panel):
    """Layouts are kept by column key: an old one (without 地址) restores its order, hidden columns and sort,
    and a column it does not know keeps its default (地址 hidden, 企业名称 shown)."""
    p, _ = panel
    hh = p.view.horizontalHeader()
    hh.setSectionHidden(p.model.column_index("code"), True)
    hh.moveSection(hh.visualIndex(p.model.column_index("officer")), 1)
    hh.setSectionHidden(p.model.column_index("address"), False)
    hh.setSortIndicator(p.model.column_index("revenue"), Qt.DescendingOrder)
    state = json.loads(bytes(p.header_state().data()))
    state["columns"] = [c for c in state["columns"] if c[0] != "address"]     # saved before 地址 was a column
    hh.setSectionHidden(p.model.column_index("code"), False)
    hh.setSortIndicator(p.model.column_index("name"), Qt.AscendingOrder)
    p.restore_header_state(QByteArray(json.dumps(state).encode()))
    assert p.visible_columns()[:3] == ["name", "officer", "street"] and "code" not in p.visible_columns()
    assert "address" not in p.visible_columns()
    assert (p.model.query.sort, p.model.query.descending) == ("revenue", True)


def test_a_qt_header_state_from_before_restores_with_the_new_columns_hidden(panel):
    p, _ = panel
    old = QTableView()
    old.setModel(QStandardItemModel(0, LEGACY_COLUMNS))
    oh = old.horizontalHeader()
    oh.setSectionHidden(p.model.column_index("code"), True)
    oh.setSectionHidden(p.model.column_index("updated_at"), False)
    p.restore_header_state(oh.saveState())
    shown = p.visible_columns()
    assert "code" not in shown and "updated_at" in shown
    assert not {"legal_form", "address", "remark", "rd_spend"} & set(shown)


def test_cells_show_formatted_text_colour_and_tips(demo_model):
    """The text shown per cell is formatted once per page; it must equal the raw value formatted."""
    from ui.ledger.model import FLAG_COLOUR, STATUS_TIPS
    m = demo_model
    status = m.column_index("code_status")
    flagged = 0
    for r in range(0, 600, 7):
        raw = m.row_values(r)
        for c, v in enumerate(raw):
            want = "" if v is None else f"{v:,.1f}" if isinstance(v, float) else str(v)
            assert m.data(m.index(r, c)) == want
            assert m.data(m.index(r, c), Qt.DisplayRole) == want
        brush = m.data(m.index(r, status), Qt.ForegroundRole)
        assert (brush is not None and brush.color() == FLAG_COLOUR) == bool(raw[status])
        assert m.data(m.index(r, status), Qt.ToolTipRole) == STATUS_TIPS.get(raw[status])
        assert m.data(m.index(r, 0), Qt.ForegroundRole) is None
        assert m.data(m.index(r, 0), Qt.UserRole) == m.firm_id(r)
        flagged += bool(raw[status])
    assert flagged > 0
    rev = m.column_index("revenue")
    assert m.data(m.index(0, rev), Qt.TextAlignmentRole) == Qt.AlignRight | Qt.AlignVCenter
    assert m.data(m.index(0, 0), Qt.TextAlignmentRole) == Qt.AlignLeft | Qt.AlignVCenter
    assert m.headerData(0, Qt.Horizontal) == "企业名称"
    assert m.headerData(3, Qt.Vertical) == "4" and m.headerData(600, Qt.Vertical) is None
    assert m.data(m.index(600, 0)) is None
