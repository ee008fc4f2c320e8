"""Issue 12 item 15: output piped into a reader that stops early (`| head`) ends quietly."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from db.ledger import Ledger
from desktop.cli import EXIT_BROKEN_PIPE, main
from tests.importers import fixtures as fx

ROOT = Path(__file__).resolve().parents[2]


def _run_with_closed_reader(*argv) -> tuple[int, str]:
    """Run main.py with stdout a real pipe whose reading end is already closed (what `| head -0` leaves)."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *map(str, argv)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                     # the reader is gone before the command writes a byte
    err = proc.stderr.read().decode("utf-8", "replace")
    return proc.wait(timeout=120), err


def test_import_into_a_closed_pipe_commits_and_exits_quietly(tmp_path):
    db = tmp_path / "ledger.db"
    assert main(["init", "--db", str(db)]) == 0
    code, err = _run_with_closed_reader("import", fx.write_hightech_xlsx(tmp_path), "--db", db)
    assert err == "" and code == EXIT_BROKEN_PIPE == 141
    conn = sqlite3.connect(db)
    try:   # the batch was committed before the output failed
        assert conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 6
    finally:
        conn.close()


def test_long_output_into_head_exits_quietly(tmp_path):
    db = tmp_path / "ledger.db"
    with Ledger(db) as led, led.write("person") as w:
        for i in range(1500):
            w.insert_firm(f"测试企业{i:04d}有限公司")
    # 1,500 audit rows are far more than a pipe holds (64 KB): head leaves while they are still being written
    shell = subprocess.run(
        f"'{sys.executable}' '{ROOT / 'main.py'}' audit --db '{db}' --limit 0 "
        f"| head -1; echo \" rc=${{PIPESTATUS[0]}}\" >&2",
        shell=True, executable="/bin/bash", cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in shell.stderr and "BrokenPipe" not in shell.stderr
    assert shell.stdout.count("\n") == 1 and "新建台账" in shell.stdout
    assert shell.stderr.strip() == f"rc={EXIT_BROKEN_PIPE}"
