"""Expiries, renewals, the year-end forecast and the re-review (复审/复核) due list.

Only what the ledger knew on the as-of date counts: designations that start
on or before it. A designation *lapses* on its last day held (end - 1, the
end being exclusive), so a certificate held through 2023-12-31 lapses in
December 2023.

- expiries of year Y: the firms with a designation of the set whose last day
  falls in Y (a firm once, at its latest such day);
- *renewed*: the firm has another known designation of the set that starts
  by 1 January of Y+1 and runs past that day (a seamless renewal, a
  re-recognition after a gap, or an overlapping higher stage of the set);
- *lapsed*: not renewed and the last day is before the as-of date;
  *to come*: not renewed and still held on the as-of date;
- year-end forecast: ``floor`` = firms whose known designations already
  cover 31 December (the lapses still to come taken off); ``expected_renewals``
  = the lapses still to come times the set's renewal rate (the share of the
  previous year's lapses that were renewed; most certificates are
  re-recognised in the same batch they lapse in, so counting every lapse to
  come as lost would forecast a collapse); ``expected_gains`` = the firms that
  gained the set in the same remaining stretch of the previous year
  (recognition batches are seasonal, so last year's pace is a better guess
  than a straight line); ``projected`` = floor + expected renewals + expected
  gains (for 存量 and 净增; 新增 and 累计 keep what is counted, and a seamless
  renewal is not new).
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from pipeline.dates import OPEN_END
from pipeline.idsets import intersect, setdiff
from pipeline.trend import SetIndex


def _max_end_per_firm(index: SetIndex, rows: np.ndarray):
    firm, end = np.take(index.raw_firm, rows), np.take(index.raw_end, rows)
    if len(firm) == 0:
        return firm, end
    starts = np.flatnonzero(np.r_[True, firm[1:] != firm[:-1]])
    return firm[starts], np.maximum.reduceat(end, starts)


def expiries(index: SetIndex, year: int, as_of: date) -> dict:
    """Lapses of *year* by month with renewals so far; firm ids for every figure."""
    d = as_of.toordinal()
    last = date(year, 12, 31).toordinal()
    firms, latest_end, month, renew_day = _lapsing_firms(index, year, d)
    renewed = renew_day <= min(d, last + 1)
    lapsed = ~renewed & (latest_end <= d)
    to_come = ~renewed & ~lapsed
    return {"year": year, "firms": firms, "month": month, "last_day": latest_end - 1,
            "renewed": renewed, "lapsed": lapsed, "to_come": to_come}


def _lapsing_firms(index: SetIndex, year: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The firms with a designation known on day *d* lapsing in *year*, the latest end of those, its month, and
    the day from which each firm counts as renewed (``renewal_days``). Every date on or after the last start of
    the year's lapsing designations knows them all: one entry serves every such as-of date (a year's
    certificates lapsing started years before), the others are kept per date."""
    rows = _lapsing_in(index, year)
    cache = index._expiring
    top = cache.get(("top", year))
    if top is None:
        top = cache[("top", year)] = int(np.take(index.raw_start, rows).max()) if len(rows) else d
    key = (year, min(d, top))
    hit = cache.get(key)
    if hit is None:
        firms, latest_end = _max_end_per_firm(index, np.compress(np.take(index.raw_start, rows) <= d, rows))
        dated = [k for k in cache if k[0] != "top"]
        if len(dated) > 6:
            cache.pop(dated[0])
        hit = cache[key] = (firms, latest_end, _months(latest_end - 1), index.renewal_days(firms, latest_end))
    return hit


def _lapsing_in(index: SetIndex, year: int) -> np.ndarray:
    """Rows of the index's designations whose last day held falls in *year* (kept per index and year)."""
    cache = index._lapsing
    rows = cache.get(year)
    if rows is None:
        first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        lapse_day = index.raw_end.astype(np.int64) - 1
        rows = cache[year] = np.flatnonzero((index.raw_end != OPEN_END) & (lapse_day >= first) & (lapse_day <= last))
    return rows


