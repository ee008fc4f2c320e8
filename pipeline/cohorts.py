"""Cohorts: of the firms that entered a stage in year Y, who reached the next one, and how soon.

For a step A and the next step B of a funnel (both sets of stages):
- an *entry* into A is a gain of A (a spell start: the firm did not hold A
  the day before) on or before the as-of date; the cohort of year Y is the
  entries dated in Y (a firm entering twice in Y counts twice);
- firms that already held B on the day they entered A are left out of the
  cohort (``already``): they did not *reach* B from A (a B gained that very
  day too: both came at once);
- an entry *reached B within k years* when the firm gained B by the k-th
  anniversary of the entry (the same day k years later, 28 February for a
  29 February; the anniversary day counts: ``within``), on or before the
  as-of date. ``complete`` says whether every window of the cohort has
  elapsed by the as-of date; until then the share is a count so far;
- *time in stage* is the spell's length in days (entry to the first day no
  longer holding A); spells still running on the as-of date are censored
  there, and the median is the Kaplan-Meier median (None until half left).

``pair_entries`` does the as-of-independent work once (sorting, searching), ``YearSlices``
the per-year part of the table (built on the first table of a pair or street);
``table`` answers any as-of date and street with binary searches, counting afresh only
the medians the as-of date still censors (1M bench ledger, pyinstrument over the same three new
as-of dates: 190 ms a date with the former table, tests/pipeline/cohorts_reference.py, 20 ms now).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from pipeline.dates import OPEN_END
from pipeline.idsets import span, stable_order
from pipeline.trend import _SPAN, BLOCK, NEVER, SetIndex, _column

WINDOWS = (1, 2, 3)
_EPOCH = date(1970, 1, 1).toordinal()
ENTRY_ARRAYS = {"firm": np.int32, "street": np.int32, "day": np.int64, "year": np.int32, "already": np.bool_,
                "gain": np.int64, "end": np.int64}


@dataclass
class PairEntries:
    step: str
    next_step: str
    firm: np.ndarray         # int32, one row per entry into A (every spell of A)
    street: np.ndarray       # int32 street id of the firm
    day: np.ndarray          # int64 ordinal of the entry
    year: np.ndarray         # int32 calendar year of the entry
    already: np.ndarray      # bool: held B on the day of entry
    gain: np.ndarray         # int64 ordinal of the first gain of B on or after the entry (NEVER: none)
    end: np.ndarray          # int64 first day no longer holding A (OPEN_END when open)
    _slices: dict = field(default_factory=dict, repr=False)
    _streets: dict = field(default_factory=dict, repr=False)
    _street_rows: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def year_slices(self, windows: tuple = WINDOWS) -> "YearSlices":
        hit = self._slices.get(windows)
        if hit is None:
            hit = self._slices[windows] = YearSlices(self, windows)
        return hit

    def of_street(self, street_id: int) -> "PairEntries":
        """The entries of one street's firms (same order), kept for the next view of that street. Their rows are
        found once for every street; gathering every column once for every street (all streets' entries grouped
        by street) cost the first street view 0.5 s CPU on 1M firms, against 35 ms a street for its own rows."""
        hit = self._streets.get(street_id)
        if hit is None:
            order, streets = self._street_order()
            lo, hi = span(streets, street_id, street_id)
            rows = order[lo:hi]         # the street's entries, in their order here (a stable sort by street)
            firm, street, day, year, already, gain, end = (np.take(x, rows) for x in (
                self.firm, self.street, self.day, self.year, self.already, self.gain, self.end))
            hit = self._streets[street_id] = PairEntries(self.step, self.next_step, firm, street, day, year, already,
                                                         gain, end)
        return hit

    def _street_order(self) -> tuple[np.ndarray, np.ndarray]:
        """The entries' rows grouped by street (stable) and the streets in that order, once for every street
        (a street's entries were a pass over all of them: 7 pairs x 4.5M entries a street on 1M firms)."""
        if self._street_rows is None:
            street = self.street
            if len(street) and -1 <= int(street.min()) and int(street.max()) < 1 << 15:
                street = street.astype(np.int16)        # a radix sort
            order = np.argsort(street, kind="stable")
            self._street_rows = (order, np.take(self.street, order))
        return self._street_rows

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The entries and their year slices (not the streets' subsets), for ``from_state`` in another run."""
        arrays = {k: getattr(self, k) for k in ENTRY_ARRAYS}
        slices = []
        for n, (windows, ys) in enumerate(self._slices.items()):
            arrays.update({f"slices/{n}/{k}": a for k, a in ys.arrays().items()})
            slices.append({"windows": list(windows), "full_median": ys.full_median})
        return {"slices": slices}, arrays

    @classmethod
    def from_state(cls, meta: dict, arrays: dict[str, np.ndarray], step: str, next_step: str) -> "PairEntries":
        """The entries ``state`` described (ValueError or KeyError when the arrays do not fit together)."""
        cols = [_column(arrays[k], dtype) for k, dtype in ENTRY_ARRAYS.items()]
        if any(len(c) != len(cols[0]) for c in cols):
            raise ValueError("PairEntries arrays of different lengths")
        firm, street, day, year, already, gain, end = cols
        p = cls(step, next_step, firm, street, day, year, already, gain, end)
        for n, s in enumerate(meta["slices"]):
            mine = {k.split("/", 2)[2]: a for k, a in arrays.items() if k.startswith(f"slices/{n}/")}
            windows = tuple(int(k) for k in s["windows"])
            p._slices[windows] = YearSlices.from_arrays(p, windows, mine, s["full_median"])
        return p


def pair_entries(a: SetIndex, b: SetIndex, street_of: np.ndarray, step: str = "", next_step: str = "") -> PairEntries:
    """Every entry into A (a spell of *a*) with what B did around it, sorted by entry day (stable: ties in the
    spells' (firm, start) order, so an as-of date is a prefix). ``_entries_packed`` when the columns are int32
    and day and row fit in 63 bits (always in a ledger), else the plain way."""
    n = len(a.firm)
    cols = (a.firm, a.start, a.end, b.firm, b.start, b.end, street_of)
    if n and all(c.dtype == np.int32 for c in cols):
        low = int(a.start.min())
        row_bits, day_bits = (n - 1).bit_length(), (int(a.start.max()) - low).bit_length()
        if row_bits + day_bits <= 63:
            return _entries_packed(a, b, street_of, step, next_step, low, row_bits)
    return _entries_plain(a, b, street_of, step, next_step)


def _entries_packed(a: SetIndex, b: SetIndex, street_of: np.ndarray, step: str, next_step: str, low: int,
                    row_bits: int) -> PairEntries:
    """``_entries_plain``'s entries with one random gather instead of six. Sorting by day scatters the rows over
    the whole of each column (entries of a day belong to firms all over), so each gathered column cost a cache
    miss an entry: 2.4M entries of 科小, six columns in 275 ms of a 630 ms pair (1M bench ledger). Here firm, end,
    B's start and two flags travel as one 16-byte record (one miss), the day comes back from the sorted key
    itself, the year from the sorted days; block by block, so that the temporaries stay small (fresh memory costs
    a page fault every 4 kB: the searches' keys and positions, the sort's rows and the gathered records took
    16 + 16 + 24 bytes an entry)."""
    n, m = len(a.firm), len(b.firm)
    rec = np.empty((n, 4), dtype=np.int32)          # firm, end, B's next start, flags: 1 same firm, 2 already
    bkey = b.firm.astype(np.int64)
    bkey *= _SPAN
    bkey += b.start
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        firm, start, r = a.firm[lo:hi], a.start[lo:hi], rec[lo:hi]
        r[:, 0], r[:, 1] = firm, a.end[lo:hi]
        if not m:
            r[:, 2:] = 0
            continue
        key = firm.astype(np.int64)
        key *= _SPAN
        key += start
        idx = np.searchsorted(bkey, key, side="right")             # B's first spell after the entry day
        np.take(b.start, idx, out=r[:, 2], mode="clip")            # clip: idx == m reads the last
        same = np.take(b.firm, idx, mode="clip") == firm
        same &= idx < m
        idx -= 1                                                    # B's spell begun by the entry day
        already = np.take(b.firm, idx, mode="clip") == firm
        already &= np.take(b.end, idx, mode="clip") > start
        already &= idx >= 0
        r[:, 3] = already
        r[:, 3] <<= 1
        r[:, 3] |= same
    del bkey
    packed = a.start.astype(np.int64)               # stable_order's packed sort: (day - low) * 2^row_bits + row
    packed -= low
    packed <<= row_bits
    for lo in range(0, n, BLOCK):
        packed[lo:lo + BLOCK] |= np.arange(lo, min(lo + BLOCK, n), dtype=np.int64)
    packed.sort()
    firm, end, gain = np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    already = np.empty(n, dtype=bool)
    mask = np.int64((1 << row_bits) - 1)
    for lo in range(0, n, BLOCK):
        hi = min(lo + BLOCK, n)
        got = np.take(rec, packed[lo:hi] & mask, axis=0)
        firm[lo:hi], end[lo:hi] = got[:, 0], got[:, 1]
        gain[lo:hi] = np.where(got[:, 3] & 1 != 0, got[:, 2], NEVER)
        np.not_equal(got[:, 3] & 2, 0, out=already[lo:hi])
    del rec
    packed >>= row_bits
    packed += low                                   # the entry days, in order
    return PairEntries(step, next_step, firm, np.take(street_of, firm), packed, years_of_sorted(packed), already,
                       gain, end)


def _entries_plain(a: SetIndex, b: SetIndex, street_of: np.ndarray, step: str, next_step: str) -> PairEntries:
    firm: np.ndarray = a.firm
    day: np.ndarray = a.start.astype(np.int64)
    end: np.ndarray = a.end.astype(np.int64)
    ekey = firm.astype(np.int64) * _SPAN + day
    bkey = b.firm.astype(np.int64) * _SPAN + b.start
    n = len(firm)
    if len(bkey):
        idx = np.searchsorted(bkey, ekey, side="right")     # a spell of B begun on the entry day: already
        safe = np.minimum(idx, len(bkey) - 1)
        same = (idx < len(bkey)) & (b.firm[safe] == firm)
        gain = np.where(same, b.start[safe].astype(np.int64), NEVER)
        prev = np.maximum(idx - 1, 0)
        already = (idx > 0) & (b.firm[prev] == firm) & (b.end[prev] > day)
    else:
        gain, already = np.full(n, NEVER), np.zeros(n, dtype=bool)
    street = street_of[firm] if n else np.zeros(0, dtype=np.int32)
    order = stable_order(day)                       # by entry day: an as-of date is then a prefix
    firm, street, day, already, gain, end = (x[order] for x in (firm, street, day, already, gain, end))
    return PairEntries(step, next_step, firm, street, day, years_of(day), already, gain, end)


def years_of(ordinals: np.ndarray) -> np.ndarray:
    """Calendar year of each ordinal, vectorised through the ordinals of 1 January."""
    if len(ordinals) == 0:
        return np.zeros(0, dtype=np.int32)
    lo, hi = date.fromordinal(int(ordinals.min())).year, date.fromordinal(int(ordinals.max())).year
    starts = np.array([date(y, 1, 1).toordinal() for y in range(lo, hi + 2)], dtype=np.int64)
    return (lo + np.searchsorted(starts, ordinals, side="right") - 1).astype(np.int32)


def years_of_sorted(ordinals: np.ndarray) -> np.ndarray:
    """``years_of`` of ascending ordinals: where each year starts, by a binary search a year, and the years
    repeated (2.4M entry days: 34 ms for ``years_of``'s search of every day)."""
    if len(ordinals) == 0:
        return np.zeros(0, dtype=np.int32)
    lo, hi = date.fromordinal(int(ordinals[0])).year, date.fromordinal(int(ordinals[-1])).year
    starts = np.array([date(y, 1, 1).toordinal() for y in range(lo + 1, hi + 1)], dtype=np.int64)
    cuts = np.searchsorted(ordinals, starts, side="left")
    return np.repeat(np.arange(lo, hi + 1, dtype=np.int32), np.diff(np.r_[0, cuts, len(ordinals)]))


def anniversary_wait(day: np.ndarray, years: int) -> np.ndarray:
    """Days from each entry day (ordinals) to its *years*-th anniversary: the same day *years* later, the month's
    last day when it has no such day (29 February -> 28 February). Worked out once per day of the entries' span
    and looked up (1M entries: ~0.2 s of calendar arithmetic a window, made the street recompute 43 -> 144 ms)."""
    day = np.asarray(day, dtype=np.int64)
    if day.size == 0:
        return day.copy()
    lo, hi = int(day.min()), int(day.max())
    if hi - lo + 1 >= day.size:
        return _anniversary_wait(day, years)
    return _anniversary_wait(np.arange(lo, hi + 1, dtype=np.int64), years)[day - lo]


def _anniversary_wait(day: np.ndarray, years: int) -> np.ndarray:
    dt = (day - _EPOCH).astype("M8[D]")
    month = dt.astype("M8[M]")
    dom = (dt - month.astype("M8[D]")).astype(np.int64)
    target = month + np.timedelta64(12 * years, "M")
    last = ((target + np.timedelta64(1, "M")).astype("M8[D]") - target.astype("M8[D]")).astype(np.int64) - 1
    return (target.astype("M8[D]") - dt).astype(np.int64) + np.minimum(dom, last)


def within(day: np.ndarray, gain: np.ndarray, years: int) -> np.ndarray:
    """Whether each gain (ordinal; NEVER: none) falls by the *years*-th anniversary of its entry *day*, that day
    included (2019-03-01 -> 2020-03-01 is within one year though 366 days: a count of 365.25-day years left the
    anniversary out whenever a 29 February fell in the window)."""
    return np.asarray(gain) - np.asarray(day) <= anniversary_wait(day, years)


def table(p: PairEntries, as_of: date, street_id: int | None = None, windows=WINDOWS,
          first_year: int | None = None) -> list[dict]:
    """One row per entry year up to the as-of date: entered, already, size, reached/share per window,
    median days in stage (Kaplan-Meier). Firm ids: ``firms``. Binary searches in ``YearSlices``; a
    median is counted afresh only for a year whose spells the as-of date still censors."""
    d = as_of.toordinal()
    q = p if street_id is None else p.of_street(street_id)
    ys = q.year_slices(tuple(windows))
    rows: list[dict] = []
    for i, y in enumerate(ys.years):
        if first_year is not None and y < first_year:
            continue
        lo, hi = int(ys.bounds[i]), int(ys.bounds[i + 1])
        cut = lo + int(np.searchsorted(q.day[lo:hi], d, side="right"))
        if cut == lo:
            break               # entries are sorted by day: later years have none known either
        entered, already = cut - lo, int(ys.already_before[cut] - ys.already_before[lo])
        size = entered - already
        row: dict[str, Any] = {"step": p.step, "next": p.next_step, "year": y, "entered": entered,
                               "already": already, "size": size, "median_days": ys.median(q, i, cut, d),
                               "windows": []}
        for k, reach in zip(windows, ys.reach, strict=True):
            r = int(np.searchsorted(reach[lo:hi], d, side="right"))
            row["windows"].append({"years": k, "reached": r, "share": round(r / size, 4) if size else None,
                                   "complete": complete(y, k, d)})
        rows.append(row)
    return rows


def complete(year: int, k: int, d: int) -> bool:
    """Every entry of *year* has had its *k* years by day *d*: the window of the last (31 December) ends on its
    anniversary."""
    return d >= date(year + k, 12, 31).toordinal()


class YearSlices:
    """The as-of-independent part of the cohort table of one ``PairEntries`` (entries sorted by day):

    - ``bounds``: each entry year is the slice ``bounds[i]:bounds[i + 1]``;
    - ``already_before``: the running count of entries already at B (a year's count is a difference);
    - ``reach[k]``: per entry, the day it reached B within window k (NEVER when it did not, or was
      already at B), sorted within each year: the entries that reached B by the as-of date are the
      ones whose day is <= it, one binary search (reaching implies the entry itself is known);
    - ``full_median``: each year's Kaplan-Meier median with every end known (open ends censored). On an
      as-of date d the estimate equals it up to day t as long as no spell of the year is censored
      before t, that is t <= d - (the year's last entry day); so when the full median falls there, or
      every spell of the year has ended by d, the median is the full one and nothing is counted."""

    def __init__(self, p: PairEntries, windows: tuple) -> None:
        n = len(p.day)
        cuts = np.flatnonzero(p.year[1:] != p.year[:-1]) + 1 if n else np.zeros(0, dtype=np.int64)
        self.bounds = np.r_[0, cuts, n].astype(np.int64) if n else np.zeros(1, dtype=np.int64)
        self.years = [int(p.year[b]) for b in self.bounds[:-1]]
        self.already_before = np.r_[0, np.cumsum(p.already)]
        self.reach = [np.empty(n, dtype=np.int64) for _ in windows]
        for lo, hi in zip(self.bounds[:-1], self.bounds[1:], strict=True):
            gain, day = p.gain[lo:hi], p.day[lo:hi]
            fresh = ~p.already[lo:hi]
            for k, reach in zip(windows, self.reach, strict=True):
                # the year's gains within the window, sorted, then NEVER (each gain is a day, below NEVER): the
                # sort of the whole year's slice with NEVER for the others, over the gains alone (科小's: a few %)
                got = np.compress(fresh & within(day, gain, k), gain)
                got.sort()
                reach[lo:lo + len(got)] = got
                reach[lo + len(got):hi] = NEVER
        self.last_end: list[int] = []
        self._spans: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.full_median: list[float | None] = []
        for lo, hi in zip(self.bounds[:-1], self.bounds[1:], strict=True):
            day, end = p.day[lo:hi], p.end[lo:hi]
            ended = end < OPEN_END
            self.last_end.append(int(end.max()))
            duration = end - day
            cap = int(np.compress(ended, duration).max()) + 1 if ended.any() else 1
            self.full_median.append(km_median(np.where(ended, duration, cap), ended))

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"bounds": self.bounds, "already_before": self.already_before,
               "last_end": np.asarray(self.last_end, dtype=np.int64)}
        out.update({f"reach{i}": r for i, r in enumerate(self.reach)})
        return out

    @classmethod
    def from_arrays(cls, p: PairEntries, windows: tuple, arrays: dict[str, np.ndarray],
                    full_median: list) -> "YearSlices":
        """The slices ``arrays`` gave (with their full medians), checked against the entries *p*."""
        ys = cls.__new__(cls)
        ys.bounds, ys.already_before = _column(arrays["bounds"], np.int64), _column(arrays["already_before"], np.int64)
        ys.reach = [_column(arrays[f"reach{i}"], np.int64) for i in range(len(windows))]
        n, years = len(p.day), len(ys.bounds) - 1
        last_end = _column(arrays["last_end"], np.int64)
        if (years < 0 or int(ys.bounds[-1]) != n or len(ys.already_before) != n + 1 or len(last_end) != years
                or len(full_median) != years or any(len(r) != n for r in ys.reach)):
            raise ValueError("YearSlices arrays do not fit their entries")
        ys.years = [int(p.year[b]) for b in ys.bounds[:-1]]
        ys._spans = {}
        ys.last_end = [int(e) for e in last_end]
        ys.full_median = [None if m is None else float(m) for m in full_median]
        return ys

    def median(self, p: PairEntries, i: int, cut: int, d: int) -> float | None:
        """Median days in A of the entries ``bounds[i]:cut`` (those known on day *d*): over the year's distinct
        (entry day, end) with their counts, those of the known entries being the ones entered by *d*."""
        hi = int(self.bounds[i + 1])
        full = self.full_median[i]
        if cut == hi and (self.last_end[i] <= d or (full is not None and full <= d - int(p.day[hi - 1]))):
            return full
        day, end, count = self.spans(p, i)
        k = len(day) if cut == hi else int(np.searchsorted(day, d, side="right"))
        day, end, count = day[:k], end[:k], count[:k]
        event = end <= d
        duration = np.minimum(end, d + 1) - day         # censored the day after d
        width = int(duration.max()) + 1
        total = np.bincount(duration, weights=count, minlength=width).astype(np.int64)
        events = np.bincount(np.compress(event, duration), weights=np.compress(event, count),
                             minlength=width).astype(np.int64)
        return _km(total, events)

    def spans(self, p: PairEntries, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The distinct (entry day, end) of year *i*'s entries in that order, and how many entries have each
        (kept per year: entries come in batches, so a few hundred pairs stand for 470k entries, 1M bench ledger;
        a median the as-of date censors is counted over these)."""
        hit = self._spans.get(i)
        if hit is None:
            lo, hi = int(self.bounds[i]), int(self.bounds[i + 1])
            keys, count = np.unique(p.day[lo:hi] * _SPAN + p.end[lo:hi], return_counts=True)
            day, end = np.divmod(keys, _SPAN)
            hit = self._spans[i] = (day, end, count)
        return hit


def firms(p: PairEntries, as_of: date, year: int, window: int | None = None,
          street_id: int | None = None) -> np.ndarray:
    """The firms of the cohort of *year* (or those that reached the next step within *window* years)."""
    d = as_of.toordinal()
    m = (p.year == year) & (p.day <= d) & ~p.already
    if street_id is not None:
        m &= p.street == street_id
    if window is not None:
        m &= (p.gain <= d) & within(p.day, p.gain, window)
    return np.unique(p.firm[m])


def km_median(duration: np.ndarray, event: np.ndarray) -> float | None:
    """``km_medians`` of one group (the same counts and products, without the group keys)."""
    duration, event = np.asarray(duration, dtype=np.int64), np.asarray(event, dtype=bool)
    if len(duration) == 0:
        return None
    width = int(duration.max()) + 1
    return _km(np.bincount(duration, minlength=width), np.bincount(np.compress(event, duration), minlength=width))


def _km(total: np.ndarray, events: np.ndarray) -> float | None:
    """The Kaplan-Meier median from the number of spells of each length (*total*) and how many of them ended
    then (*events*): the first length at which the survival is at most one half."""
    at_risk = total[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events / np.maximum(at_risk, 1), 1.0)
    hit = np.flatnonzero(np.cumprod(factor) <= 0.5)
    return float(hit[0]) if len(hit) else None
