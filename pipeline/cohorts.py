"""Cohorts: of the firms that entered a stage in year Y, who reached the next one, and how soon.

For a step A and the next step B of a funnel (both sets of stages):
- an *entry* into A is a gain of A (a spell start: the firm did not hold A
  the day before) on or before the as-of date; the cohort of year Y is the
  entries dated in Y (a firm entering twice in Y counts twice);
- firms that already held B on the day they entered A are left out of the
  cohort (``already``): they did not *reach* B from A;
- an entry *reached B within k years* when the firm gained B fewer than
  365.25·k days after the entry (the anniversary day counts), on or before
  the as-of date. ``complete`` says whether every window of the cohort has
  elapsed by the as-of date; until then the share is a count so far;
- *time in stage* is the spell's length in days (entry to the first day no
  longer holding A); spells still running on the as-of date are censored
  there, and the median is the Kaplan-Meier median (None until half left).

``pair_entries`` does the as-of-independent work once (sorting, searching);
``table`` answers any as-of date and street with counting passes only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from pipeline.trend import _SPAN, SetIndex

WINDOWS = (1, 2, 3)
YEAR_DAYS = 365.25
NEVER = np.int64(1 << 40)


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


def pair_entries(a: SetIndex, b: SetIndex, street_of: np.ndarray, step: str = "", next_step: str = "") -> PairEntries:
    firm: np.ndarray = a.firm
    day: np.ndarray = a.start.astype(np.int64)
    end: np.ndarray = a.end.astype(np.int64)
    ekey = firm.astype(np.int64) * _SPAN + day
    bkey = b.firm.astype(np.int64) * _SPAN + b.start
    n = len(firm)
    if len(bkey):
        idx = np.searchsorted(bkey, ekey, side="left")
        safe = np.minimum(idx, len(bkey) - 1)
        same = (idx < len(bkey)) & (b.firm[safe] == firm)
        gain = np.where(same, b.start[safe].astype(np.int64), NEVER)
        prev = np.maximum(idx - 1, 0)
        already = (idx > 0) & (b.firm[prev] == firm) & (b.end[prev] > day)
    else:
        gain, already = np.full(n, NEVER), np.zeros(n, dtype=bool)
    street = street_of[firm] if n else np.zeros(0, dtype=np.int32)
    order = np.argsort(day, kind="stable")         # by entry day: an as-of date is then a prefix
    firm, street, day, already, gain, end = (x[order] for x in (firm, street, day, already, gain, end))
    return PairEntries(step, next_step, firm, street, day, years_of(day), already, gain, end)


def years_of(ordinals: np.ndarray) -> np.ndarray:
    """Calendar year of each ordinal, vectorised through the ordinals of 1 January."""
    if len(ordinals) == 0:
        return np.zeros(0, dtype=np.int32)
    lo, hi = date.fromordinal(int(ordinals.min())).year, date.fromordinal(int(ordinals.max())).year
    starts = np.array([date(y, 1, 1).toordinal() for y in range(lo, hi + 2)], dtype=np.int64)
    return (lo + np.searchsorted(starts, ordinals, side="right") - 1).astype(np.int32)


def table(p: PairEntries, as_of: date, street_id: int | None = None, windows=WINDOWS,
          first_year: int | None = None) -> list[dict]:
    """One row per entry year up to the as-of date: entered, already, size, reached/share per window,
    median days in stage (Kaplan-Meier). Firm ids: ``firms``."""
    d = as_of.toordinal()
    lo = 0 if first_year is None else int(np.searchsorted(p.day, date(first_year, 1, 1).toordinal()))
    hi = int(np.searchsorted(p.day, d, side="right"))
    idx: slice | np.ndarray = slice(lo, max(lo, hi))
    if street_id is not None:
        idx = lo + np.flatnonzero(p.street[idx] == street_id)
    if len(p.day[idx]) == 0:
        return []
    year, day, already = p.year[idx], p.day[idx], p.already[idx]
    y0 = int(year.min())
    yi = year - y0
    ny = int(yi.max()) + 1
    entered = np.bincount(yi, minlength=ny)
    already_n = np.bincount(yi[already], minlength=ny)
    cohort = ~already
    gain = p.gain[idx]
    delay = np.where(gain <= d, gain - day, NEVER)
    reached = [np.bincount(yi[cohort & (delay < YEAR_DAYS * k)], minlength=ny) for k in windows]
    end = p.end[idx]
    left = end <= d
    duration = np.where(left, end, d + 1) - day
    medians = km_medians(yi, duration, left, ny)
    rows: list[dict] = []
    for i in range(ny):
        y = y0 + i
        size = int(entered[i] - already_n[i])
        if entered[i] == 0:
            continue
        last_entry = date(y, 12, 31).toordinal()
        row: dict[str, Any] = {"step": p.step, "next": p.next_step, "year": y, "entered": int(entered[i]),
               "already": int(already_n[i]), "size": size, "median_days": medians[i], "windows": []}
        for k, r in zip(windows, reached, strict=True):
            row["windows"].append({"years": k, "reached": int(r[i]),
                                   "share": round(int(r[i]) / size, 4) if size else None,
                                   "complete": last_entry + YEAR_DAYS * k <= d + 1})
        rows.append(row)
    return rows


def firms(p: PairEntries, as_of: date, year: int, window: int | None = None,
          street_id: int | None = None) -> np.ndarray:
    """The firms of the cohort of *year* (or those that reached the next step within *window* years)."""
    d = as_of.toordinal()
    m = (p.year == year) & (p.day <= d) & ~p.already
    if street_id is not None:
        m &= p.street == street_id
    if window is not None:
        m &= (p.gain <= d) & (p.gain - p.day < YEAR_DAYS * window)
    return np.unique(p.firm[m])


def km_medians(group: np.ndarray, duration: np.ndarray, event: np.ndarray, groups: int) -> list[float | None]:
    """Kaplan-Meier median duration per group (event False: censored), by day-level counting."""
    if len(duration) == 0:
        return [None] * groups
    width = int(duration.max()) + 1
    key = group.astype(np.int64) * width + duration
    total = np.bincount(key, minlength=groups * width).reshape(groups, width)
    events = np.bincount(key[event], minlength=groups * width).reshape(groups, width)
    # at risk at t: entries with duration >= t
    at_risk = total[:, ::-1].cumsum(axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events / np.maximum(at_risk, 1), 1.0)
    surv = np.cumprod(factor, axis=1)
    out: list[float | None] = []
    for g in range(groups):
        hit = np.flatnonzero(surv[g] <= 0.5)
        out.append(float(hit[0]) if len(hit) else None)
    return out


def km_median(duration: np.ndarray, event: np.ndarray) -> float | None:
    return km_medians(np.zeros(len(duration), dtype=np.int64), np.asarray(duration, dtype=np.int64),
                      np.asarray(event, dtype=bool), 1)[0]
