"""The bulk-load path of commit: secondary indexes and the search trigger are rebuilt inside the transaction,
so the schema and the search index end exactly as the row-by-row path leaves them, and a cancel rolls back."""
import pytest

from db.bulk import BULK
from db.bulk import is_bulk as _bulk
from db.schema import SEARCH_TEXT
from importers.plan import Cancelled, build_plan, commit_plan
from tests.importers.helpers import C, dump, seed, xlsx


def schema(ledger) -> list:
    return ledger.conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def rows(n):
    return [["企业名称", "统一社会信用代码", "所属行业"]] + [[f"武汉星{i}科技有限公司", None, "软件"] for i in range(n)]


def test_bulk_rule():
    assert not _bulk(BULK - 1, 0)
    assert _bulk(BULK, 0) and _bulk(1000, 1000)
    assert not _bulk(1000, 1001)


@pytest.mark.file_only("the file's indexes, search table and trigger, rebuilt for a bulk import")
def test_bulk_import_leaves_schema_and_search_text_as_before(ledger, tmp_path):
    seed(ledger, ("甲公司", C[0], {}))
    before = schema(ledger)
    plan = build_plan(ledger, xlsx(tmp_path, rows(BULK + 10)))
    commit_plan(ledger, plan)
    assert schema(ledger) == before
    conn = ledger.conn
    assert conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == BULK + 11
    want = conn.execute(f"SELECT f.id, {SEARCH_TEXT} FROM firms f ORDER BY f.id").fetchall()
    assert conn.execute("SELECT rowid, text FROM firm_search ORDER BY rowid").fetchall() == want
    last = conn.execute("SELECT text FROM firm_search ORDER BY rowid DESC LIMIT 1").fetchone()[0]
    assert last == "武汉星509科技有限公司 "           # names only (v7; no former names: a trailing space)
    # the indexes are real again: the planner uses them
    plan_sql = conn.execute("EXPLAIN QUERY PLAN SELECT id FROM firms WHERE name_key = 'x'").fetchall()
    assert "firms_name_key" in str(plan_sql)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.file_only("the file's indexes, search table and trigger, rebuilt for a bulk import")
def test_cancelled_bulk_import_restores_indexes_and_trigger(ledger, tmp_path):
    before_schema = schema(ledger)
    plan = build_plan(ledger, xlsx(tmp_path, rows(6000)))
    before = dump(ledger)
    with pytest.raises(Cancelled):
        commit_plan(ledger, plan, cancel=lambda: True)
    assert schema(ledger) == before_schema
    assert dump(ledger) == before
    commit_plan(ledger, plan)
    assert schema(ledger) == before_schema
    assert ledger.conn.execute("SELECT COUNT(*) FROM firm_search").fetchone()[0] == 6000


def test_commit_writes_the_planned_name_key(ledger, tmp_path):
    plan = build_plan(ledger, xlsx(tmp_path, [["企业名称", "所属行业"], ["武汉 甲乙(中国)科技", "软件"]] +
                                   [[f"武汉星{i}科技有限公司", "软件"] for i in range(BULK)]))
    assert plan.store.key[0] == "武汉甲乙中国科技"
    commit_plan(ledger, plan)
    got = ledger.conn.execute("SELECT name, name_key FROM firms ORDER BY id LIMIT 1").fetchone()
    assert tuple(got) == ("武汉甲乙（中国）科技", "武汉甲乙中国科技")


@pytest.mark.file_only("the file's indexes, search table and trigger, rebuilt for a bulk import")
def test_bulk_designations_rebuild_their_indexes_and_number_on(ledger, tmp_path):
    """A large designation list rebuilds the designations' indexes inside the transaction: the schema ends as it
    began, the ids follow on from the ledger's, and the planner uses the indexes again."""
    from datetime import date
    seed(ledger, ("甲公司", C[0], {}))
    with ledger.write() as w:
        first = w.add_designation(1, "gaoqi", date(2022, 1, 1))
    before = schema(ledger)
    plan = build_plan(ledger, xlsx(tmp_path, rows(BULK + 10)), kind="designation", stage="小巨人",
                      on_date=date(2024, 7, 1))
    commit_plan(ledger, plan)
    assert schema(ledger) == before
    conn = ledger.conn
    ids = [r[0] for r in conn.execute("SELECT id FROM designations ORDER BY id")]
    assert ids == list(range(first, first + BULK + 11))
    assert conn.execute("SELECT count(*) FROM designations WHERE start_date = '2024-07-01' AND batch_id IS NOT NULL "
                        "AND source = 'import'").fetchone()[0] == BULK + 10
    plan_sql = str(conn.execute("EXPLAIN QUERY PLAN SELECT id FROM designations WHERE firm_id = 5").fetchall())
    assert "designations_firm" in plan_sql
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
