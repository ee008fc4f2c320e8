"""Indicator maths against small ledgers worked out by hand."""
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.catalog import Catalog, Stage, Track
from pipeline.dates import add_months, time_progress
from pipeline.facts import Facts
from pipeline.indicators import Indicator, evaluate, gainers, holders, value

GAOQI, KEXIAO, GUISHANG = 1, 2, 3
CAT = Catalog([
    Track("gaoqi", "高新技术企业", False, (Stage(GAOQI, "gaoqi", "高新技术企业", "gaoqi", 1, "months", 36),)),
    Track("kexiao", "科技型中小企业", False, (Stage(KEXIAO, "kexiao", "科技型中小企业", "kexiao", 1, "year_end", 1),)),
    Track("guishang", "规上企业", False, (Stage(GUISHANG, "guishang", "规上", "guishang", 1),)),
])
EAST, WEST = 10, 20


def facts(rows, streets):
    """rows: (firm, stage, start, end or None)"""
    return Facts.from_rows(
        [(f, s, a, b) for f, s, a, b in rows], streets.items())


def cert(firm, start):
    end = add_months(date.fromisoformat(start), 36).isoformat()
    return (firm, GAOQI, start, end)


def test_36_month_certificate_boundary():
    f = facts([cert(1, "2021-07-01")], {1: EAST})
    assert list(holders(f, [GAOQI], date(2024, 6, 30))) == [1]
    assert list(holders(f, [GAOQI], date(2024, 7, 1))) == []
    assert list(holders(f, [GAOQI], date(2021, 6, 30))) == []
    assert list(holders(f, [GAOQI], date(2021, 7, 1))) == [1]


@pytest.fixture
def six_firms():
    # firm 1: certified 2020-12-01, renewed seamlessly 2023-12-01           -> held all through 2023
    # firm 2: certified 2020-10-16, lapsed 2023-10-16, not renewed           -> lost in 2023
    # firm 3: first certified 2023-03-10                                      -> new in 2023
    # firm 4: certified 2019-05-01, lapsed 2022-05-01, re-recognised 2023-11-20 -> new again in 2023
    # firm 5: first certified 2024-01-05                                      -> nothing in 2023
    # firm 6 (west street): certified 2022-06-30, also 规上 since 2023-02-01  -> in stock, not new
    rows = [cert(1, "2020-12-01"), cert(1, "2023-12-01"), cert(2, "2020-10-16"), cert(3, "2023-03-10"),
            cert(4, "2019-05-01"), cert(4, "2023-11-20"), cert(5, "2024-01-05"), cert(6, "2022-06-30"),
            (3, GUISHANG, "2021-01-01", None), (6, GUISHANG, "2023-02-01", None)]
    return facts(rows, {1: EAST, 2: EAST, 3: EAST, 4: WEST, 5: WEST, 6: WEST})


def ind(kind, street_id=None, **kw):
    return Indicator("高企", kind, ["gaoqi"], target=kw.pop("target", 2), street_id=street_id, **kw)


def test_stock_new_net_cumulative_at_year_end(six_firms):
    end = date(2023, 12, 31)
    # stock 2022-12-31: 1, 2, 6 (4 lapsed in May 2022)         = 3
    # stock 2023-12-31: 1, 3, 4, 6                              = 4
    assert value(six_firms, CAT, ind("stock"), 2023, end) == 4
    assert value(six_firms, CAT, ind("net"), 2023, end) == 4 - 3
    # new in 2023: 3 (first time), 4 (re-recognised after a gap); 1's renewal is seamless
    assert list(gainers(six_firms, [GAOQI], date(2023, 1, 1), end)) == [3, 4]
    assert value(six_firms, CAT, ind("new"), 2023, end) == 2
    # cumulative since 2019: every firm that held it on a day of 2019-01-01..2023-12-31: 1, 2, 3, 4, 6
    assert value(six_firms, CAT, ind("cumulative", base_year=2019), 2023, end) == 5
    # since 2023 only: 1, 2 (until October), 3, 4, 6
    assert value(six_firms, CAT, ind("cumulative", base_year=2023), 2023, end) == 5


