"""Which firms' dashboard facts each write changed: the log that keeps the dashboard's columnar cache current.

The dashboard reads per designation (firm, stage, start, end) and per firm (street, live): ``Facts``
(db/dashboard_queries.py). Until schema v9 every write transaction removed the cache's token, so the next open
read the whole ledger again (1M firms: 3 s) even after one edited date. Now the ledger itself says what changed:

- ``facts_log`` rows: a *mark* (``token``: a random text) that every write transaction writes first, in the
  door (``db.ledger.Ledger.write``), and *changes* (``lo``..``hi``: a range of firm ids whose facts changed;
  both NULL: anything may have changed, read everything again);
- row triggers (``TRIGGERS``: SQLite's own, so no write path can forget them) log the firm of every inserted,
  deleted or moved designation, of a designation whose stage, dates or deletion changed, and of a firm
  inserted, deleted, moved to another street, put into or taken out of the recycle bin; a change of the
  catalog (tracks, stages) logs "everything";
- a bulk write (an import's new firms and designations, a demo or pulled ledger) drops its table's triggers
  inside its transaction (any row trigger made inserting 2.7x slower, schema v6's note) and logs the firm ids it
  wrote set-wise, as ranges (``untracked``); one that names none logs "everything";
- a cache (db/facts_cache.py) is saved under a *position*: the latest mark and the latest row it has seen (its id
  and its *salt*, a random number SQLite gives every row, schema v10). On
  the next open it is patched with the firms logged after that row (``changes``), re-read by id: exact, as
  tests/db/test_facts_log.py checks against a full read after any sequence of writes.

The mark makes a position name one history: a backup restored, a copy of the file, a pulled ledger share a row id
with the cache only if they share the mark, and then the rows after it are theirs. A ledger whose latest mark up to
the cache's row is not the cache's (restored from before it was written, a copy that wrote apart, one edited around
the program then written by it, a log pruned past it) is read in full.
Writers outside this program are not logged unless the triggers catch them (an older 星图 refuses schema v9); while
a trigger is missing or altered (``whole``) an open reads in full, and the program's next write puts it back and
logs "everything" (``repair``). Rows another tool logs after a mark carry their own random salts (schema v10), so two
copies edited apart never share a position.
The log keeps its last KEEP rows (``prune`` in the door): a cache older than that is read in full.
"""
from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

KEEP = 200_000                  # log rows kept: about 6 MB; an older cache is read in full (one 3 s read at 1M firms)
PRUNE_EVERY = 1024              # rows beyond KEEP that make a prune (one DELETE of the oldest rows, by the rowid range)
_LOG = "INSERT INTO facts_log (lo, hi) VALUES"
_DESIGNATION_FACTS = "id, firm_id, stage_id, start_date, end_date, deleted_at"

# salt (schema v10): a random number SQLite gives every row, the triggers' too, so a position names one history even
# where no mark of the program's came after a fork: two copies of a file, each edited in another SQLite tool, log
# rows under the same ids after the same mark, and a cache saved at one such row was current for the other copy. Not
# NOT NULL: a table rebuilt by another tool without the default would refuse every write (found in review); a row
# without a salt is no position (``position``, ``changes``): read in full
TABLE = """
CREATE TABLE facts_log (id INTEGER PRIMARY KEY, token TEXT, lo INTEGER, hi INTEGER, salt INTEGER DEFAULT (random()));
CREATE UNIQUE INDEX facts_log_token ON facts_log(token) WHERE token IS NOT NULL;
"""
# the new firm of a row moved to another firm (a second row only then: an update logs one row, not two; 100k
# designations updated row by row: 0.92-1.25 s against 0.22-0.32 s without triggers, measured in review)
_MOVED = "INSERT INTO facts_log (lo, hi) SELECT new.{col}, new.{col} WHERE new.{col} IS NOT old.{col};"
# trigger name -> table and body; the bulk paths drop and recreate them by these names
TRIGGERS: dict[str, tuple[str, str]] = {
    "facts_firm_ai": ("firms", f"AFTER INSERT ON firms BEGIN {_LOG} (new.id, new.id); END"),
    "facts_firm_au": ("firms", "AFTER UPDATE OF id, street_id, deleted_at ON firms BEGIN "
                      f"{_LOG} (old.id, old.id); {_MOVED.format(col='id')} END"),
    "facts_firm_ad": ("firms", f"AFTER DELETE ON firms BEGIN {_LOG} (old.id, old.id); END"),
    "facts_designation_ai": ("designations", f"AFTER INSERT ON designations BEGIN "
                             f"{_LOG} (new.firm_id, new.firm_id); END"),
    "facts_designation_au": ("designations", f"AFTER UPDATE OF {_DESIGNATION_FACTS} ON designations BEGIN "
                             f"{_LOG} (old.firm_id, old.firm_id); {_MOVED.format(col='firm_id')} END"),
    "facts_designation_ad": ("designations", "AFTER DELETE ON designations BEGIN "
                             f"{_LOG} (old.firm_id, old.firm_id); END"),
    **{f"facts_{table}_{short}": (table, f"AFTER {event} ON {table} BEGIN {_LOG} (NULL, NULL); END")
       for table in ("tracks", "stages") for short, event in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))},
}
TRIGGER_SQL = "".join(f"CREATE TRIGGER {name} {body};\n" for name, (_, body) in TRIGGERS.items())


