"""Merged holding spells and month-end stock, worked out by hand."""
from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.facts import Facts
from pipeline.indicators import ever_holders, gainers, holders
from pipeline.trend import SetIndex, month_ends, series

A, B = 1, 2
EAST, WEST = 10, 20


def facts(rows, streets):
    return Facts.from_rows(rows, streets.items())


def o(text):
    return date.fromisoformat(text).toordinal()


def test_seamless_renewal_is_one_spell_and_a_gap_is_two():
    f = facts([(1, A, "2020-12-01", "2023-12-01"), (1, A, "2023-12-01", "2026-12-01"),
               (2, A, "2019-05-01", "2022-05-01"), (2, A, "2023-11-20", "2026-11-20")], {1: EAST, 2: WEST})
    ix = SetIndex(f, [A])
    assert list(ix.firm) == [1, 2, 2]
    assert [date.fromordinal(int(d)).isoformat() for d in ix.start] == ["2020-12-01", "2019-05-01", "2023-11-20"]
    assert [date.fromordinal(int(d)).isoformat() for d in ix.end] == ["2026-12-01", "2022-05-01", "2026-11-20"]
    assert list(ix.holders(o("2023-01-01"))) == [1]
    assert list(ix.gainers(o("2023-01-01"), o("2023-12-31"))) == [2]      # 1's renewal is not a gain
    assert list(ix.ever(o("2022-01-01"), o("2022-12-31"))) == [1, 2]


def test_overlapping_stages_of_a_set_count_a_firm_once():
    # firm 1 holds A and B at the same time: one spell from 2020-01-01 to 2022-06-01
    f = facts([(1, A, "2020-01-01", "2021-01-01"), (1, B, "2020-06-01", "2022-06-01")], {1: EAST})
    ix = SetIndex(f, [A, B])
    assert len(ix) == 1
    assert list(ix.count_on([o("2019-12-31"), o("2020-07-01"), o("2022-05-31"), o("2022-06-01")])) == [0, 1, 1, 0]


def test_month_end_stock_district_and_street():
    # east: firm 1 Jan 15 - Mar 10 (holds at Jan 31, Feb 28); firm 2 from Feb 1, open
    # west: firm 3 Mar 31 only (one day)
    f = facts([(1, A, "2023-01-15", "2023-03-10"), (2, A, "2023-02-01", None), (3, A, "2023-03-31", "2023-04-01")],
              {1: EAST, 2: EAST, 3: WEST})
    ix = SetIndex(f, [A])
    days = month_ends(2023, date(2023, 4, 15))
    assert days == [date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31), date(2023, 4, 15)]
    assert series(ix, days) == [1, 2, 2, 1]
    assert series(ix, days, EAST) == [1, 2, 1, 1]
    assert series(ix, days, WEST) == [0, 0, 1, 0]
    assert series(ix, days, 99) == [0, 0, 0, 0]


def test_month_ends_at_a_month_end_does_not_repeat_it():
    assert month_ends(2024, date(2024, 2, 29)) == [date(2024, 1, 31), date(2024, 2, 29)]


interval = st.tuples(st.integers(1, 6), st.sampled_from([A, B]), st.integers(0, 60), st.integers(1, 40))


@settings(max_examples=60, deadline=None)
@given(st.lists(interval, min_size=1, max_size=25), st.integers(-5, 110), st.integers(0, 30))
def test_index_agrees_with_the_indicator_functions(rows, day, width):
    base = date(2023, 1, 1)
    facts_rows = [(f, s, (base.fromordinal(base.toordinal() + a)).isoformat(),
                   (base.fromordinal(base.toordinal() + a + n)).isoformat()) for f, s, a, n in rows]
    fx = facts(facts_rows, {i: EAST if i % 2 else WEST for i in range(1, 7)})
    d = date.fromordinal(base.toordinal() + day)
    last = date.fromordinal(d.toordinal() + width)
    for ids in ([A], [A, B]):
        ix = SetIndex(fx, ids)
        assert list(ix.holders(d.toordinal())) == list(holders(fx, ids, d))
        assert list(ix.gainers(d.toordinal(), last.toordinal())) == list(gainers(fx, ids, d, last))
        assert list(ix.ever(d.toordinal(), last.toordinal())) == list(ever_holders(fx, ids, d, last))
        assert int(ix.count_on(np.array([d.toordinal()]))[0]) == len(holders(fx, ids, d))
        assert int(ix.count_on(np.array([d.toordinal()]), EAST)[0]) == len(holders(fx, ids, d, EAST))
