"""The quicker first compute (pipeline/trend.py SetIndex's packed merge and stage rows, pipeline/cohorts.py's
packed pair entries, pipeline/ahead.py's indexes, pairs and conversions built ahead on two threads) gives exactly
what the former builds gave (tests/pipeline/index_reference.py): every index and pair array with its dtype, every
figure and firm id of compute(), and state() (names, order, dtypes, values), on hypothesis ledgers, on odd values
that do not pack, and on a medium ledger of the bench generator; the threads end with compute() and pass their
errors on."""
from __future__ import annotations

import threading
from datetime import date
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import ahead as first_builds
from pipeline import cohorts, trend
from pipeline import dashboard as dash_module
from pipeline.cohorts import ENTRY_ARRAYS, pair_entries, years_of, years_of_sorted
from pipeline.dashboard import Dashboard
from pipeline.dates import OPEN_END
from pipeline.facts import Facts
from pipeline.trend import SetIndex
from tests.pipeline import index_reference as ref
from tests.pipeline.helpers import same

SETS = [(1,), (2,), (1, 2), (1, 3), (2, 3, 4), (1, 2, 3, 4), (1, 2, 4, 5, 7)]


@pytest.fixture(scope="module")
def parts(demo_db):
    from db import dashboard_queries as dq
    from db.ledger import Ledger
    with Ledger(demo_db, readonly=True) as led:
        return dq.load_facts(led.conn, led.path), led.catalog(), dq.all_targets(led.conn), led.streets()


def same_index(got: SetIndex, want: SetIndex) -> None:
    assert got.stage_ids == want.stage_ids
    for k in list(SetIndex.ARRAYS) + ["raw_pmax", "raw_key"]:
        a, b = getattr(got, k), getattr(want, k)
        assert a.dtype == b.dtype and a.tolist() == b.tolist(), k
    if got._pmax_key is not None:       # renewal_days' key, kept by the packed merge
        key = want.raw_firm.astype(np.int64) * (1 << 22) + want.raw_pmax
        assert got._pmax_key.dtype == key.dtype and got._pmax_key.tolist() == key.tolist()


def same_pair(got, want) -> None:
    for k in ENTRY_ARRAYS:
        a, b = getattr(got, k), getattr(want, k)
        assert a.dtype == b.dtype and a.tolist() == b.tolist() and a.flags.c_contiguous, k


def same_state(got: Dashboard, want: Dashboard) -> None:
    (gm, ga), (wm, wa) = got.state(), want.state()
    assert gm == wm
    assert list(ga) == list(wa)         # the same arrays under the same names, in the same order
    for k in wa:
        assert ga[k].dtype == wa[k].dtype and ga[k].tolist() == wa[k].tolist(), k


row = st.tuples(st.integers(0, 40) | st.integers(0, 3), st.integers(1, 7), st.integers(735000, 740500),
                st.one_of(st.just(-1), st.integers(0, 4000), st.just(OPEN_END)))


def facts_of(rows, presort: bool, streets=(-1, 10, 20)) -> Facts:
    firm = np.array([r[0] for r in rows], dtype=np.int32)
    stage = np.array([r[1] for r in rows], dtype=np.int32)
    start = np.array([r[2] for r in rows], dtype=np.int32)
    end = np.array([r[3] if r[3] in (-1, OPEN_END) else r[2] + r[3] for r in rows], dtype=np.int32)
    end = np.where(end == -1, start + 1, end).astype(np.int32)      # a one-day designation
    street_of = np.array([streets[i % len(streets)] for i in range(41)], dtype=np.int32)
    if presort:
        f = Facts.from_columns(firm, stage, start, end, np.arange(41), street_of, np.ones(41, dtype=bool))
        assert f.presorted
        return f
    return Facts(firm, stage, start, end, street_of)


@settings(max_examples=200, deadline=None)
@given(st.lists(row, max_size=120), st.booleans(), st.sampled_from([1, 2, 3, 7, 1 << 16]))
def test_indexes_and_pairs_equal_the_former_builds(rows, presort, block):
    """Seamless renewals, overlaps, duplicates, one-day and open designations, unsorted facts too; blocks of a
    few rows, so that spells and firms run across the blocks of the packed merge."""
    facts = facts_of(rows, presort)
    with mock.patch.object(trend, "BLOCK", block), mock.patch.object(cohorts, "BLOCK", block):
        built = {ids: SetIndex(facts, ids) for ids in SETS}
        pairs = [(a, b, pair_entries(built[a], built[b], facts.street_of)) for a, b in
                 [((1,), (2,)), ((1, 2), (2, 3, 4)), ((2, 3, 4), (1,)), ((1, 3), (1, 2, 4, 5, 7))]]
    for ids, ix in built.items():
        same_index(ix, ref.set_index(facts, ids))
    for a, b, got in pairs:
        same_pair(got, ref.pair_entries(built[a], built[b], facts.street_of))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 5), st.integers(1, 3), st.integers(-5, 5),
                          st.sampled_from([-2, 0, 3, (1 << 22) - 1, 1 << 22, (1 << 31) - 1])), max_size=40))
