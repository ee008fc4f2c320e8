"""How a SetIndex and a cohort pair's entries were built before the first compute was made quicker (a stage mask
per set, int64 keys, six gathers after the sort by day), and a Dashboard that builds everything that way on one
thread: the reference the new builds must equal, array for array (tests/pipeline/test_first_compute_same.py)."""
from __future__ import annotations

import numpy as np

from pipeline import cohorts as cohort_maths
from pipeline.cohorts import PairEntries, stable_order, years_of
from pipeline.dashboard import Dashboard
from pipeline.facts import Facts
from pipeline.trend import _SPAN, NEVER, SetIndex


def set_index(facts: Facts, stage_ids) -> SetIndex:
    ix = SetIndex.__new__(SetIndex)
    ix.stage_ids = tuple(sorted(int(s) for s in stage_ids))
    ix.street_of = facts.street_of
    rows = np.flatnonzero(np.isin(facts.stage, np.asarray(ix.stage_ids, dtype=np.int64)))
    firm, start, end, stage = (np.take(a, rows) for a in (facts.firm, facts.start, facts.end, facts.stage))
    if not facts.presorted:
        order = np.lexsort((start, firm))
        firm, start, end, stage = firm[order], start[order], end[order], stage[order]
    ix.raw_firm, ix.raw_start, ix.raw_end, ix.raw_stage = firm, start, end, stage
    ix._caches()
    ix._packed = False
    n = len(firm)
    base = firm.astype(np.int64) * _SPAN
    ix._raw_key = base + start
    if n:
        run = np.maximum.accumulate(base + end)
        ix._raw_pmax = run - base
        prev = np.empty(n, dtype=np.int64)
        prev[0] = -1
        prev[1:] = run[:-1]
        first = np.flatnonzero((prev - base) < start)
        ix.firm, ix.start = firm[first], start[first]
        ix.end = np.maximum.reduceat(end, first).astype(np.int32)
    else:
        ix._raw_pmax = np.zeros(0, dtype=np.int64)
        ix.firm = ix.start = ix.end = np.zeros(0, dtype=np.int32)
    ix._sorted_start, ix._sorted_end = np.sort(ix.start), np.sort(ix.end)
    return ix


def pair_entries(a: SetIndex, b: SetIndex, street_of: np.ndarray, step: str = "", next_step: str = "") -> PairEntries:
    firm: np.ndarray = a.firm
    day: np.ndarray = a.start.astype(np.int64)
    end: np.ndarray = a.end.astype(np.int64)
    ekey = firm.astype(np.int64) * _SPAN + day
    bkey = b.firm.astype(np.int64) * _SPAN + b.start
    n = len(firm)
    if len(bkey):
        idx = np.searchsorted(bkey, ekey, side="right")     # a B begun on the entry day: already (pipeline.cohorts)
        safe = np.minimum(idx, len(bkey) - 1)
        same = (idx < len(bkey)) & (b.firm[safe] == firm)
        gain = np.where(same, b.start[safe].astype(np.int64), NEVER)
        prev = np.maximum(idx - 1, 0)
        already = (idx > 0) & (b.firm[prev] == firm) & (b.end[prev] > day)
    else:
        gain, already = np.full(n, NEVER), np.zeros(n, dtype=bool)
    street = street_of[firm] if n else np.zeros(0, dtype=np.int32)
    order = stable_order(day)
    firm, street, day, already, gain, end = (x[order] for x in (firm, street, day, already, gain, end))
    return PairEntries(step, next_step, firm, street, day, years_of(day), already, gain, end)


class ReferenceDashboard(Dashboard):
    """Every index and pair built the former way, when first asked, on the calling thread."""

    def index(self, stage_keys) -> SetIndex:
        ids = tuple(sorted({self.catalog.stage(k).id for k in stage_keys}))
        ix = self._index.get(ids)
        if ix is None:
            ix = self._index[ids] = set_index(self.facts, ids)
        return ix

    def pair(self, funnel_key: str, i: int) -> cohort_maths.PairEntries:
        key = (funnel_key, i)
        p = self._pairs.get(key)
        if p is None:
            f = next(f for f in self.catalog.funnels if f.key == funnel_key)
            a, b = f.steps[i], f.steps[i + 1]
            p = self._pairs[key] = pair_entries(self.index(a.stages), self.index(b.stages), self.facts.street_of,
                                                a.name, b.name)
        return p

    def _start_ahead(self, year: int, as_of):
        return None
