"""Attack sequences, second round: undo, restore, backup and import in combinations the other tests do not drive,
each failing on the code of commit e272228 (schema v10).

1. a firm's history after restore → import → edit → restore of the restore's own safety backup (反悔) shows the
   edit of another firm that had the same number;
2. the same after a restore of another ledger's backup (--other-ledger): each firm's history lists the replaced
   ledger's firm of the same number;
3. the dashboard cache's log dropped around the program: every write fails for good (it is never put back), and a
   backup of such a ledger cannot be restored;
4. an undo on a ledger whose audit holds a text in firm_id (the v1-v8 fixtures, or a backup of one restored with
   --other-ledger) ends in an internal TypeError instead of undoing or refusing in Chinese;
5. remembered column mappings: import A remembers a mapping, import B remembers another for the same header; undo
   A (no conflict reported) forgets B's, and undo B then puts back A's, although A is undone;
6. a restore forgets the backup folder the person chose (backup --to DIR --remember): the restore's own safety backup
   is no longer listed, and later backups go elsewhere.
"""
import shutil
import sqlite3
from pathlib import Path

import pytest

from db import audit_log, firm_file
from db import backup as bk
from db.ledger import Ledger
from db.restore import restore_checked
from importers import mapping_store
from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from importers.undo import UndoConflict, UndoRefused, undo_batch
from tests.db.facts_log_helpers import full, load, same
from tests.importers.helpers import C, xlsx
from tests.importers.undo_helpers import CODES, TODAY, fresh, r, write_list

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    """Backups made before imports and restores go to the data folder: keep them in tmp_path."""
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _import(led, folder, n, rows):
    return commit_plan(led, build_plan(led, write_list(folder, n, rows), today=TODAY))


def _id_of(led, code):
    return led.conn.execute("SELECT id FROM firms WHERE code = ?", (code,)).fetchone()[0]


def _history_text(led, firm_id) -> list[str]:
    shown = [f"{x['what']} {x['change']}" for x in firm_file.audit(led.conn, firm_id)]
    listed = [e.summary() for e in audit_log.entries(led.conn, firm_id=firm_id)]
    return shown + listed


# 1 ----------------------------------------------------------------------------------------------------------------

def test_restoring_the_restores_safety_backup_does_not_give_a_firm_another_firms_edit(tmp_path):
    """Backup B1; import A creates firm 3 (甲2); restore B1 (the state with 甲2 saved as the restore's safety
    backup); import B creates 甲3, which gets number 3 again; a person sets 甲3's remark to 人改; the person changes
    their mind and restores the safety backup (the CLI itself says: 如需反悔可再用 restore 恢复它). 甲2 is back as
    firm 3 with no remark, and nobody ever edited it: its history (the firm file, `audit --firm`) must not say
    备注 → 人改. It does: the kept audit row of 甲3's edit names firm_id 3, and ``not_another_firms`` only drops kept
    rows older than the firm's creation."""
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    fresh(path).close()
    first = bk.backup(path, dest, "manual")
    with Ledger(path, officer="测试专员") as led:
        _import(led, tmp_path, 0, [r(2)])
        gone = _id_of(led, CODES[2])
    undone = restore_checked(first.path, path, dest)
    with Ledger(path, officer="测试专员") as led:
        _import(led, tmp_path, 1, [r(3)])
        other = _id_of(led, CODES[3])
        with led.write() as w:
            w.update_firm(other, remark="人改")
    restore_checked(undone.saved.path, path, dest)          # 反悔: back to the state with 甲2
    with Ledger(path, officer="测试专员") as led:
        firm = _id_of(led, CODES[2])
        assert firm == gone
        assert led.conn.execute("SELECT remark FROM firms WHERE id = ?", (firm,)).fetchone()[0] is None
        history = _history_text(led, firm)
        assert history and not any("人改" in h for h in history), history


# 2 ----------------------------------------------------------------------------------------------------------------

def test_a_restore_of_another_ledgers_backup_does_not_mix_its_firms_histories(tmp_path):
    """A v10 ledger whose firm 1 (原0) list A renamed to 甲0; an older ledger of another district
    (tests/data/ledger_v9.db, firm 1 = 武汉星图科技有限公司) is restored over it with --other-ledger.
    The kept audit rows are the replaced ledger's history; 武汉星图科技's file and `audit --firm` must
    not list 原0's creation and rename as its own (shown with its name and code: 修改企业
    武汉星图科技有限公司 name: 武汉原0科技有限公司 → 武汉甲0科技有限公司; the firm file without any mark)."""
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    led = fresh(path)
    _import(led, tmp_path, 0, [r(0, remark="甲")])
    led.close()
    other = tmp_path / "other.db"
    shutil.copy(DATA / "ledger_v9.db", other)
    restore_checked(other, path, dest, other_ledger=True)
    with Ledger(path, officer="测试专员") as led:
        (code,) = led.conn.execute("SELECT code FROM firms WHERE id = 1").fetchone()
        assert code != CODES[0]
        history = _history_text(led, 1)
        others = (CODES[0], "武汉原0科技有限公司", "武汉甲0科技有限公司")
        assert history and not any(o in h for o in others for h in history), history


# 3 ----------------------------------------------------------------------------------------------------------------

