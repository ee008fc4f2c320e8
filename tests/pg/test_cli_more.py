"""The commands that came to the shared ledger last: catalog, mappings, backups, unlock, demo, snapshot, each on a
real server and as each kind of login (the server alone decides what a login may do; the command says why in
Chinese before the server has to refuse)."""
from __future__ import annotations

import json

import psycopg
import pytest

from db import catalog_store
from db.errors import LedgerError
from db.ledger import Ledger
from db.pg.backup import PREFIX, SUFFIX
from tests.cli.helpers import run


def _clean(code, err):
    assert "Traceback" not in err and "内部错误" not in err, err
    return code


def test_everyone_lists_the_catalog_and_only_the_admin_changes_it(people, capsys):
    for who in ("officer", "viewer", "admin"):
        code, out, err = run(capsys, "catalog", "--db", people[who], "--json", "list")
        assert _clean(code, err) == 0 and "高新技术企业" in out and "积玉桥" in json.loads(out)["streets"]
    for who, said in (("officer", "您是专员"), ("viewer", "查看者")):
        for argv in (("add-stage", "zjtx", "newkey", "新类别"), ("edit-stage", "高新技术企业", "--months", "12"),
                     ("street", "新街道")):
            code, _, err = run(capsys, "catalog", "--db", people[who], *argv)
            assert _clean(code, err) == 2 and said in err and ("只有共享台账的管理员" in err or "只能查看" in err), err
    code, out, err = run(capsys, "catalog", "--db", people["admin"], "add-stage", "zjtx", "newkey", "新类别",
                         "--months", "24")
    assert _clean(code, err) == 0 and "已新增认定类别“新类别”" in out
    code, out, err = run(capsys, "catalog", "--db", people["admin"], "edit-stage", "新类别", "--alias", "新别名")
    assert _clean(code, err) == 0 and "已修改" in out
    code, out, err = run(capsys, "catalog", "--db", people["admin"], "street", "新街道")
    assert _clean(code, err) == 0
    code, _, err = run(capsys, "catalog", "--db", people["admin"], "add-stage", "zjtx", "newkey", "又一个")
    assert _clean(code, err) == 2 and "重名" in err
    code, out, _ = run(capsys, "catalog", "--db", people["officer"], "--json", "list")
    listed = json.loads(out)
    assert "新街道" in listed["streets"]
    assert any(s["name"] == "新类别" and s["aliases"] == ["新别名"] for t in listed["tracks"] for s in t["stages"])


def test_the_server_itself_refuses_an_officers_catalog_change(people):
    """Past the command's own check (another client, an old version): the server refuses, nothing changes."""
    with Ledger(people["officer"]) as led:
        with pytest.raises(LedgerError, match="权限不足，服务器拒绝了此操作"):
            with led.write("person") as w:
                catalog_store.set_street(w, "专员偷加的街道", active=True)
    with psycopg.connect(people["super"]) as conn:
        assert conn.execute("SELECT count(*) FROM streets WHERE name = '专员偷加的街道'").fetchone()[0] == 0


def remember_a_mapping(capsys, tmp_path, url, name="积玉桥记住映射科技有限公司") -> int:
    """An officer's import that remembers its column mapping; its batch."""
    path = tmp_path / f"{name}.csv"
    path.write_text(f"公司全称,信用代码,街道\n{name},,积玉桥\n", encoding="utf-8")
    code, out, err = run(capsys, "import", path, "--db", url, "--map", "公司全称=name", "--map", "信用代码=code",
                         "--map", "街道=street", "--remember-map", "--json")
    assert _clean(code, err) == 0, err
    return json.loads(out)["batch"]


def listed_mappings(capsys, url) -> list[dict]:
    code, out, err = run(capsys, "mappings", "--db", url, "--json")
    assert _clean(code, err) == 0, err
    return json.loads(out)


def test_remembered_mappings_are_the_ledgers_for_everyone_to_read_and_a_viewer_cannot_forget(people, capsys,
                                                                                          tmp_path):
    remember_a_mapping(capsys, tmp_path, people["officer"])
    for who in ("viewer", "admin", "officer", "all"):
        found = listed_mappings(capsys, people[who])
        assert len(found) == 1 and found[0]["mapping"]["公司全称"] == "name", who
    code, _, err = run(capsys, "mappings", "--db", people["viewer"], "--forget", "all")
    assert _clean(code, err) == 2 and "查看者" in err
    code, out, err = run(capsys, "mappings", "--db", people["officer"], "--forget", found[0]["signature"])
    assert _clean(code, err) == 0 and "已忘记 1 个" in out
    assert listed_mappings(capsys, people["admin"]) == []
    with psycopg.connect(people["super"]) as conn:
        who = conn.execute("SELECT login FROM audit WHERE entity = 'mapping' AND action = 'forget'").fetchall()
    assert who == [(people["logins"]["officer"],)]


