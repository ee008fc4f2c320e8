"""The targets editor: shares edited in place through the audited writer; the gap says by how much."""
import pytest

from db import dashboard_queries as dq

pytestmark = pytest.mark.gui


@pytest.fixture
def panel(qtbot, ledger, monkeypatch):
    from ui import targets as mod
    warnings = []
    monkeypatch.setattr(mod.QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    p = mod.TargetsPanel(ledger)
    qtbot.add_widget(p)
    p.warnings = warnings
    return p


def col(panel, street):
    return 4 + panel.streets.index(street)


def test_shows_the_year_and_says_nothing_is_decomposed(panel):
    assert panel.current_year() == 2023 and panel.table.rowCount() == 6
    assert panel.table.item(0, 0).text() == "高新技术企业总量" and panel.table.item(0, 3).text() == "800"
    assert panel.gap_lines[0] == "“高新技术企业总量”尚未分解到街道"


def test_editing_shares_writes_audited_targets_and_reports_the_gap(panel, ledger, qtbot):
    with qtbot.wait_signal(panel.targetsChanged):
        assert panel.set_cell(0, col(panel, "杨园"), "300")
    assert panel.set_cell(0, col(panel, "积玉桥"), "450")
    assert panel.gap_lines[0] == "“高新技术企业总量”各街道分解合计 750，比全区目标 800 少 50"
    assert panel.table.item(0, panel.table.columnCount() - 1).text() == "50"
    assert panel.set_cell(0, col(panel, "积玉桥"), "500")
    assert panel.gap_lines[0] == "“高新技术企业总量”各街道分解合计 800，与全区目标一致"
    rows = [
        (t["street"], t["target"]) for t in dq.target_rows(ledger.conn, 2023) if t["indicator"] == "高新技术企业总量"
    ]
    assert rows == [(None, 800), ("积玉桥", 500), ("杨园", 300)]
    n = ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE entity = 'target' AND source = 'person'").fetchone()[0]
    assert n == 3
    # clearing a cell removes that share (audited delete)
    assert panel.set_cell(0, col(panel, "杨园"), "")
    assert panel.gap_lines[0].endswith("比全区目标 800 少 300")
    assert (
        ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE entity = 'target' AND action = 'delete'").fetchone()[0]
        == 1
    )


def test_bad_number_is_refused_with_where(panel, ledger):
    assert not panel.set_cell(1, col(panel, "杨园"), "八十")
    assert panel.warnings and "八十" in panel.warnings[0] and "杨园" in panel.warnings[0]
    assert [t for t in dq.target_rows(ledger.conn, 2023) if t["street"]] == []


def test_new_indicator_rename_and_delete(panel, ledger):
    values = {"indicator": "新物种", "kind": "new", "stages": ["dengling"], "require": [], "base_year": None,
              "unit": "家", "target": 25}
    assert panel.save_indicator(values)
    i = [r.indicator for r in panel.rows].index("新物种")
    panel.set_cell(i, col(panel, "杨园"), "5")
    assert panel.save_indicator(dict(values, indicator="新物种企业（瞪羚）"), panel.rows[i])
    mine = [
        (t["indicator"], t["street"], t["target"])
        for t in dq.target_rows(ledger.conn, 2023)
        if "瞪羚" in t["indicator"]
    ]
    assert mine == [("新物种企业（瞪羚）", None, 25), ("新物种企业（瞪羚）", "杨园", 5)]
    j = [r.indicator for r in panel.rows].index("新物种企业（瞪羚）")
    assert panel.delete_indicator(j)
    assert "新物种企业（瞪羚）" not in [r.indicator for r in panel.rows]


def test_import_the_decomposition(panel, ledger, tmp_path):
    from importers.targets_io import export_decomposition
    rows = panel.rows
    rows[1].shares = {"杨园": 30, "积玉桥": 50}
    path = export_decomposition(tmp_path / "分解.xlsx", 2023, rows, ledger.catalog(), panel.streets)
    assert panel.import_file(str(path)) == 2      # the two new shares; the six targets as held are not rewritten
    assert panel.gap_lines[1] == "“净增高新技术企业”各街道分解合计 80，与全区目标一致"


@pytest.mark.qt_log_ignore("propagateSizeHints")
@pytest.mark.parametrize("size", [(1350, 640), (1077, 500)])
def test_every_street_column_is_in_view_without_sideways_scrolling(qtbot, demo_db, size):
    """At 1366×768 (and 125%) the last columns (街道合计, 差额) needed the horizontal scroll bar."""
    from db.ledger import Ledger
    from ui.targets import TargetsPanel
    with Ledger(demo_db, readonly=True) as led:
        p = TargetsPanel(led)
        qtbot.add_widget(p)
        p.resize(*size)
        p.show()
        qtbot.waitExposed(p)
        qtbot.wait(20)
        table = p.table
        assert table.columnCount() >= 4 + 13 + 2 and table.rowCount() > 0
        assert table.horizontalScrollBar().maximum() == 0
        last = table.columnCount() - 1
        assert table.columnViewportPosition(last) + table.columnWidth(last) <= table.viewport().width()
        stages = table.item(0, 2)
        assert stages.toolTip() == stages.text()           # the elided 统计阶段 is whole in its tooltip
        p.close()


def test_a_typed_share_is_a_count_of_firms(panel, ledger):
    """0.8万 typed in a share was 0.8 (read as 万元); a target counts firms (importers.clean.parse_quantity)."""
    assert panel.set_cell(0, col(panel, "杨园"), "0.3万")
    assert not panel.set_cell(0, col(panel, "积玉桥"), "86亿元")
    assert [(t["street"], t["target"]) for t in dq.target_rows(ledger.conn, 2023)
            if t["indicator"] == "高新技术企业总量" and t["street"]] == [("杨园", 3000)]
