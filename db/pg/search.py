"""The ledger table's search on a shared ledger: what the file's FTS5 trigram table does, on the trigram (GIN,
pg_trgm) indexes of db/pg/schema.py, with the same results.

The file (db/ledger_search.search_condition) matches a term of three or more characters anywhere in a live firm's
name, former names or pinyin (its FTS5 text); a shorter term (or any term in the recycle bin) in the name or a
former name, or, all letters, at the start of the pinyin initials; a term that looks like the start of a credit
code matches codes by prefix (from six characters, or all digits, codes only). Here: a term of three or more
characters through the trigram (GIN) indexes, read by xingtu_find_firms as the tables' owner (db/pg/schema.py: row
security keeps LIKE, not leakproof, off every index for anyone but a superuser); a shorter term with LIKE (ILIKE for
a term with cased letters) tested row by row, as on the file; a code prefix as a range of the code's index.

How a page is read depends on how common the search is, as on the file (``SharedLedgerView._fts_count``): a rare
one is collected from the trigram indexes and sorted; a common one (over FREQUENT firms) is tested row by row while
the sort order's index is walked, stopping after a page (the planner's estimate of a trigram match is far off).
"""
from __future__ import annotations

import functools
import re

from db.ledger_search import _code_like, _like_escape
from db.ledger_view import LedgerQuery, LedgerView, fts_only, where

FIND_FIRMS = "xingtu_find_firms(text, boolean, boolean, bigint)"
ALIAS_HAS = "f.id IN (SELECT firm_id FROM firm_aliases WHERE name {like} ?)"
# the trigram indexes, read by the tables' owner for the caller (db/pg/schema.py FIND_FIRMS: under row-level
# security a LIKE never uses an index), names, pinyin and former names
TRIGRAM = "f.id IN (SELECT xingtu_find_firms(?, {fold}, true, NULL))"
# the same on a ledger made before the function (schema v1, until a superuser opens it): the indexes serve a
# superuser only, anyone else's search reads every firm
DIRECT = ("f.id IN (SELECT id FROM firms WHERE deleted_at IS NULL AND (name {like} ? OR pinyin LIKE ?) UNION "
          "SELECT firm_id FROM firm_aliases WHERE name {like} ?)")
# a common term (more than FREQUENT firms), tested row by row while the sort order's index is walked: ``|| ''``
# makes the expressions not the indexed ones (SQLite's ``+column``), as the planner's estimate of a trigram match
# is far off (it would collect the half-million matches to sort them for a page of 200)
ROW_BY_ROW = ("((f.name || '') {like} ? OR (f.pinyin || '') LIKE ? OR EXISTS (SELECT 1 FROM firm_aliases a "
              "WHERE a.firm_id = f.id AND a.name {like} ?))")
# how common a term is, first from a sample (the first SAMPLE live firms the login reads: a scan of a few
# milliseconds), as the trigram indexes take longest exactly for a common term (its half-million matches, 0.7 s);
# below FREQUENT on the sample, its firms are counted exactly up to FREQUENT + 1 by the indexes (a rare term: fast)
SAMPLE_SQL = ("SELECT count(*) FILTER (WHERE {match}), count(*) FROM (SELECT f.name, f.pinyin FROM firms f "
              "WHERE f.deleted_at IS NULL LIMIT ?) f")
SAMPLED_MATCH = "(f.name {like} ? OR f.pinyin LIKE ?)"
ROWS = "SELECT reltuples FROM pg_class WHERE oid = 'firms'::regclass"


def _like(term: str) -> str:
    """ILIKE only for a term with letters that have a case (the file's search ignores case): a Chinese term is
    matched with LIKE, three times cheaper per row. The pinyin is lower case, as the terms are."""
    return "LIKE" if term.upper() == term else "ILIKE"


def _fold(term: str) -> str:
    return "false" if _like(term) == "LIKE" else "true"


def _terms(text: str) -> list[str]:
    return [t for t in re.split(r"\s+", text.strip().lower()) if t]


