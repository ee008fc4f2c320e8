"""Start-up: the window is on screen without pandas, openpyxl, pyqtgraph or numpy loaded (numpy: 0.06-0.1 s)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = r"""
import json, sys, tempfile
from PySide6.QtCore import QSettings
from desktop.app import setup_application, open_ledger_for_window
app = setup_application()
QSettings.setDefaultFormat(QSettings.IniFormat)
QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp())
from desktop.main_window import MainWindow
ledger = open_ledger_for_window(sys.argv[1])
win = MainWindow(ledger)
win.show()
app.processEvents()
heavy = sorted(m for m in ("pandas", "openpyxl", "pyqtgraph", "xlsxwriter", "python_calamine", "rapidfuzz", "numpy")
               if m in sys.modules)
print(json.dumps({"heavy": heavy, "rows": win.ledger_panel.model.rowCount(), "title": win.windowTitle(),
                  "app": app.applicationName(), "tabs": [win.tabs.tabText(i) for i in range(win.tabs.count())]}))
win.close()
ledger.close()
"""


def test_window_shows_without_heavy_imports(tmp_path, demo_db):
    import shutil
    db = tmp_path / "start.db"
    shutil.copy(demo_db, db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "XINGTU_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(db)], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"heavy": [], "rows": 600, "title": "start.db - 星图", "app": "星图",
                   "tabs": ["台账", "看板", "导入历史", "指标", "设置"]}
