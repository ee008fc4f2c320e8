"""The ledger: one SQLite file (or a shared PostgreSQL ledger), every write audited and transactional.

Reads that feed the maths live in db/queries.py; this module is the one
door for writes (db/bulk.py is its volume path for imports and undo).
``with ledger.write(source) as w:`` opens one ``BEGIN IMMEDIATE``
transaction; any exception rolls all of it back. A ``write()`` inside a
``write()`` nests with a SAVEPOINT: its failure rolls back only its own
part, and nothing is saved before the outermost one ends. Right before
COMMIT the ledger file is checked to still be the one opened.

``Ledger("postgresql://…")`` opens a shared ledger with the same API (db/pg/session.py); what differs between
the two engines is kept in db/engine.py.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Iterator, cast

from db import catalog_store, conflict, engine, facts_log, schema
from db import lock as ledger_lock
from db.connection import open_ledger, partial_streets
from db.errors import LedgerError, NestingError, os_user, sqlite_kind
from db.writer_records import RecordWrites, new_id
from db.writer_records import plain as _plain
from pipeline import uscc
from pipeline.catalog import Catalog
from pipeline.dates import iso, parse_iso
from pipeline.fields import FIRM_ATTRS
from pipeline.ladder import TierChange, place_tier
from pipeline.names import name_key, pinyin_keys

FIRM_FIELDS = ("code", "code_raw", "code_status", "name", "street_id", *FIRM_ATTRS, "needs_review")
AUDIT_COLUMNS = ("at", "os_user", "officer", "action", "entity", "entity_id", "firm_id", "before", "after", "source",
                 "batch_id")
AUDIT_INSERT = f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) "  # + VALUES (…) or + SELECT …: the one audit INSERT
MSG_MOVED = "台账文件已被移动或删除，本次{what}未保存"


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class Ledger:
    def __init__(self, path: str | Path, *, readonly: bool = False, officer: str | None = None,
                 create: bool = True) -> None:
        self.readonly = readonly
        self.officer = officer
        self.user = os_user()
        self._catalog: Catalog | None = None
        self._writers: list[Writer] = []          # the open write() blocks, outermost first
        self.url: str | None = None
        self.engine: engine.FileEngine | engine.SharedEngine
        self.conn: sqlite3.Connection
        if engine.is_url(path):
            self.url, self.engine = str(path), engine.SharedEngine()
            # sets path, login, role, street_ids, officer, readonly; a PgConnection answers the sqlite3 calls made
            self.conn = cast(sqlite3.Connection, self.engine.open(self, readonly))
            return
        self.path = Path(path)
        self.engine = engine.FILE
        self.conn = open_ledger(self, readonly, create)  # lock, connect, migrate; sets readonly, readonly_reason, lock
        self.street_ids = partial_streets(self.conn)      # a file pulled with some streets only: those, else None
        if not self.readonly and self.conn.execute("SELECT COUNT(*) FROM tracks").fetchone()[0] == 0:
            with self.write("cli") as w:
                catalog_store.seed_defaults(w.conn)
                w.audit("init", "ledger", None, None, None, {"path": str(self.path)})

    def close(self) -> None:
        self.conn.close()
        ledger_lock.release(getattr(self, "lock", None))

    @property
    def shared(self) -> bool:
        """A shared PostgreSQL ledger (not the local file)."""
        return self.engine.shared

    def now(self) -> str:
        """The time a write is stamped with: the PC's for the file, the server's for a shared ledger."""
        return engine.SharedEngine.now(self.conn) if self.engine.shared else now()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # catalog -----------------------------------------------------------
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = catalog_store.load_catalog(self.conn)
        return self._catalog

    def data_version(self) -> int | None:
        """For a file: a number that changes when another connection commits to it (``PRAGMA data_version``, no table
        read); what this connection read before may then be stale. None on a shared ledger (its changes are
        announced: db/pg/notify.py)."""
        if self.engine.shared:
            return None
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def invalidate(self) -> None:
        self._catalog = None

    def streets(self) -> list[tuple[int, str]]:
        return catalog_store.streets(self.conn)

    def street_id(self, name: str | None) -> int | None:
        if not name:
            return None
        row = self.conn.execute("SELECT id FROM streets WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    # writing -----------------------------------------------------------
    @contextmanager
    def write(self, source: str = "person", batch_id: int | None = None) -> Iterator["Writer"]:
        if self.readonly:
            raise LedgerError("台账以只读方式打开，不能修改")
        if self._writers:
            with self._savepoint(source, batch_id) as writer:
                yield writer
            return
        if self.conn.in_transaction:
            raise NestingError("连接上已有未经 Ledger.write() 打开的事务：写入必须通过 Ledger.write()")
        self._begin()
        try:
            writer = Writer(self, source, batch_id)
            self._writers.append(writer)
            if not self.engine.shared:
                # the dashboard's columnar cache is patched with the firms written after its mark (db/facts_log.py;
                # a file's own); before v9 (a ledger opened without migrating) it held only while nothing was written
                if facts_log.has_log(self.conn) or schema.version(self.conn) >= facts_log.SALTED:
                    facts_log.mark(self.conn)               # (a log dropped around the program is made anew)
                else:
                    self.conn.execute("DELETE FROM meta WHERE key = ?", (schema.FACTS_TOKEN,))
            yield writer
            if not self.engine.shared:
                self._check_same_file(source)
        except BaseException as exc:
            self._writers.clear()
            self._rollback()
            self.invalidate()
            error = self.engine.failure(self, exc)
            if error is None:
                raise
            raise error from exc
        self._writers.clear()
        try:
            self.conn.execute("COMMIT")
        except self.engine.engine_errors as exc:
            self._rollback()
            self.invalidate()
            raise self.engine.failure(self, exc, committing=True) or LedgerError(str(exc)) from exc
        if not self.engine.shared:
            self._checkpoint()

    def _checkpoint(self) -> None:
        """After a commit, copy what the -wal file holds into the ledger file (PASSIVE: never waits for a reader;
        about 1 ms after an edit). A copy of the open ledger's file alone (Explorer, a USB stick) lacked every change
        since SQLite's own checkpoint (1,000 pages: days of edits; a new ledger's tables too): found by an attack.
        A checkpoint that cannot run now (a reader's snapshot, a busy file) is left to the next one."""
        try:
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass

    def _begin(self) -> None:
        """BEGIN IMMEDIATE on the file (after checking it is still ours), BEGIN on a shared ledger."""
        if not self.engine.shared:
            ledger_lock.guard_write(self)  # file deleted or moved, lock taken over: refuse before writing
        try:
            self.conn.execute(self.engine.begin)
        except self.engine.engine_errors as exc:
            if sqlite_kind(exc) == "busy":
                raise LedgerError(f"台账正被另一程序写入，请稍后再试（{exc}）") from exc
            raise self.engine.failure(self, exc, committing=True) or LedgerError(str(exc)) from exc

    @contextmanager
    def _savepoint(self, source: str, batch_id: int | None) -> Iterator["Writer"]:
        """A write() inside a write(): a SAVEPOINT in the open transaction (as sqlite-utils' atomic())."""
        outer = self._writers[-1]
        name = f"xingtu_{len(self._writers)}"
        self.conn.execute(f"SAVEPOINT {name}")
        writer = Writer(self, source, outer.batch_id if batch_id is None else batch_id)
        writer.stamp = outer.stamp
        self._writers.append(writer)
        try:
            yield writer
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
            self.invalidate()
            raise
        finally:
            self._writers.remove(writer)
        self.conn.execute(f"RELEASE {name}")

    def _rollback(self) -> None:
        """ROLLBACK when a transaction is still open; a failing ROLLBACK never hides the error being raised."""
        if self.conn.in_transaction:  # SQLite may already have rolled back (disk full, I/O error)
            try:
                self.conn.execute("ROLLBACK")
            except self.engine.engine_errors:
                pass

    def _check_same_file(self, source: str) -> None:
        """Right before COMMIT: the file at the ledger's path is still the one opened: it exists, with the same
        device and inode (an inode is never reused while this connection holds the file open, so this also
        tells a file put in its place; the meta 'ledger_id' read back through the path would not, as a reader
        there applies the -wal file beside it). A deleted or moved ledger would take the transaction with
        it: refuse, and the caller rolls back."""
        expected = getattr(self, "file_id", None)
        if not self.path.exists() or (expected is not None and ledger_lock.file_id(self.path) != expected):
            raise LedgerError(MSG_MOVED.format(what="导入" if source == "import" else "修改"))


def next_firm_id(conn: sqlite3.Connection) -> int:
    """The id of the next new firm: above every firm's and every id the audit names (a firm an undo or a purge
    removed): a firm's history is read by its id, and a new firm on an old id showed the old one's."""
    return engine.FILE.next_firm_id(conn)


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str)


