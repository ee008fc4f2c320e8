"""A funnel conversion of a year for any as-of date: of the firms holding step A but not B at the end of the year
before (the base), those that gained the next step B since (converted) and those holding neither A nor any later step
on the as-of date (dropped), as ``pipeline.dashboard.Dashboard._funnel`` counted them with one bitmap of every
later step's holders per as-of date (pipeline.funnel.conversions is the plain statement).

``YearConversion`` keeps what does not depend on the as-of date: each base firm's first day of B after the
base day, and the stretches from the day after the base day on in which it held no step from A on (its gaps).
An as-of date is then one comparison over the firms that gain B and one over the gaps (a new as-of date on the
1M bench ledger: the funnels' conversions scattered 1.1M holders into a bitmap, two funnels about 15 ms CPU).
"""
from __future__ import annotations

import numpy as np

from pipeline.dates import OPEN_END
from pipeline.idsets import stable_order
from pipeline.trend import _SPAN, NEVER, SetIndex, _column, _first_per_firm


class YearConversion:
    def __init__(self, base: np.ndarray, day: int, nxt: SetIndex, later: list[SetIndex], gains=None) -> None:
        """*base*: the firms holding A on *day* (sorted ids), of which those holding B that day are left out (a
        firm already at B does not move up to it: pipeline.funnel.conversions); *nxt*: B's index; *later*: the
        indexes of A and every step after it; *gains*: ``nxt.gainers_from(day + 1)`` when it is already known."""
        at_b = np.unique(np.compress((nxt.start <= day) & (nxt.end > day), nxt.firm))
        base = np.setdiff1d(base, at_b.astype(base.dtype), assume_unique=True)
        self.day, self.base = day, base
        flags = np.zeros(max([int(base[-1]) + 1 if len(base) else 0] + [_top(ix) for ix in later + [nxt]]),
                         dtype=bool)
        flags[base.astype(np.intp)] = True
        firms, first = nxt.gainers_from(day + 1) if gains is None else gains    # per firm: its first spell of B

        mine = np.take(flags, firms)
        self.gain_firm = np.compress(mine, firms).astype(base.dtype)
        self.gain_day = np.compress(mine, first)
        self.gap_firm, self.gap_start, self.gap_end = _gaps(base, flags, day + 1, later)

    @classmethod
    def ahead(cls, day: int, *later: SetIndex) -> "YearConversion":
        """The conversion from step *later[0]* to *later[1]*, built without the indexes' caches (another thread
        builds it while the view fills them; pipeline.dashboard): the holders of A and B's gainers as
        ``SetIndex.holders`` and ``gainers_from`` find them, the same arrays."""
        a, nxt = later[0], later[1]
        base = np.compress((a.start <= day) & (a.end > day), a.firm)
        gains = _first_per_firm(nxt.firm, nxt.start, nxt.start >= day + 1, False)
        return cls(base, day, nxt, list(later), gains)

    ARRAYS = {"base": np.int32, "gain_firm": np.int32, "gain_day": np.int32, "gap_firm": np.int32,
              "gap_start": np.int64, "gap_end": np.int64}

    def arrays(self) -> dict[str, np.ndarray]:
        """What ``from_arrays`` takes back (pipeline.dashboard.Dashboard.state keeps it between runs)."""
        return {k: getattr(self, k) for k in self.ARRAYS}

    @classmethod
    def from_arrays(cls, day: int, arrays: dict[str, np.ndarray]) -> "YearConversion":
        """The year part ``arrays`` gave (ValueError or KeyError when they do not fit together)."""
        yc = cls.__new__(cls)
        yc.day = day
        for k, dtype in cls.ARRAYS.items():
            setattr(yc, k, _column(arrays[k], dtype))
        if len(yc.gain_firm) != len(yc.gain_day) or not len(yc.gap_firm) == len(yc.gap_start) == len(yc.gap_end):
            raise ValueError("YearConversion arrays of different lengths")
        return yc

    def converted(self, as_of: int) -> np.ndarray:
        """Base firms that gained B from the day after the base day to *as_of*."""
        return np.compress(self.gain_day <= as_of, self.gain_firm)

    def dropped(self, as_of: int) -> np.ndarray:
        """Base firms holding no step from A on, on *as_of* (after the base day, before OPEN_END)."""
        if not self.day < as_of < OPEN_END:
            raise ValueError("as-of date on or before the base day, or the last day there is")
        return np.compress((self.gap_start <= as_of) & (self.gap_end > as_of), self.gap_firm)


def _top(ix: SetIndex) -> int:
    return int(ix.firm[-1]) + 1 if len(ix.firm) else 0


def _gaps(base: np.ndarray, flags: np.ndarray, first: int, later: list[SetIndex]):
    """The stretches [start, end) from *first* on in which a base firm (flagged) holds none of the *later*
    indexes' spells, sorted by firm then start (a firm's are disjoint: at most one covers a day)."""
    parts = []
    for ix in later:
        keep = np.take(flags, ix.firm) & (ix.end > first)
        parts.append((np.compress(keep, ix.firm), np.maximum(np.compress(keep, ix.start), first),
                      np.compress(keep, ix.end)))
    firm = np.concatenate([p[0] for p in parts]).astype(np.int64)
    start = np.concatenate([p[1] for p in parts]).astype(np.int64)
    end = np.concatenate([p[2] for p in parts]).astype(np.int64)
    order = stable_order(firm * _SPAN + start)          # the stable argsort, as one packed sort (a timsort: 3x)
    firm, start, end = np.take(firm, order), np.take(start, order), np.take(end, order)
    # merge each firm's spells (touching ones too: held every day) as SetIndex does
    key = firm * _SPAN
    run = np.maximum.accumulate(key + end) if len(firm) else key
    fresh = np.ones(len(firm), dtype=bool)
    fresh[1:] = (run[:-1] - key[1:]) < start[1:]
    heads = np.flatnonzero(fresh)
    m_firm, m_start = np.take(firm, heads), np.take(start, heads)
    m_end = np.maximum.reduceat(end, heads) if len(heads) else end
    new_firm = np.ones(len(m_firm), dtype=bool)
    new_firm[1:] = m_firm[1:] != m_firm[:-1]
    before = np.empty(len(m_firm), dtype=np.int64)      # where the stretch before each merged spell starts
    before[:1] = first
    before[1:] = np.where(new_firm[1:], first, m_end[:-1])
    lead = m_start > before
    last = np.ones(len(m_firm), dtype=bool)
    last[:-1] = new_firm[1:]
    tail = last & (m_end < OPEN_END)         # an open spell: never a gap (as-of dates before OPEN_END)
    absent = np.ones(len(flags), dtype=bool)
    absent[m_firm.astype(np.intp)] = False
    none = np.compress(np.take(absent, base), base).astype(np.int64)     # no spell from *first* on: one gap
    g_firm = np.concatenate([np.compress(lead, m_firm), np.compress(tail, m_firm), none])
    g_start = np.concatenate([np.compress(lead, before), np.compress(tail, m_end), np.full(len(none), first)])
    g_end = np.concatenate([np.compress(lead, m_start), np.full(int(tail.sum()), NEVER), np.full(len(none), NEVER)])
    fits = len(g_start) == 0 or (int(g_start.min()) >= 0 and int(g_start.max()) < _SPAN)
    order = stable_order(g_firm * _SPAN + g_start) if fits else np.lexsort((g_start, g_firm))
    return np.take(g_firm, order).astype(base.dtype), np.take(g_start, order), np.take(g_end, order)
