"""Expiries, renewals, the year-end forecast and the due list, worked out by hand."""
from datetime import date

import pytest

from pipeline.dates import add_months
from pipeline.facts import Facts
from pipeline.forecast import by_month, due, expiries, year_end, year_end_parts
from pipeline.trend import SetIndex

GAOQI = 1
EAST, WEST = 10, 20


def cert(firm, start):
    s = date.fromisoformat(start)
    return (firm, GAOQI, s.isoformat(), add_months(s, 36).isoformat())


@pytest.fixture
def ix():
    # firm 1: 2021-03-15 -> last day 2024-03-14; renewed seamlessly 2024-03-15          (March, renewed)
    # firm 2: 2021-05-10 -> last day 2024-05-09, not renewed                             (May, lapsed)
    # firm 3: 2021-09-01 -> last day 2024-08-31, not renewed                             (August, to come)
    # firm 4: 2021-11-20 -> last day 2024-11-19; renewal 2024-11-20 (after the as-of date) (November)
    # firm 5: 2022-12-01 -> 2025-11-30                                                   (not expiring)
    # firm 6: 2020-12-31 -> last day 2023-12-30                                          (2023, not 2024)
    # firm 7: 2021-12-31 -> last day 2024-12-30; renewal 2024-12-31 (after the as-of date) (December)
    # firm 8: first certified 2023-08-01 (a gain in the second half of 2023)
    # firm 9: first certified 2023-03-01
    rows = [cert(1, "2021-03-15"), cert(1, "2024-03-15"), cert(2, "2021-05-10"), cert(3, "2021-09-01"),
            cert(4, "2021-11-20"), cert(4, "2024-11-20"), cert(5, "2022-12-01"), cert(6, "2020-12-31"),
            cert(7, "2021-12-31"), cert(7, "2024-12-31"), cert(8, "2023-08-01"), cert(9, "2023-03-01")]
    f = Facts.from_rows(rows, {i: EAST if i <= 4 else WEST for i in range(1, 10)}.items())
    return SetIndex(f, [GAOQI])


def test_expiries_by_month_midyear(ix):
    ex = expiries(ix, 2024, date(2024, 6, 30))
    assert list(ex["firms"]) == [1, 2, 3, 4, 7]
    months = {m["month"]: m for m in by_month(ex) if m["expiring"]}
    assert sorted(months) == [3, 5, 8, 11, 12]
    assert (months[3]["renewed"], months[5]["lapsed"], months[8]["to_come"]) == (1, 1, 1)
    assert (months[11]["to_come"], months[12]["to_come"]) == (1, 1)     # renewals not yet known on 2024-06-30
    assert list(ex["firms"][ex["to_come"]]) == [3, 4, 7]


def test_expiries_after_the_year_know_the_late_renewals(ix):
    ex = expiries(ix, 2024, date(2025, 1, 5))
    assert list(ex["firms"][ex["renewed"]]) == [1, 4, 7]
    assert list(ex["firms"][ex["lapsed"]]) == [2, 3]
    assert not ex["to_come"].any()


def test_expiries_street_filter(ix):
    ex = expiries(ix, 2024, date(2024, 6, 30))
    keep = ex["firms"] <= 4            # the east street's firms
    assert sum(m["expiring"] for m in by_month(ex, keep)) == 4


def test_year_end_forecast_stock_and_net(ix):
    as_of = date(2024, 6, 30)
    parts = year_end_parts(ix, 2024, as_of)
    # holding on 2024-06-30: 1, 3, 4, 5, 7, 8, 9 (2 lapsed in May) = 7
    assert list(parts["now"]) == [1, 3, 4, 5, 7, 8, 9]
    # known to hold on 2024-12-31: 1 (renewed), 5, 8, 9; 3, 4, 7 lapse before then
    assert list(parts["stay"]) == [1, 5, 8, 9]
    # last year's gains between 2023-07-01 and 2023-12-31: firm 8
    assert list(parts["gains"]) == [8]
    stock = year_end(parts, "stock", 7, 8)
    assert (stock["floor"], stock["expected_gains"], stock["projected"], stock["lapses_to_come"]) == (4, 1, 5, 3)
    # stock on 2023-12-31: 1, 2, 3, 4, 5, 7, 8, 9 = 8 (6 held through 2023-12-30 only)
    net = year_end(parts, "net", 7 - 8, 8)
    assert (net["floor"], net["projected"]) == (-4, -3)
    east = year_end(parts, "stock", 3, 4, pick=lambda ids: ids[ids <= 4])
    assert (east["floor"], east["expected_gains"], east["lapses_to_come"]) == (1, 0, 2)


