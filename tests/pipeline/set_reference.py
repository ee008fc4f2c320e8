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
    if last < first:            # an empty window (a 累计 from this year, at the end of the year before)
        return index.firm[:0]
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


def renewed(index: SetIndex, firms: np.ndarray, latest_end: np.ndarray, limit: int) -> np.ndarray:
    """Whether a designation of the firm starting by *limit* runs past its latest lapsing end (the former
    ``max_end_known(firms, limit) > latest_end`` of ``pipeline.forecast.expiries``), firm by firm."""
    out = np.zeros(len(firms), dtype=bool)
    for i, (f, e) in enumerate(zip(firms.tolist(), latest_end.tolist(), strict=True)):
        mine = (index.raw_firm == f) & (index.raw_start <= limit)
        out[i] = bool(mine.any()) and int(index.raw_end[mine].max()) > e
    return out


def by_month(ex: dict, keep: np.ndarray | None = None) -> list[dict]:
    """pipeline.forecast.by_month as it was: twelve passes, one a month."""
    firms, month = ex["firms"], ex["month"]
    sel_all = np.ones(len(firms), dtype=bool) if keep is None else keep
    out = []
    for m in range(1, 13):
        sel = sel_all & (month == m)
        out.append({"month": m, "expiring": int(sel.sum()), "renewed": int((sel & ex["renewed"]).sum()),
                    "lapsed": int((sel & ex["lapsed"]).sum()), "to_come": int((sel & ex["to_come"]).sum()),
                    "firm_ids": firms[sel], "to_come_ids": firms[sel & ex["to_come"]]})
    return out


def due(indexes: list[SetIndex], as_of: date, days: int) -> dict:
    """pipeline.forecast.due as it was: a pass over every designation of each stage."""
    d = as_of.toordinal()
    firms, stages, lasts = [], [], []
    for index in indexes:
        end = index.raw_end
        soon = (index.raw_start <= d) & (end > d) & (end <= d + days + 1) & (end != OPEN_END)
        f, e = index.raw_firm[soon], end[soon]
        keep = index.max_end_known(f, d) <= e
        firms.append(f[keep])
        lasts.append(e[keep].astype(np.int64) - 1)
        stages.append(index.raw_stage[soon][keep])
    if not firms:
        z = np.zeros(0, dtype=np.int32)
        return {"firm_ids": z, "stage": z, "last_day": z.astype(np.int64)}
    f, st, la = np.concatenate(firms), np.concatenate(stages), np.concatenate(lasts)
    order = np.lexsort((f, la))
    return {"firm_ids": f[order], "stage": st[order], "last_day": la[order]}


def street_slices(index: SetIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SetIndex's per-street order of spells as it was: two lexsorts."""
    streets = index.street_of[index.firm] if len(index.firm) else np.zeros(0, np.int32)
    o_start, o_end = np.lexsort((index.start, streets)), np.lexsort((index.end, streets))
    return streets[o_start], index.start[o_start], index.end[o_end]


def of_street(p, street_id: int) -> list[np.ndarray]:
    """A street's cohort entries as they were taken: a pass over all of them."""
    m = p.street == street_id
    return [x[m] for x in (p.firm, p.street, p.day, p.year, p.already, p.gain, p.end)]


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """pipeline.idsets.intersect as it was: always a bitmap over the id range."""
    if len(a) == 0 or len(b) == 0:
        return a[:0]
    flags = np.zeros(int(max(a[-1], b[-1])) + 1, dtype=bool)
    flags[b] = True
    return a[flags[a]]


def setdiff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0 or len(b) == 0:
        return a
    flags = np.zeros(int(max(a[-1], b[-1])) + 1, dtype=bool)
    flags[b] = True
    return a[~flags[a]]
