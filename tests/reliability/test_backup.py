"""Backups: the online backup API, integrity check, retention, listing, restore."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

import pytest

from db import backup as bk
from db.ledger import Ledger


def _firms(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM firms WHERE deleted_at IS NULL ORDER BY id")]
    finally:
        conn.close()


def _add(led: Ledger, *names: str) -> None:
    with led.write("person") as w:
        for n in names:
            w.insert_firm(n)


def test_backup_of_a_live_ledger_holds_committed_state_only(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司", "乙公司")
        with led.write("person") as w:  # a batch in progress when the backup runs
            w.insert_firm("丙公司")
            info = bk.backup(path, tmp_path / "bk", "import", now=datetime(2025, 3, 4, 10, 0, 0))
    assert info.path.name == "ledger_20250304-100000_import.db"
    assert info.ok is True and info.firms == 2
    assert _firms(info.path) == ["甲公司", "乙公司"]
    assert bk.integrity_problems(info.path) == []
    assert not list((tmp_path / "bk").glob("*.partial")) and not list((tmp_path / "bk").glob("*-wal"))
    assert _firms(path) == ["甲公司", "乙公司", "丙公司"]


def test_retention_keeps_last_ten_and_one_per_week_for_three_months(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
    dest = tmp_path / "bk"
    now = datetime(2025, 6, 30, 12, 0, 0)  # a Monday
    # two backups a day (09:00 and 17:00) for 120 days back (copies of one real backup: only names matter)
    one = bk.backup(path, tmp_path, "daily", prune_after=False, now=now)
    dest.mkdir()
    for d in range(120, 0, -1):
        for hour in (9, 17):
            stamp = (now - timedelta(days=d) + timedelta(hours=hour - 12)).strftime("%Y%m%d-%H%M%S")
            (dest / f"ledger_{stamp}_daily.db").write_bytes(one.path.read_bytes())
    assert len(list(dest.iterdir())) == 240
    removed = bk.prune(dest, "ledger", now=now)
    kept = sorted(p.name for p in dest.iterdir())
    # last 10: the last 5 days x 2; weekly: newest of each ISO week from 2025-03-30 on
    stamps = sorted(bk._parse(dest / n)[0] for n in kept)
    last_ten = stamps[-10:]
    assert last_ten[0] == datetime(2025, 6, 25, 9, 0) and last_ten[-1] == datetime(2025, 6, 29, 17, 0)
    weekly = stamps[:-10]
    assert all(s.hour == 17 and s.isoweekday() == 7 for s in weekly)  # Sunday evening: newest of its week
    # horizon 2025-06-30 12:00 - 92 days = 2025-03-30 12:00, a Sunday: its 17:00 backup is the first weekly one
    assert weekly[0] == datetime(2025, 3, 30, 17, 0)
    assert weekly[-1] == datetime(2025, 6, 22, 17, 0)
    assert len(weekly) == 13  # 03-30 .. 06-22; the week ending 06-29 is inside the last ten
    assert len(removed) == 240 - 23


def test_list_backups_with_dates_and_counts(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
        bk.backup(path, tmp_path / "bk", "manual", now=datetime(2025, 1, 1, 8, 0, 0))
        _add(led, "乙公司", "丙公司")
        bk.backup(path, tmp_path / "bk", "import", now=datetime(2025, 1, 2, 8, 0, 0))
    (tmp_path / "bk" / "other_20250103-080000_manual.db").write_bytes(b"not ours")
    items = bk.list_backups(path, tmp_path / "bk", check=True)
    assert [(b.created, b.reason_text, b.firms, b.ok) for b in items] == [
        (datetime(2025, 1, 2, 8, 0), "导入前", 3, True), (datetime(2025, 1, 1, 8, 0), "手动", 1, True)]


def test_backup_dir_chosen_by_user_is_remembered_in_the_ledger(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
        bk.set_backup_dir(led, tmp_path / "网络盘" / "备份")
        info = bk.backup_before(led, "import")
        assert info.path.parent == (tmp_path / "网络盘" / "备份").resolve()
        row = led.conn.execute("SELECT before, after FROM audit WHERE entity = 'setting'").fetchone()
        assert '"backup_dir": null' in row[0] and "网络盘" in row[1]


def test_backup_before_daily_once_a_day_and_not_for_an_empty_ledger(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        bk.set_backup_dir(led, tmp_path / "bk")
        assert bk.backup_before(led, "import") is None  # nothing to lose yet
        _add(led, "甲公司")
        first = bk.backup_before(led, "daily")
        assert first is not None and first.reason == "daily"
        assert bk.backup_before(led, "daily") is None
        assert bk.backup_before(led, "daily", today=date.today() + timedelta(days=1)) is not None
        with pytest.raises(ValueError):
            bk.backup_before(led, "whenever")


def test_restore_backs_up_current_state_first(tmp_path):
    path = tmp_path / "ledger.db"
    dest = tmp_path / "bk"
    with Ledger(path) as led:
        _add(led, "甲公司")
        old = bk.backup(path, dest, "manual", now=datetime(2025, 1, 1, 8, 0, 0))
        _add(led, "乙公司")
    saved = bk.restore(old.path, path, dest)
    assert saved.reason == "restore" and _firms(saved.path) == ["甲公司", "乙公司"]
    assert _firms(path) == ["甲公司"]
    with Ledger(path) as led:  # opens and writes normally afterwards
        _add(led, "丁公司")
        assert led.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert led.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert _firms(path) == ["甲公司", "丁公司"]


def test_restore_refused_while_ledger_open_for_writing(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
        old = bk.backup(path, tmp_path / "bk", "manual")
        _add(led, "乙公司")
        with pytest.raises(bk.BackupError, match="现在不能恢复"):
            bk.restore(old.path, path, tmp_path / "bk")
    assert _firms(path) == ["甲公司", "乙公司"]


def test_restore_of_a_damaged_backup_leaves_ledger_alone(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
        good = bk.backup(path, tmp_path / "bk", "manual")
    data = bytearray(good.path.read_bytes())
    data[4096 * 2: 4096 * 2 + 200] = b"\xff" * 200
    good.path.write_bytes(bytes(data))
    with pytest.raises(bk.BackupError, match="已损坏"):
        bk.restore(good.path, path, tmp_path / "bk")
    junk = tmp_path / "bk" / "ledger_20250101-000000_manual.db"
    junk.write_bytes(b"hello")
    with pytest.raises(bk.BackupError, match="已损坏|不是星图"):
        bk.restore(junk, path, tmp_path / "bk")
    assert _firms(path) == ["甲公司"]


def test_backup_to_full_disk_says_so_and_leaves_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
    real_connect = sqlite3.connect

    def tiny(target, *a, **kw):  # the backup target can hold only 2 pages: SQLITE_FULL
        conn = real_connect(target, *a, **kw)
        if str(target).endswith(".partial"):
            conn.execute("PRAGMA max_page_count = 2")
        return conn
    monkeypatch.setattr(bk.sqlite3, "connect", tiny)
    with pytest.raises(bk.BackupError, match="磁盘空间已满"):
        bk.backup(path, tmp_path / "bk", "import")
    assert list((tmp_path / "bk").iterdir()) == []


def test_backups_in_the_same_second_keep_their_order(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
    at = datetime(2025, 1, 1, 8, 0, 0)
    names = [bk.backup(path, tmp_path / "bk", reason, now=at).path.name for reason in ("manual", "restore", "import")]
    assert names == ["ledger_20250101-080000_manual.db", "ledger_20250101-080000-1_restore.db",
                     "ledger_20250101-080000-2_import.db"]
    assert [b.reason for b in bk.list_backups(path, tmp_path / "bk")] == ["import", "restore", "manual"]


def test_a_copy_of_the_ledger_backed_up_in_the_same_second_keeps_its_new_backup(tmp_path):
    """A copy under another name has the same identity: its backups are pruned with the original's, so its
    sequence number in a second counts the original's backups too (it was 0 and sorted as the oldest)."""
    import shutil
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
    copy = tmp_path / "ledger副本.db"
    shutil.copy(path, copy)
    at = datetime(2025, 1, 1, 8, 0, 0)
    for _ in range(bk.KEEP_LAST):
        bk.backup(path, tmp_path / "bk", "manual", now=at)
    made = bk.backup(copy, tmp_path / "bk", "manual", now=at)
    assert made.path.exists()
    assert bk.list_backups(copy, tmp_path / "bk")[0].path == made.path


def test_a_backup_named_before_others_by_a_clock_set_back_is_not_pruned_at_once(tmp_path):
    path = tmp_path / "ledger.db"
    with Ledger(path) as led:
        _add(led, "甲公司")
    at = datetime(2025, 1, 1, 8, 0, 0)
    for k in range(bk.KEEP_LAST):
        bk.backup(path, tmp_path / "bk", "manual", now=at + timedelta(minutes=k))
    made = bk.backup(path, tmp_path / "bk", "import", now=at - timedelta(minutes=1))
    assert made.path.exists()


def test_rescue_that_fails_its_check_leaves_no_partial_file(tmp_path, monkeypatch):
    from db import backup as B
    from db.ledger import Ledger
    led = Ledger(tmp_path / "l.db")
    monkeypatch.setattr(B, "integrity_problems", lambda conn: ["页面损坏"])
    with pytest.raises(B.BackupError, match="完整性检查未通过"):
        B.rescue(led, tmp_path / "rescued.db")
    led.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("rescued")) == []
