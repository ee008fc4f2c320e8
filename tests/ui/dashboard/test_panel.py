"""The dashboard panel on the demo district: charts show the model's numbers, clicks give the firms."""
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from pipeline import funnel as funnel_maths
from pipeline.indicators import evaluate, measure

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]  # offscreen show()
AS_OF = date(2024, 10, 31)


@pytest.fixture
def panel(qtbot, demo_db):
    from db.ledger import Ledger
    from ui.dashboard.panel import DashboardPanel
    led = Ledger(demo_db, readonly=True)
    p = DashboardPanel(led)
    qtbot.add_widget(p)
    p.resize(1440, 900)
    p.set_context(2024, AS_OF, None)
    p.show()
    qtbot.waitExposed(p)
    yield p
    p.close()
    led.close()


@pytest.fixture
def truth(demo_db):
    from db import queries
    from db.ledger import Ledger
    with Ledger(demo_db, readonly=True) as led:
        facts, cat = queries.load_facts(led.conn), led.catalog()
        inds = queries.targets(led.conn, 2024)
        rows = [evaluate(facts, cat, i, 2024, AS_OF) for i in inds]
        ids = [list(measure(facts, cat, i, 2024, AS_OF)) for i in inds]
        funnels = [[s["count"] for s in funnel_maths.counts(facts, cat, f, AS_OF)] for f in cat.funnels]
    return rows, ids, funnels, inds


def click_bar(qtbot, chart, i):
    vb = chart.item.getViewBox()
    scene = vb.mapViewToScene(chart.bar_center(i))
    pos = chart.plot.mapFromScene(scene)
    QTest.mouseClick(chart.plot.viewport(), Qt.LeftButton, Qt.NoModifier, pos)


def test_target_bars_are_the_completion_rates(panel, truth):
    rows, _ids, _f, _inds = truth
    assert panel.targets.chart.values == [round(r["rate"] * 100, 1) for r in rows]
    table = panel.targets.table
    assert [table.cell_at(i, 4).text for i in range(len(rows))] == [f"{r['actual']:g}" for r in rows]
    assert [table.cell_at(i, 2).text for i in range(len(rows))] == [f"{r['base']:g}" for r in rows]


def test_clicking_a_target_bar_gives_its_firms(panel, truth, qtbot):
    rows, ids, _f, inds = truth
    i = next(k for k, r in enumerate(rows) if r["kind"] == "stock")
    with qtbot.wait_signal(panel.firmsRequested, timeout=2000) as sig:
        click_bar(qtbot, panel.targets.chart, i)
    got, title = sig.args
    assert got == ids[i] and inds[i].name in title


def test_clicking_a_number_cell_gives_its_firms(panel, truth, qtbot):
    rows, ids, _f, inds = truth
    table = panel.targets.table
    with qtbot.wait_signal(panel.firmsRequested, timeout=2000) as sig:
        table.clicked.emit(table.model().index(0, 4))
    assert sig.args[0] == ids[0]


def test_funnel_bars_are_the_counts(panel, truth, qtbot):
    _rows, _ids, funnels, _inds = truth
    assert [chart.values for chart in panel.funnels.charts()] == [[float(c) for c in f] for f in funnels]
    panel.tabs.setCurrentWidget(panel.funnels)
    chart = panel.funnels.charts()[0]
    with qtbot.wait_signal(panel.firmsRequested, timeout=2000) as sig:
        click_bar(qtbot, chart, 1)
    assert len(sig.args[0]) == funnels[0][1] and "新星" in sig.args[1]


def test_street_view_and_sorting(panel, qtbot):
    sid, name = panel.dash.streets[1]
    panel.set_context(2024, AS_OF, sid)
    assert panel.view["street"] == name and all(r["street"] == name for r in panel.view["indicators"])
    table = panel.streets.table
    assert "平均完成率" not in table.source.headers          # issue 14: no average of ratios
    col = table.source.headers.index("落后于序时进度的指标数")
    table.sortByColumn(col, Qt.DescendingOrder)
    shown = [table.cell_at(r, col).sort for r in range(table.model().rowCount())]
    assert shown == sorted(shown, reverse=True)
    with qtbot.wait_signal(panel.firmsRequested, timeout=2000) as sig:
        table.clicked.emit(table.model().index(0, 1))
    assert sig.args[1].endswith(table.source.headers[1])


def test_as_of_change_redraws(panel):
    before = list(panel.targets.chart.values)
    panel.set_context(2024, date(2024, 3, 31), None)
    assert panel.view["as_of"] == "2024-03-31" and panel.targets.chart.values != before