def test_as_of_inside_the_year(six_firms):
    mid = date(2023, 9, 30)
    # on 2023-09-30: 1, 2 (lapses 2023-10-16), 3, 6 -> 4 ; 4 not yet back
    assert value(six_firms, CAT, ind("stock"), 2023, mid) == 4
    assert value(six_firms, CAT, ind("net"), 2023, mid) == 1
    assert value(six_firms, CAT, ind("new"), 2023, mid) == 1
    row = evaluate(six_firms, CAT, ind("new", target=4), 2023, mid)
    assert row["actual"] == 1 and row["rate"] == 0.25
    assert row["time_progress"] == round(273 / 365, 4)
    assert row["ahead"] is False


def test_street_limit(six_firms):
    end = date(2023, 12, 31)
    assert value(six_firms, CAT, ind("stock", EAST), 2023, end) == 2   # 1, 3
    assert value(six_firms, CAT, ind("stock", WEST), 2023, end) == 2   # 4, 6
    assert value(six_firms, CAT, ind("net", EAST), 2023, end) == 0     # 2 lost, 3 gained
    assert value(six_firms, CAT, ind("net", WEST), 2023, end) == 1     # 4 regained


def test_several_stages_and_require(six_firms):
    end = date(2023, 12, 31)
    both = Indicator("高企与规上", "stock", ["gaoqi", "guishang"], target=1)
    assert value(six_firms, CAT, both, 2023, end) == 4              # 1, 3, 4, 6 (3 and 6 are also 规上)
    large_new = Indicator("规上高企", "new", ["gaoqi"], target=1, require=["guishang"])
    assert value(six_firms, CAT, large_new, 2023, end) == 1         # 3 is new and 规上; 4 is new but not 规上
    large_stock = Indicator("规上高企存量", "stock", ["gaoqi"], target=1, require=["guishang"])
    assert value(six_firms, CAT, large_stock, 2023, end) == 2       # 3, 6


def test_base_value(six_firms):
    row = evaluate(six_firms, CAT, ind("stock", target=5), 2023, date(2023, 12, 31))
    assert row["base"] == 3 and row["actual"] == 4 and row["rate"] == 0.8
    given_base = evaluate(six_firms, CAT, ind("stock", base=100), 2023, date(2023, 12, 31))
    assert given_base["base"] == 100


def test_time_progress():
    assert time_progress(2023, date(2023, 12, 31)) == 1.0
    assert time_progress(2023, date(2024, 3, 1)) == 1.0
    assert time_progress(2023, date(2022, 12, 31)) == 0.0
    assert time_progress(2024, date(2024, 6, 30)) == pytest.approx(182 / 366)
    assert time_progress(2023, date(2023, 1, 1)) == pytest.approx(1 / 365)


def test_year_end_validity():
    s = CAT.stage("kexiao")
    assert s.end_for(date(2023, 4, 1)) == date(2024, 1, 1)


intervals = st.lists(st.tuples(st.integers(1, 5), st.integers(0, 2000), st.integers(1, 1500)), max_size=25)


@given(rows=intervals, probe=st.integers(-10, 3600))
def test_holders_matches_brute_force(rows, probe):
    base = date(2018, 1, 1).toordinal()
    data = [(f, GAOQI, date.fromordinal(base + s).isoformat(), date.fromordinal(base + s + n).isoformat())
            for f, s, n in rows]
    f = facts(data, {i: EAST for i in range(1, 6)})
    day = date.fromordinal(base + probe)
    expected = sorted({r[0] for r in data if r[2] <= day.isoformat() < r[3]})
    assert list(holders(f, [GAOQI], day)) == expected


@given(rows=intervals, first=st.integers(0, 2500), span=st.integers(0, 800))
def test_gainers_matches_brute_force(rows, first, span):
    base = date(2018, 1, 1).toordinal()
    data = [(f, GAOQI, base + s, base + s + n) for f, s, n in rows]
    f = facts([(a, b, date.fromordinal(c).isoformat(), date.fromordinal(d).isoformat()) for a, b, c, d in data],
              {i: EAST for i in range(1, 6)})
    lo, hi = base + first, base + first + span

    def held(firm, day):
        return any(r[0] == firm and r[2] <= day < r[3] for r in data)
    expected = sorted({r[0] for r in data if lo <= r[2] <= hi and not held(r[0], r[2] - 1)})
    assert list(gainers(f, [GAOQI], date.fromordinal(lo), date.fromordinal(hi))) == expected


@given(d=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), months=st.integers(1, 120))
def test_add_months_properties(d, months):
    later = add_months(d, months)
    assert later > d
    assert (later.year - d.year) * 12 + later.month - d.month == months
    assert later.day <= d.day
