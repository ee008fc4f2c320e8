"""The ledger: audited, transactional writes; aliases; exclusive tracks; recycle bin."""
import json
import sqlite3
from datetime import date

import pytest

from db import queries, schema
from db.connection import LedgerError
from db.ledger import Ledger
from pipeline.uscc import make_code
from tests.backends import engine_errors, recorded_person

CODE = make_code("9", "1", "420106", "MA4K5X7D")


def audit_rows(led, firm_id=None):
    sql = "SELECT action, entity, before, after, os_user, officer, source FROM audit"
    if firm_id is not None:
        return led.conn.execute(sql + " WHERE firm_id = ? ORDER BY id", (firm_id,)).fetchall()
    return led.conn.execute(sql + " ORDER BY id").fetchall()


def test_new_ledger_is_seeded_and_versioned(ledger):
    if ledger.shared:                                      # the file schema the server's tables are made after
        from db.pg import schema as pg_schema
        assert ledger.conn.execute("SELECT value FROM meta WHERE key = 'sqlite_schema'").fetchone()[0] == str(
            pg_schema.SQLITE_EQUIVALENT)
    else:                                                  # the file's own version and settings
        assert schema.version(ledger.conn) == schema.LATEST
        assert ledger.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ledger.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    cat = ledger.catalog()
    assert [s.name for s in cat.track("star").stages] == ["繁星", "新星", "亮星", "明星"]
    assert cat.stage("gaoqi").validity_kind == "months" and cat.stage("gaoqi").validity_value == 36
    assert len(ledger.streets()) == 14
    names = [t.name for t in queries.targets(ledger.conn, 2023)]
    assert "净增高新技术企业" in names and "高新技术企业总量" in names
    net = next(t for t in queries.targets(ledger.conn, 2023) if t.name == "净增高新技术企业")
    assert net.kind == "net" and net.target == 80


def test_insert_and_update_are_audited(ledger):
    with ledger.write() as w:
        fid = w.insert_firm("武汉星辰科技有限公司", CODE, street_id=ledger.street_id("杨园"))
    with ledger.write() as w:
        diff = w.update_firm(fid, officer="王芳", industry="电子信息")
    assert diff == {"officer": (None, "王芳"), "industry": (None, "电子信息")}
    rows = audit_rows(ledger, fid)
    assert [r[0] for r in rows] == ["insert", "update"]
    assert json.loads(rows[1][3]) == {"officer": "王芳", "industry": "电子信息"}
    assert rows[1][4] and rows[1][5] == recorded_person(ledger) and rows[1][6] == "person"


def test_failed_transaction_writes_nothing(ledger):
    before = ledger.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    with pytest.raises(RuntimeError):
        with ledger.write() as w:
            w.insert_firm("甲公司", CODE)
            raise RuntimeError("boom")
    assert ledger.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 0
    assert ledger.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before


def test_duplicate_code_is_refused_in_chinese(ledger):
    with ledger.write() as w:
        w.insert_firm("甲公司", CODE)
    with pytest.raises(LedgerError, match="已在台账中"):
        with ledger.write() as w:
            w.insert_firm("乙公司", CODE.lower())


def test_code_statuses(ledger):
    with ledger.write() as w:
        a = w.insert_firm("无代码公司")
        b = w.insert_firm("试点公司", "91350100M0001TGQXM")
        c = w.insert_firm("短代码公司", "9142")
    status = dict(ledger.conn.execute("SELECT id, code_status FROM firms").fetchall())
    assert status == {a: "no_code", b: "bad_check", c: "invalid"}
    assert ledger.conn.execute("SELECT code_raw FROM firms WHERE id = ?", (c,)).fetchone()[0] == "9142"


def test_rename_keeps_old_name_as_alias(ledger):
    with ledger.write() as w:
        fid = w.insert_firm("武汉旧名科技有限公司", CODE)
    with ledger.write() as w:
        assert w.rename_firm(fid, "武汉新名科技有限公司", date(2024, 5, 1))
    assert ledger.conn.execute("SELECT name FROM firms").fetchone()[0] == "武汉新名科技有限公司"
    assert ledger.conn.execute("SELECT name, seen_on FROM firm_aliases").fetchall() == [
        ("武汉旧名科技有限公司", "2024-05-01")
    ]