def trigram(term: str, owner: bool = True) -> tuple[str, list]:
    """The condition "*term* in the name, pinyin or a former name" on the trigram indexes, and its parameters.
    *owner*: through xingtu_find_firms (False: the ledger predates it)."""
    like = f"%{_like_escape(term)}%"
    if owner:
        return TRIGRAM.format(fold=_fold(term)), [like]
    return DIRECT.format(like=_like(term)), [like, like, like]


def search_condition(text: str, deleted: bool = False, frequent: bool = False, *, owner: bool = True
                     ) -> tuple[str, list]:
    """SQL condition for the search box on PostgreSQL (the file's rules, see the module's notes). *frequent*: the
    long terms match many firms: tested row by row (ROW_BY_ROW) so that a page walks the sort order's index."""
    terms = _terms(text)
    if not terms:
        return "", []
    code = _code_like(terms[0]) if len(terms) == 1 else None
    if code and (len(code) >= 6 or code.isdigit()):     # a range of the code's index, as on the file
        return "f.code >= ? AND f.code < ?", [code, code + "\uffff"]
    parts, params = [], []
    for t in terms:
        like, op = f"%{_like_escape(t)}%", _like(t)
        if len(t) >= 3 and not deleted:
            if frequent:
                parts.append(ROW_BY_ROW.format(like=op))
                params += [like, like, like]
            else:
                sql, p = trigram(t, owner)
                parts.append(sql)
                params += p
        elif re.fullmatch(r"[a-z]+", t):
            parts.append("(f.pinyin LIKE ? OR f.name ILIKE ?)")
            params += [_like_escape(t) + "%", like]
        else:
            parts.append(f"(f.name {op} ? OR {ALIAS_HAS.format(like=op)})")
            params += [like, like]
    sql = " AND ".join(parts)
    if code:
        return f"(f.code >= ? AND f.code < ? OR {sql})", [code, code + "\uffff", *params]
    return sql, params


def long_terms(q: LedgerQuery) -> list[str]:
    """The terms the trigram indexes answer: three characters or more (on the file, a term of letters is looked
    for in the pinyin row by row instead; here the pinyin has a trigram index too, so it is probed as well)."""
    terms = _terms(q.search)
    code = _code_like(terms[0]) if len(terms) == 1 else None
    if q.deleted or (code and (len(code) >= 6 or code.isdigit())):     # the start of a code: codes only
        return []
    return [t for t in terms if len(t) >= 3]