def test_an_officer_undoes_an_import_that_remembered_a_mapping(people, capsys, tmp_path):
    """Undoing the import forgets the mapping it remembered (the officer deletes that meta row)."""
    batch = remember_a_mapping(capsys, tmp_path, people["officer"])
    code, out, err = run(capsys, "undo", batch, "--db", people["officer"])
    assert _clean(code, err) == 0, err
    assert listed_mappings(capsys, people["officer"]) == []


def test_an_officer_may_delete_no_other_setting_of_the_ledger(people):
    """The officer's DELETE on meta reaches the mapping rows only: the ledger's own settings are not theirs."""
    with psycopg.connect(people["officer"], autocommit=True) as conn:
        assert conn.execute("DELETE FROM meta WHERE key NOT LIKE 'mapping:%%'").rowcount == 0
    with psycopg.connect(people["super"]) as conn:
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'ledger_id'").fetchone()[0] == 1


def test_backups_lists_the_dumps_backup_made_of_this_ledger(people, pg_db, capsys, tmp_path):
    _, name = pg_db
    folder = tmp_path / "备份"
    code, _, err = run(capsys, "backups", "--db", people["viewer"], "--dir", folder)
    assert _clean(code, err) == 0
    code, out, err = run(capsys, "backup", "--db", people["super"], "--to", folder)
    assert _clean(code, err) == 0, err
    (folder / f"{PREFIX.format(name=name + '_other')}20240101-000000{SUFFIX}").write_bytes(b"another ledger's")
    (folder / f"{PREFIX.format(name=name)}20240101-000000{SUFFIX}").write_bytes(b"not a dump")
    code, out, err = run(capsys, "backups", "--db", people["viewer"], "--dir", folder, "--check")
    lines = [line for line in out.splitlines() if line.endswith(("完好（", "损坏！")) or SUFFIX in line]
    assert code == 1 and "有 1 个备份已损坏" in err and len(lines) == 2, out      # a script sees the damage
    assert "完好" in lines[0] and "已损坏" in lines[1] and "2024-01-01 00:00:00" in lines[1]
    code, out, err = run(capsys, "backups", "--db", people["officer"], "--dir", folder, "--json")
    listed = json.loads(out)["backups"]
    assert _clean(code, err) == 0 and len(listed) == 2 and all(b["ok"] is None for b in listed)


def test_unlock_says_the_server_has_no_file_lock(people, pg_db, capsys):
    code, out, err = run(capsys, "unlock", "--db", people["officer"])
    assert _clean(code, err) == 0 and "共享台账没有写入锁" in out
    code, _, err = run(capsys, "unlock", "--db", pg_db[0].url_for("postgres"))
    assert _clean(code, err) == 2 and "还不是星图共享台账" in err


def test_demo_fills_an_empty_shared_ledger_only(pg_url, capsys):
    code, _, err = run(capsys, "demo", "--db", pg_url, "--firms", "300")
    assert _clean(code, err) == 2 and "还不是星图共享台账" in err and "init" in err
    assert run(capsys, "init", "--db", pg_url)[0] == 0
    code, out, err = run(capsys, "demo", "--db", pg_url, "--firms", "300", "--seed", "7")
    assert _clean(code, err) == 0 and "企业 300 家" in out, err
    code, _, err = run(capsys, "demo", "--db", pg_url, "--firms", "300")
    assert _clean(code, err) == 2 and "已有数据" in err
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM firms").fetchone()[0] == 300


@pytest.mark.gui
@pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")
def test_snapshot_draws_what_the_login_may_read(people, qapp, capsys, tmp_path):
    from PySide6.QtGui import QImage
    with psycopg.connect(people["super"]) as conn:
        audit = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    code, out, err = run(capsys, "snapshot", "--db", people["officer"], "--out", tmp_path / "shots")
    assert _clean(code, err) == 0, err
    names = sorted(p.name for p in (tmp_path / "shots").iterdir())
    assert names == ["dashboard.png", "firm.png", "help.png", "import.png", "ledger.png"]
    assert QImage(str(tmp_path / "shots" / "ledger.png")).width() == 1366
    with psycopg.connect(people["super"]) as conn:           # only read: not even an audit row
        assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit
