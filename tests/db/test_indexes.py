"""Schema v7 (issue 17): every sort, filter and search of the ledger table still walks an index after the unused
and covered firm indexes were dropped, and the names-only trigram index (pinyin searched in firms.pinyin) finds
exactly what v6's name + former names + pinyin index found, on a v6 ledger migrated in place."""
from __future__ import annotations

import re
import sqlite3
from datetime import date

import pytest

from db import catalog_store, demo_store, schema
from db.ledger import Ledger
from db.ledger_view import COLUMNS, NO_STAR, LedgerQuery, LedgerView
from pipeline import demo
from pipeline.names import name_key, pinyin_keys

DROPPED = ("firms_street", "firms_officer", "firms_live_code", "firms_live_name", "firms_live_street_name",
           "firms_flagged", "firms_live_pinyin")


@pytest.fixture(scope="module")
def thousand(tmp_path_factory):
    """A demo district of 1,000 firms (a few in the recycle bin)."""
    path = tmp_path_factory.mktemp("k") / "ledger.db"
    with Ledger(path) as led:
        demo_store.store(led, demo.generate([n for _, n in led.streets()], 1000, 11))
        with led.write() as w:
            for fid in (3, 30, 300):
                w.remove_firm(fid)
    led = Ledger(path)
    yield led
    led.close()


def _queries(view: LedgerView, led: Ledger) -> list[dict]:
    cat = led.catalog()
    star = next(s.id for t in cat.tracks if t.key == "star" for s in t.stages)
    return [{}, {"street_id": 1}, {"industry": view.distinct("industry")[0]}, {"officer": view.distinct("officer")[0]},
            {"flagged": True}, {"stage_id": cat.stage("gaoqi").id}, {"star_stage_id": star},
            {"star_stage_id": NO_STAR}, {"expiring_days": 90}, {"search": "科技有限"}, {"search": "科技"},
            {"search": "科"}, {"search": "whx"}, {"search": "wh"}, {"search": "kejiyou"}, {"search": "914201"},
            {"search": "科技 whx"}, {"search": "光谷", "street_id": 2}]


def _bare_scans(conn: sqlite3.Connection, sql: str) -> list[str]:
    plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    return [line for line in plan if re.fullmatch(r"SCAN (f|firms)", line.strip())]