def _drop_the_log(path) -> None:
    """Another SQLite tool (DB Browser) deletes the table it takes for a mere log."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("DROP TABLE facts_log")
    raw.close()


def test_a_log_dropped_around_the_program_is_put_back_by_the_next_write(tmp_path):
    """e272228: "a facts trigger or the log altered around the program is put back by the next write". A log that
    is dropped is not: has_log() is False, so the write door never calls mark()/repair(), the facts triggers still
    insert into the missing table, and every edit and import fails ("no such table: main.facts_log") for good."""
    path = tmp_path / "l.db"
    fresh(path).close()
    _drop_the_log(path)
    with Ledger(path, officer="测试专员") as led:
        with led.write() as w:
            w.update_firm(1, street_id=led.street_id("杨园"))
        _import(led, tmp_path, 0, [r(2)])
        assert led.conn.execute("SELECT street_id FROM firms WHERE id = 1").fetchone()[0] == led.street_id("杨园")
        assert same(load(led, tmp_path / "cache"), full(led))


def test_a_backup_without_the_log_is_restored(tmp_path):
    """The dashboard cache's log only serves a cache (the restore itself logs "everything" when it repairs it):
    a backup that holds every firm, designation and audit row but not the log (made of a ledger whose log another
    tool dropped) is refused as 备份缺少数据表 facts_log，不是完整的星图台账."""
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    led = fresh(path)
    _import(led, tmp_path, 0, [r(2)])
    led.close()
    _drop_the_log(path)
    info = bk.backup(path, dest, "manual")
    restore_checked(info.path, path, dest)
    with Ledger(path, officer="测试专员") as led:
        assert led.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 3
        assert same(load(led, tmp_path / "cache"), full(led))


# 4 ----------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", [1, 5, 8])
def test_undo_on_a_ledger_whose_audit_holds_text_firm_ids(tmp_path, version):
    """The fixtures' generator wrote the firm's JSON into audit.firm_id for v1-v8 (e272228 made the next ids ignore
    such texts, since restoring a backup made of one keeps those rows). `undo 1` on such a ledger: db/undo.py sorts
    the firm ids it touched (``sorted(touched)``, ints and texts) and raises TypeError, an internal error (内部错误 on
    the command line), instead of undoing the batch or refusing it in Chinese."""
    path = tmp_path / "l.db"
    shutil.copy(DATA / f"ledger_v{version}.db", path)
    with Ledger(path, officer="测试专员") as led:
        try:
            undo_batch(led, 1, force=True)
        except (InputError, UndoConflict, UndoRefused):
            return                              # refused in Chinese, nothing written: acceptable
        assert led.conn.execute("SELECT COUNT(*) FROM firms WHERE batch_id = 1").fetchone()[0] == 0


# 5 ----------------------------------------------------------------------------------------------------------------

HEADER = ["单位", "代码", "说明"]
MAP_A = {"单位": "name", "代码": "code", "说明": "remark"}
MAP_B = {"单位": "name", "代码": "code", "说明": "former_name"}


def _remembered(led) -> list[dict]:
    return [m["mapping"] for m in mapping_store.list_all(led.conn)]


def _remembering_import(led, folder, name, firm, overrides):
    plan = build_plan(led, xlsx(folder, [HEADER, [f"武汉{name}科技有限公司", C[firm], "某"]], f"{name}.xlsx"),
                      overrides=overrides, today=TODAY)
    return commit_plan(led, plan, remember_mapping=True)


def test_undoing_the_first_of_two_imports_that_remembered_mappings_keeps_the_seconds(tmp_path):
    """`import --remember-map` of list A (说明 → 备注), then of list B with the same header (说明 → 曾用名): B's
    mapping is the one remembered. Undo A: as if A had never been imported, B's mapping stays (README: "an undone
    import forgets it again" — A's, not B's); undo both, in either order: nothing remembered. Found: undo A, which
    reports no conflict, deletes B's mapping (``_undo_mapping`` writes A's `before` whatever is there now), and undo
    B afterwards writes back A's mapping, so the ledger keeps remembering the mapping of an undone import. (Undo B
    then A is exact.)"""
    with Ledger(tmp_path / "l.db", officer="测试专员") as led:
        a = _remembering_import(led, tmp_path, "甲", 4, MAP_A)
        b = _remembering_import(led, tmp_path, "乙", 5, MAP_B)
        assert _remembered(led) == [MAP_B]
        undo_batch(led, a)
        assert _remembered(led) == [MAP_B]                 # as if only B had been imported
        undo_batch(led, b)
        assert _remembered(led) == []                      # neither: nothing remembered


# 6 ----------------------------------------------------------------------------------------------------------------

def test_a_restore_keeps_the_backup_folder_the_person_chose(tmp_path):
    """`backup --to NET --remember` (a network drive, so that backups survive the PC's disk), then `restore` of a
    backup made before that: the restore keeps the ledger's identity "so its backups stay its own", but the chosen
    folder (meta backup_dir) goes back to the backup's (the default folder), silently. The restore's own safety
    backup (如需反悔可再用 restore 恢复它) was written to NET and is no longer listed by `backups` /
    从备份恢复, and every later backup (daily, before each import) goes to the local default folder."""
    from db.backup import backup_dir_for, list_backups, set_backup_dir
    path, net = tmp_path / "l.db", tmp_path / "net"
    fresh(path).close()
    early = bk.backup(path)                                  # in the default folder, before the choice
    with Ledger(path, officer="测试专员") as led:
        set_backup_dir(led, net)
    report = restore_checked(early.path, path)
    assert report.saved is not None and report.saved.path.parent == net.resolve()
    assert backup_dir_for(path) == net.resolve()
    assert report.saved.path in [b.path for b in list_backups(path)]
