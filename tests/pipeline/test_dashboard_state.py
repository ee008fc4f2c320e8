"""Dashboard.state / adopt: a dashboard that takes what an earlier run built from the same facts gives every
figure (and every firm id behind it) of one that builds everything itself, for any year, as-of date, street
and drill-down; what does not fit (another version, a missing or changed array) is refused whole."""
from datetime import date

import numpy as np
import pytest

from pipeline.dashboard import STATE_VERSION, Dashboard
from pipeline.facts import Facts
from tests.pipeline.helpers import random_facts, same

DATES = [date(2024, 1, 1), date(2024, 3, 31), date(2024, 6, 30), date(2024, 12, 31), date(2023, 7, 1),
         date(2025, 2, 28), date(2019, 12, 31), date(2023, 1, 1), date(2023, 12, 31)]


@pytest.fixture(scope="module")
def parts(demo_db):
    from db import dashboard_queries as dq
    from db.ledger import Ledger
    with Ledger(demo_db, readonly=True) as led:
        return dq.load_facts(led.conn, led.path), led.catalog(), dq.all_targets(led.conn), led.streets()


def as_kept(arrays: dict) -> dict:
    """The arrays as a later run reads them back: copies, read-only (db/array_file.py maps them so)."""
    out = {}
    for k, a in arrays.items():
        out[k] = a.copy()
        out[k].setflags(write=False)
    return out


def kept_and_fresh(facts, catalog, targets, streets, year=2024, as_of=date(2024, 5, 31)):
    first = Dashboard(facts, catalog, targets, streets)
    first.compute(year, as_of)
    meta, arrays = first.state()
    again = Dashboard(facts, catalog, targets, streets)
    assert again.adopt(meta, as_kept(arrays))
    return again, Dashboard(facts, catalog, targets, streets), (meta, arrays)


def check_every_view(kept, fresh, streets, years=(2024, 2023, 2025)):
    for year in years:
        for as_of in (d for d in DATES if d.year == year):      # a year's figures are as of a day of it
            for sid in [None] + [s for s, _ in streets[:3]]:
                same(kept.compute(year, as_of, sid), fresh.compute(year, as_of, sid), f"{year} {as_of} {sid}")
        mid = date(year, 6, 30)
        same(kept.compute(year, mid, due_days=400), fresh.compute(year, mid, due_days=400))
    for f in fresh.catalog.funnels:
        for i in range(len(f.steps) - 1):
            for window in (None, 1, 3):
                got = kept.cohort_firms(f.key, i, DATES[2], 2022, window, streets[0][0])
                assert got.tolist() == fresh.cohort_firms(f.key, i, DATES[2], 2022, window, streets[0][0]).tolist()


def test_a_kept_state_gives_every_figure_of_a_fresh_build(parts):
    facts, catalog, targets, streets = parts
    kept, fresh, (meta, arrays) = kept_and_fresh(*parts)
    assert meta["indexes"] and meta["pairs"] and meta["bases"] and meta["conversions"] and len(arrays) > 50
    check_every_view(kept, fresh, streets)
    for ind in targets[2024]:
        if ind.street_id is None:
            got = kept.street_firms(2024, DATES[2], ind.name, streets[1][0])
            assert got.tolist() == fresh.street_firms(2024, DATES[2], ind.name, streets[1][0]).tolist()


@pytest.mark.parametrize("seed", range(4))
def test_on_random_ledgers_full_of_edge_cases(parts, seed):
    """Seamless renewals, overlaps, open and far ends, batches on year ends, firms without a street."""
    _, catalog, targets, streets = parts
    raw = random_facts(seed, firms=300)
    ids = np.array(sorted({s.id for f in catalog.funnels for step in f.steps for s in
                           (catalog.stage(k) for k in step.stages)}), dtype=np.int32)
    stage = ids[(raw.stage.astype(np.int64) * 7919 + raw.firm) % len(ids)].astype(np.int32)
    street_of = np.array([-1] + [streets[i % 4][0] for i in range(300)], dtype=np.int32)
    facts = Facts(raw.firm, stage, raw.start, raw.end, street_of)
    kept, fresh, _ = kept_and_fresh(facts, catalog, targets, streets, 2024, date(2024, 2, 29))
    check_every_view(kept, fresh, streets[:2], years=(2024, 2025))


def test_another_as_of_date_of_the_year_adds_nothing_to_keep(parts):
    """What is kept is per year, not per as-of date: the next open of the unchanged ledger has nothing new to
    save (db/facts_cache.py writes the file again only when something is)."""
    kept, _, (_, arrays) = kept_and_fresh(*parts)
    for as_of in (date(2024, 6, 1), date(2024, 11, 30), date(2024, 12, 30)):
        kept.compute(2024, as_of)
    assert set(kept.state()[1]) == set(arrays)
    kept.compute(2025, date(2025, 3, 1))                # another year: its own parts, kept next time
    assert set(kept.state()[1]) > set(arrays)


def _drop(meta, arrays, name_start):
    return meta, {k: v for k, v in arrays.items() if not k.startswith(name_start)}


def _retype(meta, arrays, name):
    return meta, dict(arrays, **{name: arrays[name].astype(np.int64)})


def _shorten(meta, arrays, name):
    return meta, dict(arrays, **{name: arrays[name][:-1]})


def _version(meta, arrays, _):
    return dict(meta, version=STATE_VERSION + 1), arrays


def _other_stages(meta, arrays, _):
    pairs = [dict(p, stages=[[9999], p["stages"][1]]) for p in meta["pairs"]]
    return dict(meta, pairs=pairs), arrays


def _shorten_gaps(meta, arrays, _):
    name = next(k for k, a in arrays.items() if k.endswith("/gap_end") and len(a))
    return _shorten(meta, arrays, name)


def _other_later_stages(meta, arrays, _):
    conversions = [dict(c, stages=[[9999]] + c["stages"][1:]) for c in meta["conversions"]]
    return dict(meta, conversions=conversions), arrays


@pytest.mark.parametrize("spoil, arg", [(_version, None), (_drop, "ix0/firm"), (_drop, "pair1/"),
                                        (_drop, "base0"), (_retype, "ix1/raw_end"), (_shorten, "ix2/_sorted_end"),
                                        (_shorten, "pair0/gain"), (_shorten, "pair0/slices/0/reach1"),
                                        (_retype, "base0"), (_other_stages, None), (_drop, "conv1/"),
                                        (_shorten_gaps, None), (_retype, "conv2/gain_firm"),
                                        (_other_later_stages, None)])
def test_what_does_not_fit_is_refused_whole(parts, spoil, arg):
    facts, catalog, targets, streets = parts
    _, fresh, (meta, arrays) = kept_and_fresh(*parts)
    dash = Dashboard(facts, catalog, targets, streets)
    assert not dash.adopt(*spoil(meta, as_kept(arrays), arg))
    assert dash.state()[1] == {}                        # nothing taken: it builds everything itself
    same(dash.compute(2024, DATES[2]), fresh.compute(2024, DATES[2]))
