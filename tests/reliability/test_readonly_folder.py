"""Issue 12 item 12: a ledger in a read-only folder (or a read-only file) is read, never refused.

How the folder is made read-only, strongest first (the tests run as root here, and root ignores
permission bits):
- not root: ``chmod 0555`` on the folder (``0444`` on the file);
- root where the file system allows it (ext4 here): the immutable attribute, ``chattr +i``, which
  stops root too: SQLite really cannot create a -shm, -wal or journal file there;
- otherwise: ``os.access`` is made to answer "not writable" for that folder (the check the ledger
  makes), and the test then only shows that nothing is created beside the ledger.
``_readonly`` says which one ran; the first two are checked to really refuse a new file.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from db.connection import LedgerError
from db.ledger import Ledger
from desktop.cli import main


def _chattr_works(tmp: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    probe = tmp / "probe"
    probe.mkdir()
    ok = subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode == 0
    if ok:
        subprocess.run(["chattr", "-i", str(probe)], check=True)
    probe.rmdir()
    return ok


@contextmanager
def _readonly(target: Path, tmp: Path, monkeypatch):
    """Make *target* (a folder or a file) read-only for this process; yields the method used."""
    if os.geteuid() != 0:
        mode = target.stat().st_mode
        target.chmod(0o555 if target.is_dir() else 0o444)
        try:
            yield "chmod"
        finally:
            target.chmod(mode)
    elif _chattr_works(tmp):
        subprocess.run(["chattr", "+i", str(target)], check=True)
        try:
            yield "chattr"
        finally:
            subprocess.run(["chattr", "-i", str(target)], check=True)
    else:
        real = os.access

        def access(path, mode, *a, **kw):
            if mode & os.W_OK and Path(path).resolve() == target.resolve():
                return False
            return real(path, mode, *a, **kw)
        monkeypatch.setattr(os, "access", access)
        yield "os.access"


@pytest.fixture
def ledger_dir(tmp_path):
    folder = tmp_path / "只读共享"
    folder.mkdir()
    with Ledger(folder / "ledger.db", officer="测试") as led, led.write("person") as w:
        w.insert_firm("甲公司")
        w.insert_firm("乙公司")
    assert sorted(p.name for p in folder.iterdir()) == ["ledger.db"]    # WAL checkpointed and removed on close
    return folder


def test_ledger_in_a_readonly_folder_is_read_and_writes_are_refused(ledger_dir, tmp_path, monkeypatch, capsys):
    db = ledger_dir / "ledger.db"
    with _readonly(ledger_dir, tmp_path, monkeypatch) as how:
        if how != "os.access":
            with pytest.raises(OSError):
                (ledger_dir / "x").write_bytes(b"")                  # the folder really refuses a new file
        assert main(["report", "--db", str(db), "--year", "2023", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["year"] == 2023
        assert main(["export", "--db", str(db), "--out", str(tmp_path / "出.xlsx")]) == 0
        assert "已导出 2 家企业" in capsys.readouterr().out
        assert main(["audit", "--db", str(db)]) == 0
        assert "新增企业 甲公司" in capsys.readouterr().out
        assert main(["backups", "--db", str(db), "--dir", str(tmp_path / "bk")]) == 0
        capsys.readouterr()
        assert main(["catalog", "--db", str(db), "street", "新街道"]) == 2
        err = capsys.readouterr().err
        assert "是只读的" in err and "没有写入权限" in err and err.count("\n") == 1
        with Ledger(db, readonly=None) as led:                         # the app: read-only with the reason
            assert led.readonly and "是只读的" in led.readonly_reason
            assert led.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 2
            with pytest.raises(LedgerError, match="只读"):
                with led.write("person"):
                    pass
        assert sorted(p.name for p in ledger_dir.iterdir()) == ["ledger.db"]   # no -shm, -wal or lock
    assert main(["catalog", "--db", str(db), "street", "新街道"]) == 0         # writable again: writes work


def test_readonly_ledger_file_in_a_writable_folder(ledger_dir, tmp_path, monkeypatch, capsys):
    db = ledger_dir / "ledger.db"
    with _readonly(db, tmp_path, monkeypatch):
        assert main(["audit", "--db", str(db)]) == 0
        capsys.readouterr()
        assert main(["catalog", "--db", str(db), "street", "新街道"]) == 2
        assert "台账文件本身是只读的" in capsys.readouterr().err
        with Ledger(db, readonly=None) as led:
            assert led.readonly and "只读" in led.readonly_reason
        assert sorted(p.name for p in ledger_dir.iterdir()) == ["ledger.db"]


def test_pending_wal_in_a_readonly_folder_is_said_not_ignored(ledger_dir, tmp_path, monkeypatch):
    db = ledger_dir / "ledger.db"
    Path(f"{db}-wal").write_bytes(b"\0" * 100)     # changes not yet merged: immutable reading would skip them
    with _readonly(ledger_dir, tmp_path, monkeypatch) as how:
        if how == "os.access":
            pytest.skip("SQLite can still create -shm here: nothing to refuse")
        with pytest.raises(LedgerError, match="尚未合并的 ledger.db-wal"):
            Ledger(db, readonly=True)


def test_readonly_folder_the_permission_check_misses_is_still_read(ledger_dir, tmp_path, monkeypatch, capsys):
    """Windows answers "writable" for any folder: the lock file then fails, and SQLite cannot make its -shm."""
    import db.connection as connection
    db = ledger_dir / "ledger.db"
    with _readonly(ledger_dir, tmp_path, monkeypatch) as how:
        if how == "os.access":
            pytest.skip("nothing really stops SQLite here")
        monkeypatch.setattr(connection, "write_block_reason", lambda path: None)
        with Ledger(db, readonly=None) as led:
            assert led.readonly and "没有写入权限" in led.readonly_reason
            assert led.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 2
        assert main(["audit", "--db", str(db)]) == 0
        assert sorted(p.name for p in ledger_dir.iterdir()) == ["ledger.db"]


@pytest.mark.gui
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_app_shows_the_readonly_banner(ledger_dir, tmp_path, monkeypatch, qtbot):
    from desktop.main_window import MainWindow
    from desktop.settings import Settings
    with _readonly(ledger_dir, tmp_path, monkeypatch):
        led = Ledger(ledger_dir / "ledger.db", readonly=None)
        try:
            win = MainWindow(led, Settings())
            qtbot.add_widget(win)
            win.show()
            assert win.banner.isVisible() and "没有写入权限" in win.banner.text()
            assert "（只读）" in win.windowTitle()
            win.close()
        finally:
            led.close()
