"""What changed in the ledger since an import was previewed, for importers/staleness.py: the reads of its check.

"Since the preview" is told by the preview's audit mark (the last audit id the previewer saw). Every write is
audited, but an import creates firms, designations and former names in bulk with one audit row for the batch
(db/bulk.py); so a change since the preview is
- an audit row after the mark (its firm, and its batch when it was written in one), and
- a row of a batch made after the preview: a firm, a designation, a former name, a list row (batch_rows).
On a shared ledger a login sees only the audit rows of the firms it may read and its own: another officer's
batch row is hidden. There a batch also counts as made after the preview when its row was written by a transaction
younger than the one that wrote the mark (``xmin``; with no mark, than the one that made the ledger), and when the
mark's row cannot be read any longer every batch counts (refuse in doubt); the catalog counts as changed when one
of its rows was written by a transaction younger than the mark's.
Not seen (as with the single MAX(audit.id) compared before): a writer whose transaction began before the one that
wrote the mark and committed after the preview, its audit ids below the mark; closing that needs the preview to
record the server's snapshot (``pg_current_snapshot()``) beside the mark.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

CATALOG_ENTITIES = frozenset({"stage", "track", "street"})     # what db/catalog_store.py audits
CATALOG_TABLES = frozenset({"stages", "tracks", "streets"})


@dataclass
class Since:
    """The firms changed and the batches made since the mark, as this login sees them."""
    firms: set[int] = field(default_factory=set)          # firms an audit row after the mark is about
    batches: set[int] = field(default_factory=set)        # batches made after the mark
    catalog: bool = False                                 # a stage, track or street was changed (as audited)
    mark_lost: bool = False                               # shared ledger: the mark's own row is not readable


def since(conn, mark: int, shared: bool) -> Since:
    out = Since()
    for firm_id, batch_id, entity in conn.execute("SELECT firm_id, batch_id, entity FROM audit WHERE id > ?",
                                                  (mark,)):
        out.catalog = out.catalog or entity in CATALOG_ENTITIES
        if firm_id is not None:
            out.firms.add(int(firm_id))
        if batch_id is not None:
            out.batches.add(int(batch_id))
    if shared:
        # the transaction that wrote the mark (or, with no mark, the ledger's making: init or push) committed before
        # the preview; a batch row written by a younger transaction (its xmin) counts as made after it
        ref = ("SELECT xmin FROM audit WHERE id = ?", (mark,)) if mark else (
            "SELECT xmin FROM meta WHERE key = 'ledger_id'", ())
        found = conn.execute(f"WITH ref AS ({ref[0]}) SELECT (SELECT count(*) FROM ref), b.id FROM batches b "
                             "WHERE age(b.xmin) < coalesce((SELECT age(xmin) FROM ref), 2147483647)", ref[1]).fetchall()
        out.mark_lost = bool(mark) and bool(found) and found[0][0] == 0
        out.batches.update(int(r[1]) for r in found)
        out.catalog = out.catalog or _catalog_written_since(conn, ref)
    return out


def _catalog_written_since(conn, ref: tuple[str, tuple]) -> bool:
    """Shared ledger: a street, track or stage row written by a transaction younger than *ref*'s (the catalog's
    audit rows are the admin's, which an officer cannot read)."""
    tables = " OR ".join(f"EXISTS (SELECT 1 FROM {t} WHERE age(xmin) < "
                         "coalesce((SELECT age(xmin) FROM ref), 2147483647))" for t in sorted(CATALOG_TABLES))
    found = conn.execute(f"WITH ref AS ({ref[0]}) SELECT {tables}", ref[1]).fetchone()
    return bool(found and found[0])


def hold(conn, firm_ids: set[int]) -> set[int]:
    """Shared ledger: lock the firms a plan matched, in id order, before reading what changed, so no other
    writer changes one of them between this check and the import's own writes (the file has one writer).
    Returns those of *firm_ids* the login can no longer see (moved to another street, removed for good)."""
    if not firm_ids:
        return set()
    held = conn.execute("SELECT id FROM firms WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id FOR UPDATE",
                        (_ids(firm_ids),)).fetchall()
    return set(firm_ids) - {r[0] for r in held}


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