def test_the_dropped_indexes_are_gone_and_the_sort_indexes_remain(thousand):
    have = {r[0] for r in thousand.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not have & set(DROPPED)
    assert {"firms_live", "firms_name_key", "firms_live_name_sort", "firms_deleted", "firms_live_updated"} <= have


def test_every_sort_filter_and_search_walks_an_index(thousand):
    """The first page of every sortable column under every filter and search, and every count: no plan reads the
    firms table from end to end (``SCAN f`` without an index). Plans without ANALYZE do not depend on the size."""
    conn = thousand.conn
    view = LedgerView(conn, thousand.catalog())
    seen: list[str] = []
    sorts = [c.key for c in COLUMNS if c.sort and c.key != "expires"]
    for f in _queries(view, thousand):
        for key in sorts:
            for desc in (False, True):
                conn.set_trace_callback(seen.append)
                view.page(LedgerQuery(sort=key, descending=desc, **f), limit=20)
                view.count(LedgerQuery(**f))
                conn.set_trace_callback(None)
    checked = [s for s in dict.fromkeys(seen) if s.startswith("SELECT") and " FROM firms f" in s
               and ("count(*)" in s or re.search(r"ORDER BY f\.(?!id )", s))]
    assert len(checked) > 200
    bad = {s[s.index("WHERE"):][:200]: _bare_scans(conn, s) for s in checked if _bare_scans(conn, s)}
    assert not bad, bad


def test_sorts_use_their_own_index_without_sorting(thousand):
    for key, index in (("name", "firms_live_name_sort"), ("code", "sqlite_autoindex_firms_1"),
                       ("street", "firms_live"), ("officer", "firms_live_officer")):
        expr = next(c.sort for c in COLUMNS if c.key == key)
        plan = str(thousand.conn.execute(f"EXPLAIN QUERY PLAN SELECT f.id FROM firms f WHERE f.deleted_at IS NULL "
                                         f"ORDER BY {expr}, f.id LIMIT 20").fetchall())
        assert index in plan and "TEMP B-TREE" not in plan, (key, plan)


# a v6 ledger, migrated in place --------------------------------------------------------------------------------
NAMES = ["武汉星辰科技有限公司", "重庆银行武汉分行", "湖北光谷智能装备有限公司", "ABC软件（武汉）有限公司",
         "武汉长江数据有限公司", "星辰新材料有限公司", "武汉abc数码科技有限公司", "长沙银行股份有限公司",
         "武汉东湖高新集团股份有限公司", "绿地控股集团有限公司", "回收站测试公司"]
ALIASES = {2: "武昌旧名称科技有限公司", 6: "武汉旧星辰材料厂"}
TERMS = ["星辰", "星辰科技", "旧名称", "旧名", "光谷 智能", "whxc", "WHXC", "wh", "w", "whx", "kejiyou", "yinhang",
         "chongqing", "cqyh", "ongqingyi", "abc", "ABC软件", "bc", "lvdi", "ldkg", "lv", "科", "有限公司", "武汉 yxgs",
         "xingchen", "xc", "回收站", "zzz", "9142", "gufen", "jituan gufen", "zhineng whzb"]


def _v6_ledger(path) -> None:
    """A ledger as version 6 of 星图 left it: firms written with their pinyin, former names, one in the bin."""
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, upto=6)
    conn.execute("BEGIN")
    catalog_store.seed_defaults(conn)
    stamp = "2025-01-02T10:00:00+08:00"
    for i, (name, (pinyin, sort)) in enumerate(zip(NAMES, pinyin_keys(NAMES), strict=True), start=1):
        conn.execute("INSERT INTO firms (id, code, code_status, name, name_key, pinyin, name_sort, created_at, "
                     "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (i, None, "no_code", name, name_key(name), pinyin, sort, stamp, stamp))
    for fid, alias in ALIASES.items():
        conn.execute("INSERT INTO firm_aliases (firm_id, name, name_key, seen_on) VALUES (?, ?, ?, '2024-01-01')",
                     (fid, alias, name_key(alias)))
    conn.execute("UPDATE firms SET deleted_at = ? WHERE id = ?", (stamp, len(NAMES)))
    conn.execute("COMMIT")
    conn.close()


def _v6_search(path, term: str) -> list[int]:
    """What v6 found for one search term (db/ledger_view.py as it was): a trigram match of name + former names +
    pinyin from three characters on; shorter, a LIKE on the names or a range on the pinyin initials."""
    conn = sqlite3.connect(path)
    try:
        found = set()
        for i, t in enumerate(term.lower().split()):
            if len(t) >= 3:
                hit = {r[0] for r in conn.execute("SELECT rowid FROM firm_search WHERE firm_search MATCH ?",
                                                  ('"' + t + '"',))}
            else:
                like = f"%{t}%"
                hit = {r[0] for r in conn.execute(
                    "SELECT id FROM firms WHERE deleted_at IS NULL AND (name LIKE ?1 OR id IN (SELECT firm_id FROM "
                    "firm_aliases WHERE name LIKE ?1) OR (?2 AND pinyin >= ?3 AND pinyin < ?3 || char(127)))",
                    (like, re.fullmatch("[a-z]+", t) is not None, t))}
            found = hit if i == 0 else found & hit
        return sorted(found)
    finally:
        conn.close()


def test_a_v6_ledger_migrates_and_search_finds_what_it_found(tmp_path):
    path = tmp_path / "v6.db"
    _v6_ledger(path)
    before = {t: _v6_search(path, t) for t in TERMS}
    assert before["whxc"] == [1] and before["ongqingyi"] == [2] and before["旧名称"] == [2] and before["lvdi"] == [10]
    with Ledger(path) as led:
        assert schema.version(led.conn) == schema.LATEST >= 7
        assert led.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        text = dict(led.conn.execute("SELECT rowid, text FROM firm_search"))
        assert text[2] == "重庆银行武汉分行 武昌旧名称科技有限公司" and len(text) == len(NAMES) - 1   # no pinyin
        view = LedgerView(led.conn, led.catalog())
        after = {t: sorted(view.ids(LedgerQuery(search=t))) for t in TERMS}
        assert after == before
        assert {t: view.count(LedgerQuery(search=t)) for t in TERMS} == {t: len(v) for t, v in before.items()}
        with led.write() as w:                  # the triggers keep the names-only index current
            w.rename_firm(1, "武汉辰光软件有限公司", date(2025, 3, 1))
            w.restore_firm(len(NAMES))
        assert view.ids(LedgerQuery(search="辰光软件")) == view.ids(LedgerQuery(search="whcg")) == [1]
        assert view.ids(LedgerQuery(search="星辰科技")) == [1]           # the old name became a former name
        assert view.ids(LedgerQuery(search="回收站")) == [len(NAMES)]
