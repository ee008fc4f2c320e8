"""The ledger table's search on a shared ledger: what the file's FTS5 trigram table does, on the trigram (GIN,
pg_trgm) indexes of db/pg/schema.py, with the same results.

The file (db/ledger_view.search_condition) matches a term of three or more characters anywhere in a live firm's
name, former names or pinyin (its FTS5 text); a shorter term (or any term in the recycle bin) in the name or a
former name, or, all letters, at the start of the pinyin initials; a term that looks like the start of a credit
code matches codes by prefix (from six characters, or all digits, codes only). Here: LIKE (ILIKE for a term
with cased letters) on each column (the trigram indexes serve '%…%' from three characters on; shorter terms are
tested row by row, as on the file), a LIKE 'prefix%' on the pinyin and code indexes (text_pattern_ops).

Measured (8,000 demo firms pushed, each keystroke of five typed searches = first page + count, best of 3, the
2-core machine shared): slowest keystroke 55 ms on PostgreSQL ('whq'), 44 ms on the file ('9'); median 17 / 11 ms.
"""
from __future__ import annotations

import re

from db.ledger_view import LedgerQuery, LedgerView, _code_like, _like_escape, fts_only, spelled, where

ALIAS_HAS = "f.id IN (SELECT firm_id FROM firm_aliases WHERE name {like} ?)"
# the firms' two trigram indexes read together (a BitmapOr once the ledger is large) and the former names' apart:
# an OR with the former names' subquery would test every firm row by row instead
TRIGRAM = ("f.id IN (SELECT id FROM firms WHERE deleted_at IS NULL AND (name {like} ? OR pinyin LIKE ?) UNION "
           "SELECT firm_id FROM firm_aliases WHERE name {like} ?)")
# a common term (more than FREQUENT firms), tested row by row while the sort order's index is walked: ``|| ''``
# makes the expressions not the indexed ones (SQLite's ``+column``), as the planner's estimate of a trigram match
# is far off (it would collect the half-million matches to sort them for a page of 200)
ROW_BY_ROW = ("((f.name || '') {like} ? OR (f.pinyin || '') LIKE ? OR EXISTS (SELECT 1 FROM firm_aliases a "
              "WHERE a.firm_id = f.id AND a.name {like} ?))")
# the bounded probe of how common the long terms are: the firms' names and pinyin only (the trigram indexes'
# BitmapOr, stopped after LIMIT rows), a lower bound of the matches; the former names are added below FREQUENT
PROBE = "(f.name {like} ? OR f.pinyin LIKE ?)"


def _like(term: str) -> str:
    """ILIKE only for a term with letters that have a case (the file's search ignores case): a Chinese term is
    matched with LIKE, three times cheaper per row. The pinyin is lower case, as the terms are."""
    return "LIKE" if term.upper() == term else "ILIKE"


def _terms(text: str) -> list[str]:
    return [t for t in re.split(r"\s+", text.strip().lower()) if t]


def search_condition(text: str, deleted: bool = False, frequent: bool = False) -> tuple[str, list]:
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
            parts.append((ROW_BY_ROW if frequent else TRIGRAM).format(like=op))
            params += [like, like, like]
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
    """The terms the trigram indexes answer (the file's FTS5 terms: three characters or more, not all letters)."""
    if q.deleted:
        return []
    return [t for t in _terms(q.search) if len(t) >= 3 and not spelled(t)]


class SharedLedgerView(LedgerView):
    """The ledger table's reads on a shared ledger: the file's, with the search above and no FTS5 table. The
    server shows the login only the firms it may read (row-level security), so counts and pages are theirs.

    How common a search's long terms are is probed as on the file (``_fts_count``, up to FREQUENT + 1 firms, kept
    per text): a rare search is counted by the probe itself and answered on the UI thread; a common one (more than
    FREQUENT / 10) is slow (``is_slow``: the table runs it on its background connection) and, above FREQUENT, its
    page walks the sort order's index testing each firm (ROW_BY_ROW) instead of sorting every match."""

    search_sql = staticmethod(search_condition)

    def count(self, q: LedgerQuery) -> int:
        if not q.deleted and q == LedgerQuery(as_of=q.as_of, sort=q.sort, descending=q.descending):
            return self.live_total()
        if fts_only(q) is not None and (n := self._fts_count(q)) <= self.FREQUENT:
            return n                    # the probe counted every match: below its bound it is the count
        sql, params = where(q, search=self.search_sql)
        return self.conn.execute(f"SELECT count(*) FROM firms f WHERE {sql}", params).fetchone()[0]

    def _fts_count(self, q: LedgerQuery) -> int:
        """The live firms the long terms match, counted up to FREQUENT + 1: first on the names and pinyin alone (a
        lower bound, the trigram indexes stopped after the bound), then, below it, with the former names."""
        terms = long_terms(q)
        if not terms:
            return 0
        key = "pg:" + " ".join(terms)
        n = self._fts_counts.get(key)
        if n is None:
            n = self._probe(" AND ".join(PROBE.format(like=_like(t)) for t in terms),
                            [p for t in terms for p in (f"%{_like_escape(t)}%",) * 2])
            if n <= self.FREQUENT:
                n = self._probe(" AND ".join(TRIGRAM.format(like=_like(t)) for t in terms),
                                [p for t in terms for p in (f"%{_like_escape(t)}%",) * 3])
            if len(self._fts_counts) > 256:
                self._fts_counts.clear()
            self._fts_counts[key] = n
        return n

    def _probe(self, condition: str, params: list) -> int:
        return self.conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM firms f WHERE f.deleted_at IS NULL AND "
                                 f"{condition} LIMIT ?) c", [*params, self.FREQUENT + 1]).fetchone()[0]

    def distinct(self, column: str) -> list[str]:
        if column not in ("industry", "officer"):
            raise KeyError(column)
        return [r[0] for r in self.conn.execute(
            f"SELECT DISTINCT {column} FROM firms WHERE deleted_at IS NULL AND {column} IS NOT NULL "
            f"AND {column} != '' ORDER BY {column}")]
