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
from typing import Any

import numpy as np

from pipeline.dates import add_months
from pipeline.facts import Facts
from pipeline.idsets import span, stable_order

_SPAN = np.int64(1 << 22)      # > every ordinal we store (OPEN_END = 3652059)
NEVER = np.int64(1 << 40)      # a day after every day


def sorted_facts(facts: Facts) -> Facts:
    """The same facts ordered by (firm, start): every SetIndex taken from it skips its own sort."""
    order = np.lexsort((facts.start, facts.firm))
    out = Facts(facts.firm[order], facts.stage[order], facts.start[order], facts.end[order], facts.street_of)
    out.presorted = True
    return out


BLOCK = 1 << 16    # rows a pass over a stage set's designations takes at a time (its temporaries stay in cache)
class SetIndex:
    """Merged holding spells of one set of stages, sorted by (firm, start)."""

    _pmax_key: np.ndarray | None        # renewal_key()

    def __init__(self, facts: Facts, stage_ids) -> None:
        self.stage_ids = tuple(sorted(int(s) for s in stage_ids))
        self.street_of = facts.street_of
        self._caches()
        self._raw_key: np.ndarray | None = None         # built on first use (max_end_known): 8 bytes a designation
        self._raw_pmax: np.ndarray | None = None        # (max_end_known, renewal_days)
        self._packed = bool(len(facts)) and facts.keys_fit()
        cols = (facts.firm, facts.start, facts.end, facts.stage)
        mask = facts.stage_flags(self.stage_ids)
        if facts.presorted:
            firm, start, end, stage = _gather(mask, cols)
        else:
            rows = np.flatnonzero(mask)
            firm, start, end, stage = (np.take(a, rows) for a in cols)
            order = np.lexsort((start, firm))
            firm, start, end, stage = firm[order], start[order], end[order], stage[order]
        # the designations themselves, sorted (expiries and renewals need them)
        self.raw_firm, self.raw_start, self.raw_end, self.raw_stage = firm, start, end, stage
        if len(firm) and self._packed:
            self._merge_packed(firm, start, end)
        else:
            self._merge(firm, start, end)
        self._sorted_start = np.sort(self.start)
        self._sorted_end = np.sort(self.end)

    def _merge_packed(self, firm: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        """The spells, as ``_merge`` finds them, where every firm id and day is >= 0 and every end < 2^22: the
        running maximum of firm * 2^22 + end keeps the current firm in its high bits (keys ascend from one firm
        to the next), so its low bits are the firm's latest end so far; a row starts a spell when its firm changes
        or it starts after that end. Block by block, carrying the maximum over: fresh memory is most of a first
        build's cost (a page fault every 4 kB, 0.8 ms a MB on the bench VM), and ``_merge`` took 48 bytes a
        designation of it (``raw_key`` 8 more) where this takes one (the flags)."""
        n = len(firm)
        fresh = np.empty(n, dtype=bool)
        carry, low = np.int64(-1), np.int64(_SPAN - 1)
        for lo in range(0, n, BLOCK):
            hi = min(lo + BLOCK, n)
            run = firm[lo:hi].astype(np.int64)
            run <<= 22
            run += end[lo:hi]
            np.maximum.accumulate(run, out=run)
            np.maximum(run, carry, out=run)
            fresh[lo] = lo == 0 or firm[lo] != firm[lo - 1] or (carry & low) < start[lo]
            run &= low
            np.less(run[:-1], start[lo + 1:hi], out=fresh[lo + 1:hi])
            fresh[lo + 1:hi] |= firm[lo + 1:hi] != firm[lo:hi - 1]
            carry = np.maximum(carry, (np.int64(firm[hi - 1]) << 22) | run[-1])
        first = np.flatnonzero(fresh)
        if len(first) == n:                 # every designation its own spell: the same arrays (a yearly stage:
            self.firm, self.start, self.end = firm, start, end.astype(np.int32, copy=False)     # (2.4M of 科小)
            return
        self.firm = np.take(firm, first)
        self.start = np.take(start, first)
        self.end = np.maximum.reduceat(end, first).astype(np.int32, copy=False)

    def renewal_key(self) -> np.ndarray:
        """firm * 2^22 + the latest end so far of each designation (ascending): what ``renewal_days`` searches."""
        if self._pmax_key is None:
            if self._packed and len(self.raw_firm):
                run = self.raw_firm.astype(np.int64)
                run <<= 22
                run += self.raw_end
                self._pmax_key = np.maximum.accumulate(run, out=run)
            else:
                self._pmax_key = self.raw_firm.astype(np.int64) * _SPAN + self.raw_pmax
        return self._pmax_key

    def _merge(self, firm: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        """The spells of designations of any firm ids and days (``_merge_packed`` when they fit)."""
        n = len(firm)
        base = firm.astype(np.int64) * _SPAN         # the firm's part of every key, once
        if n:
            run = np.maximum.accumulate(base + end)
            self._raw_pmax = run - base
            prev = np.empty(n, dtype=np.int64)
            prev[0] = -1
            prev[1:] = run[:-1]
            fresh = (prev - base) < start
            first = np.flatnonzero(fresh)
            self.firm = firm[first]
            self.start = start[first]
            self.end = np.maximum.reduceat(end, first).astype(np.int32)
        else:
            self._raw_pmax = np.zeros(0, dtype=np.int64)
            self.firm = self.start = self.end = np.zeros(0, dtype=np.int32)

    def _caches(self) -> None:
        """The answers kept per day, year or key (none depends on an as-of date; see ``state``)."""
        self._holders: dict[int, np.ndarray] = {}
        self._firsts: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._years: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._by_street: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._end_order: tuple[np.ndarray, np.ndarray] | None = None
        self._lapsing: dict[int, np.ndarray] = {}               # pipeline/forecast.py's, per year
        self._expiring: dict[tuple, Any] = {}                   # pipeline/forecast.py's, per year (not kept)
        self._pmax_key = None
        self._renewal_rates: dict[tuple[int, date], float] = {}     # pipeline/forecast.py's, per year

    def __len__(self) -> int:
        return len(self.firm)

    # kept between runs (pipeline.dashboard.Dashboard.state) ---------------------------
    ARRAYS = {"raw_firm": np.int32, "raw_start": np.int32, "raw_end": np.int32, "raw_stage": np.int32,
              "firm": np.int32, "start": np.int32, "end": np.int32, "_sorted_start": np.int32,
              "_sorted_end": np.int32}

    @property
    def raw_key(self) -> np.ndarray:
        """firm * 2^22 + start of each designation (sorted): where a firm's designations start by a day."""
        if self._raw_key is None:
            self._raw_key = self.raw_firm.astype(np.int64) * _SPAN + self.raw_start
        return self._raw_key

    @property
    def raw_pmax(self) -> np.ndarray:
        """The latest end among the firm's designations so far (in start order): renewals in O(log n).
        Built on first use (max_end_known; not kept: 8 bytes a designation), from ``renewal_key`` when it fits."""
        if self._raw_pmax is None and self._packed and len(self.raw_firm):
            self._raw_pmax = self.renewal_key() & (_SPAN - 1)
        if self._raw_pmax is None:
            firm = self.raw_firm.astype(np.int64) * _SPAN
            self._raw_pmax = np.maximum.accumulate(firm + self.raw_end) - firm if len(firm) else firm
        return self._raw_pmax

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """What this index has built for every as-of date of a year (the spells, the year's spells and per-firm
        first days, the holders at a year's end, ...; not the answers for one as-of day): arrays by name, and
        the rest as JSON values. ``from_state`` gives an index that answers exactly as this one."""
        arrays = {k: getattr(self, k) for k in self.ARRAYS}
        for day, ids in self._holders.items():
            if date.fromordinal(day).timetuple()[1:3] == (12, 31):
                arrays[f"holders/{day}"] = ids          # a year's end (a base, a conversion's start), not an as-of day
        for year, cols in self._years.items():
            arrays.update({f"years/{year}/{i}": a for i, a in enumerate(cols)})
        for (kind, day), pair in self._firsts.items():
            arrays.update({f"firsts/{kind}/{day}/{i}": a for i, a in enumerate(pair)})
        for year, rows in self._lapsing.items():
            arrays[f"lapsing/{year}"] = rows
        if self._by_street is not None:
            arrays.update({f"by_street/{i}": a for i, a in enumerate(self._by_street)})
        if self._end_order is not None:
            arrays.update({f"end_order/{i}": a for i, a in enumerate(self._end_order)})
        rates = [[y, d.toordinal(), r] for (y, d), r in self._renewal_rates.items() if d == date(y, 1, 1)]
        return {"stage_ids": list(self.stage_ids), "renewal_rates": rates}, arrays

    @classmethod
    def from_state(cls, meta: dict, arrays: dict[str, np.ndarray], street_of: np.ndarray) -> "SetIndex":
        """The index ``state`` described (ValueError or KeyError when the arrays do not fit together)."""
        ix = cls.__new__(cls)
        ix.stage_ids = tuple(int(s) for s in meta["stage_ids"])
        ix.street_of = street_of
        for k, dtype in cls.ARRAYS.items():
            setattr(ix, k, _column(arrays[k], dtype))
        raw, spells = len(ix.raw_firm), len(ix.firm)
        if any(len(getattr(ix, k)) != raw for k in cls.ARRAYS if k.startswith("raw_")) or any(
                len(getattr(ix, k)) != spells for k in ("start", "end", "_sorted_start", "_sorted_end")):
            raise ValueError("SetIndex arrays of different lengths")
        ix._raw_key = ix._raw_pmax = None
        ix._packed = False
        ix._caches()
        parts: dict[tuple, dict[int, np.ndarray]] = {}
        for name, a in arrays.items():
            kind, _, rest = name.partition("/")
            if kind == "holders":
                ix._holders[int(rest)] = _column(a, np.int32)
            elif kind == "lapsing":
                ix._lapsing[int(rest)] = _column(a, np.intp)
            elif kind in ("years", "firsts", "by_street", "end_order"):
                *key, i = rest.split("/")
                parts.setdefault((kind, *key), {})[int(i)] = a
        for (kind, *key), cols in parts.items():
            got = tuple(cols[i] for i in range(len(cols)))
            if kind == "years" and len(got) == 3:
                ix._years[int(key[0])] = got
            elif kind == "firsts" and len(got) == 2:
                ix._firsts[(key[0], int(key[1]))] = got
            elif kind == "by_street" and len(got) == 3:
                streets, starts, ends = (_column(a, np.int32) for a in got)
                ix._by_street = (streets, starts, ends)
            elif kind == "end_order" and len(got) == 2 and len(got[0]) == len(got[1]) == raw:
                ix._end_order = (_column(got[0], np.intp), _column(got[1], np.int32))
            else:
                raise ValueError(f"SetIndex part {kind} of {len(got)} arrays")
        for y, d, r in meta["renewal_rates"]:
            ix._renewal_rates[(int(y), date.fromordinal(int(d)))] = float(r)
        return ix

    # firm ids (sorted, unique) ------------------------------------------------
    def holders(self, day: int) -> np.ndarray:
        hit = self._holders.get(day)
        if hit is None:
            if len(self._holders) > 6:
                self._holders.pop(next(iter(self._holders)))
            firm, start, end = self._spells_of_year(date.fromordinal(day).year)
            hit = self._holders[day] = np.compress((start <= day) & (end > day), firm)
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
            hit = self._years[year] = (np.take(self.firm, rows), np.take(self.start, rows), np.take(self.end, rows))
        return hit

    def gainers(self, first: int, last: int) -> np.ndarray:
        """Firms with a spell starting in [first, last]: those whose first spell start from *first*
        on is <= *last* (kept per *first*: a new as-of date moves only *last*)."""
        firms, day = self.gainers_from(first)
        return np.compress(day <= last, firms)

    def gainers_from(self, first: int) -> tuple[np.ndarray, np.ndarray]:
        """Per firm with a spell starting from *first* on (ascending): the first such start."""
        return self._per_firm(("from", first), lambda: (self.firm, self.start, self.start >= first, False))

    def gainers_to(self, first: int, last: int) -> np.ndarray:
        """``gainers`` kept per *last* instead: for many *first* with the same *last*."""
        firms, day = self._per_firm(("to", last), lambda: (self.firm, self.start, self.start <= last, True))
        return np.compress(day >= first, firms)

    def ever(self, first: int, last: int) -> np.ndarray:
        """Firms holding the set some day of [first, last] (none if last < first: ``indicators.ever_holders``):
        their first spell still running after *first* starts by *last*."""
        firms, day = self._per_firm(("ever", first), lambda: (self.firm, self.start, self.end > first, False))
        return np.compress(day <= last, firms) if last >= first else firms[:0]

    def known_holders(self, day: int, as_of: int) -> np.ndarray:
        """Firms whose designations starting by *as_of* cover *day* (*day* after *as_of*): the first
        designation of each firm that runs past *day* starts by *as_of*."""
        firms, start = self._per_firm(("known", day), lambda: (self.raw_firm, self.raw_start, self.raw_end > day,
                                                                False))
        return np.compress(start <= as_of, firms)

    def _per_firm(self, key: tuple, rows) -> tuple[np.ndarray, np.ndarray]:
        """Per firm (ascending) with a row kept: the day of its first (or last) kept row, rows being in
        (firm, day) order. *rows*: () -> (firm, day, keep, last). A few kept per index (as-of independent)."""
        hit = self._firsts.get(key)
        if hit is None:
            f, d = _first_per_firm(*rows())
            if len(self._firsts) > 7:
                self._firsts.pop(next(iter(self._firsts)))
            hit = self._firsts[key] = (f, d)
        return hit

    def rows_ending(self, first: int, last: int) -> np.ndarray:
        """Rows of the designations whose end is in [first, last], ascending (their order here): two binary
        searches in the ends sorted once per index (a due list looks 90 days ahead, not at every row)."""
        if self._end_order is None:
            order = stable_order(self.raw_end)
            self._end_order = (order, np.take(self.raw_end, order))
        order, ends = self._end_order
        lo, hi = span(ends, first, last)
        return np.sort(order[lo:hi])

    def max_end_known(self, firms: np.ndarray, limit: int) -> np.ndarray:
        """For each firm: the latest end of its designations of the set that start on or before
        *limit* (-1 when none)."""
        if len(self.raw_key) == 0 or len(firms) == 0:
            return np.full(len(firms), -1, dtype=np.int64)
        pos = np.searchsorted(self.raw_key, firms.astype(np.int64) * _SPAN + limit, side="right") - 1
        safe = np.maximum(pos, 0)
        return np.where((pos >= 0) & (np.take(self.raw_firm, safe) == firms), np.take(self.raw_pmax, safe), -1)

    def renewal_days(self, firms: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """For each of *firms* (with an end of *ends*): the start of its first designation (start order) by which
        the latest end so far passes that end, so that ``max_end_known(firm, limit) > end`` exactly when
        ``limit >= `` this day (the latest end so far only grows with the limit); NEVER when none does.
        One binary search per firm, once for every as-of date (pipeline.forecast.expiries)."""
        if len(self.raw_firm) == 0 or len(firms) == 0:
            return np.full(len(firms), NEVER, dtype=np.int64)
        key = self.renewal_key()
        pos = np.searchsorted(key, firms.astype(np.int64) * _SPAN + ends, side="right")
        safe = np.minimum(pos, len(key) - 1)
        found = (pos < len(key)) & (np.take(self.raw_firm, safe) == firms)
        return np.where(found, np.take(self.raw_start, safe).astype(np.int64), NEVER)

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

    def street_spells(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The spells' streets in (street, start) order, their starts in that order and their ends in (street,
        end) order: every street's stock series by binary searches (built once for every street, kept)."""
        if self._by_street is None:
            streets = np.take(self.street_of, self.firm) if len(self.firm) else np.zeros(0, np.int32)
            self._by_street = _by_street_and_day(streets, self.start, self.end)
        return self._by_street

    def _street_slices(self, street_id: int):
        st_sorted, starts, ends = self.street_spells()
        lo, hi = span(st_sorted, street_id, street_id)
        return starts[lo:hi], ends[lo:hi]   # both sorted by (street, day): same street bounds


def _first_per_firm(firm: np.ndarray, day: np.ndarray, keep: np.ndarray, last: bool):
    """``SetIndex._per_firm``'s firms and days: the kept rows, then each firm's first (or last) of them, block by
    block (whole-array temporaries were 40 MB for 4.3M designations of 累计培育, a page fault every 4 kB)."""
    fs, ds = [firm[:0]], [day[:0]]
    prev = None                         # the firm of the last kept row before this block
    for lo in range(0, len(firm), BLOCK * 4):
        k = keep[lo:lo + BLOCK * 4]
        f, d = np.compress(k, firm[lo:lo + BLOCK * 4]), np.compress(k, day[lo:lo + BLOCK * 4])
        if not len(f):
            continue
        if last:
            if prev is not None and f[0] == prev:       # the block before did not hold that firm's last row
                fs[-1], ds[-1] = fs[-1][:-1], ds[-1][:-1]
            pick = np.ones(len(f), dtype=bool)
            np.not_equal(f[1:], f[:-1], out=pick[:-1])
        else:
            pick = np.empty(len(f), dtype=bool)
            pick[0] = prev is None or f[0] != prev
            np.not_equal(f[1:], f[:-1], out=pick[1:])
        prev = f[-1]
        fs.append(np.compress(pick, f))
        ds.append(np.compress(pick, d))
    return np.concatenate(fs), np.concatenate(ds)


def _gather(mask: np.ndarray, cols) -> tuple[np.ndarray, ...]:
    """Each column's values where *mask* is set, in order (``np.compress``), the rows found block by block
    (``np.flatnonzero`` of the whole mask: 8 bytes a designation of the set, fresh)."""
    n = int(np.count_nonzero(mask))
    out = tuple(np.empty(n, dtype=c.dtype) for c in cols)
    at = 0
    step = BLOCK * 4
    for lo in range(0, len(mask), step):
        rows = np.flatnonzero(mask[lo:lo + step])
        for c, o in zip(cols, out, strict=True):
            np.take(c[lo:lo + step], rows, out=o[at:at + len(rows)], mode="clip")      # clip: no buffered copy
        at += len(rows)
    return out


def _by_street_and_day(streets: np.ndarray, start: np.ndarray, end: np.ndarray):
    """The spells' streets in (street, start) order, their starts in that order and their ends in (street, end)
    order: the values of two lexsorts, as two sorts of (street + 1) * 2^22 + day (0.05 s against 0.8 s for
    2M spells); the lexsorts when a street or a day does not fit."""
    if len(streets) == 0 or int(streets.min()) < -1 or int(start.min()) < 0 or int(end.max()) >= _SPAN:
        o_start, o_end = np.lexsort((start, streets)), np.lexsort((end, streets))
        return streets[o_start], start[o_start], end[o_end]
    small = int(streets.max()) < (1 << 9) - 1           # street + 1 and a day in 31 bits: int32 sorts, twice as fast
    street = (streets.astype(np.int32 if small else np.int64) + 1) << 22
    by_start, by_end = np.sort(street | start), np.sort(street | end)
    low = (1 << 22) - 1
    return ((by_start >> 22) - 1).astype(np.int32), (by_start & low).astype(np.int32), (by_end & low).astype(np.int32)


def _column(a: np.ndarray, dtype) -> np.ndarray:
    """*a* when it is a column of *dtype*, else ValueError (a kept state of another layout)."""
    if a.ndim != 1 or a.dtype != dtype:
        raise ValueError(f"expected a column of {np.dtype(dtype)}, got {a.dtype} {a.shape}")
    return a


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
    starts = [int(ix._sorted_start[0]) for ix in index_list if len(ix)]       # the spells' starts, sorted
    return date.fromordinal(min(starts)).year if starts else fallback