def test_due_list_and_forecast(panel):
    due = panel.view["due"]
    assert panel.expiry.due.model().rowCount() == min(len(due["firm_ids"]), 500)
    assert panel.expiry.forecast.model().rowCount() == len(panel.view["indicators"])


def test_charts_export_to_png(panel, tmp_path):
    paths = panel.export_charts(tmp_path)
    assert len(paths) == len(panel.charts()) >= 5
    assert all(p.stat().st_size > 2000 for p in paths)


def test_the_first_view_s_indexes_are_kept_for_the_next_open(qtbot, demo_copy, tmp_path, monkeypatch):
    """Once the first view is painted the panel saves what it built; the next panel on the unchanged ledger
    takes it from the file and shows the same figures."""
    from db import facts_cache
    from db.ledger import Ledger
    from pipeline.dashboard_view import plain
    from ui.dashboard.panel import DashboardPanel
    monkeypatch.setattr(facts_cache, "cache_dir", lambda: tmp_path)
    views = []
    with Ledger(demo_copy) as led:
        for _ in range(2):
            p = DashboardPanel(led)
            qtbot.add_widget(p)
            adopted = p._loaded.derived is not None
            derived = facts_cache.derived_file(facts_cache.cache_file(led.conn, tmp_path))
            qtbot.waitUntil(derived.exists)
            qtbot.wait(20)                                  # the save, or the finding that all was there
            if p.saving is not None:                        # written by a thread: the window stays responsive
                p.saving.join()
            p.set_context(2024, AS_OF, None)
            views.append((adopted, plain(p.view)))
            p.close()
    assert [v[0] for v in views] == [False, True]
    assert views[0][1] == views[1][1]


def test_a_year_without_targets_shows_a_message_not_an_empty_axis(panel):
    """This year (the demo's targets end with 2025; the dashboard offers this year too, to create its targets): no
    bars, a sentence in the chart and no axes; back to a year with targets, the bars and axes return."""
    from ui.dashboard.sections import TargetsSection
    chart = panel.findChild(TargetsSection).chart
    panel.set_context(date.today().year, date.today(), None)
    assert not chart.values and chart._placeholder is not None and chart._placeholder.isVisible()
    assert "尚无" in chart._placeholder.toPlainText()
    assert not chart.item.getAxis("left").isVisible()
    panel.set_context(2024, AS_OF, None)
    assert chart.values and not chart._placeholder.isVisible()
    assert chart.item.getAxis("left").isVisible() and chart.item.getAxis("bottom").isVisible()


def test_the_street_chart_of_a_year_without_targets_says_so(panel):
    """The 街道 tab of a year without targets: a sentence where the chart was an empty 0-1 axis, the indicator
    choice greyed out; back to a year with targets, the street bars return."""
    from ui.dashboard.sections import StreetsSection
    section = panel.findChild(StreetsSection)
    chart = section.chart
    panel.set_context(date.today().year, date.today(), None)
    assert section.pick.count() == 0 and not section.pick.isEnabled()
    assert chart._placeholder is not None and chart._placeholder.isVisible()
    assert "还没有指标" in chart._placeholder.toPlainText()
    assert not chart.item.getAxis("bottom").isVisible()
    panel.set_context(2024, AS_OF, None)
    assert section.pick.isEnabled() and chart.values and not chart._placeholder.isVisible()
    assert chart.item.getAxis("bottom").isVisible()


@pytest.mark.parametrize("size", [(1440, 900), (1077, 542)])
def test_the_time_progress_label_sits_clear_of_the_bars_and_its_line(panel, qtbot, size):
    """序时进度 83.3% was drawn on the first bar and struck through by its own dashed line."""
    from PySide6.QtCore import QRectF

    from ui.dashboard.sections import TargetsSection
    panel.resize(*size)
    qtbot.wait(50)
    chart = panel.findChild(TargetsSection).chart
    assert chart.horizontal and chart.values and chart.reference_text.startswith("序时进度")
    label = chart._line_item.label
    assert label.isVisible()
    text = label.mapRectToScene(label.boundingRect())
    vb = chart.item.getViewBox()
    n = len(chart.values)
    for i, v in enumerate(chart.values):
        y = n - 1 - i
        bar = vb.mapViewToScene(QRectF(0, y - chart._width / 2, max(v, 1e-9), chart._width)).boundingRect()
        assert not text.intersects(bar), (i, text, bar)
    line_x = vb.mapViewToScene(QRectF(chart.reference_value, 0, 0, 1)).boundingRect().left()
    assert text.left() >= line_x, (text, line_x)
    assert vb.sceneBoundingRect().contains(text), (text, vb.sceneBoundingRect())


