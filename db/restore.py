"""Restoring a backup: a whole 星图 ledger, this ledger's own, and audited.

``restore_checked``:
1. the backup passes ``PRAGMA integrity_check`` and is a 星图 ledger of a version this program knows;
2. it is a backup of this ledger (the same ``meta.ledger_id``), unless the person says otherwise
   (``other_ledger=True``); even then the ledger keeps its own identity, so its backups stay its own;
3. under the ledger's write lock, the current state is backed up first (reason 'restore');
4. the backup is copied into a staging file next to the ledger, and its schema is compared with the
   one this program builds for the backup's version: a missing table or column refuses the restore;
   a missing, altered or unknown trigger, index or view is dropped or re-created (the audit log's
   immutability triggers above all), and each repair is reported and audited;
5. the audit rows of the current ledger that the backup lacks (those written after it was made) are
   appended unchanged, then one 'restore' audit row naming the backup, the repairs and the id range
   of the rows kept: that range is how the log marks them as written before the restore;
6. the staging file is checked and copied over the ledger with the backup API, in one transaction:
   a crash leaves the ledger as it was, or fully restored.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from db import facts_log, schema
from db.backup import (
    BackupError,
    BackupInfo,
    _explain,
    _open_ro,
    _remove,
    backup,
    backup_dir_for,
    backup_problems,
    integrity_problems,
    ledger_id_of,
)
from db.connection import os_user
from db.creation import creation
from db.engine import FILE, ID_FLOORS
from db.ledger import AUDIT_COLUMNS, AUDIT_INSERT

AUDIT_GUARDS = ("audit_no_update", "audit_no_delete")
_KINDS = {"trigger": "触发器", "index": "索引", "view": "视图"}
_AUDIT_COLS = ", ".join(AUDIT_COLUMNS)
WITHDRAWN = "恢复备份"          # batches.undone_by of a batch the restored backup did not have


@dataclass
class RestoreReport:
    saved: BackupInfo | None = None            # the backup of the state replaced
    repaired: list[str] = field(default_factory=list)
    audit_guards_repaired: bool = False        # the audit log's protection was missing or altered
    kept_audit: int = 0                        # audit rows of the replaced state appended
    kept_failed: bool = False                  # the replaced ledger could not be read: its audit rows are lost
    other_ledger: bool = False                 # restored from another ledger's (or an unidentified) backup
    backup_ledger_id: str | None = None
    withdrawn: list[int] = field(default_factory=list)   # batches of the replaced state, now undone by the restore


# the schema this program builds ----------------------------------------------------------------
_reference: dict[int, dict] = {}


def reference_schema(version: int) -> dict[str, tuple]:
    """name -> (type, sql, normalised sql, columns) of every table, index, trigger and view that
    this program's migrations create up to *version*."""
    if version not in _reference:
        mem = sqlite3.connect(":memory:", isolation_level=None)
        try:
            schema.migrate(mem, upto=version)
            _reference[version] = _objects(mem)
        finally:
            mem.close()
    return _reference[version]


def _objects(conn: sqlite3.Connection) -> dict[str, tuple]:
    out = {}
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"):
        cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')] if kind == "table" else []
        out[name] = (kind, sql, " ".join(sql.split()) if sql else "", cols)
    return out


def check_and_repair(conn: sqlite3.Connection, version: int) -> tuple[list[str], bool]:
    """Make the schema of the ledger open on *conn* (autocommit) the one of *version*, in one transaction.

    BackupError when a table or column is missing (nothing to repair it from). Returns the repairs
    made (Chinese) and whether the audit log's protection triggers were among them."""
    ref, have = reference_schema(version), _objects(conn)
    missing = [n for n, r in ref.items() if r[0] == "table" and (n not in have or have[n][0] != "table")]
    # the dashboard cache's log only serves a cache: a backup whose log another tool dropped or rebuilt is not
    # refused for it (found by an attack); it is made anew below, and the dashboard reads in full once
    remake_log = "facts_log" in ref and ("facts_log" in missing or ref["facts_log"][2] != have["facts_log"][2])
    missing = [n for n in missing if n != "facts_log"]
    if missing:
        raise BackupError(f"备份缺少数据表 {'、'.join(missing[:5])}，不是完整的星图台账，未恢复")
    for name, r in ref.items():
        if name == "facts_log":
            continue
        lost = [c for c in r[3] if r[0] == "table" and c not in have[name][3]]
        if lost:
            raise BackupError(f"备份的数据表 {name} 缺少列 {'、'.join(lost[:5])}，不是完整的星图台账，未恢复")
    repairs: list[str] = []
    guards = False
    conn.execute("BEGIN IMMEDIATE")
    try:
        if remake_log:
            conn.execute("DROP TABLE IF EXISTS facts_log")
            conn.execute(ref["facts_log"][1])
            have.pop("facts_log", None)
            have.pop("facts_log_token", None)
            repairs.append("重建了看板缓存的变更记录表 facts_log")
        for name, (kind, sql, norm, _cols) in have.items():
            if kind in _KINDS and sql and (name not in ref or ref[name][2] != norm):
                conn.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
                if name not in ref:
                    repairs.append(f"删除了本程序没有的{_KINDS[kind]} {name}")
                    guards = guards or (kind == "trigger" and "audit" in norm.lower())
        for name, (kind, sql, norm, _cols) in ref.items():
            if kind in ("trigger", "index") and (name not in have or have[name][2] != norm):
                conn.execute(sql)
                repairs.append(f"{'重建' if name in have else '补建'}了{'被改动' if name in have else '缺失'}的"
                               f"{_KINDS[kind]} {name}")
                guards = guards or name in AUDIT_GUARDS
        if any(name.startswith("facts_") for name in ref if name not in have or have[name][2] != ref[name][2]):
            facts_log.log_everything(conn)      # the log of changed firms may be short: the dashboard reads in full
        elif facts_log.has_log(conn):           # a mark of its own: a backup's rows after its last mark (written by
            facts_log.mark(conn)                # another tool) are not named by any other history's next write
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return repairs, guards


