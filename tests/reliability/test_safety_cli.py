"""The backup, restore, backups and audit commands."""
from __future__ import annotations

import json
import sqlite3

import pytest

from db.ledger import Ledger
from desktop.cli import main

CODE = "91420106MA4K3B5E2N"


@pytest.fixture
def led_path(tmp_path, monkeypatch):
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "ledger.db"
    with Ledger(path, officer="王专员") as led:
        with led.write("person") as w:
            fid = w.insert_firm("武汉星图科技有限公司", CODE)
            w.insert_firm("乙公司")
        with led.write("person") as w:
            w.update_firm(fid, revenue=2100.5)
            w.remove_firm(fid)
    return path


def _names(path):
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM firms WHERE deleted_at IS NULL ORDER BY id")]
    finally:
        conn.close()


def test_backup_backups_restore_round_trip(led_path, tmp_path, capsys):
    assert main(["backup", "--db", str(led_path), "--to", str(tmp_path / "bk")]) == 0
    out = capsys.readouterr().out
    assert "已备份到" in out and "企业 1 家" in out and "已通过完整性检查" in out
    with Ledger(led_path) as led:
        with led.write("person") as w:
            w.insert_firm("丙公司")
    assert main(["backups", "--db", str(led_path), "--dir", str(tmp_path / "bk"), "--json", "--check"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [(b["reason"], b["firms"], b["ok"]) for b in listing["backups"]] == [("manual", 1, True)]
    assert main(["restore", listing["backups"][0]["path"], "--db", str(led_path), "--dir", str(tmp_path / "bk")]) == 0
    out = capsys.readouterr().out
    assert "已从" in out and "恢复前的台账已备份为" in out and "企业 2 家" in out
    assert _names(led_path) == ["乙公司"]
    assert main(["backups", "--db", str(led_path), "--dir", str(tmp_path / "bk")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"备份文件夹：{tmp_path / 'bk'}"
    assert "恢复前" in lines[1] and "企业 2 家" in lines[1] and "手动" in lines[2] and "企业 1 家" in lines[2]


def test_backup_default_folder_and_remember(led_path, tmp_path, capsys):
    assert main(["backup", "--db", str(led_path)]) == 0
    assert str(tmp_path / "data" / "backups") in capsys.readouterr().out
    assert main(["backup", "--db", str(led_path), "--to", str(tmp_path / "nas"), "--remember"]) == 0
    capsys.readouterr()
    assert main(["backups", "--db", str(led_path)]) == 0
    assert f"备份文件夹：{(tmp_path / 'nas').resolve()}" in capsys.readouterr().out


def test_restore_missing_backup_exit_2(led_path, tmp_path, capsys):
    assert main(["restore", str(tmp_path / "nope.db"), "--db", str(led_path)]) == 2
    assert "备份文件不存在" in capsys.readouterr().err


def test_audit_by_firm_and_since(led_path, capsys):
    assert main(["audit", "--db", str(led_path), "--firm", CODE.lower()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert "新增企业 武汉星图科技有限公司（91420106MA4K3B5E2N）" in lines[0]
    assert "修改企业" in lines[1] and "revenue: （空） → 2100.5" in lines[1]
    assert "移入回收站企业" in lines[2] and "[手工录入]" in lines[2]
    assert all("/王专员" in line for line in lines)
    assert main(["audit", "--db", str(led_path), "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out.strip() == "没有符合条件的修改记录"
    assert main(["audit", "--db", str(led_path), "--json", "--limit", "2"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["action"], r["entity"]) for r in rows] == [("update", "firm"), ("delete", "firm")]
    assert rows[0]["before"] == {"revenue": None} and rows[0]["after"] == {"revenue": 2100.5}


def test_audit_unknown_firm_and_bad_date(led_path, capsys):
    assert main(["audit", "--db", str(led_path), "--firm", "91420106MA4K000009"]) == 2
    assert "没有统一社会信用代码为 91420106MA4K000009 的企业" in capsys.readouterr().err
    assert main(["audit", "--db", str(led_path), "--since", "昨天"]) == 2
    assert "--since 的日期“昨天”无法识别" in capsys.readouterr().err


def test_audit_log_cannot_be_edited(led_path):
    conn = sqlite3.connect(led_path)
    with pytest.raises(sqlite3.DatabaseError, match="审计日志不可修改"):
        conn.execute("UPDATE audit SET os_user = 'x'")
    conn.close()


def test_backups_check_exits_non_zero_when_a_backup_is_damaged(led_path, tmp_path, capsys):
    """`backups --check` marked a damaged backup 已损坏！ and exited 0: a scheduled script checking the backups saw
    nothing wrong. It now exits 1 and says how many on stderr, with --json too."""
    assert main(["backup", "--db", str(led_path), "--to", str(tmp_path / "bk")]) == 0
    capsys.readouterr()
    assert main(["backups", "--db", str(led_path), "--dir", str(tmp_path / "bk"), "--check"]) == 0
    (copy,) = (tmp_path / "bk").glob("*.db")
    data = bytearray(copy.read_bytes())
    data[len(data) // 2: len(data) // 2 + 512] = b"\xff" * 512
    copy.write_bytes(bytes(data))
    capsys.readouterr()
    for extra in ([], ["--json"]):
        assert main(["backups", "--db", str(led_path), "--dir", str(tmp_path / "bk"), "--check", *extra]) == 1
        assert "有 1 个备份已损坏" in capsys.readouterr().err
