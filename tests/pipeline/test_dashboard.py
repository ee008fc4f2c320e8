"""The dashboard's numbers: by hand on a small ledger, and equal to pipeline.indicators on the demo."""
import json
from datetime import date

import pytest

from pipeline import funnel as funnel_maths
from pipeline.catalog import Catalog, Funnel, FunnelStep, Stage, Track
from pipeline.dashboard import Dashboard
from pipeline.dashboard_view import plain
from pipeline.dates import add_months
from pipeline.facts import Facts
from pipeline.indicators import Indicator, evaluate

GAOQI, KEXIAO = 1, 2
CAT = Catalog(
    [Track("kexiao", "科技型中小企业", False, (Stage(KEXIAO, "kexiao", "科技型中小企业", "kexiao", 1, "year_end", 1),)),
     Track("gaoqi", "高新技术企业", False, (Stage(GAOQI, "gaoqi", "高新技术企业", "gaoqi", 1, "months", 36),))],
    [Funnel("chain", "培育链", (FunnelStep("科小", ("kexiao",)), FunnelStep("高企", ("gaoqi",))))])
EAST, WEST = 10, 20
STREETS = [(EAST, "东"), (WEST, "西")]


def cert(firm, start):
    return (firm, GAOQI, start, add_months(date.fromisoformat(start), 36).isoformat())


@pytest.fixture
def dash():
    # the six firms of tests/pipeline/test_indicators.py, plus 科小 records
    rows = [cert(1, "2020-12-01"), cert(1, "2023-12-01"), cert(2, "2020-10-16"), cert(3, "2023-03-10"),
            cert(4, "2019-05-01"), cert(4, "2023-11-20"), cert(5, "2024-01-05"), cert(6, "2022-06-30"),
            (3, KEXIAO, "2022-05-01", "2023-01-01"), (5, KEXIAO, "2023-04-01", "2024-01-01")]
    f = Facts.from_rows(rows, {1: EAST, 2: EAST, 3: EAST, 4: WEST, 5: WEST, 6: WEST}.items())
    targets = {2023: [Indicator("高企总量", "stock", ["gaoqi"], 4),
                      Indicator("净增高企", "net", ["gaoqi"], 2),
                      Indicator("新增高企", "new", ["gaoqi"], 4),
                      Indicator("高企总量", "stock", ["gaoqi"], 3, street="东", street_id=EAST),
                      Indicator("净增高企", "net", ["gaoqi"], 1, street="西", street_id=WEST)]}
    return Dashboard(f, CAT, targets, STREETS)


def rows_of(view):
    return {r["name"]: r for r in view["indicators"]}


def test_district_at_year_end(dash):
    v = rows_of(dash.compute(2023, date(2023, 12, 31)))
    # stock 2022-12-31: 1, 2, 6; 2023-12-31: 1, 3, 4, 6
    assert (v["高企总量"]["base"], v["高企总量"]["actual"], v["高企总量"]["rate"]) == (3, 4, 1.0)
    assert list(v["高企总量"]["firm_ids"]) == [1, 3, 4, 6]
    assert (v["净增高企"]["actual"], list(v["净增高企"]["gained_ids"]), list(v["净增高企"]["lost_ids"])) == (
        1,
        [3, 4],
        [2],
    )
    assert (v["新增高企"]["actual"], list(v["新增高企"]["firm_ids"])) == (2, [3, 4])


def test_as_of_inside_the_year_and_refused_outside(dash):
    v = rows_of(dash.compute(2023, date(2023, 9, 30)))   # 2 still valid (until 2023-10-15), 3 new, 4 not back yet
    assert v["高企总量"]["actual"] == 4 and v["新增高企"]["actual"] == 1
    for outside in (date(2022, 12, 1), date(2024, 2, 1)):   # another year's ledger under 2023's name: refused
        with pytest.raises(ValueError, match="不在 2023 年内"):
            dash.compute(2023, outside)