class SharedLedgerView(LedgerView):
    """The ledger table's reads on a shared ledger: the file's, with the search above and no FTS5 table. The
    server shows the login only the firms it may read (row-level security), so counts and pages are theirs.

    How common a search's long terms are is probed as on the file (``_fts_count``, up to FREQUENT + 1 firms, kept
    per text): a rare search is counted by the probe itself; above FREQUENT, a common one's page walks the sort
    order's index testing each firm (ROW_BY_ROW) instead of sorting every match. (The table asks all this off
    the UI thread, for every search: ui/ledger/background.py.)"""

    search_sql = staticmethod(search_condition)

    def __init__(self, conn, catalog, *, owns: bool = False) -> None:
        super().__init__(conn, catalog, owns=owns)
        self.owner = conn.execute(f"SELECT to_regprocedure('{FIND_FIRMS}') IS NOT NULL").fetchone()[0]
        if not self.owner:          # a ledger made before schema v2 (db/pg/schema.upgrade): the indexes directly
            self.search_sql = functools.partial(search_condition, owner=False)

    def count(self, q: LedgerQuery) -> int:
        if not q.deleted and q == LedgerQuery(as_of=q.as_of, sort=q.sort, descending=q.descending):
            return self.live_total()
        if fts_only(q) is not None and (n := self._fts_count(q)) <= self.FREQUENT:
            return n                    # the probe counted every match: below its bound it is the count
        sql, params = where(q, search=self.search_sql)
        return self.conn.execute(f"SELECT count(*) FROM firms f WHERE {sql}", params).fetchone()[0]

    def version(self) -> int | None:
        return None             # the server announces what others commit (LISTEN/NOTIFY: desktop/live.py)

    def live_total(self) -> int:
        """The live firms the login may read, in one count (the file's "every firm less the recycle bin" counts a
        b-tree's size for free; here it would read the table twice): an index-only scan of the small firms_live."""
        return self.conn.execute("SELECT count(*) FROM firms WHERE deleted_at IS NULL").fetchone()[0]

    def _fts_count(self, q: LedgerQuery) -> int:
        """The live firms the long terms match, counted up to FREQUENT + 1: first on the names and pinyin alone (a
        lower bound, the trigram indexes stopped after the bound), then, below it, with the former names."""
        terms = long_terms(q)
        if not terms:
            return 0
        key = "pg:" + " ".join(terms)
        n = self._fts_counts.get(key)
        if n is None:
            likes = [f"%{_like_escape(t)}%" for t in terms]
            n = self._sampled(terms, likes)
            if n <= self.FREQUENT:
                found = [trigram(t, self.owner) for t in terms]
                n = self.conn.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM firms f WHERE f.deleted_at IS NULL AND "
                    + " AND ".join(sql for sql, _p in found) + " LIMIT ?) c",
                    [*(p for _sql, ps in found for p in ps), self.FREQUENT + 1]).fetchone()[0]
            if len(self._fts_counts) > 256:
                self._fts_counts.clear()
            self._fts_counts[key] = n
        return n

    SAMPLE = 5000

    def _sampled(self, terms: list[str], likes: list[str]) -> int:
        """The firms the terms' names and pinyin match, estimated from the first SAMPLE firms (exact, without the
        former names, when the login reads fewer)."""
        match = " AND ".join(SAMPLED_MATCH.format(like=_like(t)) for t in terms)
        found, read = self.conn.execute(SAMPLE_SQL.format(match=match),
                                        [*(p for like in likes for p in (like, like)), self.SAMPLE]).fetchone()
        if read < self.SAMPLE:
            return found
        rows = self.conn.execute(ROWS).fetchone()[0]
        return int(found * max(rows, read) / read)

    def _code_count(self, q: LedgerQuery) -> int:
        """The file's probe of a code prefix (up to FREQUENT + 1), on the live firms: an index-only range of
        firms_live_code_sort, which holds the street the row security tests (a read of each firm row: 0.1 s)."""
        terms = _terms(q.search)
        code = _code_like(terms[0]) if len(terms) == 1 and not q.deleted else None
        if not code or (len(code) < 6 and not code.isdigit()):
            return 0
        key = "code:" + code
        if key not in self._fts_counts:
            self._fts_counts[key] = self.conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM firms WHERE deleted_at IS NULL AND code >= ? AND code < ? "
                "LIMIT ?) c", (code, code + "\uffff", self.FREQUENT + 1)).fetchone()[0]
        return self._fts_counts[key]

    def empty(self) -> bool:
        return not self.conn.execute("SELECT EXISTS (SELECT 1 FROM firms WHERE deleted_at IS NULL)").fetchone()[0]

    def distinct(self, column: str) -> list[str]:
        """The values of *column* in the live firms the login reads, sorted: one seek of its sort index per value
        (a recursive query: "the smallest value above the last one"), as the file does; a DISTINCT read the
        million firms (2 s each for the filter bar's two lists, on every start)."""
        if column not in ("industry", "officer"):
            raise KeyError(column)
        first = (f"SELECT {column} FROM firms WHERE deleted_at IS NULL AND {column} > {{}} "
                 f"ORDER BY {column} NULLS FIRST LIMIT 1")
        return [r[0] for r in self.conn.execute(
            f"WITH RECURSIVE v(value) AS (({first.format('?')}) UNION ALL "
            f"SELECT ({first.format('v.value')}) FROM v WHERE v.value IS NOT NULL) "
            "SELECT value FROM v WHERE value IS NOT NULL", ("",))]
