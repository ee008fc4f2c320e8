"""Power cut during an import: a real `python main.py import FILE --db PATH` in a subprocess,
SIGKILLed at random moments. After every kill the ledger passes integrity_check, opens (the
dead process's lock is recognised and cleared) and holds either the whole batch or none of it.

The short variant always runs; the long one (more runs, a larger list) is marked slow.
"""
from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db.ledger import Ledger
from pipeline.uscc import make_code

ROOT = Path(__file__).resolve().parents[2]
STREETS = ["积玉桥", "杨园", "徐家棚", "粮道", "中华路", "黄鹤楼", "紫阳"]
BASE_FIRMS = 3
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def make_list(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["序号", "企业名称", "统一社会信用代码", "所在街道", "所属行业", "联系人"])
        for i in range(n):
            w.writerow([i + 1, f"武汉测试{i:06d}科技有限公司", make_code("9", "1", "420106", f"{i + 1000:08d}"),
                        STREETS[i % len(STREETS)], "软件和信息技术服务业", f"联系人{i % 97}"])


def make_base(path: Path) -> None:
    with Ledger(path) as led:
        with led.write("person") as w:
            for i in range(BASE_FIRMS):
                w.insert_firm(f"原有企业{i}", make_code("9", "1", "420106", f"{90000000 + i:08d}"))
        led.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def command(kind: str, listing: Path, ledger: Path) -> list[str]:
    if kind == "cli":  # the real thing
        return [sys.executable, str(ROOT / "main.py"), "import", str(listing), "--db", str(ledger)]
    return [sys.executable, str(Path(__file__).with_name("bulk_writer.py")), str(listing), str(ledger)]


def run_import(ledger: Path, listing: Path, data_dir: Path, kill_after: float | None, kind: str = "cli"
               ) -> tuple[bool, int | None]:
    env = dict(os.environ, XINGTU_DATA_DIR=str(data_dir), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(command(kind, listing, ledger), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    killed = False
    try:
        proc.wait(timeout=kill_after if kill_after is not None else 600)
    except subprocess.TimeoutExpired:
        if kill_after is None:
            raise
        proc.send_signal(signal.SIGKILL)
        killed = True
    _out, err = proc.communicate()
    if not killed and proc.returncode != 0:
        raise AssertionError(f"import failed ({proc.returncode}): {err.decode('utf-8', 'replace')[-2000:]}")
    return killed, proc.returncode


def check(ledger: Path, n: int) -> str:
    """Integrity, opens, all or nothing. Returns 'all' or 'none'."""
    conn = sqlite3.connect(ledger)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    with Ledger(ledger) as led:  # the killed process's lock must not keep us out
        assert led.readonly is False
        c = led.conn
        batches = c.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
        imported = c.execute("SELECT COUNT(*) FROM firms WHERE batch_id IS NOT NULL").fetchone()[0]
        total = c.execute("SELECT COUNT(*) FROM firms").fetchone()[0]
        audit_batch = c.execute("SELECT COUNT(*) FROM audit WHERE batch_id IS NOT NULL").fetchone()[0]
        batch_row = c.execute("SELECT COUNT(*) FROM audit WHERE entity = 'batch' AND batch_id > 0").fetchone()[0]
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    if batches == 0:
        assert (imported, total, audit_batch) == (0, BASE_FIRMS, 0)
        return "none"
    assert batches == 1
    assert (imported, total) == (n, BASE_FIRMS + n)
    # every firm created is audited: by the import's batch row (db/creation.py) or, written one at a time, its own
    assert batch_row == 1 or audit_batch >= n
    return "all"


def kill_many(tmp_path: Path, n_rows: int, runs: int, seed: int, kind: str = "cli") -> dict:
    listing = tmp_path / "名单.csv"
    make_list(listing, n_rows)
    base = tmp_path / "base.db"
    make_base(base)
    data_dir = tmp_path / "data"
    # one run to the end: the batch arrives whole, and it tells how long an import takes
    first = tmp_path / "full.db"
    shutil.copy(base, first)
    t0 = time.monotonic()
    run_import(first, listing, data_dir, None, kind)
    duration = time.monotonic() - t0
    assert check(first, n_rows) == "all"
    rng = random.Random(seed)
    tally = {"runs": 1, "kills": 0, "all": 1, "none": 0, "stale_locks_cleared": 0, "killed_mid_write": 0,
             "duration": round(duration, 2)}
    for i in range(runs):
        ledger = tmp_path / f"run{i}.db"
        shutil.copy(base, ledger)
        moment = rng.uniform(0.05, 1.05) * duration
        killed, _rc = run_import(ledger, listing, data_dir, moment, kind)
        tally["runs"] += 1
        tally["kills"] += killed
        if Path(f"{ledger}.lock").exists():
            tally["stale_locks_cleared"] += 1
        wal = Path(f"{ledger}-wal")
        if killed and wal.exists() and wal.stat().st_size > 0:
            tally["killed_mid_write"] += 1   # pages of the unfinished batch were already in the WAL
        tally[check(ledger, n_rows)] += 1
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
    for p in (data_dir / "backups").glob("*.db"):  # every backup made before an import is whole too
        conn = sqlite3.connect(p)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == BASE_FIRMS
        conn.close()
    print(f"\nkill test ({kind}, {n_rows} rows): {tally}")
    return tally


def test_kill_during_import_short(tmp_path):
    tally = kill_many(tmp_path, n_rows=2000, runs=4, seed=6)
    assert tally["runs"] == 5 and tally["all"] + tally["none"] == 5


@pytest.mark.slow
def test_kill_during_import_long(tmp_path):
    tally = kill_many(tmp_path, n_rows=20000, runs=40, seed=2023)
    assert tally["runs"] == 41 and tally["all"] + tally["none"] == 41
    assert tally["kills"] >= 25


def test_kill_during_ledger_write_short(tmp_path):
    """The same with a stand-in writer (one Ledger.write batch): the ledger core alone under kill."""
    tally = kill_many(tmp_path, n_rows=2000, runs=4, seed=7, kind="writer")
    assert tally["runs"] == 5 and tally["all"] + tally["none"] == 5


@pytest.mark.slow
def test_kill_during_ledger_write_long(tmp_path):
    tally = kill_many(tmp_path, n_rows=10000, runs=40, seed=8, kind="writer")
    assert tally["runs"] == 41 and tally["all"] + tally["none"] == 41
