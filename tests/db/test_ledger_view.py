"""The SQL behind the ledger table: search (pinyin initials, former names, code prefix, short terms),
filters as of a date, derived columns, and keyset paging that agrees with a plain ORDER BY."""
from __future__ import annotations

from datetime import date

import pytest

from db.ledger_view import COLUMN_KEYS, COLUMNS, LedgerQuery, LedgerView
from tests.backends import view_on
from tests.ui.helpers import small_ledger


@pytest.fixture
def small(ledger):
    """The GUI tests' small ledger, plus a firm in the recycle bin and a second high-tech firm."""
    sid = {n: i for i, n in ledger.streets()}
    a, b, c, d = small_ledger(ledger)
    with ledger.write() as w:
        e = w.insert_firm("回收站测试公司", None)
        w.remove_firm(e)
        w.add_designation(c, "gaoqi", date(2021, 7, 1))
    view = LedgerView.open(ledger)          # the shared ledger's own view on the server
    yield view, (a, b, c, d, e), sid
    view.close()


def ids(view, **kw):
    return sorted(view.ids(LedgerQuery(**kw)))


def test_search_pinyin_former_name_code_prefix_and_short_terms(small):
    view, (a, b, c, d, e), _ = small
    assert ids(view, search="whxc") == [a]                 # 武汉星辰 by pinyin initials
    assert ids(view, search="WHXC") == [a]
    assert ids(view, search="星辰") == [a, d]              # two characters: the LIKE fallback
    assert ids(view, search="星辰科技") == [a]             # trigram index
    assert ids(view, search="旧名称") == [b]               # a former name, trigram
    assert ids(view, search="旧名") == [b]                 # a former name, two characters
    assert ids(view, search="光谷 智能") == [b]            # two terms: both must match
    assert ids(view, search="9142010622") == [b]           # code prefix
    assert ids(view, search="914201") == [a, b, c]
    assert ids(view, search="91420111") == [c]
    assert ids(view, search="wh") == [a, c]                # pinyin initials prefix
    assert ids(view, search="回收站") == []                # the recycle bin is not the ledger
    assert ids(view, search="回收", deleted=True) == [e]
    assert view.count(LedgerQuery(search="星辰科技")) == 1
    assert view.count(LedgerQuery(search="whxc", street_id=1)) == 1


def test_search_index_follows_renames_aliases_and_the_recycle_bin(small, ledger):
    view, (a, b, c, d, e), _ = small
    with ledger.write() as w:
        w.rename_firm(a, "武汉辰光软件有限公司")
    assert ids(view, search="辰光软件") == [a]
    assert ids(view, search="星辰科技") == [a]             # the old name is now a former name
    assert ids(view, search="whcg") == [a]                 # pinyin follows the new name
    with ledger.write() as w:
        w.remove_firm(c)
    assert ids(view, search="长江数据") == []
    with ledger.write() as w:
        w.restore_firm(c)
    assert ids(view, search="长江数据") == [c]


def test_filters_as_of_a_date(small):
    view, (a, b, c, d, e), sid = small
    gaoqi = view.catalog.stage("gaoqi").id
    assert ids(view, stage_id=gaoqi, as_of=date(2024, 6, 30)) == [a, c]
    assert ids(view, stage_id=gaoqi, as_of=date(2024, 7, 1)) == [a]   # 36 months from 2021-07-01 ended
    xinxing, fanxing = view.catalog.stage("xinxing").id, view.catalog.stage("fanxing").id
    assert ids(view, star_stage_id=xinxing, as_of=date(2024, 6, 1)) == [b]
    assert ids(view, star_stage_id=fanxing, as_of=date(2024, 6, 1)) == []
    assert ids(view, star_stage_id=fanxing, as_of=date(2023, 6, 1)) == [b]
    assert ids(view, expiring_days=30, as_of=date(2025, 2, 10)) == [a]  # ends 2025-03-01
    assert ids(view, expiring_days=30, as_of=date(2025, 3, 1)) == []
    assert ids(view, street_id=sid["积玉桥"]) == [a, c]
    assert ids(view, officer="张敏") == [a, b]
    assert ids(view, industry="软件") == [a]
    assert ids(view, flagged=True) == [d]
    assert ids(view, firm_ids=(b, d, e)) == [b, d]
    assert view.distinct("officer") == ["张敏", "李强"]


def test_page_fills_derived_columns(small):
    view, (a, b, c, d, e), _ = small
    page = view.page(LedgerQuery(as_of=date(2024, 6, 1), firm_ids=(a, b, d)))
    rows = {fid: dict(zip(COLUMN_KEYS, row, strict=True)) for fid, row in zip(page.ids, page.rows, strict=True)}
    assert rows[b]["star"] == "新星"
    assert rows[a]["held"] == "高新技术企业"
    assert rows[a]["expires"] == "高企 2025-02-28"         # the designation and its last valid day (issue 14)
    assert rows[d]["code_status"] == "无代码"
    assert rows[a]["code_status"] == ""
    assert rows[b]["street"] == "杨园"
    assert page.ids == [b, a, d]                           # pinyin order (issue 14): hubei < wuhan < xingchen


