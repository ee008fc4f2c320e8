"""Designations as columns of numbers: the one input of all the indicator maths.

Every designation is a half-open interval [start, end) of day ordinals
(``date.toordinal()``); an open end is OPEN_END. A firm's street is looked
up through ``street_of`` indexed by firm id. The arrays are built once from
the ledger (db/queries.py) and reused for every as-of date and street, which
is what keeps a dashboard over millions of designations quick.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from pipeline.dates import OPEN_END


@dataclass
class Facts:
    firm: np.ndarray            # int32, firm id of each designation
    stage: np.ndarray           # int32, stage id
    start: np.ndarray           # int32, ordinal of the first day held
    end: np.ndarray             # int32, ordinal of the first day no longer held
    street_of: np.ndarray       # int32 indexed by firm id: street id, or -1
    _stage_masks: dict = field(default_factory=dict, repr=False)
    presorted: bool = field(default=False, repr=False, compare=False)   # ordered by (firm, start): see sorted_facts

    @classmethod
    def from_rows(cls, rows, firm_streets) -> "Facts":
        """rows: (firm_id, stage_id, start_iso, end_iso|None); firm_streets: (firm_id, street_id|None)."""
        rows = list(rows)
        n = len(rows)
        firm = np.fromiter((r[0] for r in rows), np.int32, n)
        stage = np.fromiter((r[1] for r in rows), np.int32, n)
        start = np.fromiter((_ord(r[2]) for r in rows), np.int32, n)
        end = np.fromiter((_ord(r[3]) if r[3] else OPEN_END for r in rows), np.int32, n)
        return cls(firm, stage, start, end, street_array(firm_streets))

    def __len__(self) -> int:
        return len(self.firm)

    def stage_mask(self, stage_ids) -> np.ndarray:
        key = tuple(sorted(stage_ids))
        mask = self._stage_masks.get(key)
        if mask is None:
            mask = np.isin(self.stage, np.asarray(key, dtype=np.int32))
            self._stage_masks[key] = mask
        return mask


def street_array(firm_streets) -> np.ndarray:
    pairs = list(firm_streets)
    size = (max((p[0] for p in pairs), default=0)) + 1
    out = np.full(size, -1, dtype=np.int32)
    if pairs:
        ids = np.fromiter((p[0] for p in pairs), np.int64, len(pairs))
        streets = np.fromiter((-1 if p[1] is None else p[1] for p in pairs), np.int32, len(pairs))
        out[ids] = streets
    return out


_ORD_CACHE: dict[str, int] = {}


def _ord(text: str) -> int:
    value = _ORD_CACHE.get(text)
    if value is None:
        value = date.fromisoformat(text[:10]).toordinal()
        if len(_ORD_CACHE) < 200_000:
            _ORD_CACHE[text] = value
    return value
