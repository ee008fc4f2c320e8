"""A dashboard view made ready to show: the re-review due list as rows, and the view as plain JSON values."""
from __future__ import annotations

from datetime import date

import numpy as np

from pipeline.catalog import Catalog


def due_rows(view: dict, catalog: Catalog, limit: int | None = None) -> list[dict]:
    """The re-review due list of a view as rows: firm id, stage name, last day held, days left."""
    due = view.get("due")
    if not due:
        return []
    n = len(due["firm_ids"]) if limit is None else min(limit, len(due["firm_ids"]))
    as_of = date.fromisoformat(view["as_of"]).toordinal()
    return [{"firm_id": int(due["firm_ids"][i]), "stage": catalog.by_id(int(due["stage"][i])).name,
             "last_day": date.fromordinal(int(due["last_day"][i])).isoformat(),
             "days_left": int(due["last_day"][i]) - as_of} for i in range(n)]


def plain(view):
    """The view without firm-id arrays (for JSON): each ``*_ids`` becomes a count ``*_n``."""
    if isinstance(view, dict):
        out = {}
        for k, v in view.items():
            if k.endswith("_ids"):
                out[k[:-4] + "_n"] = int(len(v))
            elif k == "ex":
                continue
            else:
                out[k] = plain(v)
        return out
    if isinstance(view, (list, tuple)):
        return [plain(v) for v in view]
    if isinstance(view, np.ndarray):
        return [v.item() for v in view]
    if isinstance(view, np.generic):
        return view.item()
    return view
