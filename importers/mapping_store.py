"""Remembered column mappings: a file with the same header gets the mapping the person asked to remember.

Only on request: ``remember`` is called when the person ticks "remember" in the wizard or passes
``--remember-map`` (or ``commit_plan(..., remember_mapping=True)``); never for a one-off ``--map``. Each
remembering and forgetting is audited; undoing the import that remembered a mapping forgets it again.
Stored by header text, so a moved column still maps (db/mappings.py).

API: ``recall(conn, headers)`` → {column index: field} or None; ``remember(ledger, headers, mapping)``;
``list_all(conn)`` → [{signature, headers, mapping…}]; ``forget(ledger, signature | "all")`` → how many.
"""
from __future__ import annotations

import hashlib
import unicodedata

from db import mappings

PREFIX = mappings.PREFIX


def _norm(header) -> str:
    return "".join(unicodedata.normalize("NFKC", str(header or "")).split())


def header_signature(headers) -> str:
    joined = "\x1f".join(_norm(h) for h in headers)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]


def recall(conn, headers) -> dict[int, str] | None:
    """The remembered mapping for these headers as {column index: field}, or None."""
    value = mappings.read(conn, header_signature(headers))
    if not value:
        return None
    by_header = value.get("headers") or {}
    out = {}
    for i, h in enumerate(headers):
        field = by_header.get(_norm(h))
        if field:
            out[i] = field
    return out or None


def remember(ledger, headers, mapping: dict[int, str], *, source: str = "person") -> str | None:
    """Remember *mapping* ({column index: field}) for files with these headers; returns the signature, or
    None when there is nothing to remember. Inside an open write (the import's) it joins that transaction
    and its batch, so undoing the import forgets it."""
    by_header = {_norm(headers[i]): f for i, f in mapping.items() if i < len(headers) and _norm(headers[i])}
    if not by_header:
        return None
    signature = header_signature(headers)
    value = {"headers": by_header, "columns": [str(h or "") for h in headers]}
    with ledger.write(source) as w:
        mappings.store(w, signature, value)
    return signature


def list_all(conn) -> list[dict]:
    """Every remembered mapping: signature, the file's header texts and {header: field}."""
    return [{"signature": sig, "columns": v.get("columns", []), "mapping": v.get("headers", {})}
            for sig, v in mappings.read_all(conn)]


def forget(ledger, which: str) -> int:
    """Forget the mapping with signature *which*, or every one ("all"). Returns how many were forgotten."""
    with ledger.write("person") as w:
        sigs = [s for s, _ in mappings.read_all(w.conn)] if which == "all" else [which]
        return sum(mappings.remove(w, s) for s in sigs)


def forget_headers(ledger, headers) -> int:
    return forget(ledger, header_signature(headers))
