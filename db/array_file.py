"""Named one-dimensional numpy arrays in one file, read back by memory-mapping it (no copy, no parse).

The dashboard's derived structures on a 1M-firm ledger (per-stage indexes, cohort entries: a few hundred MB,
db/facts_cache.py) are read back in the time the page cache takes to map them, where ``np.load`` of an
``.npz`` copies every byte. Layout:

    MAGIC (8 bytes) | header length (8 bytes) | checksum (8 bytes) | header (JSON) | data

The header holds the caller's ``meta`` (JSON values) and each array's name, dtype, length and offset in the
data (every array starts on a 64-byte boundary). The checksum is the sum of the header's and every array's
64-bit little-endian words modulo 2^64: any changed bit or word changes it; numpy sums the mapped pages at
memory speed. A file that is short, long (its size is the header's and the data's), of another layout, or
that does not add up is not read (``read`` returns None): the caller builds the structures again. The
arrays read back are read-only (nothing may change what another run will read).

The file is written to a temporary name and renamed over the old one (``os.replace``), so a reader never
sees half a file.
"""
from __future__ import annotations

import json
import mmap
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

MAGIC = b"XTARR\x00\x01\x00"
ALIGN = 64
MAX_HEADER = 1 << 26
HEAD = len(MAGIC) + 16          # the magic, the header's length, the checksum


def write(file: Path, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Write *meta* and *arrays* (one-dimensional) to *file*, replacing it whole; OSError when it cannot."""
    entries, offset, total = [], 0, 0
    cols = {name: np.ascontiguousarray(a) for name, a in arrays.items()}
    for name, a in cols.items():
        if a.ndim != 1 or a.dtype.hasobject:
            raise ValueError(f"{name}: not a column of numbers")
        entries.append([name, a.dtype.str, len(a), offset])
        offset += _padded(a.nbytes)
        total += _words_sum(a.data.cast("B"))
    text = json.dumps({"meta": meta, "arrays": entries, "data": offset}, ensure_ascii=False).encode()
    total = (total + _words_sum(memoryview(text))) % (1 << 64)
    start = _padded(HEAD + len(text))
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        with tempfile.NamedTemporaryFile(dir=file.parent, prefix=file.stem, suffix=".tmp", delete=False) as out:
            tmp = out.name
            head = MAGIC + len(text).to_bytes(8, "little") + total.to_bytes(8, "little") + text
            out.write(head + bytes(start - len(head)))
            for a in cols.values():
                out.write(a.data.cast("B"))
                out.write(bytes(_padded(a.nbytes) - a.nbytes))
        os.replace(tmp, file)
        tmp = None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def read(file: Path, wanted: Callable[[dict], bool]) -> tuple[dict, dict[str, np.ndarray]] | None:
    """(meta, arrays) of *file*, or None: no such file, another layout, a short or damaged one, or a *meta*
    that ``wanted`` refuses (checked before any array is mapped)."""
    try:
        with open(file, "rb") as f:
            head = f.read(HEAD)
            if len(head) != HEAD or head[: len(MAGIC)] != MAGIC:
                return None
            length, want = int.from_bytes(head[8:16], "little"), int.from_bytes(head[16:24], "little")
            if length > MAX_HEADER:
                return None
            text = f.read(length)
            header = json.loads(text.decode())
            if not isinstance(header, dict) or not wanted(header["meta"]):
                return None
            start = _padded(HEAD + length)
            if os.fstat(f.fileno()).st_size != start + header["data"]:
                return None
            view = _map(f)
        arrays, total = {}, _words_sum(memoryview(text))
        for name, dtype, n, offset in header["arrays"]:
            dt = np.dtype(dtype)
            end = start + offset + n * dt.itemsize
            if dt.hasobject or offset % ALIGN or offset < 0 or n < 0 or end > len(view):
                return None
            arrays[name] = np.frombuffer(view, dt, count=n, offset=start + offset)
            total += _words_sum(view[start + offset:end])
        if total % (1 << 64) != want:
            return None
        return header["meta"], arrays
    except Exception:  # noqa: BLE001  a damaged file fails in ways no list foresees (a flipped bit made numpy's dtype
        return None    # parser raise SyntaxError): whatever it is, the file is read past and the facts recomputed


def _map(f) -> memoryview:
    """The whole file, mapped read-only (pages read ahead at once where the system offers it)."""
    if hasattr(mmap, "MAP_POPULATE"):
        mapped = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ)
    else:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return memoryview(mapped)


def _padded(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def _words_sum(data: memoryview) -> int:
    """The sum of *data* as little-endian 64-bit words (the last one padded with zeros), modulo 2^64."""
    whole = len(data) // 8
    total = int(np.frombuffer(data, "<u8", count=whole).sum(dtype=np.uint64)) if whole else 0
    tail = bytes(data[whole * 8:])
    return total + int.from_bytes(tail + bytes(8 - len(tail)), "little") if tail else total
