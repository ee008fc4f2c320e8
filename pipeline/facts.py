"""Designations as columns of numbers: the one input of all the indicator maths.

Every designation is a half-open interval [start, end) of day ordinals
(``date.toordinal()``); an open end is OPEN_END. A firm's street is looked
up through ``street_of`` indexed by firm id. The arrays are built once from
the ledger (db/queries.py) and reused for every as-of date and street, which
is what keeps a dashboard over millions of designations quick.

Two ways in: ``from_rows`` (Python tuples with ISO dates: tests, small ledgers) and
``from_columns`` (integer columns fetched column-wise, db/dashboard_queries.py: the
dashboard over a million firms), which also orders the designations by (firm, start)
so the dashboard skips its own sort (see ``presorted``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from pipeline.dates import OPEN_END
from pipeline.memory import small_pages


@dataclass
class Facts:
    firm: np.ndarray            # int32, firm id of each designation
    stage: np.ndarray           # int32, stage id
    start: np.ndarray           # int32, ordinal of the first day held
    end: np.ndarray             # int32, ordinal of the first day no longer held
    street_of: np.ndarray       # int32 indexed by firm id: street id, or -1
    _stage_masks: dict = field(default_factory=dict, repr=False)
    presorted: bool = field(default=False, repr=False, compare=False)   # ordered by (firm, start): see sorted_facts
    _keys_fit: bool | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        small_pages()       # what is built from facts (the dashboard's indexes) in small pages: pipeline/memory.py

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

    @classmethod
    def from_columns(cls, firm, stage, start, end, firm_id, firm_street, firm_live) -> "Facts":
        """Integer columns: per designation (firm id, stage id, start and end ordinals, OPEN_END for an
        open end); per firm (id, street id or -1, live: not in the recycle bin). Designations of firms
        not live (or absent) are left out, as ``from_rows`` callers do with a join; ``street_of`` covers
        the live firms, as ``street_array``. The result is ordered by (firm, start), ties in input order
        (``pipeline.trend.sorted_facts``'s order, see ``_by_firm_and_start``)."""
        alive = np.asarray(firm_live, dtype=bool)
        live_ids = np.asarray(firm_id, dtype=np.int64)[alive]
        size = int(live_ids.max()) + 1 if len(live_ids) else 1
        street_of = np.full(size, -1, dtype=np.int32)
        street_of[live_ids] = np.asarray(firm_street, dtype=np.int32)[alive]
        live = np.zeros(size + 1, dtype=bool)       # the last slot stands for every id out of range
        live[live_ids] = True
        firm, start = np.asarray(firm, dtype=np.int64), np.asarray(start, dtype=np.int64)
        inside = len(firm) == 0 or (int(firm.min()) >= 0 and int(firm.max()) < size)
        keep = np.take(live, firm) if inside else live[np.clip(firm, -1, size)]    # clip: 0.16 s at 4.8M rows
        rows = None if keep.all() else np.flatnonzero(keep)
        if rows is not None:
            firm, start = firm[rows], start[rows]
        order, firm, start = _by_firm_and_start(firm, start)
        source = order if rows is None else rows[order]
        out = cls(firm, _gathered(stage, source), start, _gathered(end, source), street_of)
        out.presorted = True
        return out

    def __len__(self) -> int:
        return len(self.firm)

    def stage_mask(self, stage_ids) -> np.ndarray:
        key = tuple(sorted(stage_ids))
        mask = self._stage_masks.get(key)
        if mask is None:
            mask = self._stage_masks[key] = _member(self.stage, key)
        return mask

    def stage_flags(self, stage_ids) -> np.ndarray:
        """``stage_mask`` not kept (each stage set's index asks once): one or two compares over the stage column
        for one stage, a few or a run of ids (4.8M designations: 3-8 ms, against 20 ms for the table lookup of
        ``_member``, whose int32 indices numpy widens first)."""
        ids = sorted({int(s) for s in stage_ids})
        stage = self.stage
        info = np.iinfo(stage.dtype) if stage.dtype.kind == "i" else None
        if not ids or info is None or ids[0] < info.min or ids[-1] > info.max:
            return _member(stage, tuple(ids))
        lo, hi = stage.dtype.type(ids[0]), ids[-1]
        if hi - ids[0] == len(ids) - 1 and len(ids) > 1:       # a run of ids: (stage - lo) mod 2^bits <= hi - lo
            unsigned = np.dtype(f"u{stage.dtype.itemsize}")
            mask = np.less_equal(np.subtract(stage, lo).view(unsigned), unsigned.type(hi - ids[0]))
        elif len(ids) <= 3:
            mask = stage == lo
            for i in ids[1:]:
                mask |= stage == stage.dtype.type(i)
        else:
            mask = _member(stage, tuple(ids))
        return mask

    def keys_fit(self) -> bool:
        """Every firm id and day >= 0 and every end < 2^22 (kept): what ``pipeline.trend.SetIndex`` packs."""
        if self._keys_fit is None:
            n = len(self.firm)
            self._keys_fit = n == 0 or bool(int(self.firm.min()) >= 0 and int(self.start.min()) >= 0
                                             and int(self.end.min()) >= 0 and int(self.end.max()) < 1 << 22)
        return self._keys_fit


def _by_firm_and_start(firm: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stable order by (firm, start) of two int64 columns, and both columns in that order (int32).

    When firm, start (less its minimum) and the row number fit in 63 bits together (a million firms,
    180 years of days and 8M rows take 60), one in-place sort of the packed values: the row number,
    firm and start are read back from their bits (0.3 s for 4.8M rows, against 0.65 s for a stable
    argsort of firm * 2^22 + start and 1.9 s for np.lexsort, which is the way otherwise)."""
    n = len(firm)
    if n == 0:
        empty = np.zeros(0, dtype=np.int32)
        return np.zeros(0, dtype=np.int64), empty, empty
    low = int(start.min())
    row_bits, day_bits = (n - 1).bit_length(), (int(start.max()) - low).bit_length()
    if int(firm.min()) < 0 or int(firm.max()).bit_length() + day_bits + row_bits > 63:
        order = np.lexsort((start, firm))
        return order, firm[order].astype(np.int32), start[order].astype(np.int32)
    # in place on two buffers: each new array of 4.8M values costs its page faults (about 10 ms) beside the work
    packed = firm << (day_bits + row_bits)
    work = np.subtract(start, low)
    work <<= row_bits
    packed |= work
    work[:] = np.arange(n, dtype=np.int64)
    packed |= work
    packed.sort()
    order = np.bitwise_and(packed, (1 << row_bits) - 1, out=work)
    packed >>= row_bits
    start_sorted = (packed & ((1 << day_bits) - 1)).astype(np.int32)
    start_sorted += low
    packed >>= day_bits
    return order, packed.astype(np.int32), start_sorted


def _gathered(column, rows: np.ndarray) -> np.ndarray:
    """*column* (int64 values of int32 range) at *rows*, as int32: narrowed first, so the gather moves half the
    bytes (4.8M designations: 28 ms against 40 ms)."""
    return np.asarray(column).astype(np.int32)[rows]


def _member(values: np.ndarray, ids: tuple) -> np.ndarray:
    """``np.isin(values, ids)`` through a table indexed by value (one gather: 4.8M designations in 15 ms
    against 40-200 ms for isin); isin itself when the values are not small non-negative ids."""
    if len(values) == 0 or int(values.min()) < 0 or int(values.max()) > 1 << 16:
        return np.isin(values, np.asarray(ids, dtype=np.int32))
    table = np.zeros(int(values.max()) + 1, dtype=bool)
    wanted = [i for i in ids if 0 <= i < len(table)]
    table[wanted] = True
    return table[values]


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
