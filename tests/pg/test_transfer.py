"""init, push and pull: a file ledger moved to the server and back, checked table by table and report by report."""
import sqlite3
from pathlib import Path

import psycopg
import pytest

from db.pg import pull, setup, transfer
from db.pg import schema as pg_schema
from db.pg.url import SharedLedgerError


def count(url, sql, params=()):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()[0]


def file_count(path, sql, params=()):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def test_init_refuses_a_database_that_is_not_empty(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int)")
    with pytest.raises(SharedLedgerError, match="不是空的.*orders"):
        setup.init(pg_url)
    assert count(pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 1


def test_init_needs_a_superuser(pg_db, pg_url):
    server, name = pg_db
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}_plain" LOGIN')
    with pytest.raises(SharedLedgerError, match="超级用户"):
        setup.init(server.url_for(name, user=f"{name}_plain"))


def test_push_copies_every_table_and_checks_the_reports(shared_demo, demo_db):
    for table in ("firms", "firm_aliases", "designations", "service_records", "targets", "batches", "audit",
                  "streets", "stages", "tracks", "batch_rows"):
        sql = f"SELECT count(*) FROM {table}"
        assert count(shared_demo, sql) == file_count(demo_db, sql), table
    assert count(shared_demo, "SELECT value FROM meta WHERE key = 'ledger_id'") == file_count(
        demo_db, "SELECT value FROM meta WHERE key = 'ledger_id'")
    with psycopg.connect(shared_demo) as conn:
        shown = transfer.reports(transfer.QmarkConnection(conn))
    assert "2023 全区" in shown and "2023 积玉桥" in shown
    assert shown["2023 全区"]["indicators"][0]["actual"] > 0
    # new rows take ids after the copied ones
    with psycopg.connect(shared_demo) as conn:
        new = conn.execute("INSERT INTO streets (name) VALUES ('新街道') RETURNING id").fetchone()[0]
    assert new > file_count(demo_db, "SELECT max(id) FROM streets")


def test_the_trigram_index_finds_a_firm_by_part_of_its_name_former_name_or_pinyin(shared_demo, demo_db):
    name, pinyin = sqlite3.connect(demo_db).execute(
        "SELECT name, pinyin FROM firms WHERE deleted_at IS NULL AND length(name) > 6 ORDER BY id LIMIT 1").fetchone()
    alias = sqlite3.connect(demo_db).execute("SELECT name, firm_id FROM firm_aliases LIMIT 1").fetchone()
    with psycopg.connect(shared_demo) as conn:     # enough firms that an index is worth the planner's while
        conn.execute("INSERT INTO firms (name, name_key, created_at, updated_at) SELECT '武汉' || md5(i::text) || "
                     "'有限公司', md5(i::text), 'x', 'x' FROM generate_series(1, 5000) i")
        # push built the trigram index after the rows (db/pg/copy.py): its statistics then count these 5000 rows
        # still in its pending list, which the planner rightly avoids until they are merged (autovacuum does)
        conn.execute("SELECT gin_clean_pending_list('firms_search_name'::regclass)")
        conn.execute("ANALYZE firms")
        conn.execute("SET enable_seqscan = off")
        part = name[2:6]
        found = conn.execute("SELECT count(*) FROM firms WHERE deleted_at IS NULL AND name LIKE %s",
                             (f"%{part}%",)).fetchone()[0]
        plan = " ".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM firms WHERE deleted_at IS NULL AND name LIKE %s", (f"%{part}%",)))
        by_alias = conn.execute("SELECT firm_id FROM firm_aliases WHERE name LIKE %s",
                                (f"%{alias[0][1:5]}%",)).fetchall()
        by_pinyin = conn.execute("SELECT count(*) FROM firms WHERE deleted_at IS NULL AND pinyin LIKE %s",
                                 (f"%{pinyin.split()[0]}%",)).fetchone()[0]
    assert found >= 1 and "firms_search_name" in plan
    assert (alias[1],) in by_alias and by_pinyin >= 1


def test_push_refuses_a_shared_ledger_that_has_data_and_a_database_without_init(shared_demo, demo_db, pg_db):
    before = count(shared_demo, "SELECT count(*) FROM firms")
    with pytest.raises(SharedLedgerError, match="已有数据"):
        transfer.push(demo_db, shared_demo)
    assert count(shared_demo, "SELECT count(*) FROM firms") == before


