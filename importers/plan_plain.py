"""The plain rows of a chunk, decided without the general per-row machinery (``importers.plan_rows``).

Almost every row of a long list into an empty ledger is plain: read as data with nothing to report (not
hidden, nothing filled down, no note, no cleaning issue), a valid code met for the first time, a firm's
full name met for the first time, so a new firm with no warning, and on a designation list of one stage
its one designation dated by the row's date cell. ``Plain.run`` decides such a row exactly as
``plan_rows.decide_rows`` would (what ``RowStore.add`` stores, in bulk) and stops at any other row before
changing anything, so the general way decides it. Only on the fast path (``plan_clean.FAST``): every plan the
importer tests build is compared with the reference way, which never takes this lane.

Not taken: a ledger that already holds firms (a row may be an update, a near name, a duplicate of a
firm), a roster with stage columns (``plan_designations._staged``), a designation list whose stage comes from a
column.
"""
from __future__ import annotations

import re
from datetime import timedelta

from importers.clean import looks_like_firm_name
from importers.plan import CODE_STATUSES, NEW, RAW_HEAD

# a name plan_rows may warn of (a serial number before it, two names in one cell: ``plan_rows._odd_name``): a superset
MAYBE_ODD_NAME = re.compile(r"^\s*[\d（(]|[；;、，,/／\s]")

_DAY = timedelta(days=1)
_OK = CODE_STATUSES.index("ok")


class Plain:
    """The lane for one chunk; ``lane`` gives None when no row of the chunk can take it. Rows taken wait in
    ``rows`` and go into the store together (``flush``), which ``decide_rows`` calls before any other row."""
    __slots__ = ("names", "keys", "codes", "checks", "errs", "seen", "seen_names", "store", "designation", "stage",
                 "dates", "expires", "certs", "list_names", "list_name", "rows", "today")

    def __init__(self, c, names, keys, codes, checks, errs) -> None:
        pl, plan = c.pl, c.plan
        self.names, self.keys, self.codes, self.checks, self.errs = names, keys, codes, checks, errs
        self.seen, self.seen_names, self.store = pl.seen, pl.seen_names, plan.store
        self.designation, self.stage = plan.kind == "designation", pl.stage_obj
        self.dates, self.expires, self.certs = c.dates, c.expires, c.certs
        self.list_names, self.list_name = c.list_names, plan.list_name
        self.rows: list[tuple] = []
        self.today = pl.today

    @classmethod
    def lane(cls, c, names, keys, codes, checks, errs) -> Plain | None:
        pl = c.pl
        if pl.has_firms or c.by_code or c.by_name:
            return None
        if not pl.stage_obj if c.plan.kind == "designation" else pl.groups:
            return None
        return cls(c, names, keys, codes, checks, errs)

    def run(self, chunk: list, first: int, base: int) -> int:
        """Decide the plain rows of *chunk* from row *first* on (store index ``base + j``): the index of the first
        row that is not plain (untouched), or the chunk's length."""
        names, keys, codes, checks, errs = self.names, self.keys, self.codes, self.checks, self.errs
        seen, seen_names, keep = self.seen, self.seen_names, self.rows.append
        dates, expires, certs, list_names = self.dates, self.expires, self.certs, self.list_names
        stage = self.stage if self.designation else None
        plain_name, maybe_odd = looks_like_firm_name, MAYBE_ODD_NAME.search
        for j in range(first, len(chunk)):
            raw = chunk[j]
            if (raw.hidden or raw.filled or raw.note or raw.under or raw.extra or raw.after_note or j in errs
                    or checks[j][0] != "ok"):
                return j
            name, key, code = names[j], keys[j], codes[j]
            if not name or code in seen or key and (key in seen_names or "n:" + key in seen):
                return j            # a duplicate, or the name of another row: plan_rows reports it
            if not plain_name(name, cleaned=True) or maybe_odd(name):
                return j            # plan_rows warns that it is not a full name, or of a serial or two names
            des = None
            if stage is not None:
                start = dates[j] if dates is not None else None
                if start is None or start > self.today:
                    return j        # --date, the error of a row without a date, the warning of a later date
                exp = expires[j] if expires is not None else None
                end = exp + _DAY if exp else None
                if end is not None and end <= start:
                    return j
                des = (stage.key, start, end, certs[j] if certs is not None else None,
                       (list_names[j] if list_names is not None else None) or self.list_name, stage.name)
            seen[code] = base + j
            if key:
                seen_names[key] = (raw.excel_row, code)
            keep((raw.excel_row, code, name, des, raw.values))
        return len(chunk)

    def flush(self) -> None:
        """The rows taken, into the store: what ``RowStore.add(er, NEW, None, code, name, [], values, True,
        [des] or None, "ok", False, {}, code)`` does for each (tests/importers/test_plan_fast.py checks it)."""
        rows = self.rows
        if not rows:
            return
        store, n = self.store, len(rows)
        first = len(store)
        ers, codes, names, des, values = zip(*rows, strict=True)
        store.excel_row.extend(ers)
        store.status.extend(bytes((NEW,)) * n)
        store.include.extend(b"\x01" * n)
        store.firm_id.extend([0] * n)
        store.code.extend(codes)
        store.vcode.extend(codes)
        store.name.extend(names)
        store.code_status.extend(bytes((_OK,)) * n)
        store.review.extend(bytes(n))
        store.des.extend(des)
        for i in range(first, min(first + n, RAW_HEAD)):
            store.raw[i] = values[i - first]
        self.rows.clear()
