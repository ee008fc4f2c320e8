"""Streets: each street's attainment against its share of each target, and whether the shares add up.

An indicator limited to a street counts the street's firms only (a firm's
street is where it is registered in the ledger), so a street's actual is the
district's firm ids counted by street: one ``bincount`` gives every street.
A street's target is its row of the decomposition (任务分解表) for the
indicator of the same name; a street without a row has no target (None).
"""
from __future__ import annotations

import numpy as np

from pipeline.indicators import Indicator, completion


def by_street(ids: np.ndarray, street_of: np.ndarray, size: int) -> np.ndarray:
    """Number of *ids* on each street id 0..size-1 (firms without a street are not counted)."""
    if len(ids) == 0:
        return np.zeros(size, dtype=np.int64)
    return np.bincount(np.take(street_of, ids) + 1, minlength=size + 1)[1:size + 1].astype(np.int64)    # -1: no street


def attainment(rows: list[dict], streets: list[tuple[int, str]], street_targets: dict[tuple[int, str], Indicator],
               street_of: np.ndarray, time_progress: float) -> list[dict]:
    """One row per street: for each district indicator row (with ``firm_ids`` and, for 净增,
    ``base_ids``) the street's target, actual, rate and ahead; ``mean_rate`` over its targets.

    rows: the district indicator rows of the dashboard; street_targets: (street id, indicator
    name) -> the street's Indicator."""
    size = (max((sid for sid, _ in streets), default=0)) + 1
    counted, seen = [], {}          # indicators of the same firms (总量 and 净增) count them once

    def count(ids):
        key = id(ids)
        if key not in seen:
            seen[key] = (ids, by_street(ids, street_of, size))
        return seen[key][1]
    for row in rows:
        actual = count(row["firm_ids"])
        if row["kind"] == "net":
            actual = actual - count(row["base_ids"])
        counted.append(actual)
    out = []
    for sid, name in streets:
        cells, rates = [], []
        for row, actual in zip(rows, counted, strict=True):
            ind = street_targets.get((sid, row["name"]))
            target = None if ind is None else ind.target
            a = int(actual[sid])
            rate, ahead = completion(a, target, time_progress)
            if rate is not None:
                rates.append(rate)
            cells.append({"indicator": row["name"], "kind": row["kind"], "target": target, "actual": a,
                          "rate": rate, "gap": None if target is None else target - a, "ahead": ahead})
        out.append({"street_id": sid, "street": name, "cells": cells,
                    "mean_rate": round(sum(rates) / len(rates), 4) if rates else None,
                    "behind": sum(1 for c in cells if c["ahead"] is False)})
    return out


def share_gaps(district: list[Indicator], by_street_rows: list[Indicator]) -> list[dict]:
    """For each district indicator: its target, the sum of the street shares, and the difference
    (district minus sum; 0 means the decomposition adds up). ``streets`` = how many have a share."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for ind in by_street_rows:
        sums[ind.name] = sums.get(ind.name, 0) + (ind.target or 0)
        counts[ind.name] = counts.get(ind.name, 0) + 1
    out = []
    for ind in district:
        total = sums.get(ind.name, 0)
        out.append({"indicator": ind.name, "target": ind.target, "shares": total, "streets": counts.get(ind.name, 0),
                    "difference": None if ind.target is None else round(ind.target - total, 6)})
    return out


def gap_text(gap: dict) -> str:
    """A person-facing sentence for one row of ``share_gaps``."""
    if gap["streets"] == 0:
        return f"“{gap['indicator']}”尚未分解到街道"
    diff = gap["difference"]
    if abs(diff) < 1e-9:
        return f"“{gap['indicator']}”各街道分解合计 {gap['shares']:g}，与全区目标一致"
    word = "少" if diff > 0 else "多"
    return (f"“{gap['indicator']}”各街道分解合计 {gap['shares']:g}，比全区目标 {gap['target']:g} "
            f"{word} {abs(diff):g}")


def outside(rows: list[dict], streets: list[tuple[int, str]], street_of: np.ndarray) -> list[dict]:
    """What the district counts that no street row of the table does: per district indicator row (as
    ``attainment`` takes them) the firms without a street or on a street not listed (a deactivated one), counted
    as the streets' cells are (net: now less base). ``firms``: how many such firms the row's figures touch."""
    top = max([int(street_of.max()) if len(street_of) else 0] + [sid for sid, _ in streets])
    listed = np.zeros(top + 2, dtype=bool)                      # by street id + 1: slot 0 is no street (-1)
    listed[[sid + 1 for sid, _ in streets if sid >= 0]] = True

    def off(ids):
        return int(len(ids) - np.count_nonzero(np.take(listed, np.take(street_of, ids) + 1))) if len(ids) else 0
    out = []
    for row in rows:
        now, base = off(row["firm_ids"]), off(row["base_ids"]) if row["kind"] == "net" else 0
        out.append({"indicator": row["name"], "actual": now - base, "firms": now + base})
    return out


def outside_text(cells: list[dict]) -> str | None:
    """The line under a streets table that does not add up to the district, else None."""
    shown = [c for c in cells if c["firms"]]
    if not shown:
        return None
    parts = "、".join(f"{c['indicator']} {c['actual']:g}" for c in shown)
    return f"各街道合计不含未分街道或所在街道已停用的企业（{parts}），全区数包含它们"