def test_odd_values_that_do_not_pack_take_the_plain_way(rows):
    """Negative firm ids and days, ends at or past 2^22: the spells and entries of the plain (former) way."""
    street_of = np.zeros(8, dtype=np.int32)
    firm, stage, start, end = (np.array([r[i] for r in rows], dtype=np.int32) for i in range(4))
    facts = Facts(firm, stage, start, end, street_of)
    for ids in [(1,), (1, 2), (1, 2, 3)]:
        same_index(SetIndex(facts, ids), ref.set_index(facts, ids))


def test_a_stage_column_of_another_dtype_and_ids_out_of_its_range():
    rows = [(1, 2, 10, 20), (1, 300, 15, 30), (2, 2, 5, 7), (3, 1, 1, 2)]
    street_of = np.zeros(4, dtype=np.int32)
    for dtype in (np.int8, np.int16, np.int64, np.uint16):
        firm, start, end = (np.array([r[i] for r in rows], dtype=np.int32) for i in (0, 2, 3))
        stage = np.array([r[1] % 128 for r in rows], dtype=dtype)
        facts = Facts(firm, stage, start, end, street_of)
        for ids in [(2,), (1, 2), (2, 44), (1, 2, 3, 9), (1000,), (2, 1 << 40)]:
            same_index(SetIndex(facts, ids), ref.set_index(facts, ids))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 800000), max_size=60))
def test_years_of_sorted_days_equal_years_of(days):
    d = np.sort(np.array(days, dtype=np.int64))
    assert same_arrays(years_of_sorted(d), years_of(d))


def same_arrays(a, b) -> bool:
    return a.dtype == b.dtype and a.tolist() == b.tolist()


def compare_dashboards(facts, catalog, targets, streets, year: int, dates) -> None:
    with mock.patch.object(dash_module, "AHEAD_ROWS", 0):
        new = Dashboard(facts, catalog, targets, streets)
        old = ref.ReferenceDashboard(facts, catalog, targets, streets)
        for as_of in dates:
            same(new.compute(year, as_of), old.compute(year, as_of), str(as_of))
            same_state(new, old)
        sid = streets[0][0]
        same(new.compute(year, dates[0], sid), old.compute(year, dates[0], sid))
        same(new.compute(year - 1, date(year - 1, 12, 31)), old.compute(year - 1, date(year - 1, 12, 31)))
        same_state(new, old)


@settings(max_examples=25, deadline=None)
@given(st.lists(row, max_size=150), st.booleans())
def test_compute_and_state_equal_the_former_builds(parts, rows, presort):
    _, catalog, targets, streets = parts
    stage_ids = sorted(s.id for s in catalog.stages)
    rows = [(f, stage_ids[s * 3 % len(stage_ids)], a, e) for f, s, a, e in rows]
    facts = facts_of(rows, presort, tuple(s for s, _ in streets[:3]) + (-1,))
    compare_dashboards(facts, catalog, targets, streets, 2024, [date(2024, 5, 31), date(2024, 12, 31)])


def bench_facts(catalog, streets, n: int) -> Facts:
    """The bench generator's designations of *n* firms (bench/generate.py), ends derived as its ledger does."""
    from bench import generate
    firm, keys, start, end = generate.designation_arrays(n)
    by_key = {s.key: s for s in catalog.stages}
    cache: dict = {}
    ends = end.copy()
    for i in np.flatnonzero(end < 0).tolist():
        k = (keys[i], int(start[i]))
        if k not in cache:
            e = by_key[keys[i]].end_for(date.fromordinal(k[1]))
            cache[k] = OPEN_END if e is None else e.toordinal()
        ends[i] = cache[k]
    ends[ends == date(9999, 12, 31).toordinal()] = OPEN_END
    stage = np.array([by_key[k].id for k in keys], dtype=np.int64)
    ids = np.arange(1, n + 1)
    street = np.array([streets[i % len(streets)][0] for i in range(n)])
    return Facts.from_columns(firm + 1, stage, start, ends, ids, street, np.ones(n, dtype=bool))


def test_a_medium_bench_ledger(parts):
    """12,000 firms of the bench generator (60k designations: every track, batches, renewals, tiers)."""
    _, catalog, targets, streets = parts
    facts = bench_facts(catalog, streets, 12_000)
    assert len(facts) > 50_000
    compare_dashboards(facts, catalog, targets, streets, 2025, [date(2025, 6, 30), date(2025, 2, 28)])