@dataclass(frozen=True)
class Position:
    """Where a cache stands in the log: the latest mark it has seen, the latest row and that row's salt."""
    token: str
    row: int
    salt: int

    def key(self) -> str:
        return f"{self.token}.{self.row}.{self.salt & _SALT_BITS:x}"

    @classmethod
    def of_key(cls, key: str) -> "Position | None":
        """The position of a key (None: not one, or one of schema v9, without the salt)."""
        parts = key.split(".")
        if len(parts) != 3 or not parts[0].isalnum() or not parts[1].isdigit():
            return None
        try:
            salt = int(parts[2], 16)
        except ValueError:
            return None
        if not 0 <= salt <= _SALT_BITS:
            return None
        return cls(parts[0], int(parts[1]), salt - (1 << 64) if salt >> 63 else salt)


_SALT_BITS = (1 << 64) - 1



def _numpy():
    """numpy, imported on first use: 0.06-0.1 s the app's start (db.ledger imports this module) does not wait for."""
    import numpy  # noqa: PLC0415
    return numpy

def has_log(conn: sqlite3.Connection) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'facts_log'").fetchone()
    return found is not None


def salted(conn: sqlite3.Connection) -> bool:
    """Whether the log's rows carry salts (schema v10 on)."""
    return conn.execute("SELECT 1 FROM pragma_table_info('facts_log') WHERE name = 'salt'").fetchone() is not None


def mark(conn: sqlite3.Connection) -> int:
    """A write transaction's first row (in the open transaction): a fresh mark, and "everything" after it when the
    log or a facts trigger was not whole (``whole``: put back first, ``repair``); once PRUNE_EVERY rows more than KEEP
    are there, the oldest go. Returns the mark's row id. (A prune on row ids that are multiples of PRUNE_EVERY never
    ran while every write logged the same number of rows, its mark on ids of another residue: found in review. The
    oldest id: one step down the b-tree.)"""
    broken = not whole(conn)    # a trigger or the log altered around the program: writes went unlogged
    if broken:
        repair(conn)
    row = conn.execute("INSERT INTO facts_log (token) VALUES (?)", (secrets.token_hex(12),)).lastrowid
    assert row is not None
    if broken:
        conn.execute(f"{_LOG} (NULL, NULL)")
    if conn.execute("SELECT min(id) FROM facts_log").fetchone()[0] <= row - KEEP - PRUNE_EVERY:
        prune(conn, row)
    return row


def _norm(sql: str | None) -> str:
    return " ".join((sql or "").split())


_WHOLE = {name: _norm(f"CREATE TRIGGER {name} {body}") for name, (_, body) in TRIGGERS.items()}
_TABLE = _norm(TABLE.split(";")[0])
SALTED = 10                     # the schema version whose log is TABLE (before it: v9's, without the salt)


