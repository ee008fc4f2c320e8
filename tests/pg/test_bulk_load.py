"""The owner's bulk step for the people's imports (db/pg/bulk_load.py, schema v7): the same rows and security as
the login's own INSERT, the indexes and keys whole whatever happens, ANALYZE by autovacuum's rule.

The demo ledger (600 firms): a batch of 600 is as large as the table, so the step rebuilds its indexes."""
import psycopg
import pytest

from db import bulk
from db.ledger import Ledger
from db.pg import bulk_load
from db.pg import copy as pg_copy
from tests.pg.copy_helpers import INDEXES, new_firm, street_id

STAGE_SQL = ("INSERT INTO pg_temp.xingtu_bulk_firms (id, name, name_key, street_id) "
             "SELECT nextval(pg_get_serial_sequence('public.firms', 'id')), %s || g, %s || g, %s "
             "FROM generate_series(1, %s) g")


def _stage(conn, street: int | None, n: int, prefix: str = "批量") -> None:
    conn.execute("SELECT xingtu_bulk_stage('firms')")
    conn.execute(STAGE_SQL, (prefix, prefix, street, n))


def _step(conn) -> dict:
    return conn.execute("SELECT xingtu_bulk_insert('firms', NULL, '2024-01-01T00:00:00')").fetchone()[0]


def _indexes(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(INDEXES).fetchall()


def test_the_rule_for_rebuilding_is_the_files():
    assert bulk_load.BULK == bulk.BULK


def test_the_people_who_write_take_the_owners_step_and_a_superuser_its_own(people):
    for who, route in (("admin", pg_copy.FUNCTION), ("officer", pg_copy.FUNCTION), ("viewer", pg_copy.SELF),
                       ("super", pg_copy.OWNER)):
        with psycopg.connect(people[who]) as conn:
            assert pg_copy._route(conn.cursor(), "firms") == route, who


def test_an_admins_large_batch_rebuilds_the_indexes_and_analyzes_and_a_rollback_keeps_them(people):
    before = _indexes(people["super"])
    street = street_id(people["super"], "杨园")
    with psycopg.connect(people["admin"]) as conn:
        _stage(conn, street, 600)
        done = _step(conn)
        assert done["rows"] == 600 and done["rebuilt"] and done["analyzed"]
        assert conn.execute("SELECT count(*) FROM firms WHERE name LIKE '批量%%'").fetchone()[0] == 600
        conn.rollback()                                  # the drop and the rows go back together
    assert _indexes(people["super"]) == before
    with psycopg.connect(people["admin"]) as conn:      # and once committed: built back, the same
        _stage(conn, street, 600)
        assert _step(conn)["rebuilt"]
        conn.commit()
    assert _indexes(people["super"]) == before
    with psycopg.connect(people["super"]) as conn:
        assert conn.execute("SELECT count(*) FROM firms WHERE name LIKE '批量%%'").fetchone()[0] == 600
        assert conn.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'firms'"
                            ).fetchone()[0]
        assert not conn.execute("SELECT 1 FROM pg_class WHERE relname LIKE 'xingtu_bulk_%%'").fetchall()


def test_the_step_moves_the_rows_in_the_order_staged(people):
    """Not sorted by id again (schema v9): the client stages them in id order, and the sort of 100k firms spilled
    36 MB to disk. Staged in reverse here, they lie in reverse."""
    street = street_id(people["super"], "杨园")
    with psycopg.connect(people["admin"]) as conn:
        conn.execute("SELECT xingtu_bulk_stage('firms')")
        ids = [r[0] for r in conn.execute("SELECT nextval(pg_get_serial_sequence('public.firms', 'id')) "
                                          "FROM generate_series(1, 600)")]
        conn.cursor().executemany("INSERT INTO pg_temp.xingtu_bulk_firms (id, name, name_key, street_id) "
                                  "VALUES (%s, %s, %s, %s)", [(i, f"倒序{i}", f"倒序{i}", street) for i in ids[::-1]])
        assert _step(conn)["rebuilt"]
        placed = [r[0] for r in conn.execute("SELECT id FROM firms WHERE name LIKE '倒序%%' ORDER BY ctid")]
        # (the free space of the ledger's pages takes the first of them, in order too)
        assert sum(a > b for a, b in zip(placed, placed[1:], strict=False)) > 590


def test_a_cancelled_step_leaves_the_indexes_and_keys(people):
    before = _indexes(people["super"])
    with psycopg.connect(people["admin"]) as conn:
        _stage(conn, None, 600)
        conn.execute("SET LOCAL statement_timeout = '20ms'")
        with pytest.raises(psycopg.errors.QueryCanceled):
            _step(conn)
        conn.rollback()
    assert _indexes(people["super"]) == before