def test_the_builds_run_ahead_on_two_threads_that_end_with_compute(parts):
    """Every index and pair compute() takes was started on the pool's two threads (named dashboard-build) before it
    was asked for (here the district waits for them all), and none of those threads is left after compute."""
    facts, catalog, targets, streets = parts
    where: list[str] = []
    init, district = SetIndex.__init__, Dashboard._compute_district

    def spy(self, *args):
        where.append(threading.current_thread().name)
        init(self, *args)

    def after_the_builds(self, *args):
        assert self._ahead is not None
        for build in self._ahead._builds.values():
            assert build._done.wait(60)
        return district(self, *args)
    with mock.patch.object(dash_module, "AHEAD_ROWS", 0), mock.patch.object(SetIndex, "__init__", spy), \
            mock.patch.object(Dashboard, "_compute_district", after_the_builds):
        dash = Dashboard(facts, catalog, targets, streets)
        dash.compute(2024, date(2024, 5, 31))
    assert len(where) == len(dash._index) and {w.rsplit("_", 1)[0] for w in where} == {"dashboard-build"}
    assert dash._pairs
    assert not [t for t in threading.enumerate() if t.name.startswith("dashboard-build")]


def test_a_failed_build_raises_from_compute_and_leaves_no_thread(parts):
    facts, catalog, targets, streets = parts

    def boom(self, *args):
        raise RuntimeError("build failed")
    with mock.patch.object(dash_module, "AHEAD_ROWS", 0), mock.patch.object(SetIndex, "_merge_packed", boom):
        dash = Dashboard(facts, catalog, targets, streets)
        with pytest.raises(RuntimeError, match="build failed"):
            dash.compute(2024, date(2024, 5, 31))
    assert not [t for t in threading.enumerate() if t.name.startswith("dashboard-build")]
    assert dash._ahead is None
    same(dash.compute(2024, date(2024, 5, 31)), ref.ReferenceDashboard(facts, catalog, targets, streets).compute(
        2024, date(2024, 5, 31)))


def test_a_build_not_started_is_run_by_whoever_asks_and_errors_reach_them():
    """Both workers busy: the build queued behind them runs on the asking thread at once (no waiting for a queued
    build); a build given another build takes its result; an error is raised to the asker; close ends the pool."""
    release = threading.Event()
    ahead = first_builds.Ahead()
    try:
        busy = [ahead.submit(("busy", i), release.wait, 30) for i in range(2)]
        first = ahead.submit("first", lambda: threading.current_thread().name)
        second = ahead.submit("second", lambda name, x: (name, x + 1), first, 41)
        ahead.submit("bad", lambda: 1 / 0)
        assert ahead.take("second") == (threading.current_thread().name, 42)
        assert ahead.take("first") == threading.current_thread().name and ahead.take("first") is None
        with pytest.raises(ZeroDivisionError):
            ahead.take("bad")
        assert not release.is_set() and busy[0] is not second
    finally:
        release.set()
        ahead.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("dashboard-build")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9), st.booleans()), max_size=60),
       st.booleans(), st.sampled_from([1, 2, 3, 1 << 16]))
def test_first_or_last_kept_row_per_firm_block_by_block(rows, last, block):
    """SetIndex._per_firm's firms and days as the whole-array statement found them, whatever the blocks."""
    rows.sort(key=lambda r: (r[0], r[1]))
    firm = np.array([r[0] for r in rows], dtype=np.int32)
    day = np.array([r[1] for r in rows], dtype=np.int32)
    keep = np.array([r[2] for r in rows], dtype=bool)
    f, d = firm[keep], day[keep]
    pick = np.r_[f[1:] != f[:-1], True] if last else np.r_[True, f[1:] != f[:-1]]
    with mock.patch.object(trend, "BLOCK", block):
        got = trend._first_per_firm(firm, day, keep, last)
    assert same_arrays(got[0], f[pick] if len(f) else f) and same_arrays(got[1], d[pick] if len(f) else d)


def test_a_target_of_a_stage_not_in_the_catalog_is_left_to_the_view(parts):
    """Its set is not built ahead (the view reports the missing stage, as without the threads)."""
    import dataclasses
    facts, catalog, targets, streets = parts
    ind = next(i for i in targets[2024] if i.street_id is None)
    odd = {**targets, 2024: targets[2024] + [dataclasses.replace(ind, name="无此阶段", stages=("nope",)),
                                            dataclasses.replace(ind, name="无此前提", require=("nope",))]}
    compare_dashboards(facts, catalog, odd, streets, 2024, [date(2024, 5, 31)])