@pytest.mark.parametrize("size", [(1440, 900), (1077, 542), (900, 542)])
def test_the_expiry_chart_shows_its_whole_title_and_every_bar_label(panel, qtbot, size):
    """At 125% of 1366 the title “…逐月到期：共 …，待到期 80” was cut off and the last bar's “80（续0）” clipped."""
    from ui.dashboard.sections_time import ExpirySection
    section = panel.findChild(ExpirySection)
    panel.tabs.setCurrentWidget(section)
    panel.resize(*size)
    qtbot.wait(50)
    chart = section.chart
    assert chart.values
    title = chart.item.titleLabel.item                    # the title's text, drawn whole or cut by the chart's edge
    assert "待到期" in title.toPlainText()
    box = title.sceneBoundingRect()
    assert 0 <= box.left() and box.right() <= chart.plot.viewport().width(), (title.toPlainText(), box, chart.width())
    vb = chart.item.getViewBox().sceneBoundingRect()
    shown = [t for t in chart._texts if t.isVisible() and t.toPlainText()]
    assert shown
    for t in shown:
        box = t.sceneBoundingRect()
        assert vb.left() - 0.5 <= box.left() and box.right() <= vb.right() + 0.5, (t.toPlainText(), box, vb)


def test_the_forecast_of_a_year_without_targets_says_so(panel, qtbot):
    """年底预测 of a year without targets was an empty table with no word of why; back to a year with targets,
    the table returns."""
    from ui.dashboard.sections_time import ExpirySection
    section = panel.findChild(ExpirySection)
    panel.tabs.setCurrentWidget(section)
    panel.set_context(date.today().year, date.today(), None)
    assert section.forecast_stack.currentWidget() is section.forecast_note
    assert section.forecast_note.isVisible() and not section.forecast.isVisible()
    assert "还没有指标" in section.forecast_note.text() and "指标" in section.forecast_note.text()
    panel.set_context(2024, AS_OF, None)
    assert section.forecast.isVisible() and section.forecast.model().rowCount() > 0
    assert not section.forecast_note.isVisible()


@pytest.mark.parametrize("size", [(1440, 900), (1077, 542)])
def test_the_completion_axes_say_percent_and_start_at_zero(panel, qtbot, size):
    """The completion-rate axes had bare numbers (20 40 … 120: per cent? firms?) and no 0 at their start."""
    from ui.dashboard.charts import value_ticks
    from ui.dashboard.sections import StreetsSection, TargetsSection
    panel.resize(*size)
    qtbot.wait(50)
    chart = panel.findChild(TargetsSection).chart
    axis = chart.item.getAxis("bottom")
    ticks = axis._tickLevels[0]
    assert ticks[0] == (0, "0%") and all(text.endswith("%") for _v, text in ticks)
    assert not axis.style["hideOverlappingLabels"]          # the 0% at the axis' left end is drawn
    streets = panel.findChild(StreetsSection).chart
    assert streets.item.getAxis("left")._tickLevels[0][0] == (0, "0%")
    assert value_ticks(0, 130) == [0, 20, 40, 60, 80, 100, 120]
    assert value_ticks(0, 140.01) == [0, 20, 40, 60, 80, 100, 120, 140]
    assert value_ticks(-15, 40) == [-10, 0, 10, 20, 30, 40]


def test_the_as_of_date_stays_within_the_year_chosen(panel):
    """The figures of a year are as of a day of it (pipeline.dates.check_as_of): the date field offers that year's
    days only, and another year keeps the date inside it (2024-10-31 -> a day of 2023)."""
    assert (panel.as_of.minimumDate().toPython(), panel.as_of.maximumDate().toPython()) == (
        date(2024, 1, 1), date(2024, 12, 31))
    panel.as_of.setDate(panel.as_of.date().addYears(1))      # typed past the year's end: kept at its last day
    assert panel.current()[1] == date(2024, 12, 31)
    panel.set_context(2023, None, None)
    year, as_of, _ = panel.current()
    assert year == 2023 and as_of.year == 2023 and panel.view["year"] == 2023


def test_a_future_as_of_date_says_its_figures_are_projected(panel, monkeypatch):
    from pipeline import dates
    from ui.dashboard import sections
    monkeypatch.setattr(sections, "projected_note", lambda day: dates.projected_note(day, date(2024, 11, 30)))
    panel.set_context(2024, date(2024, 11, 30), None)
    assert dates.PROJECTED not in panel.targets.note.text()
    panel.set_context(2024, date(2024, 12, 31), None)
    assert dates.PROJECTED in panel.targets.note.text()
