"""The import wizard end to end on a real messy .xlsx: sheet → mapping → preview (untick a warning row)
→ commit in a worker → result and problem rows → undo from the import history."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.sample_list import write_sample_list
from desktop.workers import Workers
from tests.ui.helpers import C1, C2, small_ledger
from ui.history import HistoryPanel
from ui.importer.preview_model import PlanPreviewModel
from ui.importer.wizard import ImportWizard

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def wizard(qtbot, ledger, tmp_path):
    small_ledger(ledger)
    path = write_sample_list(tmp_path / "拟认定名单.xlsx",
                             [("武汉星辰科技有限公司", C1, "积玉桥"), ("湖北光谷智能装备有限公司", C2, "杨园")])
    workers = Workers()
    wiz = ImportWizard(ledger, path, workers)
    qtbot.add_widget(wiz)
    wiz.show()
    yield wiz, ledger, tmp_path
    wiz.close()
    workers.wait()


def firm_count(ledger):
    return ledger.conn.execute("SELECT count(*) FROM firms WHERE deleted_at IS NULL").fetchone()[0]


def test_wizard_end_to_end_and_undo(qtbot, wizard, qtmodeltester):
    wiz, ledger, tmp_path = wizard
    assert wiz.source.sheet.currentText() == "拟认定名单"
    assert wiz.source.grid.row(0)[0] == "2023年湖北省第二批拟认定高新技术企业名单"
    wiz.next()                                                    # → mapping: the plan is built in a worker
    qtbot.waitUntil(lambda: wiz.plan is not None or bool(wiz.mapping.message.text()), timeout=20000)
    assert wiz.mapping.message.text() == ""
    plan = wiz.plan
    assert plan.kind == "designation" and plan.stage == "gaoqi"
    assert wiz.mapping.header_row.value() == 2
    assert [c.currentData() for c in wiz.mapping.combos] == [None, "name", "code", "street", "cert_no", "date"]
    assert wiz.mapping.isComplete()
    wiz.next()                                                    # → preview
    model = wiz.preview.model
    qtmodeltester.check(model, force_py=True)
    states = [(model.plan_row(i).excel_row, model.plan_row(i).status) for i in range(model.rowCount())]
    assert states == [(4, "new"), (5, "new"), (6, "new"), (7, "new"), (8, "new"), (9, "update"), (10, "update"),
                      (11, "unchanged"), (12, "error")]
    bad_check = next(i for i in range(model.rowCount()) if model.plan_row(i).excel_row == 8)
    assert "校验位不符" in model.data(model.index(bad_check, 6))
    assert model.data(model.index(bad_check, 0), Qt.CheckStateRole) == Qt.Checked
    assert model.data(model.index(8, 0), Qt.CheckStateRole) == Qt.Unchecked      # the error row is never imported
    assert not model.setData(model.index(8, 0), Qt.Checked, Qt.CheckStateRole)
    renamed = model.data(model.index(5, 5))
    assert renamed.startswith("企业名称：武汉星辰科技有限公司 → 武汉星辰科技股份有限公司")
    assert model.setData(model.index(bad_check, 0), Qt.Unchecked, Qt.CheckStateRole)   # a person disagrees
    assert "已取消勾选 1 行" in wiz.preview.summary.text()
    before = firm_count(ledger)
    committed = []
    wiz.committed.connect(committed.append)
    wiz.next()                                                    # → commit page: the worker writes
    qtbot.waitUntil(lambda: wiz.over, timeout=20000)
    assert committed and committed[0] == wiz.batch
    assert firm_count(ledger) == before + 4  # 5 new rows, one unticked
    assert (
        ledger.conn.execute("SELECT name FROM firms WHERE code = ?", (C1,)).fetchone()[0] == "武汉星辰科技股份有限公司"
    )
    assert ledger.conn.execute("SELECT count(*) FROM firms WHERE name = '武汉旧码试点科技有限公司'").fetchone()[0] == 0
    assert wiz.commit_page.export.isEnabled()
    n = wiz.export_problems(str(tmp_path / "问题行.xlsx"))
    assert n >= 3 and (tmp_path / "问题行.xlsx").exists()

    answers = []
    history = HistoryPanel(ledger, undo=lambda b, force: __import__("importers.undo", fromlist=["x"]).undo_batch(
        ledger, b, force=force), confirm=lambda t, m: answers.append(t) or True, report=answers.append)
    qtbot.add_widget(history)
    qtmodeltester.check(history.model, force_py=True)
    assert history.model.row(0)[0] == wiz.batch and history.model.row(0)[2] == "拟认定名单.xlsx"
    history.select_batch(wiz.batch)
    assert history.undo_selected()
    assert firm_count(ledger) == before
    assert ledger.conn.execute("SELECT name FROM firms WHERE code = ?", (C1,)).fetchone()[0] == "武汉星辰科技有限公司"
    assert history.model.row(0)[-1].startswith("已撤销")


def test_plan_preview_model_alone(qtmodeltester, qapp):
    qtmodeltester.check(PlanPreviewModel(), force_py=True)


def test_every_step_has_a_title_and_a_subtitle(wizard):
    """Qt's wizard draws a page without a subtitle in another style (a large title, no header): step 4 looked unlike
    steps 1-3."""
    wiz, _ledger, _tmp = wizard
    pages = [wiz.page(i) for i in wiz.pageIds()]
    assert len(pages) == 4
    for number, page in enumerate(pages, 1):
        assert page.title().startswith(f"第 {number} 步") and page.subTitle(), page.title()