def test_an_officer_cannot_write_another_streets_firm_through_the_step(people):
    before = _indexes(people["super"])
    mine, theirs = street_id(people["super"], "积玉桥"), street_id(people["super"], "杨园")
    with psycopg.connect(people["officer"]) as conn:
        _stage(conn, theirs, 600)                       # as large as the table: the rebuild's path too
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            _step(conn)
        conn.rollback()
        _stage(conn, mine, 1)
        conn.execute("INSERT INTO pg_temp.xingtu_bulk_firms (id, name, name_key, street_id) VALUES "
                     "(nextval(pg_get_serial_sequence('public.firms', 'id')), '另一街道', '另一街道', %s)", (theirs,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            _step(conn)                                 # one row of another street fails the whole batch
        conn.rollback()
        _stage(conn, mine, 3)
        assert _step(conn)["rows"] == 3
        conn.commit()
    with psycopg.connect(people["super"]) as conn:
        assert conn.execute("SELECT street_id, count(*) FROM firms WHERE name LIKE '批量%%' OR name = '另一街道' "
                            "GROUP BY 1").fetchall() == [(mine, 3)]
    assert _indexes(people["super"]) == before


def test_a_viewer_may_not_run_the_step(people):
    with psycopg.connect(people["viewer"]) as conn:
        for sql in ("SELECT xingtu_bulk_stage('firms')", "SELECT xingtu_bulk_insert('firms', NULL, 'x')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for function"):
                conn.execute(sql)
            conn.rollback()


def test_the_step_reads_only_its_own_sessions_staging_made_by_the_owner(people):
    with psycopg.connect(people["officer"]) as officer, psycopg.connect(people["admin"]) as admin:
        _stage(officer, street_id(people["super"], "积玉桥"), 5, "别人的")
        schema = officer.execute("SELECT relnamespace::regnamespace::text FROM pg_class "
                                 "WHERE oid = 'pg_temp.xingtu_bulk_firms'::regclass").fetchone()[0]
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            _step(admin)                                # the admin's session has no staging: never the officer's
        admin.rollback()
        with pytest.raises(psycopg.Error):              # nor may the admin read it
            admin.execute(f"SELECT * FROM {schema}.xingtu_bulk_firms")
        admin.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            officer.execute("SELECT * FROM pg_temp.xingtu_bulk_firms")  # its caller may only add rows
        officer.rollback()
        # a table of the caller's own in place of the owner's staging: refused, it could run the caller's SQL
        officer.execute("CREATE TEMP TABLE xingtu_bulk_firms (LIKE firms)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
            officer.execute("SELECT xingtu_bulk_stage('firms')")
        officer.rollback()
        officer.execute("CREATE TEMP TABLE xingtu_bulk_firms (LIKE firms)")
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
            _step(officer)
        officer.rollback()
        # a temporary table named like a ledger table never stands in for it inside the step
        officer.execute("CREATE TEMP TABLE firms (LIKE public.firms)")
        _stage(officer, street_id(people["super"], "积玉桥"), 2, "真的")
        assert _step(officer)["rows"] == 2
        assert officer.execute("SELECT count(*) FROM pg_temp.firms").fetchone()[0] == 0
        officer.commit()
    with psycopg.connect(people["super"]) as conn:
        assert conn.execute("SELECT count(*) FROM public.firms WHERE name LIKE '真的%%'").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM public.firms WHERE name LIKE '别人的%%'").fetchone()[0] == 0


def test_an_officers_import_is_analyzed_when_autovacuum_would_have(people):
    mine = street_id(people["super"], "积玉桥")
    with psycopg.connect(people["super"], autocommit=True) as conn:
        conn.execute("ANALYZE firms")                   # nothing changed since: the counter starts at 0
    stepped = []
    with pytest.MonkeyPatch.context() as m:
        step = pg_copy.bulk_insert
        m.setattr(pg_copy, "bulk_insert", lambda *a: stepped.append(step(*a)) or stepped[-1])
        with Ledger(people["officer"]) as led:
            new_firm(led, mine, "积玉桥一家新企业")     # 1 row: far below 50 + 10 % of 600
    assert [(d["rows"], d["rebuilt"], d["analyzed"]) for d in stepped] == [(1, False, False)]
    with psycopg.connect(people["officer"]) as conn:
        _stage(conn, mine, 120)                         # 121 changed >= 50 + 0.1 × 600
        done = _step(conn)
        conn.commit()
    assert (done["rebuilt"], done["analyzed"]) == (False, True)


def test_a_ledger_made_before_the_step_gets_it_when_a_superuser_opens_it(pg_db, demo_db, monkeypatch):
    from db.pg import schema, setup, transfer
    server, name = pg_db
    url = server.url_for(name)
    with monkeypatch.context() as m:
        m.setattr(schema, "MIGRATIONS", [x for x in schema.MIGRATIONS if x[0] < bulk_load.VERSION])
        m.setattr(schema, "VERSION", bulk_load.VERSION - 1)
        setup.init(url)
    transfer.push(demo_db, url)
    setup.add_user(url, f"{name}_admin1", "admin", [])
    admin = server.url_for(name, user=f"{name}_admin1")
    with psycopg.connect(admin) as conn:           # before: the admin's own INSERT, the indexes maintained
        assert pg_copy._route(conn.cursor(), "firms") == pg_copy.SELF
    with Ledger(url):                               # a superuser opens it to write: upgraded
        pass
    with psycopg.connect(admin) as conn:
        assert pg_copy._route(conn.cursor(), "firms") == pg_copy.FUNCTION
        _stage(conn, None, 600)
        assert _step(conn)["rebuilt"]
        conn.commit()
    with psycopg.connect(url) as conn:
        owner = conn.execute("SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc WHERE proname LIKE "
                             "'xingtu_bulk_%%'").fetchall()
        assert owner == [(f"{name}_owner",)]
        assert conn.execute("SELECT count(*) FROM firms WHERE name LIKE '批量%%'").fetchone()[0] == 600


def test_the_rest_of_an_import_is_analyzed_by_the_same_rule_and_only_the_import_tables(people):
    with psycopg.connect(people["super"], autocommit=True) as conn:
        conn.execute("ANALYZE firms, batch_rows")
    with Ledger(people["officer"]) as led, led.write("import") as w:
        assert pg_copy.analyze_if_due(w, {"firms": 5, "batch_rows": 0}) == []          # 5 < 50 + 10 % of 600
        assert pg_copy.analyze_if_due(w, {"firms": 200, "batch_rows": 60}) == ["firms", "batch_rows"]
        assert pg_copy.analyze_if_due(w, {"firms": 200}) == []                      # once per import
    with psycopg.connect(people["officer"]) as conn:
        for what in ("app_users", "audit", None):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                conn.execute("SELECT xingtu_bulk_analyze(%s, 1000000)", (what,))
            conn.rollback()
    with psycopg.connect(people["viewer"]) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT xingtu_bulk_analyze('firms', 1000000)")


def test_a_designation_of_a_missing_firm_fails_the_rebuilt_keys_check(people):
    """The keys added back are checked as the owner under FORCE'd row security: the designations' read policy once
    hid such a row from the check, and it was committed (found by testing the owner's step)."""
    with psycopg.connect(people["super"]) as conn:
        firm, stage, held = conn.execute("SELECT (SELECT min(id) FROM firms), (SELECT min(id) FROM stages), "
                                         "(SELECT count(*) FROM designations)").fetchone()
    n = max(held, bulk_load.BULK) + 1                  # as large as the table: the keys are dropped and rebuilt
    with psycopg.connect(people["admin"]) as conn:
        conn.execute("SELECT xingtu_bulk_stage('designations')")
        conn.execute("INSERT INTO pg_temp.xingtu_bulk_designations (id, firm_id, stage_id, start_date) "
                     "SELECT nextval(pg_get_serial_sequence('public.designations', 'id')), "
                     "CASE WHEN g = 1 THEN 987654321 ELSE %s END, %s, '2024-01-01' FROM generate_series(1, %s) g",
                     (firm, stage, n))
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("SELECT xingtu_bulk_insert('designations', NULL, '2024-01-01T00:00:00')")
        conn.rollback()
    with psycopg.connect(people["super"]) as conn:
        assert not conn.execute("SELECT 1 FROM designations WHERE firm_id = 987654321").fetchall()


def _admins_batch(people) -> int:
    with psycopg.connect(people["admin"]) as conn:
        return conn.execute("INSERT INTO batches (file_name, kind, os_user, created_at) VALUES "
                            "('杨园名单.xlsx', 'firms', 'x', '2026-01-01') RETURNING id").fetchone()[0]


def test_an_officer_cannot_put_rows_in_another_logins_batch_through_the_step(people):
    """Found by review: xingtu_bulk_insert took any batch id; the officer's firms were attributed to the admin's
    batch, which the batches policy then showed the officer (schema v8 refuses the rows)."""
    batch = _admins_batch(people)
    with psycopg.connect(people["officer"]) as conn:
        assert conn.execute("SELECT count(*) FROM batches WHERE id = %s", (batch,)).fetchone()[0] == 0
        _stage(conn, street_id(people["super"], "积玉桥"), 1, "冒名")
        try:
            conn.execute("SELECT xingtu_bulk_insert('firms', %s, '2026-01-01')", (batch,))
            conn.commit()
        except psycopg.errors.InsufficientPrivilege:     # refused: the batch is not the caller's
            conn.rollback()
        seen = conn.execute("SELECT file_name FROM batches WHERE id = %s", (batch,)).fetchall()
    assert seen == []


def test_an_officer_cannot_read_another_logins_batch_by_naming_it_on_a_firm(people):
    """Found by review: the batches policy trusts firms.batch_id, which an officer wrote on its own firms: another
    login's batch (file name, mapping, counts) was read (schema v8 refuses the change)."""
    batch = _admins_batch(people)
    with psycopg.connect(people["officer"]) as conn:
        try:
            conn.execute("UPDATE firms SET batch_id = %s WHERE id = (SELECT min(id) FROM firms)", (batch,))
            conn.commit()
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
        seen = conn.execute("SELECT file_name FROM batches WHERE id = %s", (batch,)).fetchall()
    assert seen == []
