"""Upgrades: every earlier schema version migrates to the latest and keeps its data; a failed
migration leaves the original untouched."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from db import backup as bk
from db import migrate_safely, schema
from db.connection import LedgerError
from db.ledger import Ledger

DATA = Path(__file__).resolve().parents[1] / "data"
VERSIONED = sorted(DATA.glob("ledger_v*.db"), key=lambda p: int(p.stem.split("_v")[1]))


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        q = lambda sql: [tuple(r) for r in conn.execute(sql)]  # noqa: E731
        return {
            "firms": q("SELECT id, code, name, street_id, remark, deleted_at FROM firms ORDER BY id"),
            "designations": q("SELECT firm_id, stage_id, start_date, end_date, evidence FROM designations ORDER BY id"),
            "aliases": q("SELECT firm_id, name FROM firm_aliases ORDER BY id"),
            "services": q("SELECT firm_id, date, notes FROM service_records ORDER BY id"),
            "audit": q("SELECT at, action, entity, firm_id FROM audit WHERE entity != 'ledger' ORDER BY id"),
            "targets": q("SELECT count(*) FROM targets"),
        }
    finally:
        conn.close()


def test_a_ledger_file_is_kept_for_every_earlier_version():
    versions = {int(p.stem.split("_v")[1]) for p in VERSIONED}
    assert set(range(1, schema.LATEST)) <= versions, "run tests/data/make_versions.py and commit the new file"


@pytest.mark.parametrize("old", VERSIONED, ids=lambda p: p.stem)
def test_every_earlier_version_migrates_to_latest_and_keeps_its_data(old, tmp_path):
    path = tmp_path / "ledger.db"
    shutil.copy(old, path)
    before = _snapshot(path)
    assert before["firms"][0][2] == "武汉星图科技有限公司" and len(before["firms"]) == 3
    with Ledger(path) as led:
        assert schema.version(led.conn) == schema.LATEST
        assert led.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        applied = [r[0] for r in led.conn.execute("SELECT version FROM migrations ORDER BY version")]
        assert applied == [n for n, _, _ in schema.MIGRATIONS]
        with led.write("person") as w:  # still writable after the upgrade
            w.add_service(1, "2025-01-02", notes="升级后")
    after = _snapshot(path)
    after["services"] = after["services"][:-1]
    after["audit"] = after["audit"][:-1]
    assert after == before
    old_version = int(old.stem.split("_v")[1])
    saved = bk.list_backups(path, tmp_path / "data" / "backups")
    if old_version < schema.LATEST:
        assert [b.reason for b in saved] == ["migration"]
        assert _snapshot(saved[0].path) == before
        conn = sqlite3.connect(saved[0].path)
        assert schema.version(conn) == old_version
        conn.close()
    else:
        assert saved == []


def _broken(monkeypatch, sql: str) -> int:
    number = schema.LATEST + 1
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, (number, "broken", sql)])
    return number


def test_failed_migration_leaves_the_original_untouched(tmp_path, monkeypatch):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        with led.write("person") as w:
            w.insert_firm("甲公司")
        led.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    digest = _digest(path)
    number = _broken(monkeypatch, "CREATE TABLE half_done (a);\nINSERT INTO no_such_table VALUES (1);")
    with pytest.raises(LedgerError) as info:
        Ledger(path)
    message = str(info.value)
    assert f"→ {number}" in message and "原台账未改动" in message and "升级前的备份" in message
    assert _digest(path) == digest
    conn = sqlite3.connect(path)
    assert schema.version(conn) == schema.LATEST
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    conn.close()
    assert not (tmp_path / "ledger.db.lock").exists()  # the lock was released on the failure


def test_migration_failing_integrity_check_is_not_written_back(tmp_path, monkeypatch):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        with led.write("person") as w:
            w.insert_firm("甲公司")
    _broken(monkeypatch, "CREATE TABLE extra (a);")
    real = migrate_safely.integrity_problems
    monkeypatch.setattr(migrate_safely, "integrity_problems",
                        lambda c: ["*** in database main *** Page 7: btree damaged"] if c is not None else real(c))
    with pytest.raises(LedgerError, match="完整性检查未通过.*原台账未改动"):
        Ledger(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None
    assert [r[0] for r in conn.execute("SELECT name FROM firms")] == ["甲公司"]
    conn.close()


def test_successful_extra_migration_via_copy(tmp_path, monkeypatch):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        with led.write("person") as w:
            w.insert_firm("甲公司")
    number = _broken(monkeypatch, "CREATE TABLE extra (a);\nINSERT INTO extra VALUES (42);")
    with Ledger(path) as led:
        assert schema.version(led.conn) == number
        assert led.conn.execute("SELECT a FROM extra").fetchone()[0] == 42
        assert led.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_backup_failure_stops_the_migration(tmp_path, monkeypatch):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        with led.write("person") as w:
            w.insert_firm("甲公司")
    _broken(monkeypatch, "CREATE TABLE extra (a);")

    def fail(*a, **kw):
        raise bk.BackupError("磁盘空间已满")
    monkeypatch.setattr(migrate_safely, "backup", fail)
    with pytest.raises(LedgerError, match="备份失败，未升级，原台账未改动"):
        Ledger(path)


def test_newer_ledger_is_refused(tmp_path):
    path = tmp_path / "ledger.db"
    Ledger(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 5}")
    conn.close()
    with pytest.raises(LedgerError, match="更新版本的星图"):
        Ledger(path)
