"""The quicker as-of recompute and first street view give exactly what the former code gave
(tests/pipeline/set_reference.py): the expiries by month, the re-review due list, the trend's per-street spells
and a street's cohort entries, on random ledgers (hypothesis) full of renewals, overlaps and firms without a
street, for any as-of date, window and street."""
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import forecast as fc
from pipeline.cohorts import pair_entries
from pipeline.dates import OPEN_END
from pipeline.facts import Facts
from pipeline.streets import by_street
from pipeline.trend import SetIndex, _by_street_and_day
from tests.pipeline import set_reference as ref
from tests.pipeline.helpers import STREETS, random_facts

A, B, C = 1, 2, 3


def same_arrays(a, b) -> bool:
    return a.dtype == b.dtype and a.tolist() == b.tolist()


def same_rows(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        for k in g:
            assert same_arrays(g[k], w[k]) if isinstance(w[k], np.ndarray) else g[k] == w[k], k


def facts_of(seed: int, firms: int) -> Facts:
    f = random_facts(seed, firms)
    ids = np.arange(len(f.street_of), dtype=np.int64)
    return Facts.from_columns(f.firm, f.stage, f.start, f.end, ids, f.street_of, np.ones(len(ids), dtype=bool))


days = st.integers(date(2012, 1, 1).toordinal(), date(2031, 12, 31).toordinal()).map(date.fromordinal)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), firms=st.integers(1, 120), as_of=days, year=st.integers(2012, 2030),
       window=st.integers(0, 800), street=st.sampled_from((None, *STREETS)))
def test_expiries_by_month_and_the_due_list(seed, firms, as_of, year, window, street):
    facts = facts_of(seed, firms)
    indexes = [SetIndex(facts, s) for s in ([A], [B], [C], [A, B])]
    for ix in indexes:
        ex = fc.expiries(ix, year, as_of)
        keep = None if street is None else facts.street_of[ex["firms"]] == street
        same_rows(fc.by_month(ex, keep), ref.by_month(ex, keep))
    ends = np.unique(np.concatenate([ix.raw_end for ix in indexes]))[:: max(1, len(facts) // 20)]
    for day in [as_of] + [date.fromordinal(int(e) + k) for e in ends if e < 3_000_000 for k in (-1, 0, 1)]:
        for w in (window, int(ends[0]) - day.toordinal() - 1 if len(ends) else 0):   # a window ending on an end
            got, want = fc.due(indexes[:3], day, w), ref.due(indexes[:3], day, w)
            assert got.keys() == want.keys() and all(same_arrays(got[k], want[k]) for k in want)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), firms=st.integers(0, 150))
def test_per_street_spells_and_cohort_entries(seed, firms):
    facts = facts_of(seed, max(firms, 1))
    for a, b in (([A], [B]), ([A, B], [C]), ([C], [A])):
        ix = SetIndex(facts, a)
        got = _by_street_and_day(ix.street_of[ix.firm], ix.start, ix.end) if len(ix.firm) else None
        if got is not None:
            assert all(same_arrays(g, w) for g, w in zip(got, ref.street_slices(ix), strict=True))
        p = pair_entries(ix, SetIndex(facts, b), facts.street_of)
        for street in STREETS:
            q = p.of_street(street)
            mine = [q.firm, q.street, q.day, q.year, q.already, q.gain, q.end]
            assert all(same_arrays(g, w) for g, w in zip(mine, ref.of_street(p, street), strict=True))


def test_the_lexsorts_are_kept_where_a_street_or_a_day_does_not_fit():
    streets = np.array([3, -2, 3, 0], dtype=np.int32)
    start, end = np.array([5, 9, 1, 7], dtype=np.int32), np.array([8, 12, 4, 9], dtype=np.int32)
    got = _by_street_and_day(streets, start, end)
    assert [g.tolist() for g in got] == [[-2, 0, 3, 3], [9, 7, 1, 5], [12, 9, 4, 8]]


@settings(max_examples=100, deadline=None)
@given(ids=st.lists(st.integers(0, 60), unique=True), streets=st.lists(st.integers(-1, 9), min_size=61,
                                                                       max_size=61), size=st.integers(1, 12))
def test_firms_by_street(ids, streets, size):
    ids_a, street_of = np.array(sorted(ids), dtype=np.int32), np.array(streets, dtype=np.int32)
    want = np.zeros(size, dtype=np.int64)
    for s in street_of[ids_a]:
        if 0 <= s < size:
            want[s] += 1
    assert same_arrays(by_street(ids_a, street_of, size), want)


id_sets = st.lists(st.integers(0, 3000), unique=True, max_size=400).map(lambda x: np.array(sorted(x), np.int32))


@settings(max_examples=400, deadline=None)
@given(a=id_sets, b=id_sets, small=st.integers(0, 12), dtype=st.sampled_from([np.int32, np.int64]))
def test_intersect_and_setdiff_whatever_the_sizes(a, b, small, dtype):
    """Both ways (a bitmap, binary searches of a set FEW times smaller) give the former bitmap's result."""
    from pipeline.idsets import intersect, setdiff
    b = b.astype(dtype)
    for x, y in ((a, b), (b, a), (a, b[:small]), (b[:small], a), (a[:small], b), (b, a[:small])):
        assert same_arrays(intersect(x, y), ref.intersect(x, y))
        assert same_arrays(setdiff(x, y), ref.setdiff(x, y))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.integers(-(1 << 40), 1 << 40), max_size=300), few=st.integers(1, 5),
       dtype=st.sampled_from([np.int32, np.int64]))
def test_the_entries_order_is_the_stable_argsort(values, few, dtype):
    from pipeline.cohorts import stable_order
    for v in (np.array(values, dtype=np.int64), np.array([x % few for x in values], dtype=dtype),
              np.array([x >> 20 for x in values], dtype=dtype)):
        want = np.argsort(v, kind="stable")
        got = stable_order(v)
        assert got.dtype == want.dtype and got.tolist() == want.tolist()


@pytest.mark.parametrize("top", [0, 9, 510, 511, 5000])
def test_per_street_spells_packed_in_32_or_64_bits_equal_the_lexsorts(top):
    """Streets up to 510 are packed with the day in int32, higher ones in int64: the same as the lexsorts."""
    rng = np.random.default_rng(top)
    n = 3000
    streets = rng.integers(-1, top + 1, n).astype(np.int32)
    streets[0] = top
    start = rng.integers(700_000, 760_000, n).astype(np.int32)
    end = np.where(rng.random(n) < 0.3, OPEN_END, start + rng.integers(1, 900, n)).astype(np.int32)
    o_start, o_end = np.lexsort((start, streets)), np.lexsort((end, streets))
    got = _by_street_and_day(streets, start, end)
    assert [g.dtype for g in got] == [np.int32] * 3
    assert [g.tolist() for g in got] == [streets[o_start].tolist(), start[o_start].tolist(), end[o_end].tolist()]
