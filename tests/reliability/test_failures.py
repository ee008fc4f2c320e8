"""Disk full, read-only folder, the file deleted while open: a clear Chinese message, nothing lost."""
from __future__ import annotations

import os
import sqlite3

import pytest

from db import backup as bk
from db.connection import LedgerError
from db.ledger import Ledger


def _names(path):
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM firms ORDER BY id")]
    finally:
        conn.close()


def test_disk_full_mid_batch_keeps_the_ledger_as_it_was(tmp_path):
    path = tmp_path / "a.db"
    with Ledger(path) as led:
        with led.write("person") as w:
            w.insert_firm("甲公司")
        audit_before = led.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        pages = led.conn.execute("PRAGMA page_count").fetchone()[0]
        led.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills up during the batch
        with pytest.raises(LedgerError) as info:
            with led.write("import") as w:
                for i in range(2000):
                    w.insert_firm(f"批量公司{i:04d}", remark="备注" * 200)
        assert str(info.value) == "磁盘空间已满，台账 a.db 的本次修改未保存（台账未改动）；请清理磁盘后重试"
        assert not led.conn.in_transaction
        assert led.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == audit_before
        led.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed: writing works again
        with led.write("person") as w:
            w.insert_firm("乙公司")
        assert led.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _names(path) == ["甲公司", "乙公司"]


def test_file_deleted_while_open_refuses_writes_and_can_be_rescued(tmp_path):
    path = tmp_path / "a.db"
    led = Ledger(path)
    with led.write("person") as w:
        w.insert_firm("甲公司")
        w.insert_firm("乙公司")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            os.remove(f"{path}{suffix}")
    with pytest.raises(LedgerError, match="已被删除、移动或替换，本次修改未保存"):
        with led.write("person") as w:
            w.insert_firm("丙公司")
    saved = bk.rescue(led, path)  # what the open connection still holds goes back where it was
    assert saved.firms == 2
    led.close()
    with Ledger(path) as again:
        with again.write("person") as w:
            w.insert_firm("丙公司")
    assert _names(path) == ["甲公司", "乙公司", "丙公司"]


def test_file_replaced_while_open_is_detected(tmp_path):
    path = tmp_path / "a.db"
    with Ledger(path) as led:
        other = tmp_path / "b.db"
        Ledger(other).close()
        os.replace(other, path)
        with pytest.raises(LedgerError, match="已被删除、移动或替换"):
            with led.write("person"):
                pass


def test_rescue_never_overwrites(tmp_path):
    with Ledger(tmp_path / "a.db") as led:
        (tmp_path / "taken.db").write_bytes(b"x")
        with pytest.raises(bk.BackupError, match="不会覆盖"):
            bk.rescue(led, tmp_path / "taken.db")


def test_constraint_errors_still_reach_the_caller_as_sqlite_errors(ledger):
    with pytest.raises(sqlite3.IntegrityError):
        with ledger.write("person") as w:
            w.conn.execute("INSERT INTO streets (name) VALUES ('积玉桥')")
