"""Stock over time: a per-stage-set index of merged holding spells, and month-end stock series.

``SetIndex`` is built once per set of stages from ``Facts`` and answers the
questions the dashboard asks for any day without touching the full arrays
again. A firm's designations of the set are merged into *spells*: maximal
runs of days on which it holds any of them (a seamless renewal, end == next
start, continues the spell). Spells of one firm never touch, so

- the holders on day D are the firms of the spells covering D (each once);
- a spell start is a gain (the firm did not hold the set the day before),
  which is exactly ``pipeline.indicators.gainers``;
- the stock on D is ``#(spell starts <= D) - #(spell ends <= D)``: two
  binary searches, which is what makes month-end series cheap.
"""
from __future__ import annotations

from datetime import date

import numpy as np

from pipeline.dates import add_months
from pipeline.facts import Facts

_SPAN = np.int64(1 << 22)      # > every ordinal we store (OPEN_END = 3652059)


def _dedupe_sorted(firms: np.ndarray) -> np.ndarray:
    """Unique values of an array whose equal values are contiguous and ascending."""
    if len(firms) < 2:
        return firms
    keep = np.empty(len(firms), dtype=bool)
    keep[0] = True
    np.not_equal(firms[1:], firms[:-1], out=keep[1:])
    return firms[keep]


class SetIndex:
    """Merged holding spells of one set of stages, sorted by (firm, start)."""

    def __init__(self, facts: Facts, stage_ids) -> None:
        self.stage_ids = tuple(sorted(int(s) for s in stage_ids))
        self.street_of = facts.street_of
        mask = facts.stage_mask(self.stage_ids)
        firm, start, end = facts.firm[mask], facts.start[mask], facts.end[mask]
        order = np.lexsort((start, firm))
        firm, start, end = firm[order], start[order], end[order]
        # the designations themselves, sorted (expiries and renewals need them)
        self.raw_firm, self.raw_start, self.raw_end = firm, start, end
        self.raw_stage = facts.stage[mask][order]
        n = len(firm)
        if n:
            keyed = firm.astype(np.int64) * _SPAN + end
            run = np.maximum.accumulate(keyed)
            prev = np.empty(n, dtype=np.int64)
            prev[0] = -1
            prev[1:] = run[:-1]
            fresh = (prev - firm.astype(np.int64) * _SPAN) < start
            first = np.flatnonzero(fresh)
            self.firm = firm[first]
            self.start = start[first]
            self.end = np.maximum.reduceat(end, first).astype(np.int32)
        else:
            self.firm = self.start = self.end = np.zeros(0, dtype=np.int32)
        self._sorted_start = np.sort(self.start)
        self._sorted_end = np.sort(self.end)
        self._by_street = None

    def __len__(self) -> int:
        return len(self.firm)

    # firm ids (sorted, unique) ------------------------------------------------
    def holders(self, day: int) -> np.ndarray:
        return self.firm[(self.start <= day) & (self.end > day)]

    def gainers(self, first: int, last: int) -> np.ndarray:
        return _dedupe_sorted(self.firm[(self.start >= first) & (self.start <= last)])

    def ever(self, first: int, last: int) -> np.ndarray:
        return _dedupe_sorted(self.firm[(self.start <= last) & (self.end > first)])

    # counts --------------------------------------------------------------------
    def count_on(self, days: np.ndarray, street_id: int | None = None) -> np.ndarray:
        """Stock on each day of *days* (ordinals), for the district or one street."""
        days = np.asarray(days, dtype=np.int32)
        if street_id is None:
            starts, ends = self._sorted_start, self._sorted_end
        else:
            starts, ends = self._street_slices(street_id)
        return (np.searchsorted(starts, days, side="right") - np.searchsorted(ends, days, side="right")).astype(np.int64)

    def _street_slices(self, street_id: int):
        if self._by_street is None:
            streets = self.street_of[self.firm] if len(self.firm) else np.zeros(0, np.int32)
            o_start = np.lexsort((self.start, streets))
            o_end = np.lexsort((self.end, streets))
            st_sorted = streets[o_start]
            self._by_street = (st_sorted, self.start[o_start], self.end[o_end])
        st_sorted, starts, ends = self._by_street
        lo, hi = np.searchsorted(st_sorted, street_id, "left"), np.searchsorted(st_sorted, street_id, "right")
        return starts[lo:hi], ends[lo:hi]   # both sorted by (street, day): same street bounds


def month_ends(first_year: int, last_day: date) -> list[date]:
    """The last day of every month from January of *first_year* up to *last_day* (and *last_day* itself
    when it is not a month end, so the series ends on the as-of date)."""
    out = []
    d = date(first_year, 1, 1)
    while True:
        nxt = add_months(d, 1)
        end = date.fromordinal(nxt.toordinal() - 1)
        if end > last_day:
            break
        out.append(end)
        d = nxt
    if not out or out[-1] != last_day:
        if last_day >= date(first_year, 1, 1):
            out.append(last_day)
    return out


def series(index: SetIndex, days: list[date], street_id: int | None = None) -> list[int]:
    ords = np.fromiter((d.toordinal() for d in days), np.int32, len(days))
    return [int(v) for v in index.count_on(ords, street_id)]


def first_year(index_list, fallback: int) -> int:
    """The year of the earliest spell over several indexes (the trend's left edge)."""
    starts = [int(ix.start.min()) for ix in index_list if len(ix)]
    return date.fromordinal(min(starts)).year if starts else fallback
