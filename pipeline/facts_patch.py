"""Facts made current by re-reading only the firms that changed (db/facts_log.py says which).

``patched(old, changed, rows, firms, last_live)`` equals ``Facts.from_columns`` over a full read of the ledger
now, given ``old`` (``from_columns`` of an earlier state, ordered by (firm, start)) and, for the firms
``changed`` since (and only for them), their live designations in row order and which of them are live with
their streets: every other firm's designations and street are the same in both states, so

- the old rows of the changed firms go, and their new rows (of the live ones) are put where their firm id sorts,
  in (start, row) order: the order ``from_columns`` gives, ties in row order;
- ``street_of`` is as long as the largest live id + 1 (``last_live``, read with the rows), -1 for the changed
  firms that are no longer live.

1M firms, 4.8M designations: a few hundred changed firms in about 0.05 s, against 3 s for a full read.
tests/db/test_facts_log.py compares both after sequences of writes of every kind.
"""
from __future__ import annotations

import numpy as np

from pipeline.facts import Facts


def patched(old: Facts, changed: np.ndarray, rows: list[np.ndarray], firms: list[np.ndarray],
            last_live: int | None) -> Facts:
    """*changed*: sorted unique firm ids; *rows*: (firm, stage, start, end) of the changed firms' live
    designations, in row order; *firms*: (id, street or -1) of the changed firms that are live; *last_live*: the
    largest live firm id (None: no live firm)."""
    size = 1 if last_live is None else int(last_live) + 1
    street_of = np.full(size, -1, dtype=np.int32)
    common = min(size, len(old.street_of))
    street_of[:common] = old.street_of[:common]
    street_of[changed[changed < size]] = -1
    live_ids = np.asarray(firms[0], dtype=np.int64)
    street_of[live_ids] = np.asarray(firms[1], dtype=np.int32)

    live = np.zeros(size + 1, dtype=bool)               # the last slot: every id out of range (not live)
    live[live_ids] = True
    firm = np.asarray(rows[0], dtype=np.int64)
    alive = np.take(live, np.clip(firm, -1, size)) if len(firm) else np.zeros(0, dtype=bool)
    new = [np.asarray(c, dtype=np.int64)[alive] for c in rows]
    order = np.lexsort((new[2], new[0]))                # stable: ties in row order
    new = [c[order].astype(np.int32) for c in new]
    firm, stage, start, end = _spliced([old.firm, old.stage, old.start, old.end], changed, new)
    out = Facts(firm, stage, start, end, street_of)
    out.presorted = True
    return out


def _spliced(old: list[np.ndarray], changed: np.ndarray, new: list[np.ndarray]) -> list[np.ndarray]:
    """The *old* columns (sorted by firm) less every row of the *changed* firms, with the *new* rows (sorted by
    firm, only changed firms') where their firms sort: each changed firm's old rows are one block, found by two
    binary searches, so each column is copied once, from its slices (4.8M rows: 0.03 s, against 0.26 s for a
    mask, a gather and an insert)."""
    firm = old[0]
    cut_lo = np.searchsorted(firm, changed, side="left")
    cut_hi = np.searchsorted(firm, changed, side="right")
    new_lo = np.searchsorted(new[0], changed, side="left")
    new_hi = np.searchsorted(new[0], changed, side="right")
    out = []
    for col, add in zip(old, new, strict=True):
        pieces, last = [], 0
        for a, b, c, d in zip(cut_lo.tolist(), cut_hi.tolist(), new_lo.tolist(), new_hi.tolist(), strict=True):
            pieces.append(col[last:a])
            pieces.append(add[c:d])
            last = b
        pieces.append(col[last:])
        out.append(np.concatenate(pieces).astype(np.int32, copy=False))
    return out
