"""Remembered column mappings: a file with the same header gets the mapping confirmed last time.

Kept in the ledger's ``meta`` table under ``mapping:<header_signature>``, as
JSON ``{header text: field key}`` (by header text, so a moved column still maps).
"""
from __future__ import annotations

import hashlib
import json
import unicodedata

PREFIX = "mapping:"


def _norm(header) -> str:
    return "".join(unicodedata.normalize("NFKC", str(header or "")).split())


def header_signature(headers) -> str:
    joined = "\x1f".join(_norm(h) for h in headers)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]


def recall(conn, headers) -> dict[int, str] | None:
    """The remembered mapping for these headers as {column index: field}, or None."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (PREFIX + header_signature(headers),)).fetchone()
    if not row:
        return None
    try:
        by_header = json.loads(row[0])
    except ValueError:
        return None
    out = {}
    for i, h in enumerate(headers):
        field = by_header.get(_norm(h))
        if field:
            out[i] = field
    return out or None


def remember(conn, headers, mapping: dict[int, str]) -> None:
    """Store *mapping* for these headers (inside the caller's transaction)."""
    by_header = {_norm(headers[i]): f for i, f in mapping.items() if i < len(headers) and _norm(headers[i])}
    if not by_header:
        return
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                 (PREFIX + header_signature(headers), json.dumps(by_header, ensure_ascii=False)))


def forget(conn, headers) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (PREFIX + header_signature(headers),))