class Writer(RecordWrites):
    """Writes inside one transaction; every change leaves an audit row. Service records and targets:
    db/writer_records.py."""

    def __init__(self, ledger: Ledger, source: str, batch_id: int | None) -> None:
        self.ledger = ledger
        self.conn = ledger.conn
        self.source = source
        self.batch_id = batch_id
        self.stamp = ledger.now()
        self.ladder: TierChange | None = None   # what the last add_designation changed on a ladder (pipeline.ladder)
        self.analyzed: set[str] = set()         # tables analysed in this write (a shared ledger's bulk step)

    def audit(self, action: str, entity: str, entity_id, firm_id, before, after) -> None:
        self.audit_many([(action, entity, entity_id, firm_id, before, after)])

    def audit_many(self, rows) -> None:
        """Audit rows (action, entity, entity_id, firm_id, before, after), before/after as Python values."""
        head = (self.stamp, self.ledger.user, self.ledger.officer)
        tail = (self.source, self.batch_id)
        self.conn.executemany(AUDIT_INSERT + f"VALUES ({', '.join('?' * len(AUDIT_COLUMNS))})",
                              [(*head, a, e, eid, fid, _json(b), _json(af), *tail) for a, e, eid, fid, b, af in rows])

    # firms
    def insert_firm(self, name: str, code: str | None = None, **fields) -> int:
        check = uscc.validate(code) if code else None
        values = {k: v for k, v in fields.items() if k in FIRM_FIELDS}
        if check is not None:
            if check.usable:
                values.setdefault("code_status", "ok" if check.ok else "bad_check")
                values["code"] = check.code
            else:
                values.update(code=None, code_raw=str(code), code_status="invalid")
        else:
            values.update(code=None, code_status="no_code")
        values["name"] = name
        values = {k: _plain(v) for k, v in values.items()}
        cols = ["id", *values, "name_key", "pinyin", "name_sort", "batch_id", "created_at", "updated_at"]
        row = [self.ledger.engine.next_firm_id(self.conn), *values.values(), name_key(name),
               *pinyin_keys((name,))[0], self.batch_id, self.stamp, self.stamp]
        try:
            cur = self.conn.execute(
                f"INSERT INTO firms ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", row)
        except self.ledger.engine.integrity_errors as exc:
            raise LedgerError(f"统一社会信用代码 {values.get('code')} 已在台账中") from exc
        firm_id = new_id(cur)
        self.audit("insert", "firm", firm_id, firm_id, None, values)
        return firm_id

    def firm(self, firm_id: int) -> dict:
        cur = self.conn.execute("SELECT * FROM firms WHERE id = ?", (firm_id,))
        row = cur.fetchone()
        if row is None:
            raise LedgerError(f"台账中没有编号为 {firm_id} 的企业")
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def firm_to_change(self, firm_id: int, seen: dict | None = None) -> dict:
        """The firm's row, locked until this write ends; EditConflict when it differs from *seen*, the values the
        person saw (db/conflict.py: no lost update)."""
        current = conflict.locked_row(self, "firms", firm_id, f"台账中没有编号为 {firm_id} 的企业")
        conflict.check_seen(self, lambda: f"企业“{current['name']}”", firm_id, current, _seen(seen))
        return current

    def update_firm(self, firm_id: int, *, seen: dict | None = None, **changes) -> dict:
        """Apply *changes*; returns {field: (before, after)} of what really changed. *seen*: the firm's values
        as the person saw them (a row of ``firm()``, or some of its fields): refused when the firm changed."""
        if seen is not None:
            self.firm_to_change(firm_id, seen)
        return self.update_firms({firm_id: changes})[firm_id]

    def update_firms(self, changes_by_id: dict[int, dict]) -> dict[int, dict]:
        """``update_firm`` for many firms at once (the import's volume path): the same rules, one SELECT per
        chunk, one executemany per set of columns and one for the audit rows. Returns {firm: diff}."""
        out: dict[int, dict] = {}
        ids = list(changes_by_id)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cur = self.conn.execute(f"SELECT * FROM firms WHERE id IN ({','.join('?' * len(chunk))})"
                                    f"{self.ledger.engine.lock_rows}", chunk)
            names = [d[0] for d in cur.description]
            current = {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}
            groups: dict[tuple, list] = {}
            audit = []
            for fid in chunk:
                if fid not in current:
                    raise LedgerError(f"台账中没有编号为 {fid} 的企业")
                diff = out[fid] = _firm_diff(current[fid], changes_by_id[fid])
                if not diff:
                    continue
                sets = {k: v[1] for k, v in diff.items()}
                if "name" in sets:
                    sets["name_key"] = name_key(sets["name"])
                    sets["pinyin"], sets["name_sort"] = pinyin_keys((sets["name"],))[0]
                sets["updated_at"] = self.stamp
                groups.setdefault(tuple(sets), []).append((*sets.values(), fid))
                audit.append(("update", "firm", fid, fid, {k: v[0] for k, v in diff.items()},
                              {k: v[1] for k, v in diff.items()}))
            for cols, rows in groups.items():
                try:
                    self.conn.executemany(f"UPDATE firms SET {', '.join(f'{k} = ?' for k in cols)} WHERE id = ?", rows)
                except self.ledger.engine.integrity_errors as exc:
                    code = rows[0][cols.index("code")] if len(rows) == 1 and "code" in cols else ""
                    raise LedgerError(f"统一社会信用代码 {code} 已属于台账中另一家企业".replace("  ", " ")) from exc
            self.audit_many(audit)
        return out

    def rename_firm(self, firm_id: int, new_name: str, seen_on: date | None = None, *,
                    seen: dict | None = None) -> int | None:
        """The new name becomes current; the old one is kept as a former name (alias).

        Returns the id of the former-name row this added (what an undo takes back with ``delete_alias``);
        None when nothing was added: the name is unchanged, or the old name was a former name already."""
        old = self.firm_to_change(firm_id, seen)["name"]
        if old == new_name:
            return None
        alias = self.add_alias(firm_id, old, seen_on)
        self.update_firm(firm_id, name=new_name)
        return alias

    def add_alias(self, firm_id: int, name: str, seen_on: date | None = None) -> int | None:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO firm_aliases (firm_id, name, name_key, seen_on, batch_id) VALUES (?, ?, ?, ?, ?)",
            (firm_id, name, name_key(name), iso(seen_on) or self.stamp[:10], self.batch_id))
        if cur.rowcount:
            self.audit("insert", "alias", cur.lastrowid, firm_id, None, {"name": name, "seen_on": iso(seen_on)})
            return cur.lastrowid
        return None

    def delete_alias(self, alias_id: int) -> None:
        """Take back a former name (the undo of a rename that added it)."""
        row = self.conn.execute("SELECT firm_id, name, seen_on FROM firm_aliases WHERE id = ?", (alias_id,)).fetchone()
        if row is None:
            return
        self.conn.execute("DELETE FROM firm_aliases WHERE id = ?", (alias_id,))
        self.audit("delete", "alias", alias_id, row[0], {"name": row[1], "seen_on": row[2]}, None)

    def remove_firm(self, firm_id: int, *, seen: dict | None = None) -> None:
        """To the recycle bin (回收站): recoverable until purged."""
        if seen is not None:
            self.firm_to_change(firm_id, seen)
        # a firm already in the bin stays as it is, unaudited: its row said it went in now, from outside the bin
        # (found by an attack); one that is not there is refused, as ``firm()``
        if not self.conn.execute("UPDATE firms SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
                                 (self.stamp, self.stamp, firm_id)).rowcount:
            self.firm(firm_id)
            return
        self.audit("delete", "firm", firm_id, firm_id, {"deleted_at": None}, {"deleted_at": self.stamp})

    def restore_firm(self, firm_id: int) -> None:
        before = self.firm_to_change(firm_id)["deleted_at"]     # locked: two at once on a shared ledger audit it once
        if before is None:              # not in the bin: nothing to take back (it was audited as taken out of it)
            return
        self.conn.execute("UPDATE firms SET deleted_at = NULL, updated_at = ? WHERE id = ?", (self.stamp, firm_id))
        self.audit("restore", "firm", firm_id, firm_id, {"deleted_at": before}, {"deleted_at": None})

    def purge_firm(self, firm_id: int) -> None:
        """Delete for good a firm that is already in the recycle bin. Its row is locked first: on a shared ledger two
        people purging one firm at once both read it, both deleted (the second nothing) and both audited the purge
        of it and its designations (found by an attack); the second now waits and finds it gone."""
        firm = self.firm_to_change(firm_id)
        if not firm["deleted_at"]:
            raise LedgerError("只能彻底删除回收站中的企业")
        # its designations go with it: each keeps a row (those an import added in bulk have no other of their own)
        cur = self.conn.execute("SELECT * FROM designations WHERE firm_id = ? ORDER BY id", (firm_id,))
        names = [d[0] for d in cur.description]
        self.audit_many([("purge", "designation", r[0], firm_id, dict(zip(names, r, strict=True)), None)
                         for r in cur.fetchall()])
        self.conn.execute("DELETE FROM firms WHERE id = ?", (firm_id,))
        self.audit("purge", "firm", firm_id, firm_id, firm, None)

    # designations
    def add_designation(self, firm_id: int, stage_key: str, start: date | str, end: date | str | None = None, *,
                        evidence: str | None = None, list_name: str | None = None, seen: dict | None = None,
                        open_end: bool = False) -> int:
        """A dated designation; the end follows from the stage's validity unless given (or *open_end*: none).

        In an exclusive track (the star ladder) one tier at a time (pipeline.ladder.place_tier): the tier
        held before ends the day the new one starts, a tier of the same day is replaced, a later tier ends
        the new one. ``self.ladder`` says what it changed (None outside an exclusive track)."""
        if seen is not None or self.ledger.shared:      # another writer of a shared ledger waits for this one
            self.firm_to_change(firm_id, seen)
        catalog = self.ledger.catalog()
        stage = catalog.stage(stage_key)
        start_d = parse_iso(start)
        if start_d is None:
            raise LedgerError(f"认定“{stage.name}”缺少开始日期")
        end_d = parse_iso(end) if end else None if open_end else stage.end_for(start_d)
        if end_d is not None and end_d <= start_d:
            raise LedgerError(f"结束日期 {iso(end_d)} 应晚于开始日期 {iso(start_d)}")
        self.ladder = None
        if catalog.track(stage.track).exclusive:      # one tier of a ladder at a time (pipeline.ladder)
            same_track = [s.id for s in catalog.track(stage.track).stages]
            held = self.conn.execute(
                f"SELECT id, start_date, end_date FROM designations WHERE firm_id = ? AND deleted_at IS NULL "
                f"AND stage_id IN ({','.join('?' * len(same_track))}) ORDER BY start_date, id",
                (firm_id, *same_track)).fetchall()
            ladder = self.ladder = place_tier(held, start_d.isoformat(), iso(end_d))
            for did, _before, after in ladder.ended:
                self.update_designation(did, end_date=after)
            for did in ladder.replaced:
                self.delete_designation(did)
            end_d = parse_iso(ladder.end) if ladder.end else None
        designation_id = self.ledger.engine.next_designation_id(self.conn)   # never an id the audit names
        self.conn.execute(
            "INSERT INTO designations (id, firm_id, stage_id, start_date, end_date, evidence, list_name, source, "
            "batch_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (designation_id, firm_id, stage.id, iso(start_d), iso(end_d), evidence, list_name,
             "import" if self.batch_id else self.source, self.batch_id, self.stamp))
        self.audit("insert", "designation", designation_id, firm_id, None,
                   {"stage": stage.key, "start_date": iso(start_d), "end_date": iso(end_d), "evidence": evidence,
                    "list_name": list_name})
        return designation_id

    def designation(self, designation_id: int) -> dict:
        cur = self.conn.execute("SELECT * FROM designations WHERE id = ?", (designation_id,))
        row = cur.fetchone()
        if row is None:
            raise LedgerError(f"没有编号为 {designation_id} 的认定记录")
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def update_designation(self, designation_id: int, *, seen: dict | None = None, **changes) -> dict:
        """*seen*: the designation's values as the person saw them: refused when it changed since."""
        allowed = {"start_date", "end_date", "evidence", "list_name", "deleted_at"}
        current = conflict.locked_row(self, "designations", designation_id, f"没有编号为 {designation_id} 的认定记录")
        conflict.check_seen(self, lambda: self._designation_title(current), current["firm_id"], current, _seen(seen))
        diff = {k: (current[k], _plain(v)) for k, v in changes.items() if k in allowed and current[k] != _plain(v)}
        unknown = set(changes) - allowed
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        if not diff:
            return {}
        self.conn.execute(f"UPDATE designations SET {', '.join(f'{k} = ?' for k in diff)} WHERE id = ?",
                          (*[v[1] for v in diff.values()], designation_id))
        self.audit("update", "designation", designation_id, current["firm_id"],
                   {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()})
        return diff

    def delete_designation(self, designation_id: int, *, seen: dict | None = None) -> None:
        self.update_designation(designation_id, seen=seen, deleted_at=self.stamp)

    def _designation_title(self, row: dict) -> str:
        name = self.conn.execute("SELECT name FROM firms WHERE id = ?", (row["firm_id"],)).fetchone()
        stage = self.ledger.catalog().by_id(row["stage_id"]).name
        return f"企业“{name[0] if name else row['firm_id']}”的认定“{stage}”（{row['start_date']} 起）"


def _firm_diff(current: dict, changes: dict) -> dict:
    """{field: (before, after)} of *changes* against the firm's *current* row; a new code brings its status."""
    diff = {}
    for key, value in changes.items():
        if key not in FIRM_FIELDS:
            raise KeyError(key)
        value = _plain(value)
        if key == "code":
            check = uscc.validate(value) if value else None
            if check is not None and not check.usable:
                raise LedgerError("；".join(check.problems))
            value = check.code if check else None
            if "code_status" not in changes:
                new_status = "no_code" if check is None else "ok" if check.ok else "bad_check"
                if new_status != current["code_status"]:
                    diff["code_status"] = (current["code_status"], new_status)
        if current[key] != value:
            diff[key] = (current[key], value)
    return diff


def _seen(seen: dict | None) -> dict | None:
    return None if seen is None else {k: _plain(v) for k, v in seen.items()}
