"""Facts from integer columns: the same designations, streets and order as from rows then sorted_facts."""
from datetime import date

import numpy as np
import pytest

from pipeline.dates import OPEN_END
from pipeline.facts import Facts, _by_firm_and_start
from pipeline.trend import sorted_facts


def random_ledger(seed: int, firms: int, rows: int):
    rng = np.random.default_rng(seed)
    firm = rng.integers(1, firms + 1, rows)
    stage = rng.integers(1, 6, rows)
    start = rng.integers(date(2018, 1, 1).toordinal(), date(2018, 1, 20).toordinal(), rows)   # many ties
    end = np.where(rng.random(rows) < 0.3, OPEN_END, start + rng.integers(1, 2000, rows))
    ids = np.arange(1, firms + 2)                   # one firm more than any designation names
    street = np.where(rng.random(len(ids)) < 0.2, -1, rng.integers(1, 4, len(ids)))
    live = rng.random(len(ids)) < 0.8
    return firm, stage, start, end, ids, street, live


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_equal_rows_sorted(seed):
    firm, stage, start, end, ids, street, live = random_ledger(seed, 40, 400)
    rows = [(int(f), int(s), date.fromordinal(int(a)).isoformat(),
             None if b == OPEN_END else date.fromordinal(int(b)).isoformat())
            for f, s, a, b in zip(firm, stage, start, end, strict=True) if live[f - 1]]
    want = sorted_facts(Facts.from_rows(rows, [(int(i), None if st == -1 else int(st))
                                               for i, st, lv in zip(ids, street, live, strict=True) if lv]))
    got = Facts.from_columns(firm, stage, start, end, ids, street, live)
    for name in ("firm", "stage", "start", "end", "street_of"):
        assert getattr(got, name).tolist() == getattr(want, name).tolist(), name
    assert got.presorted


def test_the_order_is_stable_whether_packed_or_not():
    rng = np.random.default_rng(5)
    firm, start = rng.integers(0, 30, 5000), rng.integers(700_000, 700_030, 5000)
    want = np.lexsort((start, firm))                                     # stable: ties in input order
    order, firms, starts = _by_firm_and_start(firm, start)
    assert order.tolist() == want.tolist()
    assert firms.tolist() == firm[want].tolist() and starts.tolist() == start[want].tolist()
    # firms to 2^30 and days over 3M (31 + 22 + 13 bits): too wide to pack, the lexsort way
    wide_firm, wide_start = firm + (1 << 30), np.where(firm % 2 == 0, start, start - 690_000)
    want = np.lexsort((wide_start, wide_firm))
    order, firms, starts = _by_firm_and_start(wide_firm, wide_start + 2_900_000)
    assert order.tolist() == want.tolist() and firms.tolist() == wide_firm[want].tolist()


def test_no_live_firm_and_no_designation():
    empty = np.zeros(0, dtype=np.int64)
    got = Facts.from_columns(np.array([3]), np.array([1]), np.array([9]), np.array([OPEN_END]),
                             np.array([3]), np.array([7]), np.array([False]))
    assert len(got) == 0 and got.street_of.tolist() == [-1]
    assert len(Facts.from_columns(empty, empty, empty, empty, empty, empty, empty.astype(bool))) == 0