def test_street_view_uses_its_share_and_falls_back_without_one(dash):
    east = rows_of(dash.compute(2023, date(2023, 12, 31), EAST))
    assert east["高企总量"]["target"] == 3 and east["高企总量"]["actual"] == 2       # 1, 3
    assert east["净增高企"]["target"] is None and east["净增高企"]["actual"] == 0    # 1, 3 now; 1, 2 before
    west = rows_of(dash.compute(2023, date(2023, 12, 31), WEST))
    assert (west["净增高企"]["target"], west["净增高企"]["actual"]) == (1, 1)          # 4, 6 now; 6 before
    table = {s["street"]: s for s in dash.streets_table(2023, date(2023, 12, 31))}
    assert [(c["target"], c["actual"]) for c in table["西"]["cells"]] == [(None, 2), (1, 1), (None, 1)]


def test_funnel_and_forecast(dash):
    view = dash.compute(2023, date(2023, 6, 30))
    chain = view["funnels"][0]
    assert [s["count"] for s in chain["steps"]] == [1, 4]          # 科小: 5; 高企: 1, 2, 3, 6
    conv = chain["conversions"][0]
    # holding 科小 on 2022-12-31: 3 (until 2023-01-01); it gained 高企 2023-03-10 -> converted
    assert (conv["base"], conv["converted"], conv["dropped"]) == (1, 1, 0)
    f = rows_of(view)["高企总量"]["forecast"]
    # designations known on 2023-06-30 that cover 2023-12-31: 3 and 6; 1 (its renewal starts 2023-12-01,
    # after the as-of date) and 2 lapse before then
    assert (f["floor"], f["lapses_to_come"]) == (2, 2)               # 3 and 6 stay
    assert f["expected_gains"] == 0                                  # no gains in 2022-06-30..12-31
    exp = {e["name"]: e for e in view["expiries"]}["高企总量"]
    assert (exp["expiring"], exp["renewed"], exp["to_come"]) == (2, 0, 2)   # 1 (Nov 30), 2 (Oct 15)
    assert view["trend"]["days"][-1] == "2023-06-30"
    # due within 180 days of 2023-06-30 (to 2023-12-27): 2 (last day 2023-10-15), 1 (2023-11-30)
    from pipeline.dashboard_view import due_rows
    rows = due_rows(dash.compute(2023, date(2023, 6, 30), due_days=180), CAT)
    assert [(r["firm_id"], r["last_day"], r["days_left"]) for r in rows] == [
        (2, "2023-10-15", 107),
        (1, "2023-11-30", 153),
    ]


def test_plain_view_is_json(dash):
    text = json.dumps(plain(dash.compute(2023, date(2023, 12, 31), WEST)), ensure_ascii=False)
    assert '"firm_n": 2' in text and "_ids" not in text


def test_equals_the_indicator_maths_on_the_demo(demo_db):
    from db import dashboard_queries as dq
    from db import queries
    from db.ledger import Ledger
    with Ledger(demo_db, readonly=True) as led:
        facts, cat = queries.load_facts(led.conn), led.catalog()
        dash = Dashboard(facts, cat, dq.all_targets(led.conn), led.streets())
        for as_of in (date(2024, 3, 31), date(2024, 12, 31)):
            for sid, name in [(None, None)] + led.streets()[:3]:
                view = dash.compute(2024, as_of, sid)
                mine = rows_of(view)
                for ind in queries.targets(led.conn, 2024, name):
                    want = evaluate(facts, cat, ind, 2024, as_of)
                    got = mine[ind.name]
                    assert (got["base"], got["actual"], got["rate"], got["ahead"]) == (
                        want["base"], want["actual"], want["rate"], want["ahead"]), (name, ind.name)
                for f, fv in zip(cat.funnels, view["funnels"], strict=True):
                    assert [s["count"] for s in fv["steps"]] == [
                        s["count"] for s in funnel_maths.counts(facts, cat, f, as_of, sid)]
                    want_c = funnel_maths.conversions(facts, cat, f, date(2023, 12, 31), as_of, sid)
                    assert [(c["base"], c["converted"], c["dropped"]) for c in fv["conversions"]] == [
                        (c["base"], c["converted"], c["dropped"]) for c in want_c]
