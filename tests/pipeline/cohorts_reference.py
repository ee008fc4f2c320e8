"""The cohort table as pipeline/cohorts.py computed it before its per-year precomputation: one pass over
every entry of the last ten years for each as-of date and street (the reference the new one must equal)."""
from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np

from pipeline.cohorts import NEVER, WINDOWS, PairEntries, complete, within


def reference_table(p: PairEntries, as_of: date, street_id: int | None = None, windows=WINDOWS,
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
    reached = [np.bincount(yi[cohort & (delay < NEVER) & within(day, day + delay, k)], minlength=ny)
               for k in windows]
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
        row: dict[str, Any] = {"step": p.step, "next": p.next_step, "year": y, "entered": int(entered[i]),
               "already": int(already_n[i]), "size": size, "median_days": medians[i], "windows": []}
        for k, r in zip(windows, reached, strict=True):
            row["windows"].append({"years": k, "reached": int(r[i]),
                                   "share": round(int(r[i]) / size, 4) if size else None,
                                   "complete": complete(y, k, d)})
        rows.append(row)
    return rows


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