def test_push_to_an_uninitialised_database_is_refused(pg_url, demo_db):
    with pytest.raises(SharedLedgerError, match="请先用 init"):
        transfer.push(demo_db, pg_url)


def test_a_failed_check_keeps_nothing(pg_url, demo_db, monkeypatch):
    setup.init(pg_url)

    def differ(src, conn):
        raise SharedLedgerError("报表核对不符，共享台账未改动：2023 全区")
    monkeypatch.setattr(transfer, "compare_reports", differ)
    with pytest.raises(SharedLedgerError, match="未改动"):
        transfer.push(demo_db, pg_url)
    assert count(pg_url, "SELECT count(*) FROM firms") == 0 and count(pg_url, "SELECT count(*) FROM audit") == 0


def test_pull_makes_a_file_the_app_opens_with_the_same_report(shared_demo, demo_db, tmp_path):
    from db.ledger import Ledger
    target = tmp_path / "back.db"
    moved = pull.pull(shared_demo, target)
    assert moved.counts["firms"] == file_count(demo_db, "SELECT count(*) FROM firms")
    with Ledger(target, officer="测试") as led:
        assert transfer.reports(led.conn) == transfer.reports(sqlite3.connect(demo_db))
        assert led.conn.execute("SELECT count(*) FROM firm_search").fetchone()[0] == led.conn.execute(
            "SELECT count(*) FROM firms WHERE deleted_at IS NULL").fetchone()[0]
        assert led.conn.execute("SELECT value FROM meta WHERE key = 'ledger_id'").fetchone()[0] == file_count(
            demo_db, "SELECT value FROM meta WHERE key = 'ledger_id'")
        with led.write("cli") as w:                      # a normal, writable ledger
            w.insert_firm("离线新增有限公司")


def test_pull_of_one_street_holds_its_firms_and_their_rows_only(shared_demo, demo_db, tmp_path):
    from db.ledger import Ledger
    target = tmp_path / "jyq.db"
    pull.pull(shared_demo, target, street="积玉桥")
    expected = file_count(demo_db, "SELECT count(*) FROM firms f JOIN streets s ON s.id = f.street_id "
                                   "WHERE s.name = '积玉桥'")
    with Ledger(target, readonly=True) as led:
        c = led.conn
        assert c.execute("SELECT count(*) FROM firms").fetchone()[0] == expected > 0
        assert c.execute("SELECT count(DISTINCT s.name) FROM firms f JOIN streets s ON s.id = f.street_id"
                         ).fetchone()[0] == 1
        assert c.execute("SELECT count(*) FROM designations d WHERE d.firm_id NOT IN (SELECT id FROM firms)"
                         ).fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM designations").fetchone()[0] > 0
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(SharedLedgerError, match="没有街道“火星”.*积玉桥"):
        pull.pull(shared_demo, tmp_path / "mars.db", street="火星")
    assert not (tmp_path / "mars.db").exists() and not (tmp_path / "mars.db.pulling").exists()
    with pytest.raises(SharedLedgerError, match="已存在"):
        pull.pull(shared_demo, target)


def test_an_officer_pulls_only_what_they_may_read(shared_demo, pg_db, tmp_path):
    server, name = pg_db
    setup.add_user(shared_demo, f"{name}_jyq", "officer", ["积玉桥"])
    target = tmp_path / "mine.db"
    pull.pull(server.url_for(name, user=f"{name}_jyq"), target)
    streets = {r[0] for r in sqlite3.connect(target).execute(
        "SELECT s.name FROM firms f JOIN streets s ON s.id = f.street_id")}
    assert streets == {"积玉桥"}


def test_an_admin_login_pushes_through_row_security(pg_db, pg_url, demo_db):
    """Not only a superuser: an admin's push copies into temporary tables and inserts from them, so the row
    policies and the audit stamp apply."""
    server, name = pg_db
    setup.init(pg_url)
    setup.add_user(pg_url, f"{name}_admin1", "admin", [])
    moved = transfer.push(demo_db, server.url_for(name, user=f"{name}_admin1"))
    assert moved.counts["firms"] == count(pg_url, "SELECT count(*) FROM firms") == 600
    assert count(pg_url, "SELECT count(DISTINCT login) FROM audit WHERE login = %s", (f"{name}_admin1",)) == 1


