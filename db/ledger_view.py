"""The SQL behind the ledger table: filters, search, sorting and keyset paging.

Everything runs in SQLite so the table stays smooth at a million firms:
- search: a trigram FTS5 index over name + former names (migration 7) for terms of three
  or more characters, a LIKE scan of the names for shorter ones, the pinyin index
  (firms.pinyin: initials, then full pinyin) for terms of letters only, and a range scan
  of the code index for a code prefix;
- sorting: a partial index per sortable column (WHERE deleted_at IS NULL);
- paging: by key ((sort value, id) greater than the last row of the previous page),
  with OFFSET only for a jump to a page whose predecessor is not known.
Columns computed from designations (star tier, stages held) are filled for one page at a
time and cannot be sorted on; the next expiry (of the stage filtered on, else of any
designation but a star tier) is sorted in SQL by walking the designations' end-date index
(``db.ledger_expiry``).
"""
from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from db.firm_fields import CODE_STATUS, STATUS_TITLE, field_sql, record_fields
from db.ledger_search import _code_like, _fts_phrase, search_condition, spelled
from pipeline import fields
from pipeline.catalog import Catalog


@dataclass(frozen=True)
class ViewColumn:
    key: str
    title: str
    select: str | None          # SQL expression; None for a column computed per page
    sort: str | None = None     # SQL expression to sort on; None: not sortable
    kind: str = "text"          # text | date | number | int
    width: int = 100
    visible: bool = True        # shown by default


EXPIRY_SORT = "@expires"     # sorted by db.ledger_expiry, not by a column expression
STAR_STAGES = "(SELECT st.id FROM stages st JOIN tracks tr ON tr.id = st.track_id WHERE tr.key = 'star')"
NO_STAR = -1                 # LedgerQuery.star_stage_id: firms holding no star tier on the day

# The table's own choices; titles, kinds and the SQL of the firm's fields come from pipeline.fields.
# Sortable: only the fields with an index (firms_live_*, the code's UNIQUE one), so a sort never scans the ledger.
SORTS = {"name": "f.name_sort", "code": "f.code", "street": "f.street_id", "industry": "f.industry",
         "officer": "f.officer", "founded": "f.founded", "reg_capital": "f.reg_capital", "revenue": "f.revenue",
         "employees": "f.employees"}       # name: pinyin order (firms.name_sort, v5)
WIDTHS = {"name": 280, "code": 170, "street": 80, "industry": 150, "officer": 70, "founded": 90, "reg_capital": 110,
          "revenue": 110, "rd_spend": 110, "employees": 70, "contact_person": 70, "contact_phone": 110,
          "legal_form": 120, "address": 240, "remark": 160}
KIND_WIDTH = {"text": 120, "date": 90, "number": 110, "int": 70}
TABLE_KINDS = {"money": "number"}       # a field's kind as the table's (text, date, int as they are)
SHOWN = ("name", "code", "street", "industry", "officer")       # the fields shown by default, in this order
# the hidden fields in the order the table had them before the others were added (a layout saved then
# by Qt's header state is restored by position), then every other field of the list, also hidden
HIDDEN_FIRST = ("founded", "reg_capital", "revenue", "employees", "contact_person", "contact_phone")


def field_column(key: str) -> ViewColumn:
    """The table column of a record field of the one list of fields."""
    f = fields.BY_KEY[key]
    kind = TABLE_KINDS.get(f.kind, f.kind)
    return ViewColumn(key, f.label, field_sql(key), SORTS.get(key), kind, WIDTHS.get(key, KIND_WIDTH.get(kind, 120)),
                      visible=key in SHOWN)


