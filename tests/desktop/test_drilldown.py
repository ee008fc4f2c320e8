"""Issue 14: every underlined number and every bar of the dashboard, on the demo district, opens exactly the
firms it counts, shown on the dashboard's date and street (or the date the number was counted on) with the
other filters set aside, restorable in one click; and each firm shown holds the counted stages on that date
in the table's own columns."""
from __future__ import annotations

import re
from datetime import date

import pytest

from db.ledger_view import COLUMN_KEYS
from desktop.main_window import MainWindow
from desktop.settings import Settings
from tests.ui.helpers import settle
from ui.dashboard.tables import CellTable

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
AS_OF = date(2024, 10, 31)
DUE_ROWS = 5            # the due list has a row per firm: a few are enough


@pytest.fixture
def window(qtbot, demo_copy):
    from db.ledger import Ledger
    led = Ledger(demo_copy)
    win = MainWindow(led, Settings())
    qtbot.add_widget(win)
    win.show()
    yield win
    win.close()
    led.close()


def shown(win) -> list[tuple[int, dict]]:
    m = win.ledger_panel.model
    return [(m.firm_id(r), dict(zip(COLUMN_KEYS, m.row_values(r), strict=True))) for r in range(m.rowCount())]


def expected_count(kind: str, source, i, j, drill, dash) -> int:
    m = re.search(r"新增 (\d+) 家", drill.title)
    if m:
        return int(m[1])
    if kind == "cell":
        text = source.cell_at(i, j).text
        lead = re.match(r"(\d+)", text)
        return int(lead[1]) if lead else 1          # a firm's own row in the due list
    chart, section = source, j
    if section in ("funnel", "expiry"):
        return int(chart.values[i])
    if section == "targets":
        return int(dash.targets.rows[i]["actual"])
    street = dash.view["streets"][i]
    return int(street["cells"][dash.streets.pick.currentIndex()]["actual"])


def clicks(dash):
    """(kind, source, i, j, trigger) for every underlined cell and every bar shown."""
    tables = [t for sec in (dash.targets, dash.funnels, dash.streets, dash.expiry, dash.cohorts)
              for t in sec.findChildren(CellTable)]
    for table in tables:
        rows = table.model().rowCount()
        if table is dash.expiry.due:
            rows = min(rows, DUE_ROWS)
        for i in range(rows):
            for j in range(table.model().columnCount()):
                c = table.cell_at(i, j)
                if c is not None and c.ids is not None and (callable(c.ids) or len(c.ids)):
                    yield "cell", table, i, j, lambda t=table, i=i, j=j: t.clicked.emit(t.model().index(i, j))
    for section, charts in (("targets", dash.targets.charts()), ("funnel", dash.funnels.charts()),
                            ("streets", dash.streets.charts()), ("expiry", dash.expiry.charts())):
        for chart in charts:
            for i in range(len(chart.values)):
                yield "bar", chart, i, section, lambda c=chart, i=i: c.click_bar(i)


def check_context(win, dash, street_id) -> int:
    names = {s.key: s.name for s in win.ledger.catalog().stages}
    n = 0
    for kind, source, i, j, trigger in list(clicks(dash)):
        trigger()
        d = dash.last_drill
        got = shown(win)
        what = f"{kind} {i},{j}: {d.title}"
        assert sorted(fid for fid, _ in got) == sorted(set(d.ids)), what
        assert len(got) == expected_count(kind, source, i, j, d, dash), what
        f = win.ledger_panel.filters
        q = win.ledger_panel.model.query
        assert q.day() == d.day and q.firm_ids is not None and q.search == "", what
        assert f.street.currentData() == (d.street_id if d.street_id is not None else street_id), what
        assert d.day == AS_OF or d.day == date(AS_OF.year - 1, 12, 31), what
        if d.stages:
            wanted = {names[k] for k in d.stages}
            need = {names[k] for k in d.require}
            for fid, row in got:
                held = set(filter(None, row["held"].split("、"))) | ({row["star"]} if row["star"] else set())
                assert held & wanted, f"{what}: 企业 {fid} 在 {d.day} 持有 {held}，不含 {wanted}"
                assert not need or held & need, f"{what}: 企业 {fid} 不具备 {need}"
        n += 1
        win.show_tab("看板")
    return n


def test_every_number_and_bar_opens_exactly_its_firms_on_the_dashboards_date(window):
    win = window
    dash = win.show_tab("看板")
    dash.set_context(2024, AS_OF, None)
    n = check_context(win, dash, None)
    assert n > 150
    sid = dash.dash.streets[0][0]
    dash.set_context(2024, AS_OF, sid)
    assert check_context(win, dash, sid) > 100


def test_a_drilldown_replaces_the_filters_and_one_click_restores_them(window, qtbot):
    win = window
    p = win.ledger_panel
    p.set_search_now("科技")
    p.filters.officer.setCurrentIndex(1)
    settle(qtbot, p.model)
    assert p.model.query.search == "科技" and p.model.query.officer
    before = (p.model.query.search, p.model.query.officer, p.model.total)
    dash = win.show_tab("看板")
    dash.set_context(2024, AS_OF, None)
    chart = dash.funnels.charts()[0]
    chart.click_bar(0)
    settle(qtbot, p.model)
    d = dash.last_drill
    assert p.model.total == len(d.ids) == chart.values[0]            # the earlier search no longer applies
    assert win.count_label.text().startswith(f"符合条件的企业：{len(d.ids):,} 家（")
    assert p.filters.restore_button.isVisible()
    p.filters.restore_button.click()
    settle(qtbot, p.model)
    q = p.model.query
    assert (q.search, q.officer, p.model.total) == before and q.firm_ids is None
    assert not p.filters.chip.isVisible()
