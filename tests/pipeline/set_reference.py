"""The set queries as pipeline/trend.py and pipeline/forecast.py answered them before they kept per-firm
first days per index: one pass over every spell or designation of the set for each as-of date (the
reference the new ones must equal)."""
from __future__ import annotations

from datetime import date

import numpy as np

from pipeline.dates import OPEN_END
from pipeline.trend import SetIndex


def dedupe_sorted(firms: np.ndarray) -> np.ndarray:
    if len(firms) < 2:
        return firms
    keep = np.empty(len(firms), dtype=bool)
    keep[0] = True
    np.not_equal(firms[1:], firms[:-1], out=keep[1:])
    return firms[keep]


def gainers(index: SetIndex, first: int, last: int) -> np.ndarray:
    return dedupe_sorted(index.firm[(index.start >= first) & (index.start <= last)])


def ever(index: SetIndex, first: int, last: int) -> np.ndarray:
    return dedupe_sorted(index.firm[(index.start <= last) & (index.end > first)])


def holders(index: SetIndex, day: int) -> np.ndarray:
    return index.firm[(index.start <= day) & (index.end > day)]


def known_holders(index: SetIndex, day: int, as_of: int) -> np.ndarray:
    if day <= as_of:
        return holders(index, day)
    return dedupe_sorted(index.raw_firm[(index.raw_start <= as_of) & (index.raw_end > day)])


def expiring(index: SetIndex, year: int, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """The firms of ``pipeline.forecast.expiries`` and their latest end, as it found them."""
    d = as_of.toordinal()
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    known = index.raw_start <= d
    lapse_day = index.raw_end.astype(np.int64) - 1
    mask = known & (index.raw_end != OPEN_END) & (lapse_day >= first) & (lapse_day <= last)
    firm, end = index.raw_firm[mask], index.raw_end[mask]
    if len(firm) == 0:
        return firm, end
    starts = np.flatnonzero(np.r_[True, firm[1:] != firm[:-1]])
    return firm[starts], np.maximum.reduceat(end, starts)
