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


def sorted_facts(facts: Facts) -> Facts:
    """The same facts ordered by (firm, start): every SetIndex taken from it skips its own sort."""
    order = np.lexsort((facts.start, facts.firm))
    out = Facts(facts.firm[order], facts.stage[order], facts.start[order], facts.end[order], facts.street_of)
    out.presorted = True
    return out


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted unique ids in both (a and b sorted unique), through a bitmap over the id range."""
    if len(a) == 0 or len(b) == 0:
        return a[:0]
    flags = np.zeros(int(max(a[-1], b[-1])) + 1, dtype=bool)
    flags[b] = True
    return a[flags[a]]


def setdiff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted unique ids of a not in b (a and b sorted unique)."""
    if len(a) == 0 or len(b) == 0:
        return a
    flags = np.zeros(int(max(a[-1], b[-1])) + 1, dtype=bool)
    flags[b] = True
    return a[~flags[a]]


class SetIndex:
    """Merged holding spells of one set of stages, sorted by (firm, start)."""

    def __init__(self, facts: Facts, stage_ids) -> None:
        self.stage_ids = tuple(sorted(int(s) for s in stage_ids))
        self.street_of = facts.street_of
        mask = facts.stage_mask(self.stage_ids)
        firm, start, end = facts.firm[mask], facts.start[mask], facts.end[mask]
        stage = facts.stage[mask]
        if not facts.presorted:
            order = np.lexsort((start, firm))
            firm, start, end, stage = firm[order], start[order], end[order], stage[order]
        # the designations themselves, sorted (expiries and renewals need them)
        self.raw_firm, self.raw_start, self.raw_end, self.raw_stage = firm, start, end, stage
        self._holders: dict[int, np.ndarray] = {}
        self._firsts: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._years: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        n = len(firm)
        self.raw_key = firm.astype(np.int64) * _SPAN + start
        if n:
            keyed = firm.astype(np.int64) * _SPAN + end
            run = np.maximum.accumulate(keyed)
            # the latest end among the firm's designations so far (in start order): renewals in O(log n)
            self.raw_pmax = run - firm.astype(np.int64) * _SPAN
            prev = np.empty(n, dtype=np.int64)
            prev[0] = -1
            prev[1:] = run[:-1]
            fresh = (prev - firm.astype(np.int64) * _SPAN) < start
            first = np.flatnonzero(fresh)
            self.firm = firm[first]
            self.start = start[first]
            self.end = np.maximum.reduceat(end, first).astype(np.int32)
        else:
            self.raw_pmax = np.zeros(0, dtype=np.int64)
            self.firm = self.start = self.end = np.zeros(0, dtype=np.int32)
        self._sorted_start = np.sort(self.start)
        self._sorted_end = np.sort(self.end)
        self._by_street: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.firm)

    # firm ids (sorted, unique) ------------------------------------------------
    def holders(self, day: int) -> np.ndarray:
        hit = self._holders.get(day)
        if hit is None:
            if len(self._holders) > 6:
                self._holders.pop(next(iter(self._holders)))
            firm, start, end = self._spells_of_year(date.fromordinal(day).year)
            hit = self._holders[day] = firm[(start <= day) & (end > day)]
        return hit

    def _spells_of_year(self, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The spells running some day of *year* (firm, start, end; same order): a day's holders are
        among them, and a spell that ended years ago is no longer looked at."""
        hit = self._years.get(year)
        if hit is None:
            first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            rows = np.flatnonzero((self.start <= last) & (self.end > first))
            if len(self._years) > 2:
                self._years.pop(next(iter(self._years)))
            hit = self._years[year] = (self.firm[rows], self.start[rows], self.end[rows])
        return hit

    def gainers(self, first: int, last: int) -> np.ndarray:
        """Firms with a spell starting in [first, last]: those whose first spell start from *first*
        on is <= *last* (kept per *first*: a new as-of date moves only *last*)."""
        firms, day = self._per_firm(("from", first), lambda: (self.firm, self.start, self.start >= first, False))
        return firms[day <= last]

    def gainers_to(self, first: int, last: int) -> np.ndarray:
        """``gainers`` kept per *last* instead: for many *first* with the same *last*."""
        firms, day = self._per_firm(("to", last), lambda: (self.firm, self.start, self.start <= last, True))
        return firms[day >= first]

    def ever(self, first: int, last: int) -> np.ndarray:
        """Firms holding the set some day of [first, last]: their first spell still running after *first*
        starts by *last*."""
        firms, day = self._per_firm(("ever", first), lambda: (self.firm, self.start, self.end > first, False))
        return firms[day <= last]

    def known_holders(self, day: int, as_of: int) -> np.ndarray:
        """Firms whose designations starting by *as_of* cover *day* (*day* after *as_of*): the first
        designation of each firm that runs past *day* starts by *as_of*."""
        firms, start = self._per_firm(("known", day), lambda: (self.raw_firm, self.raw_start, self.raw_end > day,
                                                                False))
        return firms[start <= as_of]

    def _per_firm(self, key: tuple, rows) -> tuple[np.ndarray, np.ndarray]:
        """Per firm (ascending) with a row kept: the day of its first (or last) kept row, rows being in
        (firm, day) order. *rows*: () -> (firm, day, keep, last). A few kept per index (as-of independent)."""
        hit = self._firsts.get(key)
        if hit is None:
            firm, day, keep, last = rows()
            f, d = firm[keep], day[keep]
            if len(f):
                change = f[1:] != f[:-1]
                pick = np.flatnonzero(np.r_[change, True] if last else np.r_[True, change])
                f, d = f[pick], d[pick]
            if len(self._firsts) > 7:
                self._firsts.pop(next(iter(self._firsts)))
            hit = self._firsts[key] = (f, d)
        return hit

    def max_end_known(self, firms: np.ndarray, limit: int) -> np.ndarray:
        """For each firm: the latest end of its designations of the set that start on or before
        *limit* (-1 when none)."""
        if len(self.raw_key) == 0 or len(firms) == 0:
            return np.full(len(firms), -1, dtype=np.int64)
        pos = np.searchsorted(self.raw_key, firms.astype(np.int64) * _SPAN + limit, side="right") - 1
        safe = np.maximum(pos, 0)
        return np.where((pos >= 0) & (self.raw_firm[safe] == firms), self.raw_pmax[safe], -1)

    # counts --------------------------------------------------------------------
    def count_on(self, days: np.ndarray, street_id: int | None = None) -> np.ndarray:
        """Stock on each day of *days* (ordinals), for the district or one street."""
        days = np.asarray(days, dtype=np.int32)
        if street_id is None:
            starts, ends = self._sorted_start, self._sorted_end
        else:
            starts, ends = self._street_slices(street_id)
        return (np.searchsorted(starts, days, side="right") - np.searchsorted(ends, days, side="right")).astype(
            np.int64
        )

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