def foreign_ranges(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """The kept ranges of restores of another ledger's backup (``--other-ledger``): the history of a ledger whose
    firm numbers name other firms, attributed to no firm of this one (firm 1 showed the replaced ledger's firm 1's
    creation and rename: found by an attack)."""
    out = []
    for lo, hi, other in _kept(conn):
        if other:
            out.append((lo, hi))
    return out


def kept_ranges(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    return [(lo, hi) for lo, hi, _other in _kept(conn)]


def _kept(conn: sqlite3.Connection) -> list[tuple[int, int, bool]]:
    """(first id, last id) of the audit rows each restore kept from the state it replaced.

    A restore row's ids are those of the ledger it produced: a restore row that a later restore itself
    kept (restoring the state a restore replaced, say) is history of another ledger, and its ids say
    nothing here. So the rows are read newest first and one lying in a range already found is skipped."""
    out: list[tuple[int, int, bool]] = []
    rows = conn.execute("SELECT id, after FROM audit WHERE firm_id IS NULL AND action = 'restore' "
                        "AND entity = 'ledger' ORDER BY id DESC").fetchall()
    for rid, after in rows:
        if any(lo <= rid <= hi for lo, hi, _ in out):
            continue
        try:
            said = json.loads(after)
            kept = said.get("kept_audit") or {}
        except (ValueError, AttributeError):
            continue
        if isinstance(kept, dict) and kept.get("count"):
            out.append((int(kept["first_id"]), int(kept["last_id"]), bool(said.get("other_ledger"))))
    return sorted(out)


def not_another_firms(conn: sqlite3.Connection, firm_id: int, column: str = "id") -> str:
    """SQL true for an audit row of *firm_id* that is about this firm: a firm created after a restore may have
    the number of a firm the restore discarded, whose kept rows (before the firm's first insert) are not its."""
    born = conn.execute("SELECT id FROM audit WHERE entity = 'firm' AND action = 'insert' AND entity_id = ? "
                        "ORDER BY id", (firm_id,)).fetchall() + [c[:1] for c in [creation(conn, firm_id)] if c]
    kept = _kept(conn)
    ranges = [(lo, hi) for lo, hi, _ in kept]
    first = next((i for (i,) in born if not any(lo <= i <= hi for lo, hi in ranges)), None)
    out = [(lo, hi) for lo, hi, other in kept if other or first is not None and hi < first]
    return " AND ".join(f"{column} NOT BETWEEN {lo} AND {hi}" for lo, hi in out) or "TRUE"


# restoring ---------------------------------------------------------------------------------------

def restore_checked(backup_path: str | Path, ledger_path: str | Path, dest_dir: str | Path | None = None, *,
                    other_ledger: bool = False, source: str = "person") -> RestoreReport:
    """Put *backup_path* back as the ledger at *ledger_path* (see the module's notes)."""
    from db import lock as ledger_lock
    backup_path, ledger_path = Path(backup_path), Path(ledger_path)
    problems = backup_problems(backup_path)
    if problems:
        raise BackupError(f"备份文件 {backup_path.name} 已损坏或无法读取，未恢复（{'；'.join(problems[:3])}）")
    src = _open_ro(backup_path)
    report = RestoreReport()
    try:
        version = _ledger_version(src, backup_path)
        report.backup_ledger_id = theirs = ledger_id_of(src)
        ours = ledger_id_of(ledger_path) if ledger_path.exists() else None
        if ours is not None and theirs != ours:
            if not other_ledger:
                raise BackupError(not_ours_message(backup_path, ledger_path, theirs))
            report.other_ledger = True
        lock, reason = ledger_lock.try_acquire(ledger_path)
        if lock is None:
            raise BackupError(f"现在不能恢复：{reason}")
        try:
            if ledger_path.exists():
                report.saved = backup(ledger_path, Path(dest_dir) if dest_dir else backup_dir_for(ledger_path),
                                      "restore")
            _via_staging(src, backup_path, ledger_path, version, ours, report, source)
        finally:
            ledger_lock.release(lock)
    except sqlite3.Error as exc:
        raise BackupError(f"恢复失败，台账未改动（{_explain(exc)}）") from exc
    finally:
        src.close()
    return report


def not_ours_message(backup_path: Path, ledger_path: Path, theirs: str | None) -> str:
    if theirs is None:
        return (f"备份 {backup_path.name} 由旧版本星图制作，没有台账编号，无法确认它是台账 {ledger_path.name} 的备份"
                f"（未知台账），未恢复；确认是本台账的备份后，可加 --other-ledger 恢复（本台账会先备份）")
    return (f"备份 {backup_path.name} 属于另一个台账（编号 {theirs[:8]}…），不是台账 {ledger_path} 的备份，未恢复；"
            f"如确实要用另一个台账的内容替换它，请加 --other-ledger（本台账会先备份）")


def _ledger_version(src: sqlite3.Connection, path: Path) -> int:
    tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    version = schema.version(src)
    if "meta" not in tables or "firms" not in tables or version < 1:
        raise BackupError(f"{path.name} 不是星图台账的备份，未恢复")
    if version > schema.LATEST:
        raise BackupError(f"备份 {path.name} 来自更新版本的星图，请先升级软件")
    return version


def _carry_from_replaced(st: sqlite3.Connection, ledger_path: Path, same_ledger: bool) -> None:
    """What the restored ledger takes from the state it replaces, read from it once:
    - id floors: new firms and designations are numbered above every one the replaced state had (its audit is kept,
      and a firm that took the number of one it discarded showed that firm's edits once the person restored back,
      反悔, as the restore offers: found by an attack); db/engine.py reads them;
    - for this ledger's own backup (*same_ledger*: it keeps its identity), the backup folder the person chose
      (``backup --to DIR --remember``): it went back to the backup's, silently, and the restore's own safety backup,
      written there, was no longer listed (found by an attack). A setting of the PC's, not of the ledger's content."""
    cur = _open_ro(ledger_path)
    try:
        tops = [FILE.next_firm_id(cur) - 1, FILE.next_designation_id(cur) - 1]
        folder = cur.execute("SELECT value FROM meta WHERE key = 'backup_dir'").fetchone()
    finally:
        cur.close()
    for key, top in zip(ID_FLOORS, tops, strict=True):
        st.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                   "max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))", (key, str(int(top))))
    if not same_ledger:
        return
    if folder is not None:
        st.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('backup_dir', ?)", (folder[0],))
    else:
        st.execute("DELETE FROM meta WHERE key = 'backup_dir'")


def _via_staging(src: sqlite3.Connection, backup_path: Path, ledger_path: Path, version: int,
                 ours: str | None, report: RestoreReport, source: str) -> None:
    from db.migrate_safely import staging_path
    staging = staging_path(ledger_path, "restore")
    try:
        st = sqlite3.connect(staging.resolve().as_uri(), uri=True, isolation_level=None)
        try:
            src.backup(st)
            st.execute("PRAGMA journal_mode = DELETE")
            report.repaired, report.audit_guards_repaired = check_and_repair(st, version)
            if ours is not None:   # the ledger keeps its identity, so its backups stay its own
                st.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('ledger_id', ?)", (ours,))
            if ledger_path.exists():
                _carry_from_replaced(st, ledger_path, same_ledger=ours is not None)
            stamp = datetime.now().astimezone().isoformat(timespec="seconds")
            kept = _carry_audit(st, ledger_path, stamp) if ledger_path.exists() else None
            report.kept_audit = kept[0] if kept else 0
            report.kept_failed = ledger_path.exists() and kept is None
            report.withdrawn = list(kept[3]) if kept else []
            _audit_restore(st, backup_path, report, kept, source, stamp)
            problems = integrity_problems(st)
            if problems:
                raise BackupError(f"恢复准备中的台账完整性检查未通过：{'；'.join(problems[:3])}，台账未改动")
            dst = sqlite3.connect(str(ledger_path), isolation_level=None)
            try:
                dst.execute("PRAGMA busy_timeout = 5000")
                st.backup(dst)     # one transaction on the ledger: all of the restored file or none
                after = integrity_problems(dst)
            finally:
                dst.close()
            if after:
                raise BackupError(f"恢复后的台账完整性检查未通过：{'；'.join(after[:3])}；恢复前的状态已备份为 "
                                  f"{report.saved.path if report.saved else '（无）'}")
        finally:
            st.close()
    finally:
        _remove(staging)


def _carry_audit(st: sqlite3.Connection, ledger_path: Path, stamp: str) -> tuple[int, int, int, list] | None:
    """Append the current ledger's audit rows the backup lacks, unchanged and in order, and its batches the
    backup lacks, marked undone by this restore (their numbers stay taken: a later import never reuses one,
    and their audit rows never pass for a new batch's). (count, first id, last id, [batch ids withdrawn]);
    None when the current ledger cannot be read."""
    try:
        st.execute("ATTACH DATABASE ? AS cur", (f"{ledger_path.resolve().as_uri()}?mode=ro",))
    except sqlite3.Error:
        return None
    try:
        st.execute("BEGIN IMMEDIATE")
        try:
            before = st.execute("SELECT COALESCE(MAX(id), 0) FROM main.audit").fetchone()[0]
            # identical rows are counted, not merely matched: the k-th copy of a row in the current ledger is
            # carried when the backup holds fewer than k (an edit, Ctrl+Z, Ctrl+Y in one second: two rows a→b)
            st.execute(f"CREATE TEMP TABLE seen AS SELECT {_AUDIT_COLS}, COUNT(*) AS n FROM main.audit "
                       f"GROUP BY {_AUDIT_COLS}")
            st.execute("CREATE INDEX temp.seen_key ON seen (at, entity, entity_id, action)")
            same = " AND ".join(f"s.{c} IS c.{c}" for c in _AUDIT_COLS.split(", "))
            st.execute(AUDIT_INSERT + f"SELECT {_AUDIT_COLS} FROM (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY "
                       f"{_AUDIT_COLS} ORDER BY c.id) AS k FROM cur.audit c) c WHERE c.k > COALESCE((SELECT s.n "
                       f"FROM temp.seen s WHERE s.at = c.at AND s.entity = c.entity AND s.entity_id IS c.entity_id "
                       f"AND s.action = c.action AND {same}), 0) ORDER BY c.id")
            after = st.execute("SELECT COALESCE(MAX(id), 0) FROM main.audit").fetchone()[0]
            st.execute("DROP TABLE temp.seen")
            withdrawn = _withdraw_batches(st, stamp)
            st.execute("COMMIT")
        except BaseException:
            st.execute("ROLLBACK")
            raise
    except sqlite3.Error:
        return None
    finally:
        st.execute("DETACH DATABASE cur")
    return after - before, before + 1, after, withdrawn


def _withdraw_batches(st: sqlite3.Connection, stamp: str) -> list[int]:
    """Copy the attached current ledger's batches the backup lacks (by number) into the staging file, undone by
    this restore (undone_by WITHDRAWN) unless already undone. Returns the ids of those newly withdrawn."""
    cols = [r[1] for r in st.execute("PRAGMA main.table_info(batches)")]
    theirs = {r[1] for r in st.execute("PRAGMA cur.table_info(batches)")}
    common = [c for c in cols if c in theirs and c not in ("undone_at", "undone_by")]
    ids = [r[0] for r in st.execute("SELECT id FROM cur.batches WHERE id NOT IN (SELECT id FROM main.batches) "
                                    "AND undone_at IS NULL ORDER BY id")]
    names = ", ".join(common)
    st.execute(f"INSERT INTO main.batches ({names}, undone_at, undone_by) SELECT {names}, "
               f"COALESCE(undone_at, ?), CASE WHEN undone_at IS NULL THEN ? ELSE undone_by END FROM cur.batches "
               f"WHERE id NOT IN (SELECT id FROM main.batches) ORDER BY id", (stamp, WITHDRAWN))
    return ids


def _audit_restore(st: sqlite3.Connection, backup_path: Path, report: RestoreReport, kept, source: str,
                   stamp: str) -> None:
    firms = st.execute("SELECT COUNT(*) FROM firms WHERE deleted_at IS NULL").fetchone()[0]
    after = {"backup": backup_path.name, "firms": firms, "backup_ledger_id": report.backup_ledger_id,
             "other_ledger": report.other_ledger, "repaired": report.repaired,
             "kept_audit": ({"count": kept[0], "first_id": kept[1], "last_id": kept[2]} if kept and kept[0] else
                            {"count": 0} if kept else "当前台账无法读取，其审计记录未能保留"),
             "batches_withdrawn": report.withdrawn}
    before = {"firms": report.saved.firms if report.saved else None,
              "saved_as": report.saved.path.name if report.saved else None}
    st.execute(AUDIT_INSERT + "VALUES (?, ?, NULL, 'restore', 'ledger', NULL, NULL, ?, ?, ?, NULL)",
               (stamp, os_user(), json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False),
                source))
