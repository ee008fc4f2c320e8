"""One backup per import from the app too (issue 13): the wizard's commit backs up once (the commit's own
backup), not once in the wizard and again in the commit."""
from __future__ import annotations

import pytest

from db import backup as bk
from desktop.sample_list import write_sample_list
from desktop.workers import Workers
from tests.ui.helpers import C1, C2, small_ledger
from ui.importer.wizard import ImportWizard

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_the_wizard_commit_makes_one_backup(qtbot, ledger, tmp_path, monkeypatch):
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))
    small_ledger(ledger)
    path = write_sample_list(tmp_path / "拟认定名单.xlsx", [("武汉星辰科技有限公司", C1, "积玉桥"),
                                                         ("湖北光谷智能装备有限公司", C2, "杨园")])
    workers = Workers()
    wiz = ImportWizard(ledger, path, workers)
    qtbot.add_widget(wiz)
    wiz.show()
    try:
        wiz.next()
        qtbot.waitUntil(lambda: wiz.plan is not None or bool(wiz.mapping.message.text()), timeout=20000)
        wiz.next()
        wiz.next()
        qtbot.waitUntil(lambda: wiz.over, timeout=20000)
        assert wiz.batch
    finally:
        wiz.close()
        workers.wait()
    found = bk.list_backups(ledger.path, bk.backup_dir_for(ledger.path, ledger.conn))
    assert [b.reason for b in found] == ["import"]