def whole(conn: sqlite3.Connection) -> bool:
    """Whether every facts trigger is there as ``TRIGGERS`` has it, and from v10 on the log as ``TABLE`` has it.
    Another SQLite tool's table edit (a table rebuilt) or a migration rebuilding a table drops a table's triggers; the
    program's writes after that logged nothing, and the open used the cache as it was, for ever (found in review). A
    log rebuilt by such a tool loses the salt's default or the row id (found in review). The schema is in memory:
    about 70 us a write transaction (measured, load 3)."""
    have = conn.execute("SELECT name, sql FROM sqlite_master WHERE (type = 'trigger' AND name LIKE 'facts%') "
                        "OR (type = 'table' AND name = 'facts_log')")
    found = {name: _norm(sql) for name, sql in have}
    if found.get("facts_log") != _TABLE and conn.execute("PRAGMA user_version").fetchone()[0] >= SALTED:
        return False            # altered, or dropped (the triggers then fail every write: found by an attack)
    return all(found.get(name) == sql for name, sql in _WHOLE.items())


def repair(conn: sqlite3.Connection) -> None:
    """Put the log and every facts trigger back as ``TABLE`` and ``TRIGGERS`` have them (in the open transaction): the
    write that finds one missing or altered logs "everything" (what went unlogged is not known) and the writes after
    it are logged again (until v10 each write logged "everything" until a restore repaired them: a full read at every
    open). A log not as TABLE has it is made anew: its rows serve only caches, read in full after "everything"."""
    have = {name: _norm(sql) for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'facts%'")}
    tables = {n: _norm(sql) for n, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")}
    if tables.get("facts_log") != _TABLE and conn.execute("PRAGMA user_version").fetchone()[0] >= SALTED:
        conn.execute("DROP TABLE IF EXISTS facts_log")
        for statement in TABLE.split(";"):
            if statement.strip():
                conn.execute(statement)
    for name, (table, body) in TRIGGERS.items():
        if table in tables and have.get(name) != _WHOLE[name]:
            conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            conn.execute(f"CREATE TRIGGER {name} {body}")


def prune(conn: sqlite3.Connection, last: int) -> None:
    conn.execute("DELETE FROM facts_log WHERE id <= ?", (last - KEEP,))


def mark_alone(conn: sqlite3.Connection) -> bool:
    """A mark in a transaction of its own, for a ledger whose log has none (new, migrated, pulled, pruned): a cache
    needs one to be saved under. False when the ledger cannot be written (read-only, another writer holds it)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        mark(conn)
        conn.execute("COMMIT")
    except BaseException as exc:    # Ctrl+C too: an open write transaction would lock the ledger until closed
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            return False
        raise
    return True


def position(conn: sqlite3.Connection) -> Position | None:
    """The ledger's position now (latest mark, latest row and its salt), None without a mark or without salts (a
    log of schema v9: a ledger opened read-only is not migrated)."""
    if not salted(conn):
        return None
    last = conn.execute("SELECT id, salt FROM facts_log ORDER BY id DESC LIMIT 1").fetchone()
    found = conn.execute("SELECT token FROM facts_log WHERE token IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
    if found is None or last is None or not isinstance(last[1], int):
        return None
    return Position(found[0], int(last[0]), last[1])


def changes(conn: sqlite3.Connection, since: Position, limit: int) -> np.ndarray | None:
    """The firm ids (sorted, unique, int64) whose facts changed after *since*; None when that cannot be told (the
    mark is not this ledger's latest at the row: not in its log, after the row, pruned, or another mark between
    them; a change of "everything") or when more than *limit* firms changed (a full read is then as quick).

    The mark must be the latest up to the row, not merely there: rows after a mark written around the program (a
    copy edited in another SQLite tool, through the triggers) carry nothing random, and a cache saved at such a row
    was taken for the state of another copy that had a write of the program's own (a mark) at that row id (found in
    review). A step back from the row over the rows after the mark (one transaction's, usually a few). And the row
    must hold the salt it had: two copies each edited around the program log different rows under the same ids
    after the same mark (found in review; schema v10)."""
    np = _numpy()
    if not salted(conn):
        return None
    latest = conn.execute("SELECT token FROM facts_log WHERE id <= ? AND token IS NOT NULL ORDER BY id DESC LIMIT 1",
                          (since.row,)).fetchone()
    at = conn.execute("SELECT salt FROM facts_log WHERE id = ?", (since.row,)).fetchone()
    if latest is None or latest[0] != since.token or at is None or at[0] != since.salt:
        return None
    rows = conn.execute("SELECT lo, hi FROM facts_log WHERE id > ? AND token IS NULL", (since.row,)).fetchall()
    if not rows:
        return np.zeros(0, dtype=np.int64)
    if any(lo is None or hi is None for lo, hi in rows):
        return None
    lo = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    hi = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    lo, hi = _union(lo, np.maximum(lo, hi))             # disjoint, sorted: counted before any is expanded
    if int((hi - lo + 1).sum()) > limit:
        return None
    return _expand(lo, hi)


def _union(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ranges lo..hi as disjoint ranges in order, touching ones joined."""
    np = _numpy()
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], np.maximum.accumulate(hi[order])
    fresh = np.ones(len(lo), dtype=bool)
    fresh[1:] = lo[1:] > hi[:-1] + 1
    starts = np.flatnonzero(fresh)
    ends = np.append(starts[1:], len(lo)) - 1
    return lo[starts], hi[ends]


