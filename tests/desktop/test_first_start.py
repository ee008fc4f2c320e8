"""First start with no arguments: the ledger is created in the data folder with the default catalogs,
the log is written there, and the window paints (XINGTU_STARTUP_PROBE, as make dist-test does frozen)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_first_start_creates_the_ledger_and_the_log_in_the_data_folder(tmp_path):
    data = tmp_path / "数据"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XINGTU_STARTUP_PROBE": "1", "XINGTU_DATA_DIR": str(data),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env.pop("PYTHONPATH", None)
    out = subprocess.run([sys.executable, str(ROOT / "main.py")], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["FIRST_PAINT"]
    with sqlite3.connect(data / "ledger.db") as conn:
        assert conn.execute("SELECT count(*) FROM stages").fetchone()[0] == 21
        assert conn.execute("SELECT count(*) FROM streets").fetchone()[0] == 14
    log = (data / "logs" / "xingtu.log").read_text(encoding="utf-8")
    assert "启动" in log and f"打开台账 {data / 'ledger.db'}" in log and "星图退出（0）" in log
    assert (data / "logs" / "crash.log").exists()