def by_month(ex: dict, keep: np.ndarray | None = None) -> list[dict]:
    """The expiries table: per month the firms expiring, renewed, lapsed and still to come.
    *keep*: a boolean over ``ex["firms"]`` (one street). The firms of each month in ascending order: a
    stable sort by month of the firms kept (one sort, not twelve passes)."""
    firms, month = ex["firms"], ex["month"]
    rows = np.arange(len(firms)) if keep is None else np.flatnonzero(keep)
    m = np.take(month, rows)
    counts = {k: np.bincount(np.compress(np.take(ex[k], rows), m), minlength=13)
              for k in ("renewed", "lapsed", "to_come")}
    expiring = np.bincount(m, minlength=13)
    listed = _split_by_month(firms, rows, m, expiring)
    soon = np.compress(np.take(ex["to_come"], rows), rows)
    to_come = _split_by_month(firms, soon, np.take(month, soon), counts["to_come"])
    return [{"month": k, "expiring": int(expiring[k]), "renewed": int(counts["renewed"][k]),
             "lapsed": int(counts["lapsed"][k]), "to_come": int(counts["to_come"][k]),
             "firm_ids": listed[k - 1], "to_come_ids": to_come[k - 1]} for k in range(1, 13)]


def _split_by_month(firms: np.ndarray, rows: np.ndarray, month: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """The firms of *rows* (ascending) month by month, January first, each month's in the order of *rows*."""
    order = np.argsort(month.astype(np.int8), kind="stable")        # months 1-12: a radix sort
    ordered = np.take(firms, np.take(rows, order))
    return np.split(ordered, np.cumsum(counts[1:13])[:-1])


def _months(ordinals: np.ndarray) -> np.ndarray:
    if len(ordinals) == 0:
        return np.zeros(0, dtype=np.int32)
    y = date.fromordinal(int(ordinals.min())).year
    edges = np.array([date(y + (m - 1) // 12, (m - 1) % 12 + 1, 1).toordinal() for m in range(1, 26)])
    return ((np.searchsorted(edges, ordinals, side="right") - 1) % 12 + 1).astype(np.int32)


def known_holders(index: SetIndex, day: int, as_of: int) -> np.ndarray:
    """Firms whose designations known on *as_of* cover *day*."""
    if day <= as_of:
        return index.holders(day)
    return index.known_holders(day, as_of)


def _same_day_last_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:          # 29 February
        return d.replace(year=d.year - 1, day=28)


def expected_gains(index: SetIndex, year: int, as_of: date, require: SetIndex | None = None) -> np.ndarray:
    """Last year's gainers of the stretch of the year still to come (the forecast's guess): from the day after
    the as-of date's own date last year (as of 2024-02-28 that is 2023-03-01, not 2023-02-28, whose counterpart
    is already counted; as of 2025-02-28, 2024-02-29 comes after it) to last year's 31 December."""
    if as_of >= date(year, 12, 31):
        return np.zeros(0, dtype=np.int32)
    a = max(_same_day_last_year(as_of) + timedelta(days=1), date(year - 1, 1, 1))
    b = date(year - 1, 12, 31)
    ids = index.gainers_to(a.toordinal(), b.toordinal())
    if require is not None:
        ids = intersect(ids, require.holders(b.toordinal()))
    return ids


RENEWAL_SAMPLE = 5     # lapses a year needs before its renewal rate is trusted; else the year before is tried


def renewal_rate(index: SetIndex, year: int, as_of: date) -> float:
    """The share of a recent year's lapses of the set that were renewed (the nearest year before *year*
    with at least RENEWAL_SAMPLE lapses, up to three years back); 0 when there is no such history.

    Past years' lapses and renewals are all known from 1 January of *year* on, so the rate is the same
    for every as-of date from then: it is computed once per index and year (a dashboard recomputes often)."""
    key = (year, min(as_of, date(year, 1, 1)))
    cache = index._renewal_rates
    if key not in cache:
        cache[key] = 0.0
        for y in (year - 1, year - 2, year - 3):
            ex = expiries(index, y, min(as_of, date(y + 1, 12, 31)))
            done = ex["renewed"] | ex["lapsed"]
            if int(done.sum()) >= RENEWAL_SAMPLE:
                cache[key] = float(ex["renewed"][done].mean())
                break
    return cache[key]


def year_end_parts(index: SetIndex, year: int, as_of: date, require: SetIndex | None = None) -> dict:
    """The firm ids a year-end forecast is made of: ``now`` (holding on the as-of date), ``stay`` (known
    designations cover 31 December), ``gains`` (last year's gainers of the rest of the year), and the
    renewal rate applied to the lapses still to come."""
    d, last = as_of.toordinal(), date(year, 12, 31).toordinal()
    empty = np.zeros(0, dtype=np.int32)
    if as_of >= date(year, 12, 31):
        return {"done": True, "now": empty, "stay": empty, "gains": empty, "renewal_rate": 0.0}
    stay = known_holders(index, last, d)
    now = index.holders(d) if as_of >= date(year, 1, 1) else stay
    if require is not None:
        stay = intersect(stay, known_holders(require, last, d))
        now = intersect(now, require.holders(d))
    return {"done": False, "now": now, "stay": stay, "gains": expected_gains(index, year, as_of, require),
            "renewal_rate": renewal_rate(index, year, as_of)}


def year_end(parts: dict, kind: str, actual: int, base_stock: int, pick=None) -> dict:
    """Forecast of an indicator at 31 December given the lapses still to come. *pick* limits the
    firm ids (one street); *actual* and *base_stock* must already be limited the same way."""
    if parts["done"]:
        return {"floor": actual, "expected_gains": 0, "expected_renewals": 0, "renewal_rate": 0.0,
                "projected": actual, "lapses_to_come": 0, "lapse_ids": parts["now"]}
    now, stay, gains = (parts[k] if pick is None else pick(parts[k]) for k in ("now", "stay", "gains"))
    if pick is None:            # the district's: once for the indicators of the same stages (总量, 净增)
        if "lapse_ids" not in parts:
            parts["lapse_ids"] = setdiff(now, stay)
        lapse_ids = parts["lapse_ids"]
    else:
        lapse_ids = setdiff(now, stay)
    rate = parts.get("renewal_rate", 0.0)
    renewals = 0
    if kind == "stock":
        floor = len(stay)
        renewals = round(len(lapse_ids) * rate)
    elif kind == "net":
        floor = len(stay) - base_stock
        renewals = round(len(lapse_ids) * rate)
    else:                       # new, cumulative: what is counted stays counted; a renewal is not new
        floor = actual
    return {"floor": int(floor), "expected_gains": int(len(gains)), "expected_renewals": int(renewals),
            "renewal_rate": round(rate, 4), "projected": int(floor + renewals + len(gains)),
            "lapses_to_come": int(len(lapse_ids)), "lapse_ids": lapse_ids}


def due(indexes: list[SetIndex], as_of: date, days: int) -> dict:
    """Designations whose last day is within *days* of the as-of date and that no designation of the
    same stage known on the as-of date renews, soonest first: arrays ``firm_ids``, ``stage``, ``last_day``
    (ordinal of the last day held). *indexes*: one SetIndex per stage."""
    d = as_of.toordinal()
    firms, stages, lasts = [], [], []
    for index in indexes:
        rows = index.rows_ending(d + 1, d + days + 1)       # the few ending soon, not a pass over all
        end = index.raw_end[rows]
        soon = rows[(index.raw_start[rows] <= d) & (end != OPEN_END)]
        f, e = index.raw_firm[soon], index.raw_end[soon]
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
