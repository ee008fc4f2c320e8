"""The cohort table (binary searches over per-year slices, full medians reused) equals the former one
(tests/pipeline/cohorts_reference.py: every count and median counted afresh) on random ledgers full of
edge cases, for many as-of dates and every street."""
from datetime import date

import numpy as np
import pytest

from pipeline import forecast as fc
from pipeline.cohorts import km_median, pair_entries, table
from pipeline.facts import Facts
from pipeline.trend import SetIndex
from tests.pipeline import set_reference as ref
from tests.pipeline.cohorts_reference import km_medians, reference_table
from tests.pipeline.helpers import STREETS, random_facts

A, B, C = 1, 2, 3
DATES = [date(2012, 1, 1), date(2016, 2, 29), date(2016, 12, 31), date(2017, 1, 1), date(2018, 6, 30),
         date(2019, 12, 30), date(2020, 3, 1), date(2021, 7, 15), date(2022, 12, 31), date(2023, 1, 1),
         date(2024, 2, 29), date(2025, 6, 30), date(2025, 11, 15), date(2031, 1, 1), date(2045, 6, 1)]


@pytest.mark.parametrize("seed", range(6))
def test_table_equals_the_former_one(seed):
    facts = Facts.from_columns(*_columns(random_facts(seed)))
    checked = 0
    for a, b in ([A], [B]), ([B], [C]), ([A, B], [C]):
        p = pair_entries(SetIndex(facts, a), SetIndex(facts, b), facts.street_of, "a", "b")
        for street in (None, *STREETS):
            for d in DATES:
                for first in (None, d.year - 9):
                    got = table(p, d, street, first_year=first)
                    assert got == reference_table(p, d, street, first_year=first), (a, b, street, d, first)
                    checked += len(got)
    assert checked > 1000


def _columns(f: Facts):
    ids = np.arange(len(f.street_of), dtype=np.int64)
    return f.firm, f.stage, f.start, f.end, ids, f.street_of, np.ones(len(ids), dtype=bool)


def test_one_group_median_equals_the_grouped_one():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(0, 40))
        duration, event = rng.integers(0, 60, n), rng.random(n) < 0.6
        assert km_median(duration, event) == km_medians(np.zeros(n, dtype=np.int64), duration, event, 1)[0]


@pytest.mark.parametrize("seed", range(4))
def test_set_queries_equal_the_former_ones(seed):
    facts = Facts.from_columns(*_columns(random_facts(seed + 10)))
    ords = [d.toordinal() for d in DATES]
    for stages in ([A], [B], [C], [A, B], [A, B, C], [4]):
        ix = SetIndex(facts, stages)
        for first in ords:
            for last in ords + [first - 1, first]:
                assert np.array_equal(ix.gainers(first, last), ref.gainers(ix, first, last))
                assert np.array_equal(ix.gainers_to(first, last), ref.gainers(ix, first, last))
                assert np.array_equal(ix.ever(first, last), ref.ever(ix, first, last))
                assert np.array_equal(fc.known_holders(ix, last, first), ref.known_holders(ix, last, first))
            assert np.array_equal(ix.holders(first), ref.holders(ix, first))
        for year in range(2011, 2030):
            for d in DATES:
                ex = fc.expiries(ix, year, d)
                firms, end = ref.expiring(ix, year, d)
                assert np.array_equal(ex["firms"], firms) and np.array_equal(ex["last_day"], end - 1)
                done = ref.renewed(ix, firms, end, min(d.toordinal(), date(year, 12, 31).toordinal() + 1))
                assert np.array_equal(ex["renewed"], done)
                assert np.array_equal(ex["lapsed"], ~done & (end <= d.toordinal()))
                assert np.array_equal(ex["to_come"], ~done & (end > d.toordinal()))
