"""One pinyin for every write path (issue 11): imported, hand-entered, renamed and demo firms get the same
phrase-aware index and pinyin sort key; migration 5 recomputes the stored ones and adds firms.name_sort."""
import shutil
import sqlite3
from pathlib import Path

import pytest

from db import schema
from db.ledger import Ledger
from db.ledger_view import LedgerQuery, LedgerView
from importers.plan import build_plan, commit_plan
from pipeline.names import name_sort, pinyin_index
from tests.backends import view_on
from tests.importers.helpers import C, xlsx

DATA = Path(__file__).resolve().parents[1] / "data"


def keys(ledger, name):
    return tuple(ledger.conn.execute("SELECT pinyin, name_sort FROM firms WHERE name = ?", (name,)).fetchone())


def test_imported_and_hand_entered_firms_read_alike(ledger, tmp_path):
    with ledger.write() as w:
        w.insert_firm("重庆星辰科技有限公司")
        renamed = w.insert_firm("武汉甲有限公司")
        w.update_firm(renamed, name="湖北银行科技有限公司")
    rows = [["企业名称", "统一社会信用代码"], ["重庆云帆科技有限公司", C[0]], ["武汉银行卡服务有限公司", C[1]]]
    commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, rows)))
    for name in ("重庆星辰科技有限公司", "湖北银行科技有限公司", "重庆云帆科技有限公司", "武汉银行卡服务有限公司"):
        assert keys(ledger, name) == (pinyin_index(name), name_sort(name))
    assert keys(ledger, "重庆云帆科技有限公司")[0].startswith("cqyfkjyxgs chongqing")
    assert "yinhang" in keys(ledger, "武汉银行卡服务有限公司")[0]
    view = view_on(ledger)
    found = view.ids(LedgerQuery(search="cqy"))
    assert found == [ledger.conn.execute("SELECT id FROM firms WHERE name = '重庆云帆科技有限公司'").fetchone()[0]]


def test_import_rename_takes_the_one_reading(ledger, tmp_path):
    commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, [["企业名称", "统一社会信用代码"], ["甲有限公司", C[0]]])))
    renamed = xlsx(tmp_path, [["企业名称", "统一社会信用代码"], ["重庆银行有限公司", C[0]]], name="改名.xlsx")
    commit_plan(ledger, build_plan(ledger, renamed))
    assert keys(ledger, "重庆银行有限公司") == (pinyin_index("重庆银行有限公司"), name_sort("重庆银行有限公司"))


def test_demo_district_uses_the_one_reading(demo_copy):
    with Ledger(demo_copy) as led:
        rows = led.conn.execute("SELECT name, pinyin, name_sort FROM firms ORDER BY id LIMIT 200").fetchall()
    assert rows and all((p, s) == (pinyin_index(n), name_sort(n)) for n, p, s in rows)


def test_migration_5_recomputes_pinyin_and_fills_name_sort(tmp_path):
    path = tmp_path / "ledger.db"
    shutil.copy(DATA / "ledger_v4.db", path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE firms SET name = '重庆银行有限公司', pinyin = 'zqyxyxgs zhongqingyinxingyouxiangongsi' "
                 "WHERE id = 1")                            # what the old character-by-character import stored
    conn.commit()
    conn.close()
    with Ledger(path) as led:
        assert schema.version(led.conn) >= 5
        got = led.conn.execute("SELECT name, pinyin, name_sort FROM firms ORDER BY id").fetchall()
        assert [(p, s) for _, p, s in got] == [(pinyin_index(n), name_sort(n)) for n, _, _ in got]
        assert got[0][1] == "cqyhyxgs chongqingyinhangyouxiangongsi"
        view = LedgerView(led.conn, led.catalog())                     # search follows the new reading
        assert view.ids(LedgerQuery(search="cqyh")) == view.ids(LedgerQuery(search="chongqingyin")) == [1]
        assert view.ids(LedgerQuery(search="zqyx")) == []
        plan = led.conn.execute("EXPLAIN QUERY PLAN SELECT id FROM firms WHERE deleted_at IS NULL "
                                "ORDER BY name_sort LIMIT 10").fetchall()
        assert "firms_live_name_sort" in str(plan)


def test_a_python_step_that_fails_rolls_the_whole_migration_back(tmp_path, monkeypatch):
    path = tmp_path / "ledger.db"
    Ledger(path).close()

    def boom(conn):
        conn.execute("CREATE TABLE half (a)")
        raise RuntimeError("步骤失败")
    number = schema.LATEST + 1
    monkeypatch.setattr(
        schema, "MIGRATIONS", [*schema.MIGRATIONS, (number, "python step", ("CREATE TABLE x (a);", boom))]
    )
    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(RuntimeError):
        schema.migrate(conn)
    assert schema.version(conn) == schema.LATEST
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name IN ('x', 'half')").fetchone()[0] == 0
    conn.close()
