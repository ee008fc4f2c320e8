"""Issue 12 items 5, 6, 7: backups belong to their ledger, a restore is checked, repaired and audited,
and a killed backup, migration or restore leaves nothing behind for long."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from db import backup as bk
from db import lock as ledger_lock
from db import migrate_safely
from db.ledger import Ledger
from db.restore import restore_checked
from desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))


def _make(path: Path, *names: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with Ledger(path) as led, led.write("person") as w:
        for n in names:
            w.insert_firm(n)
    return path


def _add(path: Path, *names: str) -> None:
    with Ledger(path) as led, led.write("person") as w:
        for n in names:
            w.insert_firm(n)


def _q(path: Path, sql: str, *args):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _names(path: Path) -> list[str]:
    return [r[0] for r in _q(path, "SELECT name FROM firms WHERE deleted_at IS NULL ORDER BY id")]


# item 5: backups keyed by the ledger's identity -----------------------------------------------------

def test_two_ledgers_of_the_same_name_never_share_or_prune_backups(tmp_path, capsys):
    a = _make(tmp_path / "甲科" / "ledger.db", "甲公司")
    b = _make(tmp_path / "乙科" / "ledger.db", "乙公司")
    shared = tmp_path / "共用备份"
    start = datetime(2025, 1, 1, 8, 0, 0)
    only_a = bk.backup(a, shared, "manual", now=start)
    for i in range(11):
        bk.backup(b, shared, "daily", now=start + timedelta(hours=1 + i))
    assert only_a.path.exists()                                   # B's pruning left A's only backup alone
    assert [x.path for x in bk.list_backups(a, shared)] == [only_a.path]
    listed_b = bk.list_backups(b, shared)
    assert len(listed_b) == bk.KEEP_LAST and all(x.ledger_id == bk.ledger_id_of(b) for x in listed_b)
    assert bk.ledger_id_of(a) != bk.ledger_id_of(b)
    assert main(["backups", "--db", str(a), "--dir", str(shared), "--json"]) == 0
    assert [x["path"] for x in json.loads(capsys.readouterr().out)["backups"]] == [str(only_a.path)]
    # restoring B's backup over A is refused, then allowed with --other-ledger and a warning
    assert main(["restore", str(listed_b[0].path), "--db", str(a), "--dir", str(shared)]) == 2
    assert "属于另一个台账" in capsys.readouterr().err and _names(a) == ["甲公司"]
    a_id = bk.ledger_id_of(a)
    assert main(["restore", str(listed_b[0].path), "--db", str(a), "--dir", str(shared), "--other-ledger"]) == 0
    out, err = capsys.readouterr()
    assert "注意" in err and "另一个台账" in err and _names(a) == ["乙公司"]
    assert bk.ledger_id_of(a) == a_id                             # A keeps its identity and its backups
    assert only_a.path in [x.path for x in bk.list_backups(a, shared)]


def test_backups_made_before_v4_are_unknown_listed_kept_and_restored_only_on_request(tmp_path, capsys):
    a = _make(tmp_path / "ledger.db", "甲公司")
    dest = tmp_path / "bk"
    dest.mkdir()
    legacy = dest / "ledger_20240101-080000_manual.db"
    shutil.copy(DATA / "ledger_v3.db", legacy)                   # a backup from before the ledger identity
    for i in range(12):
        bk.backup(a, dest, "daily", now=datetime(2025, 1, 1) + timedelta(hours=i))
    assert legacy.exists()                                        # never pruned automatically
    listed = bk.list_backups(a, dest)
    assert [x.path for x in listed if x.ledger_id is None] == [legacy]
    assert main(["backups", "--db", str(a), "--dir", str(dest)]) == 0
    assert "未知台账" in [line for line in capsys.readouterr().out.splitlines() if legacy.name in line][0]
    assert main(["restore", str(legacy), "--db", str(a), "--dir", str(dest)]) == 2
    assert "未知台账" in capsys.readouterr().err
    a_id = bk.ledger_id_of(a)
    assert main(["restore", str(legacy), "--db", str(a), "--dir", str(dest), "--other-ledger"]) == 0
    assert "未知台账" in capsys.readouterr().err
    with Ledger(a) as led:                                        # upgraded on open, with A's identity
        assert bk.ledger_id_of(led.conn) == a_id


def test_the_backup_before_the_upgrade_to_v4_carries_the_new_identity(tmp_path):
    old = tmp_path / "ledger.db"
    shutil.copy(DATA / "ledger_v3.db", old)
    with Ledger(old) as led:
        own = bk.ledger_id_of(led.conn)
    made = bk.list_backups(old)
    assert own and [(x.reason, x.ledger_id) for x in made] == [("migration", own)]


# item 6: restore validates, repairs, audits and keeps the newer audit rows --------------------------

def _craft(backup_path: Path) -> None:
    bk.backup_seal.remove(backup_path)      # a crafter drops the seal too: with it, the file is refused
    conn = sqlite3.connect(backup_path, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute("UPDATE audit SET os_user = '改写者', after = '{}'")
        conn.execute("DELETE FROM audit WHERE id = 1")
        conn.execute("CREATE TRIGGER audit_wipe AFTER INSERT ON audit BEGIN DELETE FROM audit WHERE id = new.id; END")
        conn.execute("DROP TRIGGER firm_search_ad")
        conn.execute("CREATE TRIGGER firm_search_ad AFTER DELETE ON firms BEGIN SELECT 1; END")  # neutered
    finally:
        conn.close()


def test_restore_of_a_crafted_backup_rebuilds_the_audit_triggers_and_says_so(tmp_path, capsys):
    a = _make(tmp_path / "ledger.db", "甲公司")
    crafted = bk.backup(a, tmp_path / "bk", "manual").path
    _craft(crafted)
    assert main(["restore", str(crafted), "--db", str(a), "--dir", str(tmp_path / "bk")]) == 0
    out, err = capsys.readouterr()
    assert "保护触发器缺失或被改动过，已重建" in err
    assert "audit_no_update" in out and "audit_wipe" in out and "firm_search_ad" in out
    triggers = {r[0] for r in _q(a, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"audit_no_update", "audit_no_delete"} <= triggers and "audit_wipe" not in triggers
    conn = sqlite3.connect(a)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="审计日志不可修改"):
            conn.execute("UPDATE audit SET os_user = 'x'")
        with pytest.raises(sqlite3.DatabaseError, match="审计日志不可删除"):
            conn.execute("DELETE FROM audit")
    finally:
        conn.close()
    row = _q(a, "SELECT after FROM audit WHERE action = 'restore' AND entity = 'ledger'")
    assert len(row) == 1
    repaired = json.loads(row[0][0])["repaired"]
    assert any("audit_no_delete" in r for r in repaired) and any("audit_wipe" in r for r in repaired)
    # the genuine audit rows of the replaced ledger, rewritten or deleted in the backup, are kept
    assert _q(a, "SELECT COUNT(*) FROM audit WHERE os_user != '改写者' AND action = 'insert'")[0][0] == 1


def test_restore_refuses_a_backup_missing_a_table_or_column(tmp_path, capsys):
    a = _make(tmp_path / "ledger.db", "甲公司")
    for damage, message in [("DROP TABLE service_records", "缺少数据表 service_records"),
                            ("ALTER TABLE firms DROP COLUMN remark", "缺少列 remark"),
                            ("PRAGMA user_version = 0", "不是星图台账")]:
        copy = bk.backup(a, tmp_path / "bk", "manual").path
        conn = sqlite3.connect(copy, isolation_level=None)
        bk.backup_seal.remove(copy)                      # unsealed: a backup from before seals
        conn.execute(damage)
        conn.close()
        before = a.read_bytes()
        assert main(["restore", str(copy), "--db", str(a), "--dir", str(tmp_path / "bk")]) == 2
        assert message in capsys.readouterr().err
        assert a.read_bytes() == before and not list(tmp_path.glob("*.partial"))


def test_restore_keeps_newer_audit_rows_and_writes_a_restore_row_in_any_order(tmp_path):
    a = _make(tmp_path / "ledger.db", "甲公司")
    dest = tmp_path / "bk"
    old = bk.backup(a, dest, "manual", now=datetime(2025, 1, 1, 8, 0, 0))
    _add(a, "乙公司")
    inserts = lambda: [r[0] for r in _q(a, "SELECT after FROM audit WHERE entity = 'firm' AND action = 'insert'")]  # noqa: E731
    first = restore_checked(old.path, a, dest)
    assert _names(a) == ["甲公司"] and first.kept_audit == 1
    assert sum("乙公司" in x for x in inserts()) == 1              # the row written after the backup is kept
    after = json.loads(_q(a, "SELECT after FROM audit WHERE action = 'restore'")[0][0])
    kept_id = _q(a, "SELECT id FROM audit WHERE after LIKE '%乙公司%'")[0][0]
    assert after["kept_audit"] == {"count": 1, "first_id": kept_id, "last_id": kept_id}   # how they are marked
    assert after["backup"] == old.path.name and after["other_ledger"] is False
    # back to the state before the restore: nothing doubled, both restores recorded
    second = restore_checked(first.saved.path, a, dest)
    assert _names(a) == ["甲公司", "乙公司"] and second.kept_audit == 1   # only the first restore's own row
    assert sum("乙公司" in x for x in inserts()) == 1
    assert len(_q(a, "SELECT id FROM audit WHERE action = 'restore'")) == 2



def test_audit_listing_marks_the_rows_kept_from_before_a_restore(tmp_path, capsys):
    a = _make(tmp_path / "ledger.db", "甲公司")
    old = bk.backup(a, tmp_path / "bk", "manual")
    _add(a, "乙公司")
    restore_checked(old.path, a, tmp_path / "bk")
    assert main(["audit", "--db", str(a)]) == 0
    lines = capsys.readouterr().out.splitlines()
    marked = [line for line in lines if "恢复前的记录" in line]
    assert len(marked) == 1 and "乙公司" in marked[0]
    assert "恢复台账" in lines[-1] and "甲公司" not in marked[0]


# item 7: stale partial and staging files ------------------------------------------------------------

def test_partial_of_a_killed_backup_is_cleaned_on_next_open(tmp_path):
    a = _make(tmp_path / "ledger.db", "甲公司")
    dest = tmp_path / "bk"
    code = ("import sys, time, os; sys.path.insert(0, sys.argv[3]); from db import backup as b\n"
            "def hang(*a):\n    print('ready', flush=True); time.sleep(60)\n"
            "b.os.replace = hang\nb.backup(sys.argv[1], sys.argv[2], 'manual')\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(a), str(dest), str(ROOT)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert len(list(dest.glob("*.partial"))) == 1                 # what a killed backup leaves
    live = subprocess.Popen(["sleep", "60"])
    try:
        mine = dest / f"ledger_20250101-080000_manual.db.{bk._host_tag()}-{live.pid}.partial"
        mine.write_bytes(b"being written")                        # a backup still running: left alone
        legacy_old, legacy_new = dest / "ledger_20240101-080000_manual.db.partial", dest / "x.db.partial"
        legacy_old.write_bytes(b"old")
        os.utime(legacy_old, (time.time() - bk.STALE_PARTIAL_AGE - 60,) * 2)
        legacy_new.write_bytes(b"new")
        with Ledger(a, officer="测试") as led:
            bk.set_backup_dir(led, dest)
        with Ledger(a):                                           # the next start
            pass
        assert sorted(p.name for p in dest.glob("*.partial")) == sorted([mine.name, legacy_new.name])
    finally:
        live.kill()
        live.wait()


def test_migration_stages_beside_the_ledger_and_stale_staging_is_cleaned(tmp_path, monkeypatch):
    import tempfile
    tmp = tmp_path / "systmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    old_copy = tmp / "xingtu-migrate-abc123"
    old_copy.mkdir()
    (old_copy / "ledger.db").write_bytes(b"x" * 1000)
    os.utime(old_copy, (time.time() - migrate_safely.STALE_TMP_AGE - 60,) * 2)
    fresh_copy = tmp / "xingtu-migrate-def456"
    fresh_copy.mkdir()
    led_path = tmp_path / "ledger.db"
    shutil.copy(DATA / "ledger_v3.db", led_path)
    stale = tmp_path / "ledger.db.migrate-deadbeef.partial"
    stale.write_bytes(b"half a copy")
    (tmp_path / "ledger.db.restore-cafebabe.partial").write_bytes(b"half a restore")
    seen = []
    real = migrate_safely.staging_path
    monkeypatch.setattr(migrate_safely, "staging_path", lambda p, k: seen.append(real(p, k)) or seen[-1])
    with Ledger(led_path) as led:
        assert led.conn.execute("PRAGMA user_version").fetchone()[0] == migrate_safely.latest()
    assert seen and seen[0].parent == tmp_path                    # the copy was made beside the ledger
    assert not list(tmp_path.glob("*.partial"))                   # stale ones cleaned, its own removed
    assert sorted(p.name for p in tmp.iterdir()) == [fresh_copy.name]
    assert ledger_lock.read_holder(ledger_lock.lock_path(led_path)) is None


def test_backups_within_one_second_keep_their_order_after_pruning(tmp_path):
    """Twelve backups in the same second: each new one is the newest, so pruning removes the oldest, never it
    (the lowest free sequence number once sorted a new backup before older ones, and pruning removed it)."""
    Ledger(tmp_path / "a.db").close()
    now, made = datetime(2026, 3, 2, 9, 0, 0), []
    for _ in range(bk.KEEP_LAST + 2):
        made.append(bk.backup(tmp_path / "a.db", tmp_path / "bk", now=now).path)
        assert made[-1].exists(), "the backup just made was pruned"
    listed = [b.path for b in bk.list_backups(tmp_path / "a.db", tmp_path / "bk")]
    assert listed == made[::-1][:bk.KEEP_LAST]
