"""db.ledger.Ledger over a shared ledger: the same class and Writer, the server's permissions, login and clock."""
import psycopg
import pytest

from db.engine import translate
from db.errors import LedgerError
from db.ledger import Ledger

JYQ_FIRM = "SELECT f.id FROM firms f JOIN streets s ON s.id = f.street_id WHERE s.name = ? ORDER BY f.id LIMIT 1"


def test_translate_rewrites_the_file_dialect_once():
    assert translate("SELECT id FROM firms WHERE name LIKE ? ESCAPE '\\' AND +f.code >= ?") == (
        "SELECT id FROM firms WHERE name LIKE %s ESCAPE '\\' AND f.code >= %s", False)
    sql, returning = translate("INSERT OR IGNORE INTO firm_aliases (firm_id, name) VALUES (?, ?)")
    assert sql == "INSERT INTO firm_aliases (firm_id, name) VALUES (%s, %s) ON CONFLICT DO NOTHING RETURNING id"
    assert returning
    sql, returning = translate("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
    assert sql.endswith("ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value") and not returning
    assert translate("SELECT 1 FROM targets WHERE street_id IS ? AND x LIKE '5%'")[0] == (
        "SELECT 1 FROM targets WHERE street_id IS NOT DISTINCT FROM %s AND x LIKE '5%%'")
    assert translate("SELECT f.id FROM firms f ORDER BY f.code DESC, f.id DESC LIMIT ?")[0] == (
        "SELECT f.id FROM firms f ORDER BY f.code DESC NULLS LAST, f.id DESC LIMIT %s")
    assert translate("SELECT 1 FROM firms f ORDER BY s.sort, f.name")[0].endswith("s.sort NULLS FIRST, f.name")
    sql = translate("SELECT 1 FROM audit WHERE json_extract(before, '$.code') = ? AND json_extract(after, '$.x_id')")
    assert "(before::json ->> 'code') = %s" in sql[0] and "(after::json ->> 'x_id')::bigint" in sql[0]


def test_an_officer_opens_the_shared_ledger_and_sees_only_their_street(people):
    with Ledger(people["super"]) as every, Ledger(people["officer"]) as mine:
        assert mine.shared and mine.role == "officer" and not mine.readonly
        assert mine.officer == people["logins"]["officer"]
        assert [n for _, n in mine.streets()] == [n for _, n in every.streets()]   # the catalog is everybody's
        assert mine.catalog().stage("gaoqi").name == "高新技术企业"
        jyq = every.conn.execute("SELECT count(*) FROM firms f JOIN streets s ON s.id = f.street_id "
                                 "WHERE s.name = '积玉桥'").fetchone()[0]
        assert 0 < jyq < every.conn.execute("SELECT count(*) FROM firms").fetchone()[0]
        assert mine.conn.execute("SELECT count(*) FROM firms").fetchone()[0] == jyq
        assert mine.street_ids == [mine.street_id("积玉桥")]


def test_writes_go_through_the_writer_with_the_server_login_and_clock(people):
    with Ledger(people["officer"], officer="别人的名字") as led:
        fid = led.conn.execute(JYQ_FIRM, ("积玉桥",)).fetchone()[0]
        with led.write() as w:
            server_now = led.conn.execute("SELECT now()").fetchone()[0]
            assert w.update_firm(fid, remark="走访后补充") == {"remark": (None, "走访后补充")}
            assert w.update_firm(fid, needs_review=True) == {"needs_review": (0, True)}     # as on the file
            alias = w.rename_firm(fid, "新名字科技有限公司")
            assert w.rename_firm(fid, "新名字科技有限公司") is None
            first = w.add_designation(fid, "xinxing", "2024-01-01")
            second = w.add_designation(fid, "liangxing", "2024-06-01")      # the ladder ends the first
            new = w.insert_firm("积玉桥新办有限公司", street_id=led.street_id("积玉桥"))
        assert alias and second > first and new > 600
        assert w.stamp == server_now.astimezone().isoformat(timespec="seconds")
        assert led.conn.execute("SELECT end_date FROM designations WHERE id = ?", (first,)).fetchone() == (
            "2024-06-01",)
        rows = led.conn.execute("SELECT officer, login, at, action, entity FROM audit WHERE firm_id IN (?, ?) "
                                "AND at = ? ORDER BY id", (fid, new, w.stamp)).fetchall()
    login = people["logins"]["officer"]
    assert {(r[0], r[1]) for r in rows} == {(login, login)}
    firm, alias = ("update", "firm"), ("insert", "alias")
    assert [r[3:] for r in rows][:4] == [firm, firm, alias, firm]
    assert ("insert", "firm") in [r[3:] for r in rows]


def test_a_failure_rolls_back_the_whole_write_and_a_savepoint_only_its_part(people):
    with Ledger(people["officer"]) as led:
        fid = led.conn.execute(JYQ_FIRM, ("积玉桥",)).fetchone()[0]
        other = led.conn.execute("SELECT code FROM firms WHERE code IS NOT NULL AND id <> ? LIMIT 1",
                                 (fid,)).fetchone()[0]
        with pytest.raises(LedgerError, match="已属于台账中另一家企业"):
            with led.write() as w:
                w.update_firm(fid, remark="不会保存")
                w.update_firm(fid, code=other)
        assert not led.conn.in_transaction
        assert led.conn.execute("SELECT remark FROM firms WHERE id = ?", (fid,)).fetchone() == (None,)
        with led.write() as w:
            w.update_firm(fid, remark="保存")
            with pytest.raises(LedgerError):
                with led.write() as inner:
                    inner.update_firm(fid, code=other)
            w.update_firm(fid, industry="软件")
        assert led.conn.execute("SELECT remark, industry FROM firms WHERE id = ?", (fid,)).fetchone() == (
            "保存", "软件")


def test_the_server_refuses_what_the_login_may_not_do(people):
    with Ledger(people["super"]) as every:
        theirs = every.conn.execute(JYQ_FIRM, ("杨园",)).fetchone()[0]
    with Ledger(people["officer"]) as led:
        with pytest.raises(LedgerError, match="没有编号为"):       # invisible: row-level security
            with led.write() as w:
                w.update_firm(theirs, remark="改别人的")
        with pytest.raises(LedgerError, match="共享台账的本次修改未保存：权限不足"):
            with led.write() as w:
                w.insert_firm("杨园的新公司", street_id=led.street_id("杨园"))
    with Ledger(people["viewer"], readonly=None) as viewer:
        assert viewer.readonly and "查看者" in viewer.readonly_reason
        with pytest.raises(LedgerError, match="只读"):
            with viewer.write():
                pass
    with pytest.raises(LedgerError, match="查看者"):
        Ledger(people["viewer"], readonly=False)
    with psycopg.connect(people["super"]) as conn:
        assert conn.execute("SELECT count(*) FROM firms WHERE remark = '改别人的'").fetchone() == (0,)


def test_a_login_that_is_not_a_user_or_a_database_that_is_not_a_ledger_is_refused(pg_db, people, pg_url):
    server, name = pg_db
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}_stranger" LOGIN')
    with pytest.raises(LedgerError, match="不是共享台账 .* 的用户"):
        Ledger(server.url_for(name, user=f"{name}_stranger"))
    with pytest.raises(LedgerError, match="不是星图共享台账"):
        Ledger(server.url_for("postgres"))


def test_a_new_firm_never_takes_an_id_the_audit_names(people):
    with psycopg.connect(people["super"]) as conn:
        top = conn.execute("SELECT greatest(max(f.id), (SELECT max(firm_id) FROM audit)) FROM firms f").fetchone()[0]
    with Ledger(people["officer"]) as led, led.write() as w:
        assert w.insert_firm("积玉桥又一家有限公司", street_id=led.street_id("积玉桥")) > top