def test_page_shows_every_firm_field_under_its_key(small, ledger):
    """Issue 11 points 5 and 8: 企业类型 and 地址 (and every other field of the list) are table columns."""
    from pipeline.fields import FIRM_ATTRS, LABELS
    view, (a, *_), _ = small
    with ledger.write() as w:
        w.update_firm(a, legal_form="有限责任公司", address="武昌区积玉桥街和平大道1号", rd_spend=12.5, remark="重点")
    row = dict(zip(COLUMN_KEYS, view.page(LedgerQuery(firm_ids=(a,))).rows[0], strict=True))
    assert (row["legal_form"], row["address"], row["rd_spend"], row["remark"]) == (
        "有限责任公司", "武昌区积玉桥街和平大道1号", 12.5, "重点")
    titles = {c.key: c.title for c in COLUMNS}
    assert all(titles[k] == LABELS[k] for k in FIRM_ATTRS)


@pytest.mark.parametrize("key", [c.key for c in COLUMNS if c.sort])
def test_keyset_pages_equal_a_plain_order_by(demo_db, key):
    from db.ledger import Ledger
    with Ledger(demo_db, readonly=True) as led:
        view = LedgerView(led.conn, led.catalog())
        for desc in (False, True):
            q = LedgerQuery(sort=key, descending=desc, search="科技")
            walked, after = [], None
            while True:
                page = view.page(q, after=after, limit=37)
                walked += page.ids
                if len(page.ids) < 37:
                    break
                after = page.last_key
            assert walked == view.ids(q)
            assert len(walked) == view.count(q) > 100
            assert view.page(q, offset=74, limit=37).ids == walked[74:111]


def test_code_prefix_search_plans():
    """Digits are the start of a code (never a name search); a common prefix walks the sort index."""
    from db.ledger_view import search_condition
    sql, params = search_condition("914")
    assert sql == "f.code >= ? AND f.code < ?" and params == ["914", "914\uffff"]
    sql, _ = search_condition("91420106", frequent=True)
    assert sql == "+f.code >= ? AND +f.code < ?"
    sql, _ = search_condition("91ma")            # letters too: a code prefix or a name
    assert "firm_search" in sql or "LIKE" in sql


def test_live_total_and_pick_lists_leave_out_the_recycle_bin(small, ledger):
    """The unfiltered count (b-tree count less the recycle bin) and the filter bar's pick lists (one index
    seek per value) give what a plain scan gives."""
    view, (a, b, c, d, e), _ = small
    with ledger.write() as w:
        f = w.insert_firm("回收站专员公司", None, officer="王芳", industry="医药")
        w.insert_firm("空专员公司", None, officer="", industry="")
        w.remove_firm(f)
    assert view.count(LedgerQuery()) == 5 == len(view.ids(LedgerQuery()))
    assert view.count(LedgerQuery(deleted=True)) == 2
    for column in ("officer", "industry"):
        plain = [r[0] for r in ledger.conn.execute(
            f"SELECT DISTINCT {column} FROM firms WHERE deleted_at IS NULL AND {column} IS NOT NULL "
            f"AND {column} != '' ORDER BY {column}")]
        assert view.distinct(column) == plain
    assert view.distinct("officer") == ["张敏", "李强"] and view.distinct("industry") == ["软件"]


def test_expiry_filter_and_column_follow_the_selected_stage(small, ledger):
    """Issue 14: with 高企 selected, a firm whose 种子 expires soon is not "expiring"; the column names
    the designation that expires; without a stage, any designation but a star tier counts."""
    view, (a, b, c, d, e), _ = small
    with ledger.write() as w:
        w.add_designation(b, "yinzhongzi", date(2024, 1, 1), date(2025, 1, 1))   # seed ends 2024-12-31
        w.add_designation(b, "gaoqi", date(2024, 3, 1))                          # 高企 until 2027-02-28
    gaoqi = view.catalog.stage("gaoqi").id
    day = date(2024, 11, 1)
    assert ids(view, expiring_days=90, as_of=day) == [b]                       # any stage: b's seed
    assert ids(view, expiring_days=90, as_of=day, stage_id=gaoqi) == []        # 高企 of b lasts to 2027
    assert ids(view, expiring_days=120, as_of=date(2025, 1, 5), stage_id=gaoqi) == [a]
    page = view.page(LedgerQuery(as_of=day, firm_ids=(b,)))
    assert dict(zip(COLUMN_KEYS, page.rows[0], strict=True))["expires"] == "银种子 2024-12-31"
    page = view.page(LedgerQuery(as_of=day, firm_ids=(b,), stage_id=gaoqi))
    assert dict(zip(COLUMN_KEYS, page.rows[0], strict=True))["expires"] == "高企 2027-02-28"


