"""Attack sequences, third round: backup, restore, undo and the recycle bin in combinations and damage the other
tests do not drive, each failing on the code of commit fe4699e (schema v10).

1. a backup damaged after it was written (one byte changed in a cell: bit rot on a USB stick or a network drive)
   passes ``PRAGMA integrity_check`` (SQLite keeps no checksum of the rows) and is restored: the ledger silently
   holds a changed value, or text that is no longer UTF-8 and fails every read of the firm list afterwards.
"""
from pathlib import Path

import pytest

from db import backup as bk
from db import backup_seal
from db.errors import BackupError
from db.ledger import Ledger
from db.restore import restore_checked
from tests.importers.undo_helpers import CODES, fresh, state


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    """Backups made before imports and restores go to the data folder: keep them in tmp_path."""
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


# 1 ----------------------------------------------------------------------------------------------------------------

def _flip(path: Path, old: bytes, new: bytes) -> None:
    """Change the first place *old* is stored in the file to *new* (same length), as bit rot would."""
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new"), [(b"REMARK-0042", b"REMARK-0043"),      # still valid text: another value
                                          ("备注四二".encode(), b"\xe5\xa4\x87\xe6\xb3\xa8\xe5\x9b\x9b\xe4\xba\xff")])
def test_a_backup_changed_after_it_was_written_is_refused(tmp_path, old, new):
    """One byte of a backup changed after it was written: the restore refuses it as damaged and writes nothing
    (before: integrity_check passed, the restore replaced the ledger with the changed value, or with text that
    makes every later read of the firm list fail with 'Could not decode to UTF-8')."""
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    led = fresh(path)
    with led.write() as w:
        w.update_firm(1, remark=old.decode())
    led.close()
    info = bk.backup(path, dest, "manual")
    with Ledger(path, officer="测试专员") as led:
        with led.write() as w:
            w.update_firm(2, remark="之后")
        before = state(led)
    _flip(info.path, old, new)
    assert bk.integrity_problems(info.path) == []            # SQLite alone cannot tell
    with pytest.raises(BackupError, match="已损坏"):
        restore_checked(info.path, path, dest)
    with Ledger(path, officer="测试专员") as led:
        assert state(led) == before
        assert led.conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'restore'").fetchone()[0] == 0
    assert [b.ok for b in bk.list_backups(path, dest, check=True) if b.path == info.path] == [False]


def test_a_sealed_backup_opened_as_a_ledger_and_edited_is_restored_again(tmp_path):
    """Guard of the fix: a backup file opened (and written) as a ledger is no longer the backup it was: its seal
    goes, and it is restorable like any ledger; a backup of the result is sealed anew."""
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    fresh(path).close()
    info = bk.backup(path, dest, "manual")
    seal = backup_seal.seal_path(info.path)
    assert seal.read_text(encoding="utf-8") == f"{backup_seal.digest(info.path)}  {info.path.name}\n"   # sha256sum -c
    with Ledger(info.path, officer="测试专员") as led:
        with led.write() as w:
            w.update_firm(1, remark="手改")
    assert not seal.exists()
    restore_checked(info.path, path, dest)
    with Ledger(path, officer="测试专员") as led:
        assert led.conn.execute("SELECT remark FROM firms WHERE code = ?", (CODES[0],)).fetchone()[0] == "手改"
    again = bk.backup(path, dest, "manual")
    assert backup_seal.problems(again.path) == [] and backup_seal.seal_path(again.path).exists()


def test_a_pruned_backup_takes_its_seal_with_it_and_a_lost_seal_only_costs_the_check(tmp_path):
    """Retention removes a backup's seal with it; a backup whose seal was lost is checked as before seals."""
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    fresh(path).close()
    first = bk.backup(path, dest, "manual", prune_after=False)
    for _ in range(bk.KEEP_LAST + 1):
        bk.backup(path, dest, "manual")
    assert not first.path.exists() and not backup_seal.seal_path(first.path).exists()
    kept = bk.list_backups(path, dest, check=True)
    assert kept and all(b.ok for b in kept)
    backup_seal.remove(kept[0].path)
    assert [b.ok for b in bk.list_backups(path, dest, check=True)] == [True] * len(kept)


def test_a_seal_left_without_its_backup_is_cleaned_after_an_hour(tmp_path):
    """A killed backup leaves its seal without the backup: the next backup removes it once an hour old, and leaves
    a younger one (a backup of another process may be about to take its name)."""
    import os
    import time
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    fresh(path).close()
    dest.mkdir()
    old, young = dest / "l_20260101-000000_manual.db.sha256", dest / "l_20260101-000001_manual.db.sha256"
    for seal in (old, young):
        seal.write_text("0" * 64 + "  x.db\n", encoding="utf-8")
    gone = time.time() - backup_seal.ORPHAN_AGE - 60
    os.utime(old, (gone, gone))
    info = bk.backup(path, dest, "manual")
    assert not old.exists() and young.exists() and backup_seal.seal_path(info.path).exists()
