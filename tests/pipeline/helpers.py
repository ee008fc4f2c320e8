"""Helpers shared by the dashboard tests (tests/pipeline, tests/db): random ledgers full of edge cases, and
the comparison of two dashboard views (every figure, every firm-id array and its dtype)."""
from __future__ import annotations

from datetime import date

import numpy as np

from pipeline.dates import OPEN_END
from pipeline.facts import Facts

A, B, C = 1, 2, 3
STREETS = (-1, 10, 20, 30)


def random_facts(seed: int, firms: int = 400) -> Facts:
    rng = np.random.default_rng(seed)
    lo, hi = date(2013, 1, 1).toordinal(), date(2026, 3, 1).toordinal()
    rows = []
    for f in range(1, firms + 1):
        for _ in range(int(rng.integers(0, 6))):
            stage = int(rng.choice([A, A, B, C]))
            start = int(rng.integers(lo, hi))
            if rng.random() < 0.1:                      # entries bunched on the same days (batches)
                start = date(int(rng.integers(2014, 2026)), 12, 31).toordinal() - int(rng.integers(0, 2))
            kind = rng.random()
            if kind < 0.3:
                end = OPEN_END
            elif kind < 0.35:
                end = date(2090, 1, 1).toordinal()      # a far end that is not open
            else:
                end = start + int(rng.integers(1, 1500))
            rows.append((f, stage, start, end))
            if rng.random() < 0.3 and end != OPEN_END:   # a seamless renewal or a later one
                rows.append((f, stage, end + int(rng.integers(0, 3)) * int(rng.integers(0, 200)), OPEN_END
                             if rng.random() < 0.5 else end + 1095))
    firm, stage, start, end = (np.array([r[i] for r in rows], dtype=np.int32) for i in range(4))
    street_of = rng.choice(np.array(STREETS[:3], dtype=np.int32), firms + 1)   # street 30 has no firm
    return Facts(firm, stage, start, end, street_of)


def same(a, b, path=""):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.tolist() == b.tolist(), path
    else:
        assert a == b, (path, a, b)