def table_columns() -> tuple[ViewColumn, ...]:
    """Every column of the table: the fields shown, the columns computed from designations, the code
    check, then the hidden fields (every record field of ``pipeline.fields`` is one) and the update time."""
    rest = [k for k in record_fields() if k not in SHOWN and k not in HIDDEN_FIRST]
    return (*(field_column(k) for k in SHOWN),
            ViewColumn("star", "星级", None, width=60),
            ViewColumn("held", "持有认定", None, width=220),
            ViewColumn("expires", "最近到期", None, EXPIRY_SORT, width=150),   # text: "高企 2026-03-01"
            ViewColumn("code_status", STATUS_TITLE, field_sql("code_status"), "f.code_status", width=90),
            *(field_column(k) for k in HIDDEN_FIRST),
            ViewColumn("updated_at", "更新时间", "substr(f.updated_at, 1, 16)", "f.updated_at", width=130,
                       visible=False),
            *(field_column(k) for k in rest))


COLUMNS: tuple[ViewColumn, ...] = table_columns()
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
PAGE = 200


@dataclass(frozen=True)
class LedgerQuery:
    """What the table shows: every field None/empty means "no limit"."""
    search: str = ""
    street_id: int | None = None
    stage_id: int | None = None          # holds this stage on as_of
    star_stage_id: int | None = None     # holds this star tier on as_of (NO_STAR: holds none)
    as_of: date | None = None            # default today
    industry: str | None = None
    officer: str | None = None
    expiring_days: int | None = None     # a designation held on as_of (of stage_id when set) ends within N days
    flagged: bool = False                # no usable code, failed check, or needs review
    firm_ids: tuple[int, ...] | None = None
    firm_ids_title: str = ""
    deleted: bool = False                # the recycle bin instead of the live ledger
    sort: str = "name"
    descending: bool = False

    def day(self) -> date:
        return self.as_of or date.today()

    def with_(self, **changes) -> "LedgerQuery":
        return replace(self, **changes)


@dataclass
class Page:
    ids: list[int] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)     # values in COLUMNS order
    last_key: tuple | None = None                      # (sort value, id) of the last row


def cheap_count(q: "LedgerQuery") -> bool:
    """False when counting may scan the whole ledger (search terms of one or two characters,
    a short code prefix): the table then shows its first page before the count is known."""
    terms = [t for t in re.split(r"\s+", q.search.strip().lower()) if t]
    if not terms or q.deleted:
        return True
    if len(terms) == 1 and (code := _code_like(terms[0])):
        return len(code) >= 6 or code.isdigit()
    return all(len(t) >= 3 and not spelled(t) for t in terms)


def fts_only(q: "LedgerQuery") -> str | None:
    """The MATCH text when the query is nothing but a trigram search (counted on the index alone)."""
    terms = [t for t in re.split(r"\s+", q.search.strip().lower()) if t]
    if (not terms or q.deleted or any(len(t) < 3 or spelled(t) for t in terms)
            or (len(terms) == 1 and _code_like(terms[0]))
            or q.with_(search="") != LedgerQuery(as_of=q.as_of, sort=q.sort, descending=q.descending)):
        return None
    return _fts_phrase(terms)


def walkable(q: LedgerQuery) -> bool:
    """True when only broad filters apply (no search, no list of firms): the first page is found fastest by
    walking the sort order's index and testing each row, not by collecting the matches and sorting them."""
    return not q.search.strip() and q.firm_ids is None


