"""Indicators for a year as of a date: stock, new, net, cumulative, and 序时进度.

Definitions (for the stages an indicator counts together, optionally limited
to one street, firms in the recycle bin excluded by the caller):
- stock on D: firms holding any of the stages on D;
- new: firms that gained the set between 1 January and D, a gain being a
  designation starting in that window while the firm did not hold the set
  on the day before (a seamless renewal is not new);
- net: stock on D minus stock on 31 December of the previous year;
- cumulative: firms that held the set on any day from 1 January of the base
  year to D;
- ``require`` stages: the firm must also hold one of them on D (规模以上
  高新技术企业 = 高企 that are 规上).
A firm is on the street the ledger has for it now, on every date (no street history is kept): a firm that
moved mid-year counts in its new street's base too, so a move changes neither street's 净增 (README).
The 基期值 is the same measure at 31 December of the previous year unless the
target gives one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from pipeline.catalog import Catalog
from pipeline.dates import check_as_of, time_progress
from pipeline.facts import Facts

KINDS = {"stock": "存量", "new": "新增", "net": "净增", "cumulative": "累计"}


@dataclass
class Indicator:
    name: str
    kind: str
    stages: list[str]
    target: float | None          # None: no target set (a street-only row, a district without one)
    street: str | None = None
    street_id: int | None = None
    require: list[str] = field(default_factory=list)
    base: float | None = None
    base_year: int | None = None
    unit: str = "家"


def _select(facts: Facts, stage_ids, street_id) -> np.ndarray:
    mask = facts.stage_mask(stage_ids)
    if street_id is not None:
        mask = mask & (facts.street_of[facts.firm] == street_id)
    return mask


def holders(facts: Facts, stage_ids, day: date, street_id: int | None = None) -> np.ndarray:
    """Sorted unique ids of the firms holding any of *stage_ids* on *day*."""
    d = day.toordinal()
    mask = _select(facts, stage_ids, street_id)
    mask = mask & (facts.start <= d) & (facts.end > d)
    return np.unique(facts.firm[mask])


def ever_holders(facts: Facts, stage_ids, first: date, last: date, street_id: int | None = None) -> np.ndarray:
    """Firms holding the set on any day of [first, last]; none when *last* is before *first* (a 累计 counted
    from this year has no firms at the end of the year before: its 基期值 is 0, not the firms held over New
    Year)."""
    if last < first:
        return np.zeros(0, dtype=facts.firm.dtype)
    mask = _select(facts, stage_ids, street_id)
    mask = mask & (facts.start <= last.toordinal()) & (facts.end > first.toordinal())
    return np.unique(facts.firm[mask])


def gainers(facts: Facts, stage_ids, first: date, last: date, street_id: int | None = None) -> np.ndarray:
    """Firms that entered the set on a day of [first, last] (not a seamless renewal)."""
    mask = _select(facts, stage_ids, street_id)
    firm, start, end = facts.firm[mask], facts.start[mask], facts.end[mask]
    if len(firm) == 0:
        return firm
    order = np.lexsort((start, firm))
    firm, start, end = firm[order], start[order], end[order]
    # running maximum of earlier ends within each firm (firms are contiguous after the sort)
    span = np.int64(1 << 22)
    keyed = firm.astype(np.int64) * span + end
    run = np.maximum.accumulate(keyed)
    prev = np.empty_like(run)
    prev[0] = -1
    prev[1:] = run[:-1]
    prev_end = prev - firm.astype(np.int64) * span       # < 0 when no earlier interval of the same firm
    fresh = prev_end < start                              # not held on the day before start
    in_window = (start >= first.toordinal()) & (start <= last.toordinal())
    return np.unique(firm[fresh & in_window])


def _with_require(facts: Facts, firms: np.ndarray, require_ids, day: date) -> np.ndarray:
    if not require_ids:
        return firms
    return np.intersect1d(firms, holders(facts, require_ids, day), assume_unique=True)


def measure(facts: Facts, catalog: Catalog, ind: Indicator, year: int, as_of: date) -> np.ndarray:
    """The firms behind the indicator's value (net: the holders on the as-of date)."""
    ids = [catalog.stage(k).id for k in ind.stages]
    req = [catalog.stage(k).id for k in ind.require]
    start = date(year, 1, 1)
    end = min(as_of, date(year, 12, 31))
    if ind.kind in ("stock", "net"):
        firms = holders(facts, ids, as_of, ind.street_id)
    elif ind.kind == "new":
        firms = gainers(facts, ids, start, end, ind.street_id)
    elif ind.kind == "cumulative":
        firms = ever_holders(facts, ids, date(ind.base_year or year, 1, 1), as_of, ind.street_id)
    else:
        raise ValueError(ind.kind)
    return _with_require(facts, firms, req, as_of)


