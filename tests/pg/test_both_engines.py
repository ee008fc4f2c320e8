"""The read commands and the ledger table's search on both engines: the demo district as a file and pushed into
a shared ledger give the same reports, search results and history; the server limits an officer to their streets.
"""
import json
from datetime import date

import pytest

from db.ledger import Ledger
from db.ledger_view import NO_STAR, SORTS, LedgerQuery, LedgerView
from tests.cli.helpers import run
from tests.pg.search_helpers import SEARCHES, search_pages


@pytest.fixture(params=["sqlite", "pg"])
def backend(request, demo_db):
    """The demo district's ledger on each engine: the file's path, or the URL of the shared ledger it was pushed
    into (as the superuser)."""
    if request.param == "sqlite":
        return str(demo_db)
    return request.getfixturevalue("shared_demo")


def report_json(capsys, db, *extra):
    code, out, err = run(capsys, "report", "--db", db, "--year", "2023", "--as-of", "2023-09-30", "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_report_and_audit_run_on_each_engine(backend, capsys):
    code, out, err = run(capsys, "report", "--db", backend, "--year", "2023", "--as-of", "2023-09-30")
    assert code == 0 and "2023 年指标完成情况" in out and "完成率" in out, err
    code, out, err = run(capsys, "audit", "--db", backend, "--limit", "3")
    assert code == 0 and len(out.strip().splitlines()) >= 3 and "Traceback" not in err


def test_the_report_is_the_same_on_both_engines(demo_db, shared_demo, capsys):
    assert report_json(capsys, demo_db) == report_json(capsys, shared_demo)
    assert report_json(capsys, demo_db, "--street", "杨园") == report_json(capsys, shared_demo, "--street", "杨园")


def test_a_firms_history_is_the_same_on_both_engines(demo_db, shared_demo, capsys):
    with Ledger(demo_db, readonly=True) as led:
        code = led.conn.execute("SELECT f.code FROM firms f JOIN firm_aliases a ON a.firm_id = f.id "
                                "WHERE f.code IS NOT NULL ORDER BY f.id LIMIT 1").fetchone()[0]
    shown = []
    for db in (demo_db, shared_demo):
        status, out, err = run(capsys, "audit", "--db", db, "--firm", code, "--json")
        assert status == 0, err
        shown.append(json.loads(out))
    assert shown[0] == shown[1] and len(shown[0]) >= 2


def test_search_finds_the_same_firms_in_the_same_order_on_both_engines(demo_db, shared_demo):
    mine, theirs = search_pages(str(demo_db)), search_pages(shared_demo)
    for text in SEARCHES:
        assert mine[text] == theirs[text], text
    assert all(mine[t][0] > 0 for t in SEARCHES[:-1]) and mine[SEARCHES[-1]][0] == 0
    with Ledger(demo_db, readonly=True) as led:      # a former name is found by part of it, on both
        alias = led.conn.execute("SELECT a.name, a.firm_id FROM firm_aliases a JOIN firms f ON f.id = a.firm_id "
                                 "WHERE f.deleted_at IS NULL AND instr(f.name, substr(a.name, 3, 4)) = 0 "
                                 "ORDER BY a.id LIMIT 1").fetchone()
    part = alias[0][2:6]
    mine, theirs = search_pages(str(demo_db), (part,)), search_pages(shared_demo, (part,))
    assert mine == theirs and alias[1] in mine[part][1]


def paged(target, sort, descending, size=97):
    """Every firm's id, page after page by key, in the ledger table's order."""
    with Ledger(target, readonly=True) as led:
        view, out, after = LedgerView.open(led), [], None
        try:
            while True:
                page = view.page(LedgerQuery(sort=sort, descending=descending), after=after, limit=size)
                out += page.ids
                if len(page.ids) < size:
                    return out
                after = page.last_key
        finally:
            view.close()


@pytest.mark.parametrize("sort", [*SORTS, "updated_at", "expires"])
def test_every_sort_pages_through_the_same_firms_on_both_engines(demo_db, shared_demo, sort):
    for descending in (False, True):       # codes and streets have NULLs: placed first ascending, as on the file
        mine = paged(str(demo_db), sort, descending)
        assert len(mine) == len(set(mine)) == 600 and paged(shared_demo, sort, descending) == mine


def filtered(target):
    """Counts, first pages and every id of the ledger table's filters (stage, star tier, none, expiring, flagged,
    industry, officer, recycle bin, a list of firms, search within a street), the filter bar's choices (one index
    seek per value on both), whether the ledger is empty and its live firms."""
    with Ledger(target, readonly=True) as led:
        view, catalog, day = LedgerView.open(led), led.catalog(), date(2024, 6, 30)
        try:
            gaoqi, star = catalog.stage("gaoqi").id, catalog.stage("xinxing").id
            queries = [LedgerQuery(stage_id=gaoqi, as_of=day), LedgerQuery(star_stage_id=star, as_of=day),
                       LedgerQuery(star_stage_id=NO_STAR, as_of=day), LedgerQuery(expiring_days=365, as_of=day),
                       LedgerQuery(expiring_days=365, stage_id=gaoqi, as_of=day, sort="expires"),
                       LedgerQuery(flagged=True), LedgerQuery(industry=view.distinct("industry")[0]),
                       LedgerQuery(officer=view.distinct("officer")[0]), LedgerQuery(deleted=True),
                       LedgerQuery(firm_ids=(1, 5, 9, 700)),
                       LedgerQuery(search="科技", street_id=led.street_id("杨园"), sort="code", descending=True)]
            shown = [(view.count(q), view.page(q).ids, view.page(q).rows, view.ids(q)) for q in queries]
            return shown, view.distinct("industry"), view.distinct("officer"), view.empty(), view.live_total()
        finally:
            view.close()


def firm_files(target, ids=(1, 2, 50, 333)):
    from db import firm_file
    with Ledger(target, readonly=True) as led:
        c, catalog = led.conn, led.catalog()
        return [(firm_file.firm(c, i), firm_file.aliases(c, i), firm_file.services(c, i),
                 firm_file.timeline(c, catalog, i), firm_file.audit(c, i)) for i in ids]


def test_the_firm_file_reads_the_same_on_both_engines(demo_db, shared_demo):
    mine = firm_files(str(demo_db))
    assert firm_files(shared_demo) == mine and all(f[0] and f[3] and f[4] for f in mine)


def test_the_ledger_tables_filters_show_the_same_firms_on_both_engines(demo_db, shared_demo):
    mine = filtered(str(demo_db))
    assert filtered(shared_demo) == mine
    assert all(count > 0 for count, *_ in mine[0][:8]) and mine[3] is False and mine[4] > 0


def test_an_officer_reads_only_their_streets(people, demo_db, capsys):
    officer = people["officer"]
    assert report_json(capsys, officer, "--street", "积玉桥") == report_json(capsys, demo_db, "--street", "积玉桥")
    for extra in ((), ("--street", "杨园")):
        code, _, err = run(capsys, "report", "--db", officer, "--year", "2023", *extra)
        assert code == 2 and "只能查看 积玉桥 的企业" in err and "Traceback" not in err
    with Ledger(demo_db, readonly=True) as led:
        jyq = led.street_id("积玉桥")
    theirs = search_pages(officer)
    mine = search_pages(str(demo_db), street_id=jyq)
    for text in SEARCHES:
        assert theirs[text] == mine[text], text
    with Ledger(people["super"], readonly=True) as led:
        streets = {r[0] for r in led.conn.execute(
            f"SELECT DISTINCT street_id FROM firms WHERE id IN ({','.join('?' * len(theirs['武'][1]))})",
            theirs["武"][1])}
    assert streets == {jyq}
    code, out, err = run(capsys, "audit", "--db", officer, "--json", "--limit", "0")
    assert code == 0, err
    with Ledger(people["super"], readonly=True) as led:
        theirs_firms = {r[0] for r in led.conn.execute("SELECT id FROM firms WHERE street_id <> ?", (jyq,))}
    rows = json.loads(out)
    assert rows and not {r["firm_id"] for r in rows} & theirs_firms
    with Ledger(people["super"], readonly=True) as led:
        other = led.conn.execute("SELECT code FROM firms WHERE street_id <> ? AND code IS NOT NULL LIMIT 1",
                                 (jyq,)).fetchone()[0]
    code, _, err = run(capsys, "audit", "--db", officer, "--firm", other)
    assert code == 2 and "不在您可查看的街道" in err


def test_the_export_is_the_same_on_both_engines_and_an_officers_holds_their_streets(demo_db, people, capsys, tmp_path):
    made = {}
    for who, db in (("file", demo_db), ("server", people["super"]), ("officer", people["officer"])):
        for extra in ((), ("--stage", "高新技术企业")):
            out = tmp_path / f"{who}{len(extra)}.csv"
            code, said, err = run(capsys, "export", "--db", db, "--out", out, *extra)
            assert code == 0, err
            made[who, len(extra)] = out.read_bytes()
    assert made["file", 0] == made["server", 0] and made["file", 2] == made["server", 2]
    assert "只含 积玉桥 的企业" in said
    code, _, err = run(capsys, "export", "--db", demo_db, "--out", tmp_path / "jyq.csv", "--street", "积玉桥")
    assert code == 0 and made["officer", 0] == (tmp_path / "jyq.csv").read_bytes()


def common_searches(target, threshold: int):
    """What the table shows for searches when FREQUENT is *threshold*: a search matching more firms than it is
    "common" (its page walks the sort order's index testing each firm; on the server the probe counts it): each
    search's count, is_slow, first page of each sort, a page by key after it, and the page after a skip."""
    from db.ledger_view import LedgerView as View
    with Ledger(target, readonly=True) as led:
        view = View.open(led)
        view.FREQUENT = threshold
        try:
            out = {}
            for text in ("科技有限", "有限公司", "科技 有限", "武汉 科技有限", "shengwu", "9142", "zzzz无此企业"):
                for sort in ("name", "code", "street", "expires"):
                    for desc in (False, True):
                        q = LedgerQuery(search=text, sort=sort, descending=desc)
                        first = view.page(q, limit=7)
                        after = view.page(q, after=first.last_key, limit=7) if first.last_key else None
                        out[text, sort, desc] = (view.count(q), view.is_slow(q), first.ids, first.rows,
                                                 after and after.ids, view.page(q, offset=11, limit=5).ids)
            return out
        finally:
            view.close()


@pytest.mark.parametrize("threshold", [30000, 20])
def test_a_common_search_shows_the_same_pages_on_both_engines(demo_db, shared_demo, threshold):
    """The probe of how common a search is, and the plans it picks (the trigram indexes for a rare search, a walk
    of the sort order's index for a common one), give the file's counts, pages and slowness on the server."""
    mine = common_searches(str(demo_db), threshold)
    theirs = common_searches(shared_demo, threshold)
    for key, shown in mine.items():
        assert theirs[key] == shown, key
    assert mine["科技有限", "name", False][0] > threshold // 10 if threshold < 100 else True
    assert mine["科技有限", "name", False][1] is (threshold < 100)       # common: run off the UI thread