def test_year_end_forecast_after_the_year_is_the_actual(ix):
    parts = year_end_parts(ix, 2024, date(2024, 12, 31))
    assert year_end(parts, "stock", 5, 8)["projected"] == 5


def test_due_for_re_recognition(ix):
    as_of = date(2024, 6, 30)
    d = due([ix], as_of, 90)
    assert (list(d["firm_ids"]), list(d["stage"]), list(d["last_day"])) == (
        [3],
        [GAOQI],
        [date(2024, 8, 31).toordinal()],
    )
    # within 180 days (to 2024-12-27): 3 and 4 (4's renewal is dated after the as-of date); 7 lapses 12-30
    assert list(due([ix], as_of, 180)["firm_ids"]) == [3, 4]
    # on 2024-11-25 firm 4 is renewed; 7 lapses 2024-12-30 and its renewal is not known yet
    assert list(due([ix], date(2024, 11, 25), 60)["firm_ids"]) == [7]


def test_forecast_expects_last_years_renewal_rate():
    """Lapses still to come are mostly re-recognised: the forecast applies last year's renewal rate."""
    from pipeline.forecast import renewal_rate
    # firms 1-10: certified 2020-10-16, last day 2023-10-15; 1-8 renewed seamlessly on 2023-10-16 (rate 8/10)
    # firms 11-15: certified 2021-11-20, last day 2024-11-19: the lapses still to come on 2024-06-30
    rows = [cert(f, "2020-10-16") for f in range(1, 11)] + [cert(f, "2023-10-16") for f in range(1, 9)]
    rows += [cert(f, "2021-11-20") for f in range(11, 16)]
    index = SetIndex(Facts.from_rows(rows, {i: EAST for i in range(1, 16)}.items()), [GAOQI])
    as_of = date(2024, 6, 30)
    assert renewal_rate(index, 2024, as_of) == pytest.approx(0.8)
    parts = year_end_parts(index, 2024, as_of)
    assert list(parts["stay"]) == list(range(1, 9))
    stock = year_end(parts, "stock", 13, 13)
    # 8 certain + round(5 x 0.8) = 4 renewals + 0 gains (seamless renewals are not gains)
    assert (stock["floor"], stock["lapses_to_come"], stock["expected_renewals"], stock["expected_gains"],
            stock["projected"]) == (8, 5, 4, 0, 12)
    net = year_end(parts, "net", 0, 13)           # stock 2023-12-31: firms 1-8 and 11-15 = 13
    assert (net["floor"], net["projected"]) == (-5, -1)
    new = year_end(parts, "new", 0, 13)           # a renewal is not new
    assert new["expected_renewals"] == 0 and new["projected"] == 0


def test_renewal_rate_is_the_same_for_every_as_of_date_of_the_year():
    from pipeline.forecast import expiries, renewal_rate
    rows = [cert(f, "2020-10-16") for f in range(1, 11)] + [cert(f, "2023-10-16") for f in range(1, 7)]
    index = SetIndex(Facts.from_rows(rows, {i: EAST for i in range(1, 11)}.items()), [GAOQI])
    rates = {renewal_rate(index, 2024, date(2024, m, 1)) for m in (1, 4, 9, 12)}
    assert rates == {0.6}
    fresh = SetIndex(Facts.from_rows(rows, {i: EAST for i in range(1, 11)}.items()), [GAOQI])
    ex = expiries(fresh, 2023, date(2024, 9, 1))       # computed without the cache
    assert ex["renewed"].sum() / len(ex["firms"]) == 0.6
