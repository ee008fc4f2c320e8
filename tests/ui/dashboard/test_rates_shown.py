"""Rates the 看板 shows are the model's (pipeline.indicators.completion), and a missing rate says why."""
from datetime import date

import pytest

from pipeline.dashboard import Dashboard
from pipeline.indicators import Indicator
from tests.pipeline.figures_helpers import CAT, EAST, STREETS, facts

pytestmark = [pytest.mark.gui]


def test_no_forecast_rate_against_a_negative_target(qtbot):
    from ui.dashboard.sections_time import ExpirySection
    f = facts([(1, 1, "2020-09-01", "2023-09-01"), (2, 1, "2020-10-01", "2023-10-01"),
               (3, 1, "2022-01-01", None)], {1: EAST, 2: EAST, 3: EAST})
    inds = [Indicator("净增", "net", ["gaoqi"], -1), Indicator("总量", "stock", ["gaoqi"], 2)]
    view = Dashboard(f, CAT, {2023: inds}, STREETS).compute(2023, date(2023, 6, 30))
    section = ExpirySection()
    qtbot.add_widget(section)
    section.show_view(view, [])
    rates = [section.forecast.cell_at(i, 7).text for i in range(2)]
    assert rates == ["—", "50.0%"]                 # 净增 projected -2 against -1: no rate; 总量 1 of 2


def test_a_street_share_of_zero_or_below_is_not_called_undecomposed(qtbot):
    """The streets chart labelled every bar without a rate 无分解 (not decomposed), a street given a 净增 share of
    -1 too: its share is there, only a rate against it is not."""
    from ui.dashboard.sections import StreetsSection
    f = facts([(1, 1, "2022-09-01", None)], {1: EAST})
    inds = [Indicator("净增", "net", ["gaoqi"], 1), Indicator("净增", "net", ["gaoqi"], -1, "东", EAST)]
    view = Dashboard(f, CAT, {2023: inds}, STREETS).compute(2023, date(2023, 6, 30))
    section = StreetsSection()
    qtbot.add_widget(section)
    section.show_view(view)
    assert [section.chart._text(i).toPlainText() for i in range(2)] == ["—", "无分解"]     # 东: a share of -1; 西: none


def test_the_streets_section_says_what_the_streets_leave_out(qtbot):
    from ui.dashboard.sections import StreetsSection
    f = facts([(1, 1, "2022-09-01", None), (2, 1, "2023-02-01", None)], {1: EAST, 2: None})
    inds = [Indicator("总量", "stock", ["gaoqi"], 2)]
    view = Dashboard(f, CAT, {2023: inds}, STREETS).compute(2023, date(2023, 6, 30))
    section = StreetsSection()
    qtbot.add_widget(section)
    section.show_view(view)
    assert "未分街道" in section.outside.text() and "总量 1" in section.outside.text()
    assert not section.outside.isHidden()


def test_a_stated_base_that_differs_from_the_ledgers_says_so(qtbot):
    """A 净增 target stating its 基期值 (880, the official count) showed 880 while the drill-down listed the ledger's
    firms and the 完成值 was counted against the ledger's own base: the tooltip now tells the two apart."""
    from PySide6.QtCore import Qt

    from ui.dashboard.sections import TargetsSection
    f = facts([(1, 1, "2022-09-01", None), (2, 1, "2023-02-01", None)], {1: EAST, 2: EAST})
    inds = [Indicator("净增", "net", ["gaoqi"], 1, base=880), Indicator("总量", "stock", ["gaoqi"], 2)]
    view = Dashboard(f, CAT, {2023: inds}, STREETS).compute(2023, date(2023, 6, 30))
    section = TargetsSection()
    qtbot.add_widget(section)
    section.show_view(view)
    model = section.table.model()
    tip = model.data(model.index(0, 2), Qt.ToolTipRole)
    assert "880" in tip and "台账上年末在册 1 家" in tip and "净增按台账计算" in tip, tip
    assert "台账上年末" not in model.data(model.index(1, 2), Qt.ToolTipRole)     # no stated base: nothing to say