def test_an_officer_cannot_push(pg_db, pg_url, demo_db):
    server, name = pg_db
    setup.init(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO streets (name) VALUES ('积玉桥')")
    setup.add_user(pg_url, f"{name}_jyq", "officer", ["积玉桥"])
    with pytest.raises(SharedLedgerError, match="需要共享台账的管理员"):
        transfer.push(demo_db, server.url_for(name, user=f"{name}_jyq"))
    assert count(pg_url, "SELECT count(*) FROM firms") == 0


def _rows(path, table):
    conn = sqlite3.connect(path)
    try:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        order = "rowid" if table in ("meta", "batch_rows") else "id"
        return [tuple(r) for r in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")]
    finally:
        conn.close()


def test_a_ledger_with_imports_comes_back_from_the_server_row_for_row(pg_url, demo_copy, tmp_path):
    """file → push → pull → file: every row of every table the same (a batch with its batch rows, one undone,
    remembered column mappings), ids included; only the file's own backup folder stays behind."""
    from db.ledger import Ledger
    from desktop.cli import main
    roster = Path(__file__).resolve().parent.parent / "data" / "roster_small.csv"
    assert main(["import", str(roster), "--db", str(demo_copy), "--remember-map"]) == 0
    assert main(["import", str(roster), "--db", str(demo_copy), "--officer", "张三"]) == 0
    last = sqlite3.connect(demo_copy).execute("SELECT max(id) FROM batches").fetchone()[0]
    assert main(["undo", str(last), "--db", str(demo_copy)]) == 0
    with Ledger(demo_copy) as led:
        from db import backup
        backup.set_backup_dir(led, tmp_path / "bk")
        with led.write() as w:                          # an older version's dashboard cache token: this file's only
            w.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('facts_cache', 'a1b2')")
    assert _rows(demo_copy, "batch_rows") and any(r[11] for r in _rows(demo_copy, "batches"))   # undone_at
    setup.init(pg_url)
    transfer.push(demo_copy, pg_url)
    back = tmp_path / "back.db"
    pull.pull(pg_url, back)
    for table in pg_schema.COPY_ORDER:
        mine, theirs = _rows(demo_copy, table), _rows(back, table)
        if table == "meta":
            mine = [r for r in mine if r[0] not in transfer.FILE_ONLY_META]      # this PC's keys stay here
            theirs = sorted(theirs)
            mine = sorted(mine)
        assert mine == theirs, table


def test_pull_checks_the_reports_of_the_file_it_made(shared_demo, tmp_path, monkeypatch):
    whole = pull.pull(shared_demo, tmp_path / "all.db")
    assert "2023 全区" in whole.reports and "2023 杨园" in whole.reports
    part = pull.pull(shared_demo, tmp_path / "yy.db", street="杨园")
    assert part.reports and all(k.endswith(" 杨园") for k in part.reports)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.db", "yy.db"]          # nothing left beside them
    real = transfer.reports

    def one_firm_short(conn):
        shown = real(conn)
        if isinstance(conn, sqlite3.Connection):
            shown["2023 全区"]["indicators"][0]["actual"] -= 1
        return shown
    monkeypatch.setattr(transfer, "reports", one_firm_short)
    with pytest.raises(SharedLedgerError, match="报表核对不符，未生成文件：2023 全区"):
        pull.pull(shared_demo, tmp_path / "bad.db")
    assert not (tmp_path / "bad.db").exists() and not (tmp_path / "bad.db.pulling").exists()


def test_pull_never_brings_a_dashboard_cache_token_the_server_holds(shared_demo, tmp_path):
    """The token means 'this file's data as cached under it'; a server changed since it was stored (its writers
    never remove it) would make the pulled file, which keeps the ledger's identity, open the cache of the
    original file with the server's newer data behind it. Nor does the file get another PC's backup folder."""
    from db.ledger import Ledger
    with psycopg.connect(shared_demo, autocommit=True) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('facts_cache', 'a1b2'), ('backup_dir', '/elsewhere')")
    back = tmp_path / "back.db"
    pull.pull(shared_demo, back)
    part = tmp_path / "part.db"
    pull.pull(shared_demo, part, street="杨园")
    for path in (back, part):
        with Ledger(path) as led:
            assert led.conn.execute("SELECT value FROM meta WHERE key = 'facts_cache'").fetchone() is None
            assert led.conn.execute("SELECT value FROM meta WHERE key = 'backup_dir'").fetchone() is None
