"""The figures of a small ledger built through the write API, an import and its undo, worked out by hand: the
report (what ``main.py report`` prints) and the dashboard opened as the app opens it (db/facts_cache.py) give
the same figures, for the district and per street, after a firm went to the recycle bin, one was purged, one
moved street and an import was undone."""
from datetime import date

from desktop.commands.report import build_report
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch
from tests.importers.undo_helpers import write_list

KEYS = ("name", "base", "target", "actual", "rate", "gap", "ahead", "time_progress")


def _ledger(led, folder, between=lambda: None):
    jy, yy = led.street_id("积玉桥"), led.street_id("杨园")
    with led.write() as w:
        a = w.insert_firm("甲公司", street_id=jy)
        w.add_designation(a, "gaoqi", "2022-03-01")          # held all through 2024
        b = w.insert_firm("乙公司", street_id=yy)
        w.add_designation(b, "gaoqi", "2024-04-01")          # new in 2024
        c = w.insert_firm("丙公司", street_id=jy)
        w.add_designation(c, "gaoqi", "2021-12-31")          # ends 2024-12-31: not held that day
        d = w.insert_firm("丁公司", street_id=jy)
        w.add_designation(d, "gaoqi", "2023-05-01")          # moves to 杨园 below
        e = w.insert_firm("戊公司", street_id=yy)
        w.add_designation(e, "gaoqi", "2024-02-01")          # to the recycle bin below
        f = w.insert_firm("己公司", street_id=yy)
        w.add_designation(f, "gaoqi", "2022-01-01")          # purged below
        w.set_target(2024, "高企总量", "stock", ["gaoqi"], 800)
        w.set_target(2024, "净增高企", "net", ["gaoqi"], 80, sort=1)
        w.set_target(2024, "新增高企", "new", ["gaoqi"], 20, sort=2)
        w.set_target(2024, "净增高企", "net", ["gaoqi"], 4, street_id=jy)
        w.set_target(2024, "净增高企", "net", ["gaoqi"], 2, street_id=yy)
    between()                       # the dashboard opened here: the writes below patch its cached facts
    with led.write() as w:
        w.update_firm(d, street_id=yy)
        w.remove_firm(e)
        w.remove_firm(f)
    with led.write() as w:
        w.purge_firm(f)
    batch = commit_plan(led, build_plan(led, write_list(folder, 0, [(2, "庚", "积玉桥", None, None, None, None,
                                                                     "2024-06-01", "高新技术企业")])))
    undo_batch(led, batch)


def test_report_and_dashboard_on_a_hand_ledger(ledger, tmp_path, monkeypatch):
    from db import facts_cache
    from ui.dashboard import source
    monkeypatch.setattr(facts_cache, "cache_dir", lambda: tmp_path / "cache")
    def opened():
        dash, loaded = source.open_dashboard(ledger)
        dash.compute(2024, date(2024, 12, 31))
        source.keep(ledger, dash, loaded)
    _ledger(ledger, tmp_path, opened)
    as_of = date(2024, 12, 31)
    # by hand: held on 2024-12-31 by 甲, 乙, 丁; on 2023-12-31 by 甲, 丙, 丁 (戊 in the bin, 己 purged, 庚 undone)
    want = {None: {"高企总量": (3, 3), "净增高企": (3, 0), "新增高企": (1, 1)},   # 新增 base: 丁, new in 2023
            "积玉桥": {"高企总量": (2, 1), "净增高企": (2, -1), "新增高企": (0, 0)},  # 甲 now; 甲, 丙 before (丁
            "杨园": {"高企总量": (1, 2), "净增高企": (1, 1), "新增高企": (1, 1)}}     # counts where it is now)
    dash, _ = source.open_dashboard(ledger)
    for street, rows in want.items():
        rep = build_report(ledger, 2024, as_of, street)["indicators"]
        assert {r["name"]: (r["base"], r["actual"]) for r in rep} == rows, street
        assert [r["name"] for r in rep] == ["高企总量", "净增高企", "新增高企"], street     # street: as the 看板
        sid = ledger.street_id(street) if street else None
        view = {r["name"]: r for r in dash.compute(2024, as_of, sid)["indicators"]}
        for r in rep:
            assert {k: r[k] for k in KEYS} == {k: view[r["name"]][k] for k in KEYS}, (street, r["name"])
    rows = build_report(ledger, 2024, as_of, "杨园")["indicators"]     # no share of 总量 or 新增: no target, no rate
    assert [(r["name"], r["target"], r["rate"]) for r in rows] == [
        ("高企总量", None, None), ("净增高企", 2, 0.5), ("新增高企", None, None)]
    table = {s["street"]: {c["indicator"]: c["actual"] for c in s["cells"]} for s in dash.streets_table(2024, as_of)}
    assert table["积玉桥"]["净增高企"] == -1 and table["杨园"]["净增高企"] == 1 and table["杨园"]["新增高企"] == 1


def test_a_star_tier_s_valid_until_is_its_last_day_held(ledger):
    """A star tier ending 2024-01-01 (held through 2023-12-31) showed 有效期至 2024-01-01 in the firm file, a day
    late (other designations showed the last day held)."""
    from db.firm_file import timeline
    with ledger.write() as w:
        a = w.insert_firm("甲公司")
        w.add_designation(a, "fanxing", "2023-03-15", "2024-01-01")
        w.add_designation(a, "gaoqi", "2023-03-15", "2024-01-01")
    events = [(e.day, e.kind, e.stage) for e in timeline(ledger.conn, ledger.catalog(), a, date(2023, 6, 1))]
    until = [e for e in events if e[1] == "有效期至"]
    assert [e[0] for e in until] == ["2023-12-31", "2023-12-31"], events
    later = [(e.day, e.kind) for e in timeline(ledger.conn, ledger.catalog(), a, date(2024, 6, 1))]
    assert ("2024-01-01", "退出") in later


def test_a_star_tier_moving_down_by_hand(ledger):
    """亮星 from 2023-03-15, down to 新星 on 2024-03-15, back up to 亮星 on 2024-09-15: one tier at a time, so the
    star funnel on each date counts the firm on one step only; as of 2024-06-30 the 亮星 -> 明星 conversion
    counts it dropped (neither 亮星 nor above), 新星 -> 亮星 has it in no base (亮星 at the end of 2023)."""
    from db import queries
    from pipeline import report
    with ledger.write() as w:
        a = w.insert_firm("甲公司")
        w.add_designation(a, "liangxing", "2023-03-15")
        w.add_designation(a, "xinxing", "2024-03-15")
        w.add_designation(a, "liangxing", "2024-09-15")
    facts, cat = queries.load_facts(ledger.conn), ledger.catalog()
    star = next(f for f in cat.funnels if f.key == "star")

    def steps(day):
        data = report.build(facts, cat, [], day.year, day)
        funnel = next(f for f in data["funnel"] if f["key"] == "star")
        return {s["step"]: s["count"] for s in funnel["steps"] if s["count"]}, \
            next(c for c in data["conversions"] if c["key"] == "star")["steps"]
    names = [s.name for s in star.steps]
    held, _ = steps(date(2023, 12, 31))
    assert held == {names[2]: 1}
    held, convs = steps(date(2024, 6, 30))
    assert held == {names[1]: 1}
    assert [(c["base"], c["converted"], c["dropped"]) for c in convs] == [(0, 0, 0), (0, 0, 0), (1, 0, 1)]
    held, convs = steps(date(2024, 12, 31))
    assert held == {names[2]: 1} and convs[2]["dropped"] == 0