def test_designation_end_from_validity_and_exclusive_star(ledger):
    with ledger.write() as w:
        fid = w.insert_firm("甲公司", CODE)
        g = w.add_designation(fid, "gaoqi", "2021-07-01", evidence="GR202142000001")
        w.add_designation(fid, "fanxing", "2023-03-15")
        w.add_designation(fid, "xinxing", "2024-03-15")
    assert ledger.conn.execute("SELECT end_date FROM designations WHERE id = ?", (g,)).fetchone()[0] == "2024-07-01"
    stars = ledger.conn.execute(
        "SELECT s.key, d.start_date, d.end_date FROM designations d JOIN stages s ON s.id = d.stage_id "
        "WHERE s.key IN ('fanxing', 'xinxing') ORDER BY d.start_date").fetchall()
    assert stars == [("fanxing", "2023-03-15", "2024-03-15"), ("xinxing", "2024-03-15", None)]


def test_recycle_bin(ledger):
    with ledger.write() as w:
        fid = w.insert_firm("甲公司", CODE)
        w.add_designation(fid, "gaoqi", "2023-01-01")
    with ledger.write() as w:
        w.remove_firm(fid)
    assert len(queries.load_facts(ledger.conn)) == 0
    with pytest.raises(LedgerError):
        with ledger.write() as w:
            w.purge_firm(999)
    with ledger.write() as w:
        w.restore_firm(fid)
    assert len(queries.load_facts(ledger.conn)) == 1
    with ledger.write() as w:
        w.remove_firm(fid)
        w.purge_firm(fid)
    assert ledger.conn.execute("SELECT COUNT(*) FROM designations").fetchone()[0] == 0
    assert audit_rows(ledger, fid)[-1][0] == "purge"


def test_audit_cannot_be_edited(ledger):
    with pytest.raises(engine_errors(), match="审计日志不可修改"):
        ledger.conn.execute("UPDATE audit SET officer = 'x'")


def test_readonly_refuses_writes(tmp_path):
    Ledger(tmp_path / "a.db").close()
    with Ledger(tmp_path / "a.db", readonly=True) as led:
        with pytest.raises(LedgerError, match="只读"):
            with led.write():
                pass


def test_not_a_ledger(tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (a)")
    conn.close()
    with pytest.raises(LedgerError, match="不是星图台账"):
        Ledger(other)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerError, match="不是有效的星图台账"):
        Ledger(junk)


def test_targets_roundtrip(ledger):
    with ledger.write() as w:
        w.set_target(2024, "净增高新技术企业", "net", ["gaoqi"], 70)
        w.set_target(2024, "净增高新技术企业", "net", ["gaoqi"], 5, street_id=ledger.street_id("杨园"))
        w.set_target(2024, "净增高新技术企业", "net", ["gaoqi"], 75)
    district = queries.targets(ledger.conn, 2024)
    assert [(t.name, t.target) for t in district] == [("净增高新技术企业", 75)]
    street = queries.targets(ledger.conn, 2024, "杨园")
    assert [(t.name, t.target, t.street) for t in street] == [("净增高新技术企业", 5, "杨园")]


def test_audit_rows_cannot_be_deleted(ledger):
    with pytest.raises(engine_errors(), match="审计日志不可删除"):
        ledger.conn.execute("DELETE FROM audit")


def test_a_designation_without_a_start_date_is_refused_in_chinese(ledger):
    with ledger.write() as w:
        fid = w.insert_firm("武汉甲科技有限公司", CODE)
    with pytest.raises(LedgerError, match="缺少开始日期"), ledger.write() as w:
        w.add_designation(fid, "gaoqi", "")
    assert ledger.conn.execute("SELECT COUNT(*) FROM designations").fetchone()[0] == 0