def value(facts: Facts, catalog: Catalog, ind: Indicator, year: int, as_of: date) -> int:
    actual = len(measure(facts, catalog, ind, year, as_of))
    if ind.kind == "net":
        actual -= len(measure(facts, catalog, ind, year - 1, date(year - 1, 12, 31)))
    return actual


def evaluate(facts: Facts, catalog: Catalog, ind: Indicator, year: int, as_of: date) -> dict:
    """One row of the indicator table: 指标 | 基期值 | 目标值 | 完成值 | 完成率 | 序时进度 (*as_of* a day of *year*)."""
    check_as_of(year, as_of)
    actual = value(facts, catalog, ind, year, as_of)
    ledger_base = None
    if ind.base is not None:
        base = ind.base
        if ind.kind in ("stock", "net"):        # the ledger's own, to say where the stated one differs
            ledger_base = len(measure(facts, catalog, ind, year - 1, date(year - 1, 12, 31)))
    elif ind.kind == "net":
        base = len(measure(facts, catalog, ind, year - 1, date(year - 1, 12, 31)))
    else:
        base = value(facts, catalog, ind, year - 1, date(year - 1, 12, 31))
    progress = time_progress(year, as_of)
    rate, ahead = completion(actual, ind.target, progress)
    return {
        "name": ind.name, "kind": ind.kind, "stages": list(ind.stages), "require": list(ind.require),
        "street": ind.street, "base": base, "target": ind.target, "actual": actual,
        "ledger_base": ledger_base, "base_note": stated_base_note(ind.kind, ind.base, ledger_base),
        "rate": rate,
        "time_progress": round(progress, 4),
        "gap": None if ind.target is None else ind.target - actual,
        "ahead": ahead,
        "unit": ind.unit,
    }


def for_street(rows: list[Indicator], street_id: int, street: str | None) -> list[Indicator]:
    """A street's indicator rows from all the year's rows (district and streets): each district row as the
    street's own share when it has one, else the same measure limited to the street with no target (its share
    was not decomposed: its figures are still shown, its 完成率 is not), then the street's own rows that have
    no district row. The one rule of the report and the dashboard."""
    district = [i for i in rows if i.street_id is None]
    mine = {i.name: i for i in rows if i.street_id == street_id}
    out = []
    for ind in district:
        own = mine.pop(ind.name, None)
        out.append(own if own is not None else Indicator(
            ind.name, ind.kind, ind.stages, None, street, street_id, ind.require, None, ind.base_year, ind.unit))
    out += list(mine.values())
    return out


def stated_base_note(kind: str, stated: float | None, ledger: int | None, listed: str = "") -> str | None:
    """When a target states its 基期值 and the ledger's own (the firms held at the end of last year) differs: both
    numbers, and that a 净增 is counted against the ledger's (both ends from one ledger). The dashboard's tooltip
    (*listed*: how its cell lists the firms), the PDF's and the command line's footnote: the stated number is
    never read as the ledger's."""
    if stated is None or ledger is None or kind not in ("stock", "net") or stated == ledger:
        return None
    net = "；净增按台账计算（现在在册 − 台账上年末在册）" if kind == "net" else ""
    return f"基期值为目标中设定的 {stated:g}；台账上年末在册 {ledger} 家{listed}{net}"


def completion(actual: float, target: float | None, progress: float) -> tuple[float | None, bool | None]:
    """完成率 (rounded to 4 places) and whether it is at or ahead of 序时进度, the one rule of the report, the
    dashboard and the streets table.

    A rate is the share of a positive target reached; against a target of zero or below (a 净增 that allows
    the stock to fall: -5) ``actual / target`` reads backwards (a fall of ten would be 200% and ahead, a fall
    of two 40% and behind), so there is no rate and no ahead (None, shown as —): the gap (target - actual)
    says where the figure stands."""
    if target is None or target <= 0:
        return None, None
    rate = actual / target
    return round(rate, 4), rate >= progress


def day_before(d: date) -> date:
    return d - timedelta(days=1)
