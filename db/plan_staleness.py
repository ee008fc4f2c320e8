"""What changed in the ledger since an import was previewed, for importers/staleness.py: the reads of its check.

"Since the preview" is told by the preview's audit mark (the last audit id the previewer saw). Every write is
audited, but an import creates firms, designations and former names in bulk with one audit row for the batch
(db/bulk.py); so a change since the preview is
- an audit row after the mark (its firm, and its batch when it was written in one), and
- a row of a batch made after the preview: a firm, a designation, a former name, a list row (batch_rows).
On a shared ledger a login sees only the audit rows of the firms it may read and its own: another officer's
batch row is hidden. There the preview also records the server's snapshot (``pg_current_snapshot()``, read in the
statement that reads the mark), and "after the preview" means "not visible in that snapshot":
- audit ids come from a sequence, so a writer whose transaction was still open at the preview may commit audit
  rows numbered below the mark (another transaction took a higher id and committed first). Such writers are the
  snapshot's in-progress transactions that have committed since (``pg_xact_status``); their audit rows are read
  by their transaction id (a scan of the audit table, made only when there is such a writer);
- a batch, a stage, a track or a street counts as made or changed after the preview when its row was written by a
  transaction that had not begun at the snapshot or was in progress in it. The batches are read this way because
  another officer's batch audit row is hidden while the batch row itself is not.
Before, the reference was the transaction that wrote the mark's audit row, which missed exactly those writers
(an import of another officer still running at the preview, whose firms could be namesakes of the rows).
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field

CATALOG_ENTITIES = frozenset({"stage", "track", "street"})     # what db/catalog_store.py audits
CATALOG_TABLES = frozenset({"stages", "tracks", "streets"})


@dataclass
class Since:
    """The firms changed and the batches made since the mark, as this login sees them."""
    firms: set[int] = field(default_factory=set)          # firms an audit row after the mark is about
    batches: set[int] = field(default_factory=set)        # batches made after the mark
    catalog: bool = False                                 # a stage, track or street was changed (as audited)
    mark_lost: bool = False                               # shared ledger: the preview recorded no snapshot


def mark(conn, shared: bool) -> tuple[int, str | None]:
    """The preview's mark: the last audit id this login reads and, on a shared ledger, the server's snapshot
    of the same statement (what "after the preview" means for ``since``)."""
    if not shared:
        return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]), None
    last, snapshot = conn.execute("SELECT COALESCE(MAX(id), 0), pg_current_snapshot()::text FROM audit").fetchone()
    return int(last), snapshot


def since(conn, mark: int, shared: bool, snapshot: str | None = None) -> Since:
    out = Since()
    if shared and not snapshot:         # refuse in doubt (every plan made on a shared ledger records one)
        out.mark_lost = True
        return out
    late = _committed_since(conn, snapshot) if shared and snapshot else []
    stamped = shared and _stamped(conn)
    rows = list(conn.execute("SELECT firm_id, batch_id, entity FROM audit WHERE id > ?", (mark,)))
    if late:        # writers open at the preview, committed since: their audit ids may be below the mark
        by = "xact::text::bigint = ANY(?)" if stamped else "xmin::text::bigint = ANY(?)"
        rows += conn.execute(f"SELECT firm_id, batch_id, entity FROM audit WHERE id <= ? AND {by}",
                             (mark, late if stamped else _low(late))).fetchall()
    for firm_id, batch_id, entity in rows:
        out.catalog = out.catalog or entity in CATALOG_ENTITIES
        if firm_id is not None:
            out.firms.add(int(firm_id))
        if batch_id is not None:
            out.batches.add(int(batch_id))
    if shared and snapshot:
        after, params = _written_after("batches", snapshot, late, stamped)
        out.batches.update(int(r[0]) for r in conn.execute(f"SELECT id FROM batches WHERE {after}", params))
        parts = {t: _written_after(t, snapshot, late, False) for t in sorted(CATALOG_TABLES)}
        found = conn.execute("SELECT " + " OR ".join(f"EXISTS (SELECT 1 FROM {t} WHERE {sql})"
                                                     for t, (sql, _) in parts.items()),
                             tuple(v for _, ps in parts.values() for v in ps)).fetchone()
        out.catalog = out.catalog or bool(found and found[0])
    return out


def _written_after(table: str, snapshot: str, late: list[int], stamped: bool) -> tuple[str, tuple]:
    """A row of *table* written after the snapshot: by a transaction that had not begun then (its xid at or above
    the snapshot's xmax; age() compares 32-bit xids across wraparound), or by one of the snapshot's in-progress
    transactions that committed since (*late*, ``_committed_since``), known by the row's xmin, and on a stamped
    table also by its writer's top-level transaction (``xact``: a row written in a savepoint has the
    subtransaction's xid as its xmin, which the snapshot does not list)."""
    sql = (f"(age({table}.xmin) <= age((pg_snapshot_xmax(?::pg_snapshot)::text::bigint & 4294967295)::text::xid) "
           f"OR {table}.xmin::text::bigint = ANY(?)")
    params: tuple = (snapshot, _low(late))
    if stamped:
        sql += f" OR {table}.xact::text::bigint = ANY(?)"
        params += (late,)
    return sql + ")", params


def _stamped(conn) -> bool:
    """Whether audit and batches record their writer's top-level transaction (shared schema v6 on)."""
    return bool(conn.execute("SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'audit'::regclass "
                             "AND attname = 'xact' AND NOT attisdropped)").fetchone()[0])


def _low(xids: list[int]) -> list[int]:
    """64-bit transaction ids as the 32-bit xids a row's xmin holds."""
    return [x & 0xFFFFFFFF for x in xids]


def _committed_since(conn, snapshot: str) -> list[int]:
    """The (64-bit) ids of the transactions in progress at *snapshot* that have committed since."""
    return [int(x) for (x,) in conn.execute(
        "SELECT x::text FROM pg_snapshot_xip(?::pg_snapshot) AS x WHERE pg_xact_status(x) = 'committed'",
        (snapshot,))]


def hold(conn, firm_ids: set[int]) -> set[int]:
    """Shared ledger: lock the firms a plan matched, in id order, before reading what changed, so no other
    writer changes one of them between this check and the import's own writes (the file has one writer).
    Returns those of *firm_ids* the login can no longer see (moved to another street, removed for good)."""
    if not firm_ids:
        return set()
    held = conn.execute("SELECT id FROM firms WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id FOR UPDATE",
                        (_ids(firm_ids),)).fetchall()
    return set(firm_ids) - {r[0] for r in held}


# the advisory locks of new rows' codes and names (shared ledger), from the server's lock table (about 6,400 slots by
# default, shared by every connection): a list with few new keys takes one lock per bucket of keys and a shared lock on
# ALL_KEYS; a list with more than MANY buckets takes ALL_KEYS alone, exclusively. So no import takes more than MANY + 1
# slots (a big list took 1,024: six at once filled the table and every other transaction failed), two small lists
# wait on each other only when their keys meet, and a big list waits for every import writing new firms, and they
# for it, which is what its buckets did.
KEY_LOCKS = 0x58544B59          # the locks' first key: 'XTKY'
KEY_BUCKETS = 1024
MANY = 64
ALL_KEYS = -1                   # the second key of the lock every import of new firms takes first


def hold_keys(conn, keys) -> None:
    """Shared ledger: before an import checks that none of its new rows' codes and names has appeared since its
    preview, wait for every other import still writing a firm of one of them (to its commit or rollback). Two
    officers importing the same firm at once both saw no such firm (the other's was not committed yet) and both
    created it: a code was caught by its unique key, a firm without one became two (found by an attack). ALL_KEYS
    first, then the buckets in their order, so two imports never wait on each other."""
    buckets = sorted({zlib.crc32(str(k).encode()) % KEY_BUCKETS for k in keys if k})
    if not buckets:
        return
    if len(buckets) > MANY:
        conn.execute("SELECT pg_advisory_xact_lock(?, ?)", (KEY_LOCKS, ALL_KEYS))
        return
    conn.execute("SELECT pg_advisory_xact_lock_shared(?, ?)", (KEY_LOCKS, ALL_KEYS))
    conn.execute("SELECT count(pg_advisory_xact_lock(?, b)) FROM unnest(?::int[]) AS b", (KEY_LOCKS, buckets))


def _ids(values) -> str:
    return json.dumps(sorted(int(v) for v in values))


def batch_touched(conn, batches: set[int]) -> set[int]:
    """The existing firms the *batches* changed in bulk: the firms their lists named (batch_rows) and the firms
    they added designations to."""
    if not batches:
        return set()
    found: set[int] = set()
    for table in ("batch_rows", "designations"):
        found.update(int(r[0]) for r in conn.execute(
            f"SELECT DISTINCT firm_id FROM {table} WHERE batch_id IN (SELECT value FROM json_each(?))",
            (_ids(batches),)))
    return found


def batch_named(conn, batches: set[int]) -> set[int]:
    """The firms the *batches* created or gave a former name to."""
    if not batches:
        return set()
    payload = _ids(batches)
    found = {int(r[0]) for r in conn.execute(
        "SELECT id FROM firms WHERE batch_id IN (SELECT value FROM json_each(?))", (payload,))}
    found.update(int(r[0]) for r in conn.execute(
        "SELECT DISTINCT firm_id FROM firm_aliases WHERE batch_id IN (SELECT value FROM json_each(?))", (payload,)))
    return found


def names_of(conn, firm_ids: set[int]) -> list[tuple[int, str | None, str, list[str]]]:
    """(id, code, name key, former names' keys) of each of *firm_ids* (deleted ones too: a deleted firm's code
    is still taken)."""
    if not firm_ids:
        return []
    payload = _ids(firm_ids)
    aliases: dict[int, list[str]] = {}
    for fid, key in conn.execute("SELECT firm_id, name_key FROM firm_aliases WHERE firm_id IN "
                                 "(SELECT value FROM json_each(?))", (payload,)):
        aliases.setdefault(int(fid), []).append(key)
    return [(int(fid), code, key, aliases.get(int(fid), [])) for fid, code, key in conn.execute(
        "SELECT id, code, name_key FROM firms WHERE id IN (SELECT value FROM json_each(?))", (payload,))]


def firm_name(conn, firm_id: int) -> str:
    row = conn.execute("SELECT name FROM firms WHERE id = ?", (firm_id,)).fetchone()
    return row[0] if row else f"编号 {firm_id}"