def test_sort_by_expiry_puts_firms_without_one_last(small, ledger):
    view, (a, b, c, d, e), _ = small
    with ledger.write() as w:
        w.add_designation(d, "yinzhongzi", date(2024, 1, 1), date(2025, 1, 1))
    day = date(2024, 6, 1)                       # a: 高企 to 2025-03-01, c: 高企 to 2024-07-01, d: seed to 2025
    assert view.ids(LedgerQuery(as_of=day, sort="expires")) == [c, d, a, b]
    assert view.ids(LedgerQuery(as_of=day, sort="expires", descending=True)) == [a, d, c, b]
    assert [p for p in view.page(LedgerQuery(as_of=day, sort="expires"), limit=2).ids] == [c, d]


def test_no_star_filter(small):
    from db.ledger_view import NO_STAR
    view, (a, b, c, d, e), _ = small
    assert ids(view, star_stage_id=NO_STAR, as_of=date(2024, 6, 1)) == [a, c, d]
    assert ids(view, star_stage_id=NO_STAR, as_of=date(2022, 6, 1)) == [a, b, c, d]


def test_expiry_sort_walks_an_index():
    """The first page sorted by expiry reads designations in end-date order from an index (EXPLAIN QUERY
    PLAN), not a sort of every firm: within the 1M-firm sort goal."""
    import pathlib
    import tempfile

    from db import schema
    from db.connection import connect
    from db.ledger_expiry import _segments
    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(pathlib.Path(tmp) / "l.db")
        schema.migrate(conn)                 # connect() only connects
        try:
            for q in (LedgerQuery(sort="expires"), LedgerQuery(sort="expires", descending=True),
                      LedgerQuery(sort="expires", stage_id=5)):
                body, params, _v, order = _segments(None, q, None, False)[0]
                plan = " | ".join(r[3] for r in conn.execute(
                    f"EXPLAIN QUERY PLAN SELECT f.id FROM {body} ORDER BY {order} LIMIT 200", params))
                assert "USING INDEX designations_" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan
        finally:
            conn.close()


def test_names_sort_in_pinyin_order_by_the_indexed_key(ledger):
    """Issue 14: by pinyin (阿 a, 北 bei, 重庆 chongqing, 中 zhong), not by code point; the first page walks the
    partial index on firms.name_sort (migration v5), not a sort of every firm."""
    with ledger.write() as w:
        ids = {
            n: w.insert_firm(n, None)
            for n in ("中南科技有限公司", "重庆路科技有限公司", "北斗导航有限公司", "阿尔法有限公司")
        }
    view = view_on(ledger)
    got = view.ids(LedgerQuery())
    assert got == [ids["阿尔法有限公司"], ids["北斗导航有限公司"], ids["重庆路科技有限公司"], ids["中南科技有限公司"]]
    assert view.page(LedgerQuery(), limit=2).ids == got[:2]
    assert view.ids(LedgerQuery(descending=True)) == got[::-1]
    if ledger.shared:
        return                                              # the query plan below is the file's
    plan = " | ".join(r[3] for r in ledger.conn.execute(
        "EXPLAIN QUERY PLAN SELECT f.id FROM firms f WHERE f.deleted_at IS NULL ORDER BY f.name_sort, f.id LIMIT 200"))
    assert "firms_live_name_sort" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("extra", [dict(street_id=1), dict(stage="gaoqi"), dict(stage="gaoqi", expiring_days=365),
                                   dict(expiring_days=180), dict(street_id=2, stage="kexiao"), dict(officer_any=True)],
                         ids=["street", "stage", "stage-expiring", "expiring", "street-stage", "officer"])
def test_expiry_pages_equal_a_plain_order_by_under_every_filter(demo_db, extra):
    """The walk over the end-date index (with the stage and expiring filters moved onto the designation walked)
    gives exactly the firms and order of the plain query, page after page, both directions."""
    from db.ledger import Ledger
    with Ledger(demo_db, readonly=True) as led:
        view = LedgerView(led.conn, led.catalog())
        kw = dict(extra)
        if "stage" in kw:
            kw["stage_id"] = led.catalog().stage(kw.pop("stage")).id
        if kw.pop("officer_any", False):
            kw["officer"] = view.distinct("officer")[0]
        for desc in (False, True):
            q = LedgerQuery(sort="expires", descending=desc, as_of=date(2024, 6, 30), **kw)
            walked, after = [], None
            while True:
                page = view.page(q, after=after, limit=29)
                walked += page.ids
                if len(page.ids) < 29:
                    break
                after = page.last_key
            assert walked == view.ids(q) and len(walked) == view.count(q) > 2
            assert view.page(q, offset=29, limit=29).ids == walked[29:58]
