"""Issue 14, dashboard wording: the 序时进度 label follows the as-of date, the current year is offered (with last
year's targets as a draft), no jargon, 差距 as 还差/超出, no average of ratios, whole indicator names."""
from datetime import date

import pytest
from PySide6.QtCore import Qt

from ui.dashboard.tables import CellTable

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]
AS_OF = date(2024, 10, 31)


@pytest.fixture
def panel(qtbot, demo_copy):
    from db.ledger import Ledger
    from ui.dashboard.panel import DashboardPanel
    led = Ledger(demo_copy)
    p = DashboardPanel(led)
    qtbot.add_widget(p)
    p.resize(1366, 700)
    p.show()
    yield p
    p.close()
    led.close()


def texts(panel) -> list[str]:
    out = [w.text() for w in panel.findChildren(type(panel.status))]
    for table in panel.findChildren(CellTable):
        m = table.model()
        for r in range(m.rowCount()):
            for c in range(m.columnCount()):
                for role in (Qt.DisplayRole, Qt.ToolTipRole):
                    v = m.index(r, c).data(role)
                    if v:
                        out.append(str(v))
        out += table.source.headers
    return out


def test_the_time_progress_label_follows_the_as_of_date(panel):
    panel.set_context(2024, AS_OF, None)
    chart = panel.targets.chart
    panel.tabs.setCurrentWidget(panel.funnels)           # the chart hidden while the date changes
    panel.set_context(2024, date(2024, 3, 31), None)
    assert chart.reference_value == pytest.approx(91 / 366 * 100, abs=0.01)
    assert chart._line_item.label.toPlainText() == "序时进度 24.9%"
    assert panel.status.text().strip() == "截至 2024-03-31 序时进度 24.9%"
    panel.set_context(2024, date(2024, 12, 31), None)
    assert chart._line_item.label.toPlainText() == "序时进度 100.0%"


def test_the_year_list_has_the_current_year_and_opens_on_it(panel, monkeypatch):
    from ui import targets_dialog
    this_year = date.today().year
    years = [panel.year.itemData(i) for i in range(panel.year.count())]
    assert this_year in years and panel.year.currentData() == this_year
    assert panel.targets.empty_box.isVisible()
    previous = max(y for y in years if y < this_year)          # the demo has targets up to last year
    assert panel.targets.create_button.text() == f"以 {previous} 年指标为草稿新建…"
    shown = {}

    def confirm(dlg):
        shown["rows"] = dlg.table.rowCount()
        return 1
    monkeypatch.setattr(targets_dialog.DraftDialog, "exec", confirm)
    panel.targets.create_button.click()
    assert shown["rows"] == 6
    assert panel.year.currentData() == this_year
    assert [r["name"] for r in panel.view["indicators"]][:2] == ["高新技术企业总量", "净增高新技术企业"]
    assert not panel.targets.empty_box.isVisible()


def test_declining_the_draft_writes_nothing(panel, monkeypatch):
    from db import dashboard_queries
    from ui import targets_dialog
    monkeypatch.setattr(targets_dialog.DraftDialog, "exec", lambda dlg: 0)
    panel.targets.create_button.click()
    assert date.today().year not in dashboard_queries.all_targets(panel.ledger.conn)


def test_no_jargon_gap_in_words_and_no_average_of_ratios(panel):
    panel.set_context(2024, AS_OF, None)
    all_text = "\n".join(texts(panel))
    for word in ("Kaplan", "已确定保有", "平均完成率", "floor"):
        assert word not in all_text
    gaps = [panel.targets.table.cell_at(i, 7).text for i in range(panel.targets.table.model().rowCount())]
    assert gaps and all(g.startswith(("还差 ", "超出 ", "已达标")) or g == "—" for g in gaps), gaps
    assert not any("-" in g for g in gaps)
    rows = {r["name"]: r for r in panel.view["indicators"]}
    for i in range(len(gaps)):
        name = panel.targets.table.cell_at(i, 0).text
        gap = rows[name]["gap"]
        assert gaps[i] == (f"还差 {gap:g}" if gap > 0 else f"超出 {-gap:g}" if gap < 0 else "已达标")


def test_indicator_names_are_whole_in_the_chart_tables_and_pdf(panel, tmp_path, monkeypatch):
    from ui import report_pdf
    panel.set_context(2024, AS_OF, None)
    names = [r["name"] for r in panel.targets.rows]
    assert max(len(n) for n in names) > 10
    assert panel.targets.chart.labels == names and panel.targets.chart.shown_labels == names
    table = panel.targets.table
    long = next(i for i in range(table.model().rowCount()) if len(table.cell_at(i, 0).text) > 10)
    assert table.model().index(long, 0).data(Qt.ToolTipRole) == table.cell_at(long, 0).text
    drawn = []
    real_close = report_pdf._Doc.close
    monkeypatch.setattr(report_pdf._Doc, "close", lambda doc: (drawn.extend(doc.drawn), real_close(doc)))
    panel.export_pdf(tmp_path / "报告.pdf")
    for name in names:
        assert drawn.count(name) >= 2, name      # the indicator table and the completion bars, whole
    streets_header = [c["indicator"] for c in panel.view["streets"][0]["cells"]]
    assert all(n in drawn for n in streets_header)


def test_every_dashboard_table_model_passes_qtmodeltester(panel, qtmodeltester):
    panel.set_context(2024, AS_OF, None)
    tables = panel.findChildren(CellTable)
    assert len(tables) >= 7
    for table in tables:
        qtmodeltester.check(table.source)
        qtmodeltester.check(table.proxy)