def _expand(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Every id of the ranges lo..hi, as one array (no Python loop per range)."""
    np = _numpy()
    counts = hi - lo + 1
    total = int(counts.sum())
    steps = np.ones(total, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    steps[starts] = lo - np.append([0], (hi[:-1]))
    steps[0] = lo[0]
    return np.cumsum(steps)


def log_firms(conn: sqlite3.Connection, firm_ids: Iterable[int]) -> None:
    """Log firm ids as ranges of consecutive ids (a bulk write's, set-wise)."""
    np = _numpy()
    ids = np.unique(np.fromiter((int(i) for i in firm_ids), np.int64))
    if not len(ids):
        return
    lo, hi = _union(ids, ids)
    conn.executemany(f"{_LOG} (?, ?)", zip(lo.tolist(), hi.tolist(), strict=True))


def log_everything(conn: sqlite3.Connection) -> None:
    """"Everything changed", then a fresh mark: the writers of "everything" outside the door (a migration, a
    restore's repair, a pulled or generated ledger) mark nothing else, and a full read after an unmarked row was
    saved under the previous mark and that row's id, which another history of the same mark (the state such a
    restore replaced, edited around the program, restored in turn) may hold with rows of its own: the tampered
    backup's facts were then patched as this ledger's (found in review, tests/db/test_facts_log_attack.py)."""
    conn.execute(f"{_LOG} (NULL, NULL)")
    mark(conn)


@dataclass
class Untracked:
    """The firm ids a bulk write says it changed (``add``, ``add_range``); nothing said: everything."""
    ids: list[np.ndarray] = field(default_factory=list)
    said: bool = False

    def add(self, firm_ids: Iterable[int]) -> None:
        np = _numpy()
        self.said = True
        self.ids.append(np.fromiter((int(i) for i in firm_ids), np.int64))

    def add_range(self, first: int, stop: int) -> None:
        np = _numpy()
        self.said = True
        self.ids.append(np.arange(first, stop, dtype=np.int64))


@contextmanager
def untracked(conn: sqlite3.Connection, *tables: str) -> Iterator[Untracked]:
    """A bulk write to *tables* in the open transaction without their facts triggers: they are dropped, and
    recreated from ``TRIGGERS`` on the way out with the firms the writer named logged (``Untracked``; named none:
    "everything"). On an error nothing is recreated nor logged here: the transaction's rollback restores them.
    A ledger without the log (before v9: a migration's own steps) is written as it is."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    names = [n for n, (table, _) in TRIGGERS.items() if table in tables and n in present]
    for name in names:
        conn.execute(f"DROP TRIGGER {name}")
    said = Untracked()
    yield said
    for name in names:
        conn.execute(f"CREATE TRIGGER {name} {TRIGGERS[name][1]}")
    if not has_log(conn):
        return
    if said.said:
        log_firms(conn, _numpy().concatenate(said.ids) if said.ids else [])
    else:
        log_everything(conn)
