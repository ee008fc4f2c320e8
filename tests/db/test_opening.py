"""Cycles (issue 13): the errors and the OS user live in a leaf module; connect() only connects; opening a
ledger (lock, connect, migrate) is one function."""
import ast
import shutil
from pathlib import Path

from db import connection, errors, schema
from db.ledger import Ledger

DATA = Path(__file__).resolve().parents[1] / "data"


def test_errors_is_a_leaf_of_db():
    tree = ast.parse(Path(errors.__file__).read_text(encoding="utf-8"))
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + \
               [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m and m.split(".")[0] == "db"]
    assert connection.LedgerError is errors.LedgerError and connection.os_user is errors.os_user  # old names work
    from db.backup import BackupError
    assert BackupError is errors.BackupError and issubclass(BackupError, errors.LedgerError)


def test_connect_only_connects(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(DATA / "ledger_v4.db", path)
    conn = connection.connect(path)
    try:
        assert schema.version(conn) == 4                          # not migrated
    finally:
        conn.close()
    assert not Path(f"{path}.lock").exists()                       # and no lock taken
    with Ledger(path) as led:                                     # open_ledger: lock, connect, migrate
        assert schema.version(led.conn) == schema.LATEST
        assert Path(f"{path}.lock").exists() and led.file_id is not None


def test_messages_name_the_command_line_of_this_install(monkeypatch):
    """The lock's and a damaged file's messages named ``python main.py`` also in the Windows one-folder app, whose
    console program is xingtu-cli.exe (found by a walkthrough)."""
    import sys

    from db.errors import command
    assert command("unlock") == "python main.py unlock"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "platform", "win32")
    assert command("unlock") == "xingtu-cli.exe unlock"
    monkeypatch.setattr(sys, "platform", "linux")
    assert command("restore") == "xingtu restore"
