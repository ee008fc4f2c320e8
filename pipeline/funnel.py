"""Funnel counts per step and step-to-step conversion between two dates."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from pipeline.catalog import Catalog, Funnel
from pipeline.facts import Facts
from pipeline.indicators import gainers, holders


def _ids(catalog: Catalog, keys) -> list[int]:
    return [catalog.stage(k).id for k in keys]


def counts(facts: Facts, catalog: Catalog, funnel: Funnel, day: date, street_id: int | None = None) -> list[dict]:
    """Firms holding each step on *day*."""
    return [{"step": step.name, "stages": list(step.stages),
             "count": int(len(holders(facts, _ids(catalog, step.stages), day, street_id)))}
            for step in funnel.steps]


def conversions(facts: Facts, catalog: Catalog, funnel: Funnel, first: date, last: date,
                street_id: int | None = None) -> list[dict]:
    """For each step A→B: of the firms holding A but not B on *first* (the base: a firm already at B cannot move up
    to it; its B renewed after a lapse is no move), how many gained B by *last* (converted), and how many held
    neither A nor any higher step on *last* (dropped)."""
    out = []
    steps = funnel.steps
    for i in range(len(steps) - 1):
        a, b = steps[i], steps[i + 1]
        base = np.setdiff1d(holders(facts, _ids(catalog, a.stages), first, street_id),
                            holders(facts, _ids(catalog, b.stages), first, street_id), assume_unique=True)
        gained_b = gainers(facts, _ids(catalog, b.stages), first + timedelta(days=1), last, street_id)
        converted = np.intersect1d(base, gained_b, assume_unique=True)
        still = holders(facts, _ids(catalog, [k for s in steps[i:] for k in s.stages]), last, street_id)
        dropped = np.setdiff1d(base, still, assume_unique=True)
        n = len(base)
        out.append({"from": a.name, "to": b.name, "base": int(n), "converted": int(len(converted)),
                    "rate": round(len(converted) / n, 4) if n else None,
                    "dropped": int(len(dropped)), "drop_rate": round(len(dropped) / n, 4) if n else None})
    return out