def where(q: LedgerQuery, frequent: bool = False, walk: bool = False, search=search_condition) -> tuple[str, list]:
    """The WHERE text over ``firms f``. *walk*: keep SQLite from driving the query by the street index
    (``+f.street_id``), so it walks the sort index instead (a street holds a fourteenth of the firms).
    *search*: the search box's condition of the engine (a shared ledger's: db.pg.search)."""
    conds = ["f.deleted_at IS NOT NULL" if q.deleted else "f.deleted_at IS NULL"]
    params: list = []
    day = q.day().isoformat()
    if q.search.strip():
        sql, p = search(q.search, q.deleted, frequent)
        conds.append(sql)
        params += p
    if q.street_id is not None:
        conds.append("+f.street_id = ?" if walk else "f.street_id = ?")
        params.append(q.street_id)
    for stage_id in (q.stage_id, q.star_stage_id):
        if stage_id is not None and stage_id != NO_STAR:
            conds.append("f.id IN (SELECT firm_id FROM designations WHERE deleted_at IS NULL AND stage_id = ? "
                         "AND start_date <= ? AND (end_date IS NULL OR end_date > ?))")
            params += [stage_id, day, day]
    if q.star_stage_id == NO_STAR:
        conds.append("f.id NOT IN (SELECT firm_id FROM designations WHERE deleted_at IS NULL "
                     f"AND stage_id IN {STAR_STAGES} AND start_date <= ? AND (end_date IS NULL OR end_date > ?))")
        params += [day, day]
    if q.industry:
        conds.append("f.industry = ?")
        params.append(q.industry)
    if q.officer:
        conds.append("f.officer = ?")
        params.append(q.officer)
    if q.expiring_days is not None:
        until = (q.day() + timedelta(days=int(q.expiring_days))).isoformat()
        stage_sql, stage_params = expiry_stages("designations", q)
        conds.append("f.id IN (SELECT firm_id FROM designations WHERE deleted_at IS NULL AND end_date > ? "
                     f"AND end_date <= ? AND start_date <= ? AND {stage_sql})")
        params += [day, until, day, *stage_params]
    if q.flagged:
        conds.append("(code_status != 'ok' OR needs_review != 0)")   # as written in the firms_flagged index
    if q.firm_ids is not None:
        conds.append("f.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps([int(i) for i in q.firm_ids]))
    return " AND ".join(conds), params


def expiry_stages(alias: str, q: LedgerQuery) -> tuple[str, list]:
    """Which designations "expiring" looks at: the stage filtered on, else any but a star tier."""
    if q.stage_id is not None:
        return f"{alias}.stage_id = ?", [q.stage_id]
    return f"{alias}.stage_id NOT IN {STAR_STAGES}", []


def open_view_connection(ledger) -> sqlite3.Connection:
    """A read-only connection of its own for the table: it sees committed data only, so a
    background import writing through ``ledger.conn`` never shows half-done rows. Never the
    ledger's own (write) connection: raises LedgerError when the file cannot be opened."""
    if getattr(ledger, "shared", False):
        return ledger.engine.open_view(ledger)
    from db.connection import connect
    return connect(ledger.path, readonly=True)


def _column(key: str) -> ViewColumn:
    for c in COLUMNS:
        if c.key == key:
            return c
    raise KeyError(key)


class LedgerView:
    """Reads for the ledger table over one connection. No writes.

    ``LedgerView.open(ledger)`` gives a view over a read-only connection it owns (``close()``
    closes it); a view made over a connection it was handed never closes that connection."""

    search_sql = staticmethod(search_condition)      # the search box's SQL on this engine

    def __init__(self, conn: sqlite3.Connection, catalog: Catalog, *, owns: bool = False) -> None:
        self.conn = conn
        self.owns = owns
        self.catalog = catalog
        star = next((t for t in catalog.tracks if t.key == "star"), None)
        self.star_ids = {s.id for s in star.stages} if star else set()
        self._select = ", ".join(c.select or "NULL" for c in COLUMNS)
        self._fts_counts: dict[str, int] = {}

    @classmethod
    def open(cls, ledger) -> "LedgerView":
        """A view over a new read-only connection of its own (LedgerError when the file cannot be opened)."""
        return cls.kind_for(ledger)(open_view_connection(ledger), ledger.catalog(), owns=True)

    @classmethod
    def kind_for(cls, ledger) -> type["LedgerView"]:
        """The view class for *ledger*: a shared ledger's reads (db/pg/search.py) when *cls* is the base class."""
        if getattr(ledger, "shared", False) and cls is LedgerView:
            from db.pg.search import SharedLedgerView
            return SharedLedgerView
        return cls

    def close(self) -> None:
        """Close the connection when this view owns it (never the ledger's write connection)."""
        if self.owns:
            self.conn.close()

    def forget(self) -> None:
        """Drop what this view learnt of the ledger (how common a search term is): the ledger was written since."""
        self._fts_counts.clear()

    def version(self) -> int | None:
        """A number that changes when another connection (another program, another window) commits to the file:
        what was read before may be stale (``PRAGMA data_version``, no table read). None on a shared ledger,
        whose changes are announced (desktop/live.py)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def short_name(self, stage_id: int) -> str:
        """The shortest name a stage goes by (高企 for 高新技术企业), for the expiry column."""
        stage = self.catalog.by_id(stage_id)
        return min((stage.name, *stage.aliases), key=len)

    # counting and paging ----------------------------------------------------
    def count(self, q: LedgerQuery) -> int:
        match = fts_only(q)
        if match is not None:
            return self.conn.execute("SELECT count(*) FROM firm_search WHERE firm_search MATCH ?",
                                     (match,)).fetchone()[0]
        sql, params = where(q, search=self.search_sql)
        hint = ""
        plain = LedgerQuery(as_of=q.as_of, sort=q.sort, descending=q.descending)
        if not q.deleted and q.with_(street_id=None) == plain:
            if q.street_id is None:
                return self.live_total()
            hint = "INDEXED BY firms_live "   # the small partial index, not the table
        return self.conn.execute(f"SELECT count(*) FROM firms f {hint}WHERE {sql}", params).fetchone()[0]

    def live_total(self) -> int:
        """The firms not in the recycle bin, exactly: every firm (SQLite counts an index's b-tree
        without reading its rows: 2 ms for a million) less those in the recycle bin (a range of
        the small firms_deleted index). Counting the live rows one by one takes 40 ms."""
        every = self.conn.execute("SELECT count(*) FROM firms").fetchone()[0]
        deleted = self.conn.execute("SELECT count(*) FROM firms WHERE deleted_at IS NOT NULL").fetchone()[0]
        return every - deleted

    def empty(self) -> bool:
        """No live firm (the table then shows the start page)."""
        return self.live_total() == 0

    FREQUENT = 30000     # a trigram match of more firms than this is tested row by row in sort order

    def _frequent(self, q: LedgerQuery) -> bool:
        return self._fts_count(q) > self.FREQUENT or self._code_count(q) > self.FREQUENT

    def is_slow(self, q: LedgerQuery) -> bool:
        """True when the first page or the count may scan much of the ledger. The table no longer asks (it runs
        every search off the UI thread, as this probe itself reads the ledger); the engines' probes are compared
        through it (tests/pg/test_both_engines.py)."""
        return (not cheap_count(q) or self._fts_count(q) > self.FREQUENT // 10
                or self._code_count(q) > self.FREQUENT // 10)

    def _code_count(self, q: LedgerQuery) -> int:
        """Firms whose code starts with the searched prefix, counted up to FREQUENT + 1 (an index range)."""
        terms = [t for t in re.split(r"\s+", q.search.strip().lower()) if t]
        code = _code_like(terms[0]) if len(terms) == 1 and not q.deleted else None
        if not code or (len(code) < 6 and not code.isdigit()):
            return 0
        key = "code:" + code
        n = self._fts_counts.get(key)
        if n is None:
            n = self.conn.execute("SELECT count(*) FROM (SELECT 1 FROM firms WHERE code >= ? AND code < ? LIMIT ?) c",
                                  (code, code + "\uffff", self.FREQUENT + 1)).fetchone()[0]
            if len(self._fts_counts) > 256:
                self._fts_counts.clear()
            self._fts_counts[key] = n
        return n

    def _fts_count(self, q: LedgerQuery) -> int:
        terms = [t for t in re.split(r"\s+", q.search.strip().lower()) if len(t) >= 3 and not spelled(t)]
        if not terms or q.deleted:
            return 0
        match = _fts_phrase(terms)
        n = self._fts_counts.get(match)
        if n is None:     # counted up to FREQUENT + 1: enough for every threshold, and 700k matches cost 20 ms
            n = self.conn.execute("SELECT count(*) FROM (SELECT 1 FROM firm_search WHERE firm_search MATCH ? LIMIT ?)",
                                  (match, self.FREQUENT + 1)).fetchone()[0]
            if len(self._fts_counts) > 256:
                self._fts_counts.clear()
            self._fts_counts[match] = n
        return n

    def _order(self, q: LedgerQuery) -> tuple[str, bool]:
        col = _column(q.sort) if q.sort != "id" else None
        expr = col.sort if col is not None and col.sort else "f.id"
        return expr, q.descending

    def page(self, q: LedgerQuery, *, after: tuple | None = None, offset: int = 0, limit: int = PAGE) -> Page:
        """The *limit* rows after the key *after* (or from the start), skipping *offset* rows.

        A skip first finds the key of the row before the page with a narrow query (sort value
        and id only: an index-only scan), then reads the page by key."""
        if offset > 0:
            keys = self._rows(q, after, offset - 1, 1, keys_only=True)
            if not keys:
                return Page()
            after = keys[0]
        out = Page()
        keys = []
        for r in self._rows(q, after, 0, limit):
            out.ids.append(r[0])
            keys.append((r[1], r[0]))
            out.rows.append(list(r[2:]))
        if keys:
            out.last_key = keys[-1]
        self._fill_derived(out, q)
        return out

    def _rows(self, q: LedgerQuery, after, offset: int, limit: int, keys_only: bool = False) -> list:
        expr, desc = self._order(q)
        if expr == EXPIRY_SORT:
            from db.ledger_expiry import expiry_rows
            return expiry_rows(self, q, after, offset, limit, keys_only, self._frequent(q))
        base, params = where(q, self._frequent(q), walk=walkable(q) and expr != "f.street_id", search=self.search_sql)
        direction = "DESC" if desc else "ASC"
        segments: list[tuple[str, list, str]] = []
        by_value = f"{expr} {direction}, f.id {direction}"
        by_id = f"f.id {direction}"
        if after is None:
            segments.append(("", [], by_value))
        else:
            value, last_id = after
            op = "<" if desc else ">"
            if value is None and not desc:        # NULLs first when ascending
                segments.append((f" AND {expr} IS NULL AND f.id > ?", [last_id], by_id))
                segments.append((f" AND {expr} IS NOT NULL", [], by_value))
            elif value is None:                    # NULLs last when descending
                segments.append((f" AND {expr} IS NULL AND f.id < ?", [last_id], by_id))
            else:
                segments.append((f" AND ({expr}, f.id) {op} (?, ?)", [value, last_id], by_value))
                if desc:
                    segments.append((f" AND {expr} IS NULL", [], by_id))
        out: list = []
        for extra, extra_params, order in segments:
            need = limit - len(out)
            if need <= 0:
                break
            if keys_only:
                sql = f"SELECT {expr}, f.id FROM firms f WHERE {base}{extra} ORDER BY {order} LIMIT ? OFFSET ?"
            else:
                sql = (f"SELECT f.id, {expr}, {self._select} FROM firms f LEFT JOIN streets s ON s.id = f.street_id "
                       f"WHERE {base}{extra} ORDER BY {order} LIMIT ? OFFSET ?")
            rows = self.conn.execute(sql, [*params, *extra_params, need, offset]).fetchall()
            offset = 0 if rows else max(0, offset - self._count_segment(base, extra, params + extra_params))
            out += [tuple(r) for r in rows]
        return out

    def _count_segment(self, base: str, extra: str, params: list) -> int:
        return self.conn.execute(f"SELECT count(*) FROM firms f WHERE {base}{extra}", params).fetchone()[0]

    def _fill_derived(self, page: Page, q: LedgerQuery) -> None:
        if not page.ids:
            return
        day = q.day()
        i_star, i_held, i_exp = COLUMN_KEYS.index("star"), COLUMN_KEYS.index("held"), COLUMN_KEYS.index("expires")
        i_status = COLUMN_KEYS.index("code_status")
        d = day.isoformat()
        held: dict[int, list] = {}
        marks = ",".join("?" * len(page.ids))
        for fid, sid, end in self.conn.execute(
                "SELECT firm_id, stage_id, end_date FROM designations WHERE deleted_at IS NULL "
                f"AND firm_id IN ({marks}) AND start_date <= ? AND (end_date IS NULL OR end_date > ?)",
                [*page.ids, d, d]):
            held.setdefault(fid, []).append((sid, end))
        order = {s.id: i for i, s in enumerate(self.catalog.stages)}
        for fid, row in zip(page.ids, page.rows, strict=True):
            mine = sorted(held.get(fid, ()), key=lambda h: order.get(h[0], 999))
            stars = [self.catalog.by_id(sid).name for sid, _ in mine if sid in self.star_ids]
            others = [self.catalog.by_id(sid).name for sid, _ in mine if sid not in self.star_ids and sid in order]
            ends = [(e, sid) for sid, e in mine if e and (sid == q.stage_id if q.stage_id is not None
                                                          else sid not in self.star_ids)]
            row[i_star] = stars[-1] if stars else ""
            row[i_held] = "、".join(others)
            if ends:
                end, sid = min(ends)
                row[i_exp] = f"{self.short_name(sid)} {(date.fromisoformat(end) - timedelta(days=1)).isoformat()}"
            else:
                row[i_exp] = ""
            row[i_status] = CODE_STATUS.get(row[i_status], row[i_status])

    def ids(self, q: LedgerQuery) -> list[int]:
        """Every firm id the query shows, in the table's order."""
        expr, desc = self._order(q)
        base, params = where(q, search=self.search_sql)
        direction = "DESC" if desc else "ASC"
        if expr == EXPIRY_SORT:
            from db.ledger_expiry import expiry_order
            order, order_params = expiry_order(q, direction)
            return [r[0] for r in self.conn.execute(f"SELECT f.id FROM firms f WHERE {base} ORDER BY {order}",
                                                    [*params, *order_params])]
        return [r[0] for r in self.conn.execute(
            f"SELECT f.id FROM firms f WHERE {base} ORDER BY {expr} {direction}, f.id {direction}", params)]

    def iter_pages(self, q: LedgerQuery, size: int = 2000):
        """Every row the query shows, page by page (for export)."""
        after = None
        while True:
            page = self.page(q, after=after, limit=size)
            if not page.ids:
                return
            yield page
            if len(page.ids) < size:
                return
            after = page.last_key

    # choices for the filter bar ---------------------------------------------
    def distinct(self, column: str) -> list[str]:
        """The values of *column* in live firms, sorted. With its partial index (firms_live_<column>) one
        seek per value ("the smallest value above the last one"), not a scan of every firm."""
        if column not in ("industry", "officer"):
            raise KeyError(column)
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                             (f"firms_live_{column}",)).fetchone():
            sql = (f"SELECT {column} FROM firms INDEXED BY firms_live_{column} WHERE deleted_at IS NULL "
                   f"AND {column} > ? ORDER BY {column} LIMIT 1")
            out: list[str] = []
            row = self.conn.execute(sql, ("",)).fetchone()
            while row is not None:
                out.append(row[0])
                row = self.conn.execute(sql, (row[0],)).fetchone()
            return out
        return [r[0] for r in self.conn.execute(
            f"SELECT DISTINCT {column} FROM firms WHERE deleted_at IS NULL AND {column} IS NOT NULL "
            f"AND {column} != '' ORDER BY {column}")]
